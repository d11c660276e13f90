"""Run upstream test files, each in its own pytest process (a crash or a hang costs one file only).

A file's tests that never reported (timeout, crash) count as failed; a file that cannot even be
collected counts its `def test_*` functions (read from the source) as failed, or as excluded when
what broke the import was a Keras internal.
"""

import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from conformance.keras_suite import sdist

INI = "[pytest]\npython_files = *_test.py\nfilterwarnings =\n    ignore::DeprecationWarning\n"


@dataclass
class FileResult:
    rel: str
    tests: list = field(default_factory=list)  # one record per test: nodeid, outcome, cause/reason
    seconds: float = 0.0
    note: str = ""

    def count(self, outcome):
        return sum(1 for t in self.tests if t["outcome"] == outcome)

    @property
    def collected(self):
        return len(self.tests)


def _ini_path():
    path = sdist.cache_dir() / "suite_pytest.ini"
    if not path.is_file() or path.read_text() != INI:
        path.write_text(INI)
    return path


def pytest_command(root, rel, extra=(), node=None):
    target = str(root / "keras" / "src" / rel) + (f"::{node}" if node else "")
    return [sys.executable, "-m", "pytest", "-p", "conformance.keras_suite.plugin", "-c", str(_ini_path()),
            "--rootdir", str(root), "-p", "no:cacheprovider", target, *extra]


def suite_env(root, threads=None, results=None):
    env = dict(os.environ, KERAS_SUITE_SDIST=str(root), KERAS_BACKEND="torch", PYTHONDONTWRITEBYTECODE="1")
    repo = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if threads:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    if results:
        env["KERAS_SUITE_RESULTS"] = str(results)
    return env


def static_test_count(path):
    """How many test functions a file defines (parametrized ones count once)."""
    try:
        tree = ast.parse(Path(path).read_text())
    except SyntaxError:
        return 1
    names = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
             and n.name.startswith("test")]
    return max(len(names), 1)


def run_file(root, rel, timeout=300, threads=None):
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.jsonl"
        log = Path(tmp) / "log.txt"
        start = time.monotonic()
        note = ""
        with open(log, "w") as out:
            proc = subprocess.Popen(pytest_command(root, rel, ["-q", "--tb=line"]), stdout=out,
                                    stderr=subprocess.STDOUT, env=suite_env(root, threads, results),
                                    start_new_session=True)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()
                code, note = None, f"timeout after {timeout} s"
        seconds = time.monotonic() - start
        records = [json.loads(line) for line in results.read_text().splitlines()] if results.is_file() else []
        tail = log.read_text(errors="replace")[-1500:]
    if code not in (None, 0, 1, 5) and not note:
        note = f"pytest exited {code}"
    return _assemble(root, rel, records, seconds, note, tail)


def _assemble(root, rel, records, seconds, note, tail):
    result = FileResult(rel, seconds=seconds, note=note)
    collected = [n for r in records if r["kind"] == "collected" for n in r["nodeids"]]
    reported = {r["nodeid"]: r for r in records if r["kind"] == "test"}
    errors = [r for r in records if r["kind"] == "collect_error"]
    for nodeid in collected:
        if nodeid in reported:
            result.tests.append(reported.pop(nodeid))
        else:
            cause = note or "crashed before reporting"
            result.tests.append({"nodeid": nodeid, "outcome": "failed", "cause": cause, "message": cause})
    result.tests.extend(reported.values())
    for error in errors if collected else ():
        outcome = "excluded" if error.get("excluded") else "failed"
        result.tests.append({"nodeid": error["nodeid"] or rel, "outcome": outcome, "reason": error.get("excluded"),
                             "cause": "collection error", "message": error["message"]})
    if not collected and (errors or note or not records):
        error = errors[0] if errors else {"excluded": None, "message": note or tail.strip()[-300:]}
        n = static_test_count(root / "keras" / "src" / rel)
        outcome = "excluded" if error.get("excluded") else "failed"
        if errors or not result.note:
            result.note = ("import excluded: " if error.get("excluded") else "import failed: ") + \
                (error.get("excluded") or error["message"])[:200]
        for i in range(n):
            record = {"nodeid": f"{rel}::<import #{i + 1} of {n}>", "outcome": outcome}
            if outcome == "excluded":
                record["reason"] = error["excluded"]
            else:
                record.update(cause="import error", message=error["message"])
            result.tests.append(record)
    return result


def run_verbose(root, rel, extra=(), node=None):
    """One file (or one `Class::test` of it) with pytest's own full output, for debugging."""
    cmd = pytest_command(root, rel, ["-v", "--tb=short", "-rfEs", *extra], node)
    return subprocess.call(cmd, env=suite_env(root))
