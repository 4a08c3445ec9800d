"""Scale: wall time and peak memory of a whole evaluate run, beside the time merely to load
the same two YAML files with each candidate loader.

    python -m benchmarks.scale                    # N = 1 000, 10 000, 100 000; --jobs auto
    python -m benchmarks.scale --sizes 1000 10000 --jobs 1
    python -m benchmarks.scale --sizes 10000 --units messy --format xlsx

Each size is run as a clean unit and as a messy one (``--mess``: the share of rows a real
unit gets wrong, benchmarks/generate.py; 0.6 gives some eight warnings a project), side by
side; the diagnostics go to a file, as stderr does when it is not a terminal, and the table
counts them.

Every measurement runs in a fresh process; evaluate and the fast loaders are timed three times
each (interleaved) up to 10 000 projects and the fastest run is kept, PyYAML once. In one
process, ``os.wait4`` gives its peak RSS. A run that forks workers is run once more for its
memory: the peak of the summed PSS of the process and all its descendants, read from /proc
every 5 ms (RSS would count the pages the workers share with the parent once in each;
``wait4`` gives only the largest process's). The times come from the runs nothing samples.
Generated files are cached under benchmarks/.data/ (not committed). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.generate import generate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"

LOADERS = {
    # the loader Jixiao uses: rapidyaml, its JSON emitter, the C JSON decoder, scalars as text
    "rapidyaml": """
import json, ryml
for path in FILES:
    buffer = bytearray(open(path, 'rb').read())
    tree = ryml.parse_in_place(buffer)
    json.loads(ryml.emit_json_malloc(tree, tree.root_id()), parse_float=str, parse_int=str)
""",
    "yaml-rs": """
import yaml_rs
for path in FILES:
    yaml_rs.loads(open(path, encoding='utf-8').read(), parse_datetime=False)
""",
    "PyYAML C": """
import yaml
for path in FILES:
    yaml.load(open(path, encoding='utf-8').read(), Loader=yaml.CSafeLoader)
""",
}


def measure(command: list[str], stderr: Path | None = None) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit status) of one command in its own process; its stderr
    written to ``stderr`` when given. MB as the inputs are counted, 10⁶ bytes (the kernel says
    KiB): the ratio to the input compares like with like."""
    start = time.perf_counter()
    with open(stderr, "wb") if stderr is not None else open(os.devnull, "wb") as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss * 1024 / 1e6, os.waitstatus_to_exitcode(status)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            tree.setdefault(parent, []).append(int(entry))
    return tree


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass  # gone meanwhile
    return 0


def tree_peak(command: list[str]) -> float:
    """Peak of the summed PSS (MB, 10⁶ bytes) of a command and its descendants, sampled
    every 5 ms."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=ROOT)
    peak = 0
    while process.poll() is None:
        tree, family, total = _children(), [process.pid], 0
        while family:
            pid = family.pop()
            total += _pss_kb(pid)
            family += tree.get(pid, [])
        peak = max(peak, total)
        time.sleep(0.005)
    return peak * 1024 / 1e6


def files_for(count: int, mess: float = 0.0) -> tuple[Path, Path]:
    folder = DATA / (str(count) if not mess else f"{count}-mess-{mess}")
    goals, actuals = folder / "goals.yaml", folder / "actuals.yaml"
    if not goals.exists() or not actuals.exists():
        folder.mkdir(parents=True, exist_ok=True)
        goals_text, actuals_text = generate(count, mess=mess)
        goals.write_text(goals_text, encoding="utf-8")
        actuals.write_text(actuals_text, encoding="utf-8")
    return goals, actuals


def _warnings(stderr: Path) -> int:
    """The warnings a run counted in its closing line (共 E 个错误，W 个警告), else 0."""
    found = re.search(r"(\d+) 个警告", stderr.read_text(encoding="utf-8", errors="replace")[-200:])
    return int(found.group(1)) if found else 0


def loader_time(name: str, files: tuple[Path, Path]) -> float | None:
    code = f"FILES = {[str(f) for f in files]!r}\n" + LOADERS[name]
    seconds, _memory, status = measure([sys.executable, "-c", code])
    return seconds if status == 0 else None


def scoring_rates(files: tuple[Path, Path]) -> dict[str, float] | None:
    """Scoring alone, in its own process (benchmarks/scoring_rate.py)."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.scoring_rate", *map(str, files)],
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout) if done.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--jobs", default="auto", help="evaluate's --jobs: auto (its default) or N")
    parser.add_argument("--pyyaml-up-to", type=int, default=10_000,
                        help="skip PyYAML above this many projects (it needs minutes)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="time evaluate and the fast loaders this many times, taking the "
                             "fastest (this machine's neighbours slow a single run by up to a "
                             "third); PyYAML, several times slower than the rest, runs once")
    parser.add_argument("--repeat-up-to", type=int, default=10_000,
                        help="above this many projects, run everything once")
    parser.add_argument("--units", nargs="+", choices=["clean", "messy"],
                        default=["clean", "messy"], help="which units to run (both by default)")
    parser.add_argument("--mess", type=float, default=0.6,
                        help="the messy unit's share of messy rows (benchmarks/generate.py)")
    parser.add_argument("--format", default="json", help="evaluate's --format")
    options = parser.parse_args()
    # as installed: pip compiles a package's bytecode, and a run that compiled the engine's
    # source anew each time (PYTHONDONTWRITEBYTECODE, as on this machine) would pay 0.1 s more
    compileall.compile_dir(ROOT / "evaluator", quiet=1)
    rows = []
    for count, unit in ((c, u) for c in options.sizes for u in options.units):
        files = files_for(count, options.mess if unit == "messy" else 0.0)
        size = sum(f.stat().st_size for f in files) / 1e6
        out = files[0].parent / f"out.{options.format}"
        errors = files[0].parent / f"stderr.{options.format}.txt"
        command = [sys.executable, "-m", "evaluator", str(files[0]), str(files[1]),
                   "--format", options.format, "-o", str(out)]
        if options.jobs != "auto":
            command += ["--jobs", options.jobs]
        repeats = max(1, options.repeat) if count <= options.repeat_up_to else 1
        times: dict[str, list[float | None]] = {name: [] for name in LOADERS}
        seconds, memory, status = float("inf"), 0.0, 0
        for repeat in range(repeats):  # interleaved, so that a slow spell slows each a little
            elapsed, peak, code = measure(command, errors)
            seconds, memory, status = min(seconds, elapsed), max(memory, peak), status or code
            for name in LOADERS:
                if name != "PyYAML C" or (repeat == 0 and count <= options.pyyaml_up_to):
                    times[name].append(loader_time(name, files))
        # the fastest run of each; a loader that failed once (None) is not counted at all
        loads = {name: min(took) if took and None not in took else None  # type: ignore[type-var]
                 for name, took in times.items()}
        if options.jobs != "1":  # it may have forked: the whole tree's memory
            memory = max(tree_peak(command), memory)
        floor = min(v for v in loads.values() if v is not None)
        scoring = scoring_rates(files)
        warnings = _warnings(errors)
        rows.append((count, unit, warnings, size, seconds, memory, status, loads, floor, scoring))
        print(f"N={count} {unit}: {size:.1f} MB, {warnings} warnings, evaluate {seconds:.2f} s "
              f"(exit {status}), "
              f"peak {memory:.0f} MB; loads {loads}; scoring alone {scoring}", file=sys.stderr)
    print(f"| projects | unit | warnings a project | input MB | evaluate {options.format} s | "
          "peak MB | peak / input | rapidyaml load s | "
          "yaml-rs load s | PyYAML C load s | evaluate / floor | scoring alone, rows/s "
          "(memo / every row) |")
    print("|---:|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count, unit, warnings, size, seconds, memory, _status, loads, floor, scoring in rows:
        cells = [f"{loads[n]:.2f}" if loads[n] is not None else "—" for n in LOADERS]
        rate = (f"{scoring['memo_per_s']:,.0f} / {scoring['every_row_per_s']:,.0f}"
                if scoring else "—")
        print(f"| {count:,} | {unit} | {warnings / count:.1f} | {size:.1f} | {seconds:.2f} | {memory:.0f} | {memory / size:.1f}× | "
              + " | ".join(cells) + f" | {seconds / floor:.1f}× | {rate} |")


if __name__ == "__main__":
    main()
