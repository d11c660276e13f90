"""pytest plugin for one suite process: `python -m pytest -p conformance.keras_suite.plugin ...`.

Installs the `keras` shim before collection, gives Keras's own markers their torch-backend meaning,
and classifies every test: passed / failed / skipped, or EXCLUDED when it failed on a Keras internal
(KerasInternalUse anywhere in the exception chain, a private attribute read by the test itself, or a
patched keras.src module). Excluded tests are reported to pytest as skips whose reason starts with
"EXCLUDED", and all outcomes go, one JSON line per test, to $KERAS_SUITE_RESULTS when it is set.
"""

import importlib
import json
import os
import re
import sys
import traceback
from pathlib import Path

import pytest

from conformance.keras_suite import sdist, shim
from conformance.keras_suite.placeholders import EVENTS, KerasInternalUse, MissingPublicName

SDIST = Path(os.environ.get("KERAS_SUITE_SDIST") or sdist.sdist_root())
shim.install(SDIST)
sdist.add_test_deps_path()
# Keras's tests rely on what importing Keras does and on its repository's conftest.py: numpy knows
# bfloat16 once ml_dtypes (a Keras dependency) is imported, and `from conftest import skip_if_backend`.
import ml_dtypes  # noqa: E402,F401

from conformance.keras_suite.testing import conftest_port  # noqa: E402

sys.modules.setdefault("conftest", conftest_port)
_OUT = os.environ.get("KERAS_SUITE_RESULTS")
_TORCHKERAS = str(Path(importlib.import_module("torchkeras").__file__).parent)
_state = {}


def _emit(record):
    if _OUT:
        with open(_OUT, "a") as f:
            f.write(json.dumps(record) + "\n")


class SdistModule(pytest.Module):
    """An upstream test file, imported under its Keras name (`keras.src.layers.core.dense_test`)
    through the shim: the sdist's `keras/` has no `__init__.py`, so pytest's own import would
    run `keras/src/__init__.py` as a top-level package `src`."""

    def _getobj(self):
        rel = self.path.relative_to(SDIST).with_suffix("")
        return importlib.import_module(".".join(rel.parts))


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path, parent):
    if path.is_relative_to(SDIST):
        return pytest.Dir.from_parent(parent, path=path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path, parent):
    if module_path.is_relative_to(SDIST) and module_path.name.endswith("_test.py"):
        return SdistModule.from_parent(parent, path=module_path)
    return None


def pytest_configure(config):
    config.addinivalue_line("markers", "requires_trainable_backend: needs a backend that trains (torch does)")
    config.addinivalue_line("markers", "multi_device: needs several accelerator devices")


def pytest_collection_modifyitems(config, items):
    import torch

    devices = torch.cuda.device_count()
    for item in items:
        if "multi_device" in item.keywords and devices < 2:
            item.add_marker(pytest.mark.skip(reason=f"needs several devices; this machine has {devices}"))
    _emit({"kind": "collected", "nodeids": [item.nodeid for item in items]})


def pytest_collectreport(report):
    if report.failed:
        text = str(report.longrepr)
        _emit({"kind": "collect_error", "nodeid": report.nodeid, "excluded": _internal_in_text(text),
               "message": _last_error_line(text)})


def _internal_in_text(text):
    marker = "Keras internal `"
    if marker not in text:
        return None
    return "uses Keras internal " + text.split(marker, 1)[1].split("`", 1)[0] + " at import"


def _last_error_line(text):
    lines = [ln for ln in text.splitlines() if ln.startswith("E ")]
    return (lines[-1][1:].strip() if lines else text.strip().splitlines()[-1] if text.strip() else "")[:400]


def _chain(exc):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _exclusion(excinfo):
    """The reason a failure is a Keras-internal one, or None."""
    chain = _chain(excinfo.value)
    for exc in chain:
        if isinstance(exc, KerasInternalUse):
            return f"uses Keras internal {exc.internal_name}"
    if any(isinstance(exc, MissingPublicName) for exc in chain):
        return None
    exc = excinfo.value
    name = getattr(exc, "name", None) if isinstance(exc, AttributeError) else None
    if isinstance(exc, AttributeError) and not name:  # torch's nn.Module raises it without `name`
        found = re.search(r"has no attribute '(\w+)'", str(exc))
        name = found.group(1) if found else None
    if name and name.startswith("_") and not name.endswith("__"):
        # Who asked: the innermost frame of the tests or of torchkeras (torch's nn.Module.__getattr__,
        # which raises it, is neither). A private name torchkeras itself lacks is its own bug.
        frames = [f for f in traceback.extract_tb(excinfo.tb)
                  if f.filename.startswith(str(SDIST)) or f.filename.startswith(_TORCHKERAS)]
        if frames and frames[-1].filename.startswith(str(SDIST)):
            owner = getattr(exc, "obj", None)
            found = re.search(r"'(\w+)' object has no attribute", str(exc))
            owner = type(owner).__name__ if owner is not None else found.group(1) if found else "object"
            return f"reads private attribute {owner}.{name}"
    for kind, detail in EVENTS:
        if kind == "patched":
            return f"patches Keras module attribute {detail}"
    return None


def _failure(excinfo):
    chain = _chain(excinfo.value)
    for exc in chain:
        if isinstance(exc, MissingPublicName):
            return {"cause": f"missing {exc.public_path}", "message": str(exc)[:400]}
    exc = excinfo.value
    where = ""
    for frame in reversed(traceback.extract_tb(excinfo.tb)):
        if "/torchkeras/" in frame.filename:
            where = f"{frame.filename.split('/torchkeras/', 1)[1]}:{frame.lineno}"
            break
    first = (str(exc).strip().splitlines() or [""])[0]
    return {"cause": type(exc).__name__, "message": f"{type(exc).__name__}: {first}"[:400], "where": where}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and not isinstance(report.longrepr, tuple):
        reason = _exclusion(call.excinfo)
        if reason:
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"EXCLUDED: {reason}")
            _state.setdefault(item.nodeid, {})["excluded"] = reason
        else:
            _state.setdefault(item.nodeid, {}).setdefault("failure", _failure(call.excinfo))


def pytest_runtest_setup(item):
    EVENTS.clear()


def pytest_runtest_logreport(report):
    info = _state.setdefault(report.nodeid, {})
    if report.failed:
        info["failed"] = True
    elif report.skipped and "excluded" not in info:
        info.setdefault("skipped", str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else "")
    if report.when != "teardown":
        return
    if info.get("failed"):
        outcome = "failed"
    elif "excluded" in info:
        outcome = "excluded"
    elif "skipped" in info:
        outcome = "skipped"
    else:
        outcome = "passed"
    record = {"kind": "test", "nodeid": report.nodeid, "outcome": outcome, "seconds": None}
    if outcome == "failed":
        record.update(info.get("failure") or {"cause": "error", "message": str(report.longrepr)[-400:]})
    elif outcome == "excluded":
        record["reason"] = info["excluded"]
    elif outcome == "skipped":
        record["reason"] = info["skipped"][:300]
    _emit(record)
    _state.pop(report.nodeid, None)
