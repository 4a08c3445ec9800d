"""``--jobs N``: the projects of a run spread over worker processes.

The workers are forked after the files are loaded, so they share the parent's data without
copying it; each scores a slice of project indexes and sends back the JSON line of each project
and its diagnostics. The parent writes the lines in the 申报表's order, so the bytes are the same
as with one process.
"""

from __future__ import annotations

import multiprocessing
from typing import Callable, Iterator

from .diagnostics import Diagnostic
from .evaluation import Run

_RUN: Run | None = None  # the run a forked worker inherits
_RENDER: Callable | None = None


def _work(indexes: list[int]) -> tuple[list[str], list[Diagnostic]]:
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
    return lines, found


def rendered_in_parallel(run: Run, render: Callable, jobs: int, chunk: int = 100
                         ) -> Iterator[tuple[str, int]]:
    """(rendered project, projects done so far), in order; diagnostics land in ``run``."""
    global _RUN, _RENDER
    indexes = run.indexes()
    slices = [indexes[i:i + chunk] for i in range(0, len(indexes), chunk)]
    _RUN, _RENDER = run, render
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            done = 0
            for (lines, found), part in zip(pool.imap(_work, slices), slices):
                run.diagnostics += found
                done += len(part)
                for line in lines:
                    yield line, done
    finally:
        _RUN = _RENDER = None
    run.check_unmatched()
