"""One warning per Keras 2 idiom a ported script uses."""

import sys
import warnings


class Keras2DeprecationWarning(DeprecationWarning):
    """A Keras 2 API that Keras 3 removed and torchkeras keeps for porting."""


# DeprecationWarning is hidden outside __main__ by default; these should reach the user once,
# unless they configured warnings themselves (-W / PYTHONWARNINGS).
if not sys.warnoptions:
    warnings.filterwarnings("default", category=Keras2DeprecationWarning)

_warned = set()


def warn_once(key, message, stacklevel=3):
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn(message, Keras2DeprecationWarning, stacklevel=stacklevel)
