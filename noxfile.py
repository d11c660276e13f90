"""Sessions: tests (unit + conformance), conformance (the report), lint, quickstart (the main job), bench."""

import os

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True
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
    session.run("python", "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider", *session.posargs)
    session.run("python", "-m", "pytest", "conformance/tests", "-q", "-p", "no:cacheprovider", *session.posargs)
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
    # The demo succeeds when every mismatch left is a documented known difference.
    session.run("python", "-m", "conformance", "--failures-only", "--known-ok")


@nox.session(python=PY)
def bench(session):
    """The benchmark report: torchkeras vs hand-written torch, Keras 3 (torch) and tf.keras;
    writes benchmarks/results.md and benchmarks/chart.png (`nox -s bench -- mlp` for one bench)."""
    _install(session, "conformance", "examples")
    env = {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    session.run("python", "-m", "benchmarks", *session.posargs, env=env)
