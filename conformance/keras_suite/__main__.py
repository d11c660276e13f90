"""`python -m conformance.keras_suite [paths-or-globs...] [-j N] [--out FILE] [--timeout S] [--verbose]`

Runs Keras 3.15.1's own unit tests (from its sdist) against torchkeras, each file in its own pytest
process, and writes a markdown report (per-file table, totals, exclusions, failure groups, public-name
coverage). Paths are relative to keras/src: `layers/core/dense_test.py`, `layers/rnn`, `losses/*`.
`--verbose FILE [-- PYTEST_ARGS]` runs one file with pytest's full output instead (e.g. `-- -k bias`).
Exit status: 0 when every test that ran passed, 1 otherwise.
"""

import argparse
import fnmatch
import json
import shlex
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from conformance.keras_suite import apimap, report, runner, sdist


def select(root, patterns):
    files = sdist.all_test_files(root)
    if not patterns:
        return files
    chosen = []
    for raw in patterns:
        pat = raw.split("::")[0].removeprefix("keras/src/").rstrip("/")
        hits = [f for f in files if f == pat or fnmatch.fnmatch(f, pat) or f.startswith(pat + "/")
                or fnmatch.fnmatch(f, pat + "/*")]
        if not hits:
            raise SystemExit(f"No in-scope Keras test file matches {raw!r} (paths are relative to keras/src, "
                             f"e.g. layers/core/dense_test.py; out of scope: {', '.join(sdist.OUT_OF_SCOPE)}).")
        chosen += [f for f in hits if f not in chosen]
    return chosen


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m conformance.keras_suite", description=__doc__.split("\n\n")[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", help="test files, folders or globs relative to keras/src (default: all)")
    p.add_argument("-j", "--workers", type=int, default=1, help="files run in parallel (default 1)")
    p.add_argument("--out", help="markdown report path (default: <cache>/results/latest.md)")
    p.add_argument("--timeout", type=int, default=600, help="seconds per file; tests left count as failed")
    p.add_argument("--verbose", action="store_true", help="run ONE file with pytest's full output")
    p.add_argument("--install-test-deps", action="store_true",
                   help=f"pip-install Keras's test-only imports ({', '.join(sdist.TEST_DEPS)}) into the cache first")
    p.add_argument("--update", metavar="JSON",
                   help="start from a previous run's .json (written beside its report): the selected files "
                        "are rerun and replace their rows, the others are kept")
    p.add_argument("--no-coverage", action="store_true", help="leave the public-name coverage out")
    return p.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    extra = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1:]
    args = parse(argv)
    root = sdist.sdist_root()
    if args.install_test_deps:
        sdist.install_test_deps()
    apimap.ensure_map()
    files = select(root, args.paths)
    if args.verbose:
        if len(files) != 1:
            raise SystemExit(f"--verbose runs one file; {len(files)} matched: {files[:5]}")
        node = args.paths[0].split("::", 1)[1] if "::" in args.paths[0] else None
        return runner.run_verbose(root, files[0], extra, node)

    out = Path(args.out) if args.out else sdist.cache_dir() / "results" / "latest.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    threads = max(1, 2 // max(args.workers, 1))
    command = "python -m conformance.keras_suite " + shlex.join(sys.argv[1:] if argv is None else argv)
    results, start = [], time.monotonic()
    kept = []
    if args.update:
        previous = json.loads(Path(args.update).read_text())
        kept = [runner.FileResult(r["file"], r["tests"], r["seconds"], r["note"]) for r in previous
                if r["file"] not in files]
    # Biggest files first, so that a slow one does not run alone at the end.
    order = sorted(files, key=lambda f: -(root / "keras" / "src" / f).stat().st_size)
    with ThreadPoolExecutor(max_workers=max(args.workers, 1)) as pool:
        futures = {pool.submit(runner.run_file, root, f, args.timeout, threads): f for f in order}
        for i, fut in enumerate(as_completed(futures), start=1):
            r = fut.result()
            results.append(r)
            print(f"[{i:3}/{len(files)}] {r.rel}: {r.collected} collected, {r.count('passed')} passed, "
                  f"{r.count('failed')} failed, {r.count('excluded')} excluded, {r.count('skipped')} skipped "
                  f"({r.seconds:.1f} s){' - ' + r.note if r.note else ''}", flush=True)
            out.write_text(report.markdown(kept + results, command=command, with_coverage=False))
    results = kept + results
    elapsed = None if args.update else time.monotonic() - start
    text = report.markdown(results, elapsed, command, with_coverage=not args.no_coverage)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(
        [{"file": r.rel, "seconds": r.seconds, "note": r.note, "tests": r.tests} for r in results], indent=1))
    t = report.totals(results)
    print(f"\nTotal: {t['collected']} collected, {t['passed']} passed, {t['failed']} failed, "
          f"{t['excluded']} excluded, {t['skipped']} skipped")
    print(f"Report: {out}")
    return 0 if t["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
