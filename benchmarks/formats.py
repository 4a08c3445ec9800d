"""Every output format at scale: each ``--format`` of one unit beside ``--format json``.

    python -m benchmarks.formats                         # 10 000 projects, clean and messy
    python -m benchmarks.formats --sizes 1000 --formats json md xlsx --repeat 1

Each run is ``evaluate GOALS ACTUALS --format F -o FILE`` in a fresh process (as evaluate runs
by default), the formats interleaved within each repetition so that a slow spell of this
machine slows each a little, the fastest kept (memory: the largest). Memory is the peak RSS of the largest process
as the operating system reports it when the run is reaped (``wait4``, what GNU time's %M
prints: for a PDF, the largest of the command and the browser's processes), and the bound
asked of a format is JSON's: ten times the input files. The diagnostics go to a file. Units
are generated and cached as benchmarks/scale.py does. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import compileall
import sys
import tempfile
from pathlib import Path

from benchmarks.scale import ROOT, files_for, measure

FORMATS = ("json", "md", "html", "xlsx", "docx", "pdf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--units", nargs="+", choices=["clean", "messy"],
                        default=["clean", "messy"])
    parser.add_argument("--mess", type=float, default=0.6)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the fastest kept")
    options = parser.parse_args()
    formats = ["json"] + [f for f in options.formats if f != "json"]  # the yardstick first
    compileall.compile_dir(ROOT / "evaluator", quiet=1)  # as pip install leaves it
    print("| projects | unit | input MB | format | s | × json | peak MB | peak / input | "
          "output MB | exit |")
    print("|---:|:--|---:|:--|---:|---:|---:|---:|---:|---:|")
    for count in options.sizes:
        for unit in options.units:
            files = files_for(count, options.mess if unit == "messy" else 0.0)
            size = sum(f.stat().st_size for f in files) / 1e6
            best: dict[str, tuple[float, float, int, float]] = {}
            with tempfile.TemporaryDirectory(prefix="jixiao-formats-") as folder:
                for _repeat in range(max(1, options.repeat)):
                    for name in formats:
                        out = Path(folder) / f"report.{name}"
                        command = [sys.executable, "-m", "evaluator", str(files[0]),
                                   str(files[1]), "--format", name, "-o", str(out)]
                        seconds, memory, status = measure(command, Path(folder) / "stderr.txt")
                        written = out.stat().st_size / 1e6 if out.exists() else 0.0
                        earlier = best.get(name, (float("inf"), 0.0, 0, 0.0))
                        best[name] = (min(seconds, earlier[0]), max(memory, earlier[1]),
                                      status or earlier[2], written)
                        print(f"N={count} {unit} {name}: {seconds:.2f} s, {memory:.0f} MB, "
                              f"exit {status}", file=sys.stderr)
            json_seconds = best["json"][0]
            for name in formats:
                seconds, memory, status, written = best[name]
                print(f"| {count:,} | {unit} | {size:.1f} | {name} | {seconds:.2f} | "
                      f"{seconds / json_seconds:.2f}× | {memory:.0f} | {memory / size:.1f}× | "
                      f"{written:.1f} | {status} |", flush=True)


if __name__ == "__main__":
    main()
