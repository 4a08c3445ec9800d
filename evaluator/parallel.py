"""``--jobs N``: the projects of a run spread over worker processes.

The workers are forked after the files are loaded and their headers read; the projects' data
is handed to them marshalled, slice by slice (``_hand_over``). Each scores a slice of project
indexes and sends back the slice's JSON lines, joined and encoded (bytes cross the pipe as they
are: no text to pickle, nothing to encode again in the parent), or what another format's
``join`` makes of its rendered projects (an XLSX sheet each), with the slice's diagnostics.
The parent writes the slices in the 申报表's order, so the bytes are the same as with one
process. The module is light (no engine imported): the command asks it how many processes to
use before it imports the rest.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence, TypeVar

from .diagnostics import Diagnostic, packed
from .internals import (abandon_pool, own_copy, pool_workers, replacing_workers_without_spinning,
                        stop_replacing_workers)
from .source import dies_with, held_signals, let_signals_through

if TYPE_CHECKING:
    import multiprocessing.pool

    from .run import Run

_RUN: Run | None = None  # the run a forked worker inherits
_RENDER: Callable | None = None
_JOIN: Callable[[list], object] | None = None  # a slice's rendered projects → what is sent back
_PARCELS: list[bytes] | None = None  # each slice's projects, marshalled (see _hand_over)
_POOL: multiprocessing.pool.Pool | None = None  # the running pool (see no_more_workers)

T = TypeVar("T")
R = TypeVar("R")


def json_lines(lines: list[str]) -> bytes:
    """A slice's JSON lines joined by ",\\n" (b"" when none could be scored)."""
    return ",\n".join(lines).encode("utf-8")


def _work(task: tuple[int, list[int]]) -> tuple[object, bytes | list[Diagnostic]]:
    """A slice's projects rendered and joined (``_JOIN``), and the diagnostics found
    (``packed``)."""
    run, render, join = _RUN, _RENDER, _JOIN
    assert run is not None and render is not None and join is not None
    number, indexes = task
    if _PARCELS is not None:
        _unpack(run, indexes, _PARCELS[number])
    before = len(run.diagnostics)
    lines = []
    for index in indexes:
        result = run.score_index(index)
        if result is not None:
            lines.append(render(result))
    found = run.diagnostics[before:]
    del run.diagnostics[before:]
    return join(lines), packed(found)


def _hand_over(run: Run, slices: list[list[int]]) -> list[bytes] | None:
    """Each slice's projects and their actuals, marshalled; the parent then lets go of them,
    and of every name pointing into them (a name pins the block of memory it lies in, and a
    block the size of a few projects is given back only when nothing in it is left). A worker
    unmarshals its slices: reading the parent's objects instead would write their reference
    counts, copying the pages they lie on into each worker (a 10 000-project run grew from 300
    to 475 MB so, measured). None when the data will not marshal: the workers then share it."""
    goals, actuals = run.goals, run.actuals
    assert goals is not None and actuals is not None
    pairs = run.pairs
    paired = [[pairs[i] for i in part if i in pairs] for part in slices]
    taken = [(goals.document.take(part), dict(zip(keys, actuals.document.take(keys))))
             for part, keys in zip(slices, paired)]
    try:
        parcels = [marshal.dumps((projects, [entries.get(pairs.get(i)) for i in part]))
                   for part, (projects, entries) in zip(slices, taken)]
    except ValueError:  # too deep to marshal: handed back, to be shared
        for part, keys, (projects, entries) in zip(slices, paired, taken):
            goals.document.put(part, projects)
            actuals.document.put(keys, [entries[key] for key in keys])
        return None
    del taken
    copy = own_copy
    run.goals = replace(goals, names=tuple(map(copy, goals.names)))
    names = {name: copy(name) for name in actuals.names}
    run.actuals = replace(actuals, names=tuple(names[n] for n in actuals.names))
    run.pairs = {index: names[name] for index, name in pairs.items()}
    # projects no worker scores (those without a match, checked here at the end) stay
    actuals.document.own_keys(names)
    return parcels


def _unpack(run: Run, indexes: list[int], parcel: bytes) -> None:
    assert run.goals is not None and run.actuals is not None
    projects, entries = marshal.loads(parcel)
    run.goals.document.put(indexes, projects)
    pairs = run.pairs
    run.actuals.document.put([pairs[i] for i in indexes if i in pairs],
                             [entry for i, entry in zip(indexes, entries) if i in pairs])


def _started_worker(parent: int) -> None:
    """A worker ends at SIGTERM (the pool's own way to stop it), leaving the parent's
    temporary file to the parent; Ctrl-C is the parent's to handle (it stops the pool), so a
    worker does not print a traceback of its own. It dies with the parent: one left behind
    would wait for ever on the pool's task pipe (it holds that pipe's writing end itself),
    and keep the caller's stdout and stderr open. A worker forked by the pool's own thread
    (one replacing a dead worker) is killed when that thread ends, which it does only as the
    pool ends."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    dies_with(parent, from_main_thread=True)
    let_signals_through()  # held while the pool forked (see rendered_in_parallel)


def can_fork() -> bool:
    """Workers are forked (they share the loaded files); where a process cannot fork
    (Windows), a run takes one process."""
    import multiprocessing  # a tenth of the start-up of a small run: only when asked

    return "fork" in multiprocessing.get_all_start_methods()


AUTO_FROM_BYTES = 2 << 20  # inputs of about 500 projects: below, forking costs what it saves
AUTO_AT_MOST = 4  # the loading and the writing stay in one process: more gain little


def usable_cpus(cgroups: Path = Path("/sys/fs/cgroup"),
                membership: Path = Path("/proc/self/cgroup"),
                mounts: Path = Path("/proc/self/mountinfo")) -> int:
    """The CPUs this process may run on: its affinity (``taskset``, a cpuset), within the whole
    CPUs its CPU quota grants (``docker --cpus``, a CI runner's limit), not the machine's."""
    if hasattr(os, "sched_getaffinity"):
        cpus = len(os.sched_getaffinity(0))
    else:
        cpus = os.cpu_count() or 1
    quota = cpu_quota(cgroups, membership, mounts)
    return cpus if quota is None else max(1, min(cpus, int(quota)))


def cpu_quota(cgroups: Path, membership: Path, mounts: Path | None = None) -> float | None:
    """The CPUs a cgroup quota lets this process use (1.5 for ``--cpus 1.5``), the tightest
    of its cgroup's and every ancestor's, in cgroup v2 (``cpu.max``) or v1
    (``cpu.cfs_quota_us``); None when there is none, or none can be read (not Linux). The
    hierarchies are found where ``mounts`` (mountinfo) says they are mounted, else under
    ``cgroups`` as systemd mounts them."""
    try:
        lines = os.fsdecode(membership.read_bytes()).splitlines()
    except OSError:
        return None
    mounted = _cgroup_mounts(mounts) if mounts is not None else None
    tightest: float | None = None
    for line in lines:
        _hierarchy, _, rest = line.partition(":")
        controllers, _, where = rest.partition(":")
        if controllers == "":  # v2: one hierarchy, cpu.max reads "max 100000" or "150000 100000"
            read, wanted = _v2_quota, None
        elif "cpu" in controllers.split(","):
            read, wanted = _v1_quota, "cpu"
        else:
            continue
        if mounted:
            bases = [(point, root) for version, point, root, options in mounted
                     if (version == 2 if wanted is None else version == 1 and wanted in options)]
        else:
            bases = ([(cgroups, "/")] if wanted is None
                     else [(cgroups / controllers, "/"), (cgroups / "cpu", "/")])
        for base, root in bases:
            # the cgroup's path is written from the hierarchy's root, the mount shows a part of
            # it (a container's own cgroup is often its mount's root: its path is not there)
            inner = where[len(root):] if root != "/" and where.startswith(root) else where
            node = base / inner.strip("/")
            for folder in (node, *node.parents):
                if folder == base.parent:
                    break
                quota = read(folder)
                if quota is not None and (tightest is None or quota < tightest):
                    tightest = quota
    return tightest


def _cgroup_mounts(mounts: Path) -> list[tuple[int, Path, str, set[str]]] | None:
    """(version, mount point, root within the hierarchy, v1 controllers) of every cgroup
    mount in a mountinfo file; None when it cannot be read."""
    try:
        lines = os.fsdecode(mounts.read_bytes()).splitlines()
    except OSError:
        return None
    found = []
    for line in lines:
        head, separator, tail = line.partition(" - ")
        fields, kind = head.split(" "), tail.split(" ")
        if not separator or len(fields) < 5 or len(kind) < 3 or kind[0] not in ("cgroup",
                                                                                "cgroup2"):
            continue
        root, point = (_unescaped(field) for field in fields[3:5])
        found.append((2 if kind[0] == "cgroup2" else 1, Path(point), root,
                      set(kind[2].split(","))))
    return found


def _unescaped(field: str) -> str:
    """mountinfo writes a space, a tab, a newline and a backslash in octal: \040 and so on."""
    return re.sub(r"\\([0-7]{3})", lambda digits: chr(int(digits[1], 8)), field)


def _v2_quota(folder: Path) -> float | None:
    try:
        limit, period = (folder / "cpu.max").read_text().split()
        return _ratio(int(limit), int(period)) if limit != "max" else None
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _v1_quota(folder: Path) -> float | None:
    try:
        return _ratio(int((folder / "cpu.cfs_quota_us").read_text()),
                      int((folder / "cpu.cfs_period_us").read_text()))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _ratio(limit: int, period: int) -> float | None:
    """CPUs of a quota; none for an unlimited one (-1) or one no kernel writes."""
    if limit <= 0 or period <= 0 or limit > 2**64 or period > 2**64:
        return None
    return limit / period


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


def automatic_browsers() -> int:
    """``--jobs auto`` for a PDF: the browsers printing its parts at once, a usable CPU each (at
    most ``AUTO_AT_MOST``), whatever the size of the inputs: a part of 100 projects keeps a core
    busy for seconds, so a unit of a few hundred projects gains what forking would not."""
    return max(1, min(usable_cpus(), AUTO_AT_MOST))


def no_more_workers() -> None:
    """The running pool, if any, forks no worker to replace one that dies: the SIGTERM handler
    (cli.py) asks this before it kills the workers, so that none is forked as it ends the
    process. A plain write, safe in a signal handler."""
    if _POOL is not None:
        stop_replacing_workers(_POOL)


def _answered(pool: "multiprocessing.pool.Pool", tasks: list[T], work: Callable[[T], R]
              ) -> Iterator[R]:
    """Each task's answer, in order. A worker that dies (the OOM killer, a kill by hand) takes
    its task with it, and the pool would wait for that answer for ever: the pool is then
    abandoned and the tasks not yet answered are done in this process, to the same bytes."""
    from multiprocessing import TimeoutError

    workers = pool_workers(pool)
    answers = pool.imap(work, tasks)
    for done in range(len(tasks)):
        while True:
            try:
                answer = answers.next(timeout=0.1)
                break
            except TimeoutError:
                if any(worker.exitcode is not None for worker in workers):
                    abandon_pool(pool)
                    yield from map(work, tasks[done:])
                    return
        yield answer


def rendered_in_parallel(run: Run, render: Callable, jobs: int, chunk: int = 100,
                         join: Callable[[list], R] = json_lines) -> Iterator[tuple[R, int]]:
    """(a slice's projects rendered and joined: encoded JSON lines by default, projects done
    so far), in order; a slice with none scored is left out; diagnostics land in ``run``."""
    global _RUN, _RENDER, _JOIN, _PARCELS
    indexes = run.indexes()
    slices = [indexes[i:i + chunk] for i in range(0, len(indexes), chunk)]
    _RUN, _RENDER, _JOIN = run, render, join
    _PARCELS = _hand_over(run, slices)
    # Shared data (when it was not handed over) is the parent's pages: letting a project's data
    # go in a worker would write to, copy and free every page of it, for nothing.
    run.releases_read_data = _PARCELS is not None
    answers = in_workers(_work, list(enumerate(slices)), jobs)
    try:
        done = 0
        for (data, found), part in zip(answers, slices):
            run.add_found(found)
            done += len(part)
            if data:
                yield data, done
    finally:
        answers.close()  # a caller that stops early (Ctrl-C): the workers are stopped now
        _RUN = _RENDER = _JOIN = _PARCELS = None
        run.releases_read_data = True
    run.check_unmatched()


def in_workers(work: Callable[[T], R], tasks: list[T], jobs: int) -> Iterator[R]:
    """``work`` of each task, in order, done by ``jobs`` forked workers: a module-level
    function (the pool names it to the workers), reading what the parent set up before the
    call (the workers are forked here). Where no process can be forked, this process does
    the tasks; a worker that dies leaves its tasks to this process (``_answered``); Ctrl-C or
    a failure here stops the workers at once (``internals.abandon_pool``)."""
    global _POOL
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
        try:
            # a signal mid-fork would find a worker its handler does not know of yet
            with held_signals():
                pool = _POOL = context.Pool(jobs, initializer=_started_worker,
                                            initargs=(os.getpid(),))
            replacing_workers_without_spinning(pool)
        except OSError:  # no room for another process: this one does the tasks
            pool = None
        with contextlib.nullcontext() if pool is None else pool:
            try:
                yield from map(work, tasks) if pool is None else _answered(pool, tasks, work)
            except BaseException:  # Ctrl-C, or this process's own failure mid-run
                if pool is not None:
                    abandon_pool(pool)
                raise
    finally:
        _POOL = None
