"""Start-up: the example unit (10 projects) end to end, in a fresh process, against the time
Python takes merely to import the run-time dependencies that format needs.

    python -m benchmarks.startup                 # every format, best of 15 runs each
    python -m benchmarks.startup --runs 30 --formats json md

Each command runs ``--runs`` times, interleaved with its baseline (so that a neighbour's burst
slows both alike), and the fastest run of each is kept, as hyperfine's ``min`` would, in wall
time and in CPU time (user and system, of the process and its children: on a machine shared with
other work a run waits for a core, which CPU time does not count); outputs go to a temporary
folder. Each library a baseline imports is checked to be one the run imports (``-X importtime``):
a baseline importing what the run no longer needs would flatter the ratio. Prints a Markdown
table.
"""

from __future__ import annotations

import argparse
import compileall
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanghai-wcd-2024"

# what a run of the format cannot do without: the engine's own dependencies (click for the
# command, lark for the grammar, rapidyaml for the files), and the format's writer (the
# workbook is written directly, without openpyxl: spreadsheet.py). pydantic is not among them:
# its models are imported only when something in the files, or the rule set, is not plain
# (a clean unit with a shipped rule set needs none of it); the check below holds the lists to
# what the run imports.
ENGINE = ["click", "lark", "ryml"]
NEEDS = {"md": ENGINE + ["jinja2"], "html": ENGINE + ["jinja2"], "json": ENGINE,
         "xlsx": ENGINE}


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _fastest(command: list[str], baseline: list[str], runs: int
             ) -> tuple[float, float, float, float]:
    """The fastest wall and CPU seconds of the command and of its baseline."""
    best = {"command": [float("inf")] * 2, "baseline": [float("inf")] * 2}
    for _ in range(runs):
        for name, which in (("command", command), ("baseline", baseline)):
            start, start_cpu = time.perf_counter(), _cpu()
            done = subprocess.run(which, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            took, took_cpu = time.perf_counter() - start, _cpu() - start_cpu
            if done.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(which)} exited {done.returncode}")
            best[name] = [min(best[name][0], took), min(best[name][1], took_cpu)]
    return (*best["command"], *best["baseline"])


def _imported(command: list[str]) -> set[str]:
    """The top-level modules a run of the command imports."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
            if line.startswith("import time:")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--formats", nargs="+", default=list(NEEDS), choices=list(NEEDS))
    options = parser.parse_args()
    compileall.compile_dir(ROOT / "evaluator", quiet=1)  # as pip installs it
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in options.formats:
            command = [sys.executable, "-m", "evaluator", str(EXAMPLE / "goals.yaml"),
                       str(EXAMPLE / "actuals.yaml"), "--format", name,
                       "-o", str(Path(folder) / f"out.{name}")]
            baseline = [sys.executable, "-c", "import " + ", ".join(NEEDS[name])]
            unused = set(NEEDS[name]) - _imported(command)
            if unused:
                raise SystemExit(f"a {name} run no longer imports {', '.join(sorted(unused))}: "
                                 "take it out of its baseline (NEEDS)")
            seconds, cpu, floor, floor_cpu = _fastest(command, baseline, options.runs)
            rows.append((name, seconds, floor, cpu, floor_cpu))
            print(f"{name}: {seconds:.3f} s ({cpu:.3f} s CPU), importing "
                  f"{', '.join(NEEDS[name])} {floor:.3f} s ({floor_cpu:.3f} s CPU)", file=sys.stderr)
    print("| format | example end to end s | importing its dependencies s | ratio "
          "| end to end, CPU s | importing, CPU s | ratio of CPU |")
    print("|:--|---:|---:|---:|---:|---:|---:|")
    for name, seconds, floor, cpu, floor_cpu in rows:
        print(f"| {name} | {seconds:.3f} | {floor:.3f} | {seconds / floor:.2f}× "
              f"| {cpu:.3f} | {floor_cpu:.3f} | {cpu / floor_cpu:.2f}× |")


if __name__ == "__main__":
    main()
