"""Time and peak memory of ``evaluate GOALS ACTUALS --format F -o …`` for the documents (Word,
PDF) against JSON on the same unit, each in a fresh process:

    python -m benchmarks.documents GOALS ACTUALS [--formats json docx pdf] [--runs 3]

Prints, per format, the fastest wall time of the runs (interleaved), its ratio to JSON's,
GNU time's %M (the largest single process's peak RSS, as the issue measures) and the peak of
the summed PSS of the command and all its children sampled every 5 ms (for PDF, the browser's
processes counted too), and both against the input files' size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.scale import tree_peak


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and GNU time's %M (kB) of one run."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *command],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        seconds = time.perf_counter() - start
        return seconds, int(report.read().split()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.documents")
    parser.add_argument("goals")
    parser.add_argument("actuals")
    parser.add_argument("--formats", nargs="+", default=["json", "docx", "pdf"])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)
    size = (os.path.getsize(options.goals) + os.path.getsize(options.actuals)) / 1e6
    with tempfile.TemporaryDirectory(prefix="jixiao-documents-") as folder:
        def command(name: str) -> list[str]:
            return [sys.executable, "-m", "evaluator", options.goals, options.actuals,
                    "--format", name, "-o", str(Path(folder) / f"report.{name}")]

        best: dict[str, tuple[float, int]] = {}
        for _run in range(options.runs):
            for name in options.formats:
                seconds, peak = timed(command(name))
                if name not in best or seconds < best[name][0]:
                    best[name] = (seconds, max(peak, best.get(name, (0, 0))[1]))
        print(f"input {size:.1f} MB; load {os.getloadavg()[0]:.1f}")
        print("| format | s (fastest) | × JSON | GNU time %M MB | × input | summed PSS MB | × input |")
        print("|:--|---:|---:|---:|---:|---:|---:|")
        for name in options.formats:
            seconds, peak = best[name]
            summed = tree_peak(command(name))
            ratio = seconds / best["json"][0] if "json" in best else float("nan")
            peak_mb = peak * 1024 / 1e6  # the kernel's KiB in MB of 10⁶ bytes, as the input
            print(f"| {name} | {seconds:.2f} | {ratio:.1f}× | {peak_mb:.0f} | "
                  f"{peak_mb / size:.1f}× | {summed:.0f} | {summed / size:.1f}× |")


if __name__ == "__main__":
    main(sys.argv[1:])
