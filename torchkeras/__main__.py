"""`python -m torchkeras run script.py [args...]`."""

import sys

from torchkeras.cli import main

sys.exit(main())
