"""``--jobs N``: the projects of a run spread over worker processes.

The workers are forked after the files are loaded, so they share the parent's data without
copying it; each scores a slice of project indexes, writes the slice's JSON lines, encoded, to
a file of its own and sends back only the slice's diagnostics. The parent copies the slices
into the output in the 申报表's order, so the bytes are the same as with one process; a
province's 100 MB of report never goes through a pipe or a pickle.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from typing import Callable, Iterator

from .diagnostics import Diagnostic
from .evaluation import Run

_RUN: Run | None = None  # the run a forked worker inherits
_RENDER: Callable | None = None


def _work(task: tuple[str, list[int]]) -> tuple[bool, list[Diagnostic]]:
    """Score a slice into ``path``: (whether it holds any project, the diagnostics found)."""
    path, indexes = task
    run, render = _RUN, _RENDER
    assert run is not None and render is not None
    before = len(run.diagnostics)
    lines = []
    for index in indexes:
        result = run.score_index(index)
        if result is not None:
            lines.append(render(result))
    if lines:
        with open(path, "wb") as out:
            out.write(",\n".join(lines).encode("utf-8"))
    found = run.diagnostics[before:]
    del run.diagnostics[before:]
    return bool(lines), found


def rendered_in_parallel(run: Run, render: Callable, jobs: int, chunk: int = 100
                         ) -> Iterator[tuple[bytes, int]]:
    """(a slice's projects as encoded JSON lines, projects done so far), in order; diagnostics
    land in ``run``."""
    global _RUN, _RENDER
    indexes = run.indexes()
    slices = [indexes[i:i + chunk] for i in range(0, len(indexes), chunk)]
    folder = tempfile.mkdtemp(prefix="jixiao-")
    tasks = [(os.path.join(folder, f"{n}.json"), part) for n, part in enumerate(slices)]
    _RUN, _RENDER = run, render
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            done = 0
            for (written, found), (path, part) in zip(pool.imap(_work, tasks), tasks):
                run.diagnostics += found
                done += len(part)
                if written:
                    with open(path, "rb") as slice_file:
                        data = slice_file.read()
                    os.unlink(path)
                    yield data, done
    finally:
        _RUN = _RENDER = None
        shutil.rmtree(folder, ignore_errors=True)
    run.check_unmatched()
