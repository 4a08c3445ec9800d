"""Write the golden output of every bad-input case, and the case list in README.md.

    python -m tests.bad_inputs.regenerate [CASE ...]

Run after a deliberate change to a message, a position or a code; review the diff before
committing. Goldens are never edited by hand.
"""

from __future__ import annotations

import sys
import tempfile
import textwrap
from pathlib import Path

from tests.bad_inputs.corpus import BY_NAME, CASES, HERE, generate_all, golden_path, run_case

README_HEAD = """\
# Bad inputs

Every case is a command run with this directory as the working directory (generated cases: a
temporary directory laid out the same way). `<case>.expected` is what the command printed:
the command line, the exit code, stderr, stdout. Goldens are written by

    python -m tests.bad_inputs.regenerate

and never edited by hand. `test_corpus.py` compares every case with its golden and also checks,
for every case: no traceback; every diagnostic head is `FILE:LINE:COL: severity[code] message`
with FILE one of the files on the command line and LINE:COL inside it (the excerpt shown must be
that line of the file), and the closing count matches; exit 1 exactly when there are errors (or
warnings under `--strict`), 0 otherwise, 2 for usage, IO and rule-set errors; messages and hints
without English prose or empty “” names; input files byte-identical afterwards; the diagnostics
the case should produce (`expect` in `corpus.py`) and none it should not (`forbid`). Isolated
cases run as a child process with peak memory (`wait4`) and wall time measured.

Lines without a position: only click's usage and IO errors (exit 2), which are about the command
line rather than a place in a file. Every diagnostic about a file carries FILE:LINE:COL.

Where the engine does not do what a case declares, `known` in `corpus.py` names the check and
the problem; that check is a strict xfail until it is fixed (see "Known engine problems").

{generated}
`good/` is the good counterpart the other cases were derived from.

One bad input is tested outside the goldens because its output is the problem:
`test_a_huge_wrong_value_is_not_echoed_whole` (5 MB of text where money is expected; the value
is echoed whole in the message, the excerpt and the carets).

## Cases

"""


def readme() -> str:
    names = ", ".join(f"`{case.name}`" for case in CASES if case.generate is not None)
    generated = textwrap.fill(f"Generated at test time (not committed): {names}.", 96,
                              break_long_words=False, break_on_hyphens=False)
    lines = [README_HEAD.replace("{generated}", generated)]
    for case in CASES:
        lines.append(f"- `{case.name}` (exit {case.exit}): {case.about}\n")
    lines.append("\n## Known engine problems\n\n")
    for case in CASES:
        for check, problem in case.known.items():
            lines.append(f"- `{case.name}` [{check}]: {problem}\n")
    return "".join(lines)


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown case(s): {', '.join(unknown)}")
    selected = [BY_NAME[n] for n in names] if names else list(CASES)
    with tempfile.TemporaryDirectory(prefix="bad_inputs.") as generated:
        root = Path(generated)
        generate_all(root)
        for case in selected:
            outcome = run_case(case, root)
            golden_path(case).write_text(outcome.text(case), encoding="utf-8")
            print(f"wrote tests/bad_inputs/{golden_path(case).name} "
                  f"(exit {outcome.exit}, {outcome.seconds:.2f} s)")
    if not names:
        names_now = {c.name for c in CASES}
        for stale in HERE.glob("*.expected"):
            if stale.stem not in names_now:
                stale.unlink()
                print(f"removed stale {stale.name}")
    (HERE / "README.md").write_text(readme(), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
