"""The suite's markdown report: totals, per-file table, exclusions, failure groups, public-name coverage."""

import re
from collections import Counter, defaultdict

from conformance.keras_suite import apimap
from conformance.keras_suite.sdist import KERAS_VERSION

OUTCOMES = ("passed", "failed", "excluded", "skipped")
# Pretrained-model constructors are out of the suite's scope (applications/ tests are not run).
COVERAGE_SKIP = ("keras.applications",)


def totals(results):
    counts = Counter(t["outcome"] for r in results for t in r.tests)
    counts["collected"] = sum(r.collected for r in results)
    return counts


def _row(name, counts, extra=""):
    return f"| {name} | {counts['collected']} | " + " | ".join(str(counts[o]) for o in OUTCOMES) + f" | {extra} |"


def failure_cause(test):
    """A grouping key for a failed test: the missing name where there is one, else the error's kind."""
    cause, message = test.get("cause", ""), test.get("message", "")
    if cause.startswith("missing "):
        return cause
    m = re.search(r"torchkeras lacks `([\w.]+)`", message)
    if m:
        return f"missing {m.group(1)} (used at import: the file's tests all fail)"
    m = re.search(r"'(\w+)' object has no attribute '(\w+)'", message) or \
        re.search(r"module '([\w.]+)' has no attribute '(\w+)'", message)
    if m and cause == "AttributeError":
        return f"missing attribute {m.group(1)}.{m.group(2)}"
    m = re.search(r"got an unexpected keyword argument '(\w+)'", message)
    if m:
        return f"{cause}: unexpected keyword argument '{m.group(1)}'"
    text = re.sub(r"\d+(\.\d+)?", "#", message.split(":", 1)[-1].strip())[:90]
    return f"{cause}: {text}" if cause not in ("", None) else text


def coverage():
    """{public module: (names, [missing names])} for Keras's exports, looked up in torchkeras."""
    table = {}
    for module, names in sorted(apimap.public_modules().items()):
        if module.startswith(COVERAGE_SKIP):
            continue
        exported = sorted(n for n, kind in names.items() if kind != "module")
        if not exported:
            continue
        missing = [n for n in exported if apimap.resolve(f"{module}.{n}") is apimap.ABSENT]
        table[module] = (len(exported), missing)
    return table


def markdown(results, elapsed=None, command=None, with_coverage=True):
    t = totals(results)
    lines = [f"# Keras {KERAS_VERSION} unit tests against torchkeras", ""]
    if command:
        lines += [f"Command: `{command}`", ""]
    share = t["excluded"] / t["collected"] if t["collected"] else 0.0
    run = t["collected"] - t["excluded"] - t["skipped"]
    rate = t["passed"] / run if run else 0.0
    lines += [f"**Total: {t['collected']} collected, {t['passed']} passed, {t['failed']} failed, "
              f"{t['excluded']} excluded ({share:.1%}), {t['skipped']} skipped** over {len(results)} files; "
              f"pass rate of the tests that ran: {rate:.1%}" + (f"; {elapsed:.0f} s" if elapsed else "."), ""]
    lines += ["| file | collected | passed | failed | excluded | skipped | note |", "|---|---|---|---|---|---|---|"]
    for r in sorted(results, key=lambda r: r.rel):
        counts = Counter(t["outcome"] for t in r.tests)
        counts["collected"] = r.collected
        lines.append(_row(r.rel, counts, r.note.replace("|", "/")))
    lines.append(_row("**total**", t))

    groups = defaultdict(list)
    for r in results:
        for test in r.tests:
            if test["outcome"] == "failed":
                groups[failure_cause(test)].append(test["nodeid"])
    lines += ["", "## Biggest failure groups", "", "| failed tests | cause | example |", "|---|---|---|"]
    for cause, ids in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:60]:
        lines.append(f"| {len(ids)} | {cause.replace('|', '/')} | `{ids[0]}` |")

    excluded = [(test["nodeid"], test.get("reason", "")) for r in results for test in r.tests
                if test["outcome"] == "excluded"]
    lines += ["", f"## Exclusions ({len(excluded)} tests, {share:.1%} of collected)", "",
              "A test is excluded only when it fails on a Keras internal: a name Keras does not export, "
              "a private attribute read by the test, or a patched keras.src module.", ""]
    by_reason = Counter(reason for _, reason in excluded)
    lines += ["| tests | reason |", "|---|---|"] + [f"| {n} | {reason} |" for reason, n in by_reason.most_common()]
    lines += ["", "<details><summary>every excluded test</summary>", ""]
    lines += [f"- `{nodeid}`: {reason}" for nodeid, reason in excluded] + ["", "</details>"]

    if with_coverage:
        lines += ["", f"## Public-name coverage (Keras {KERAS_VERSION} exports found in torchkeras)", "",
                  "| module | exported | in torchkeras | coverage | missing |", "|---|---|---|---|---|"]
        for module, (n, missing) in coverage().items():
            lines.append(f"| `{module}` | {n} | {n - len(missing)} | {(n - len(missing)) / n:.0%} | "
                         f"{', '.join(missing) or '-'} |")
    return "\n".join(lines) + "\n"
