"""Sessions: tests (unit + conformance), conformance (the full report), lint, quickstart (the main job),
bench, keras-suite (Keras's own unit tests against torchkeras)."""

import os

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True
# A machine without Python 3.11 must fail loudly, not pass with nothing run.
nox.options.error_on_missing_interpreters = True
PY = "3.11"
CONSTRAINTS = ("-c", "constraints.txt")


def _install(session, *extras):
    session.install(*CONSTRAINTS, "torch")
    target = "." if not extras else f".[{','.join(extras)}]"
    session.install(*CONSTRAINTS, "-e", target)


@nox.session(python=PY)
def tests(session):
    """The whole test suite: torch-only unit tests, then conformance against real tf.keras."""
    _install(session, "conformance", "dev", "examples")
    # Both suites in one pytest run, spread over the cores (xdist), the 20 slowest tests listed.
    workers = os.environ.get("TORCHKERAS_TEST_WORKERS", "auto")
    session.run("python", "-m", "pytest", "tests", "conformance/tests", "-q", "-p", "no:cacheprovider",
                "-n", workers, "--dist", "loadfile", "--durations", "20", *session.posargs,
                env={"OMP_NUM_THREADS": "1"})
    session.run("ruff", "check", "torchkeras", "conformance", "tests", "examples", "benchmarks")


@nox.session(python=PY)
def conformance(session):
    """The conformance report: one row per case, then totals."""
    _install(session, "conformance")
    session.run("python", "-m", "conformance", *session.posargs)


@nox.session(python=PY)
def lint(session):
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", "torchkeras", "conformance", "tests", "examples", "benchmarks")


@nox.session(python=PY)
def quickstart(session):
    """The main job: train the seed's MLP on scikit-learn's digits, then print the conformance summary."""
    _install(session, "conformance", "examples")
    session.run("python", "examples/quickstart.py")
    # A representative subset (every layer class once, plus fits); `nox -s conformance` runs all cases.
    session.run("python", "-m", "conformance", "--quick", "--failures-only", "--known-ok")


@nox.session(python=PY)
def bench(session):
    """The benchmark report: torchkeras vs hand-written torch, Keras 3 (torch) and tf.keras;
    writes benchmarks/results.md and benchmarks/chart.png (`nox -s bench -- mlp` for one bench)."""
    _install(session, "conformance", "examples")
    env = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    session.run("python", "-m", "benchmarks", *session.posargs, env=env)


@nox.session(name="keras-suite", python=PY)
def keras_suite(session):
    """Keras 3.15.1's own unit tests (from the keras sdist, cached outside the repo) against torchkeras:
    a per-file table, totals, exclusions and public-name coverage (`nox -s keras-suite -- layers/core`)."""
    _install(session, "conformance", "dev")
    out = os.path.join(session.create_tmp(), "keras_suite.md")
    # --install-test-deps: jax, grain and pandas, which some upstream test files import at module level,
    # go into the suite's cache folder (not this environment); ops/numpy_test.py needs the long timeout.
    session.run("python", "-m", "conformance.keras_suite", "-j", "2", "--timeout", "600", "--install-test-deps",
                "--out", out, *session.posargs, env={"OMP_NUM_THREADS": "1"}, success_codes=[0, 1])
    print(f"report: {out}")


@nox.session(python=PY)
def porting(session):
    """The porting corpus: real Keras scripts under `python -m torchkeras run` and under real Keras."""
    _install(session, "conformance", "dev", "examples")
    # The Keras-2 scripts' reference runs under tf_keras; it declares `tensorflow`, whose modules
    # tensorflow-cpu already provides, hence --no-deps.
    session.install("--no-deps", *CONSTRAINTS, "tf-keras")
    session.run("python", "-m", "conformance.porting_corpus", "--jobs", "2", *session.posargs,
                env={"OMP_NUM_THREADS": "1"})
