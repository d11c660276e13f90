"""The `torchkeras` command: `torchkeras run script.py [args...]` (or `python -m torchkeras run ...`)
runs an unmodified Keras / tf.keras script on torchkeras."""

import argparse
import sys

_USAGE = """torchkeras run script.py [args...]     run a Keras / tf.keras script on torchkeras
torchkeras run -m module [args...]     the same for `python -m module`
torchkeras --version"""


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="torchkeras", usage=_USAGE,
                                     description="Keras on PyTorch: run Keras scripts unmodified.")
    parser.add_argument("--version", action="store_true", help="print the torchkeras version")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run a Keras script with `keras` / `tensorflow.keras` served by torchkeras",
                         usage="torchkeras run [-m module | script.py] [args...]")
    run.add_argument("-m", dest="module", help="run a module as `python -m` does")
    run.add_argument("script", nargs="?", help="the Python script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    # Everything after the script belongs to the script, including options like --epochs.
    head, tail = _split(argv)
    opts = parser.parse_args(head)
    if opts.version:
        import torchkeras
        print(f"torchkeras {torchkeras.__version__}")
        return 0
    if opts.command != "run":
        parser.print_help()
        return 2
    from torchkeras import porting
    if opts.module:
        porting.run_module(opts.module, ([opts.script] if opts.script else []) + tail)
    elif opts.script:
        porting.run_path(opts.script, tail)
    else:
        parser.error("run: give a script to run, e.g. `torchkeras run train.py --epochs 2`")
    return 0


def _split(argv):
    """Split at the script (or `-m module`): argparse must not parse the script's own options."""
    if not argv or argv[0] != "run":
        return argv, []
    rest = argv[1:]
    if rest[:1] == ["-m"] and len(rest) >= 2:
        return argv[:3], rest[2:]
    for i, a in enumerate(rest):
        if not a.startswith("-"):
            return argv[:i + 2], rest[i + 1:]
    return argv, []


if __name__ == "__main__":
    sys.exit(main())
