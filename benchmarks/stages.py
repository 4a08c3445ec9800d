"""Where a one-process run's time goes, stage by stage: the profile behind the README's.

    python -m benchmarks.stages GOALS ACTUALS [--top N]

Does what ``evaluate GOALS ACTUALS --format json -o FILE --jobs 1`` does, through the same
library calls, with a clock around each stage: the engine's imports, the rule set, loading
(files read, parsed, decoded, headers read and projects joined), then for every project its
reading and scoring apart from its JSON line, then the document assembled, encoded and written
to a temporary file, and the diagnostics sorted and formatted as stderr shows them. ``--top N`` also profiles reading and
scoring (cProfile: it slows what it watches about twofold, so its shares are the figure, not
its times) and prints the N functions that take most of it. Prints a Markdown table.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import argparse  # noqa: E402  (after the clock: the imports are a stage)
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import tempfile  # noqa: E402

from evaluator.diagnostics import format_all  # noqa: E402
from evaluator.internals import loaded_data_settled, loading_data  # noqa: E402
from evaluator.json_report import json_chunks, project_line  # noqa: E402
from evaluator.run import load_rule_set, prepare  # noqa: E402


def stages(goals: str, actuals: str, top: int = 0) -> tuple[list[tuple[str, float]], str, int]:
    """(stage, seconds) in the order they run, the profile of reading and scoring, and the
    size of the document written (the bytes ``evaluate`` writes)."""
    clock = [("importing the engine", time.perf_counter() - _STARTED)]

    def timed(name: str, since: float) -> float:
        now = time.perf_counter()
        clock.append((name, now - since))
        return now

    now = time.perf_counter()
    rules, lexicon = load_rule_set()
    now = timed("loading the rule set", now)
    loading_data()
    run = prepare(goals, actuals, rules, lexicon)
    loaded_data_settled()
    now = timed("loading the two files, reading their headers, joining projects", now)
    profile = cProfile.Profile() if top else None
    scoring = rendering = 0.0
    lines = []
    results = run.results()
    while True:
        start = time.perf_counter()
        if profile:
            profile.enable()
        result = next(results, None)
        if profile:
            profile.disable()
        middle = time.perf_counter()
        if result is None:
            break
        lines.append(project_line(result, rules, run.memo))
        scoring, rendering = scoring + middle - start, rendering + time.perf_counter() - middle
    clock += [("reading and scoring the projects" + (" (profiled)" if profile else ""), scoring),
              ("writing each project's JSON line", rendering)]
    now = time.perf_counter()
    with tempfile.TemporaryFile() as out:  # as -o writes it, less the rename
        for chunk in json_chunks(rules, run.goals, iter(lines), run.sorted_diagnostics):
            out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        size = out.tell()
    now = timed(f"assembling, encoding and writing the document ({size / 1e6:.0f} MB)", now)
    diagnostics = run.sorted_diagnostics()
    shown = format_all(diagnostics, run.sources)
    timed(f"sorting and formatting the {len(diagnostics):,} diagnostics ({len(shown):,} "
          "characters)", now)
    report = ""
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
        report = out.getvalue()
    return clock, report, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("goals")
    parser.add_argument("actuals")
    parser.add_argument("--top", type=int, default=0,
                        help="profile reading and scoring, and print its N costliest functions")
    options = parser.parse_args()
    clock, report, _size = stages(options.goals, options.actuals, options.top)
    total = sum(seconds for _name, seconds in clock)
    print("| stage | s | share |\n|---|---:|---:|")
    for name, seconds in clock:
        print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
    print(f"| all | {total:.2f} | |")
    if report:
        print("\n" + report)


if __name__ == "__main__":
    main()
