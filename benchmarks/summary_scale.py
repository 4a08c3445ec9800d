"""Scale of ``evaluate summary``: U units of P projects against the same U × P projects as one
unit, in wall time and peak memory (issue 17: within 2× the time, memory bounded by the largest
unit, not the sum).

    python -m benchmarks.summary_scale                       # 1 000 units of 10, and 100 of 10
    python -m benchmarks.summary_scale --units 1000 --per-unit 10 --jobs 1 auto

The one-unit files are benchmarks/generate.py's (the scale benchmark's, cached under
benchmarks/.data/); the units are those files cut into U pieces of P projects, each under a
unit name of its own. Both commands write JSON to a file; each is timed three times,
interleaved, and the fastest kept. Peak memory: one process, ``wait4``'s peak RSS; with
workers, the summed PSS of the process tree (benchmarks.scale.tree_peak). Prints a Markdown
table.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from benchmarks.scale import DATA, files_for, measure, tree_peak

_PROJECT_ENTRY = {"goals": re.compile(r"^  - ", re.M), "actuals": re.compile(r"^  \S", re.M)}


def _pieces(text: str, kind: str) -> tuple[str, list[str]]:
    """A file's header (up to and with ``projects:``) and its projects' blocks."""
    head, _, body = text.partition("projects:\n")
    starts = [m.start() for m in _PROJECT_ENTRY[kind].finditer(body)] + [len(body)]
    return head + "projects:\n", [body[a:b] for a, b in zip(starts, starts[1:])]


def unit_folders(units: int, per_unit: int) -> tuple[tuple[Path, Path], list[Path]]:
    """The one-unit files of units × per_unit projects, and the same projects as unit folders."""
    one = files_for(units * per_unit)
    root = DATA / f"summary-{units}x{per_unit}"
    folders = [root / f"unit{number:05d}" for number in range(1, units + 1)]
    if not all((f / "actuals.yaml").exists() for f in folders):
        goals_head, goals = _pieces(one[0].read_text(encoding="utf-8"), "goals")
        actuals_head, actuals = _pieces(one[1].read_text(encoding="utf-8"), "actuals")
        assert len(goals) == len(actuals) == units * per_unit
        for number, folder in enumerate(folders):
            folder.mkdir(parents=True, exist_ok=True)
            part = slice(number * per_unit, (number + 1) * per_unit)
            head = re.sub(r"^unit: .*$", f"unit: 合成单位{number + 1:05d}", goals_head, flags=re.M)
            (folder / "goals.yaml").write_text(head + "".join(goals[part]), encoding="utf-8")
            (folder / "actuals.yaml").write_text(actuals_head + "".join(actuals[part]),
                                                 encoding="utf-8")
    return one, folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="+", default=[1000, 100])
    parser.add_argument("--per-unit", type=int, default=10)
    parser.add_argument("--jobs", nargs="+", default=["1", "auto"])
    options = parser.parse_args()
    python = [sys.executable, "-m", "evaluator"]
    print("| units × projects | jobs | one unit s | summary s | summary / one unit "
          "| one unit peak MB | summary peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        for units in options.units:
            (goals, actuals), folders = unit_folders(units, options.per_unit)
            for jobs in options.jobs:
                one = [*python, str(goals), str(actuals), "--format", "json", "--jobs", jobs,
                       "-o", str(out / "one.json")]
                many = [*python, "summary", *map(str, folders), "--format", "json", "--jobs",
                        jobs, "-o", str(out / "summary.json")]
                times: dict[str, list[float]] = {"one": [], "many": []}
                peaks: dict[str, float] = {}
                for _round in range(3):
                    for name, command in (("one", one), ("many", many)):
                        seconds, peak, status = measure(command)
                        assert status in (0, 1), (name, status)
                        times[name].append(seconds)
                        peaks[name] = peak
                if jobs != "1":  # workers: their summed PSS, not the largest process's RSS
                    peaks = {"one": tree_peak(one), "many": tree_peak(many)}
                best = {name: min(values) for name, values in times.items()}
                print(f"| {units:,} × {options.per_unit} | {jobs} | {best['one']:.2f} "
                      f"| {best['many']:.2f} | {best['many'] / best['one']:.2f}× "
                      f"| {peaks['one']:.0f} | {peaks['many']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
