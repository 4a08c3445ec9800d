"""Start-up: the example unit (10 projects) end to end, in a fresh process, against the time
Python takes merely to import the run-time dependencies that format needs.

    python -m benchmarks.startup                 # every format, best of 15 runs each
    python -m benchmarks.startup --runs 30 --formats json md

Each command runs ``--runs`` times, interleaved with its baseline (so that a neighbour's burst
slows both alike), and the fastest run of each is kept, as hyperfine's ``min`` would; outputs go
to a temporary folder. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import compileall
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanghai-wcd-2024"

# what a run of the format cannot do without: the engine's own dependencies (click for the
# command, pydantic for the models, lark for the grammar, rapidyaml for the files), and the
# format's writer
ENGINE = ["click", "pydantic", "lark", "ryml"]
NEEDS = {"md": ENGINE + ["jinja2"], "html": ENGINE + ["jinja2"], "json": ENGINE,
         "xlsx": ENGINE + ["openpyxl"]}


def _fastest(command: list[str], baseline: list[str], runs: int) -> tuple[float, float]:
    best = best_baseline = float("inf")
    for _ in range(runs):
        for which in (command, baseline):
            start = time.perf_counter()
            done = subprocess.run(which, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            took = time.perf_counter() - start
            if done.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(which)} exited {done.returncode}")
            if which is command:
                best = min(best, took)
            else:
                best_baseline = min(best_baseline, took)
    return best, best_baseline


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
            seconds, floor = _fastest(command, baseline, options.runs)
            rows.append((name, seconds, floor))
            print(f"{name}: {seconds:.3f} s, importing {', '.join(NEEDS[name])} {floor:.3f} s",
                  file=sys.stderr)
    print("| format | example end to end s | importing its dependencies s | ratio |")
    print("|:--|---:|---:|---:|")
    for name, seconds, floor in rows:
        print(f"| {name} | {seconds:.3f} | {floor:.3f} | {seconds / floor:.2f}× |")


if __name__ == "__main__":
    main()
