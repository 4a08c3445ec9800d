"""``--jobs N``: the projects of a run spread over worker processes.

The workers are forked after the files are loaded, so they share the parent's data without
copying it; each scores a slice of project indexes and sends back the slice's JSON lines,
joined and encoded (bytes cross the pipe as they are: no text to pickle, nothing to encode again
in the parent), with the slice's diagnostics. The parent writes the slices in the 申报表's order,
so the bytes are the same as with one process.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Callable, Iterator, Sequence

from .diagnostics import Diagnostic
from .evaluation import Run

_RUN: Run | None = None  # the run a forked worker inherits
_RENDER: Callable | None = None


def _work(indexes: list[int]) -> tuple[bytes, list[Diagnostic]]:
    """A slice's projects as JSON lines joined by ",\\n" (b"" when none could be scored), and
    the diagnostics found."""
    run, render = _RUN, _RENDER
    assert run is not None and render is not None
    before = len(run.diagnostics)
    lines = []
    for index in indexes:
        result = run.score_index(index)
        if result is not None:
            lines.append(render(result))
    found = run.diagnostics[before:]
    del run.diagnostics[before:]
    return ",\n".join(lines).encode("utf-8"), found


def _default_signals() -> None:
    """A worker ends at SIGTERM (the pool's own way to stop it), leaving the parent's
    temporary file to the parent; Ctrl-C is the parent's to handle (it stops the pool), so a
    worker does not print a traceback of its own."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def can_fork() -> bool:
    """Workers are forked (they share the loaded files); where a process cannot fork
    (Windows), a run takes one process."""
    import multiprocessing  # a tenth of the start-up of a small run: only when asked

    return "fork" in multiprocessing.get_all_start_methods()


AUTO_FROM_BYTES = 2 << 20  # inputs of about 500 projects: below, forking costs what it saves
AUTO_AT_MOST = 4  # the loading and the writing stay in one process: more gain little


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or ``taskset``'s share, not the
    machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def automatic_jobs(paths: Sequence[Path]) -> int:
    """``--jobs auto``: one process for a small unit; for a big one on Linux, a process a
    usable CPU, at most ``AUTO_AT_MOST``. Elsewhere one: macOS can fork, but forking a process
    that has loaded system libraries is not safe there, so it is left to an explicit --jobs."""
    if not sys.platform.startswith("linux"):
        return 1
    try:
        size = sum(path.stat().st_size for path in paths)
    except OSError:  # gone since the arguments were checked: the loader will say so
        return 1
    if size < AUTO_FROM_BYTES:
        return 1
    jobs = min(usable_cpus(), AUTO_AT_MOST)
    return jobs if jobs > 1 and can_fork() else 1


def rendered_in_parallel(run: Run, render: Callable, jobs: int, chunk: int = 100
                         ) -> Iterator[tuple[bytes, int]]:
    """(a slice's projects as encoded JSON lines, projects done so far), in order; diagnostics
    land in ``run``."""
    global _RUN, _RENDER
    indexes = run.indexes()
    slices = [indexes[i:i + chunk] for i in range(0, len(indexes), chunk)]
    _RUN, _RENDER = run, render
    # A worker's copy of the read data is the parent's pages, shared until written to: letting
    # a project's data go there would write to, copy and free every page of it, for nothing.
    run.releases_read_data = False
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_default_signals) as pool:
            done = 0
            for (data, found), part in zip(pool.imap(_work, slices), slices):
                run.diagnostics += found
                done += len(part)
                if data:
                    yield data, done
    finally:
        _RUN = _RENDER = None
        run.releases_read_data = True
    run.check_unmatched()
