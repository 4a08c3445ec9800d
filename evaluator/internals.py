"""What the engine asks of CPython and Linux beyond the documented library, in one place.

Each function here relies on something a new interpreter or a new platform may change; each has
a test in tests/test_internals.py pinned to exactly what it relies on, so that an upgrade that
breaks one fails there, by name, rather than as a wrong position or a hung run elsewhere.

- ``buffer_address``: the C buffer protocol through ctypes (``PyObject_GetBuffer``), to learn
  where rapidyaml's in-place parse put a node (source.py: positions are byte offsets).
- ``die_with_parent``: Linux's ``prctl(PR_SET_PDEATHSIG)`` through libc, so that a forked
  child (the parse child, a --jobs worker) is killed when its parent dies.
- ``loading_data`` / ``loaded_data_settled``: the cyclic collector off while millions of
  acyclic objects are made, then those objects frozen out of its sight (``gc.freeze``).
- ``own_copy``: a string in an object of its own, which CPython's ``str()`` and slicing do not
  give (parallel.py: a name pinning a parent's memory).
- ``short_options_found_at_once``: click's option parser's tables of long and short options,
  to find ``-o`` at once rather than after click has failed to find it among the long ones
  (and worked out, with difflib, what a mistyped option may have meant).
- ``stop_replacing_workers`` / ``abandon_pool`` / ``pool_workers``: multiprocessing.Pool's
  private attributes, where its public API has no way to stop it replacing dead workers, to
  see that one died, or to end it without a ``terminate()`` that can wait for ever.
- ``replacing_workers_without_spinning``: the list of what the thread that replaces dead
  workers waits on (an argument of that thread), the result pipe taken out of it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import signal
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import multiprocessing.pool
    from multiprocessing.process import BaseProcess


# ---- the buffer protocol ----------------------------------------------------------------------

class _PyBuffer(ctypes.Structure):  # Py_buffer, as Include/pybuffer.h lays it out
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int),
                ("ndim", ctypes.c_int), ("format", ctypes.c_char_p),
                ("shape", ctypes.c_void_p), ("strides", ctypes.c_void_p),
                ("suboffsets", ctypes.c_void_p), ("internal", ctypes.c_void_p)]


_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_get_buffer.restype = ctypes.c_int
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(_PyBuffer)]
_release_buffer.restype = None


def buffer_address(view: Any) -> int:
    """The memory address a buffer (a memoryview of rapidyaml's) starts at, 0 when it has
    none: with the file parsed in place, a node's address less the buffer's is its byte
    offset in the file."""
    buffer = _PyBuffer()
    if _get_buffer(view, buffer, 0) != 0:
        return 0
    try:
        return buffer.buf or 0
    finally:
        _release_buffer(buffer)


# ---- a child that dies with its parent -------------------------------------------------------

PR_SET_PDEATHSIG, PR_GET_PDEATHSIG = 1, 2  # linux/prctl.h


def _prctl() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(AttributeError, OSError):  # no prctl in this libc
        return ctypes.CDLL(None, use_errno=True).prctl
    return None


def die_with_parent() -> bool:
    """Have the kernel kill this process (SIGKILL) when the thread that forked it ends; False
    where that cannot be asked (not Linux, no prctl). The caller checks that the parent is
    still there afterwards: it may have died before this took hold."""
    prctl = _prctl()
    return prctl is not None and prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0


def parent_death_signal() -> int | None:
    """The signal this process gets when its parent dies (0: none); None where unknown."""
    prctl = _prctl()
    if prctl is None:
        return None
    found = ctypes.c_int(-1)
    return found.value if prctl(PR_GET_PDEATHSIG, ctypes.byref(found)) == 0 else None


# ---- the cyclic collector --------------------------------------------------------------------

SETTLED_THRESHOLD = (100_000, 50, 1000)


def loading_data() -> None:
    """Call before the files are loaded: the decoder makes millions of objects without a cycle
    among them, and the cyclic collector would walk them as they come (20 ms a file of a
    province's unit, measured)."""
    gc.disable()


def loaded_data_settled() -> None:
    """Call once the files are loaded. They are millions of long-lived objects; the cyclic
    collector would walk them again and again while projects are scored (a third of the run,
    measured). They hold no cycles: move them out of its sight, and let it run less often."""
    gc.freeze()
    gc.set_threshold(*SETTLED_THRESHOLD)
    gc.enable()


# ---- strings ---------------------------------------------------------------------------------

def own_copy(text: str | None) -> str | None:
    """The same text in an object of its own (``str()`` and slicing give back the same one)."""
    return None if text is None else (text + "\0")[:-1]


# ---- click's option parser ---------------------------------------------------------------------

def short_options_found_at_once(parser: Any) -> Any:
    """The parser, its short options (``-o``) among its long ones too. click looks an option
    up among the long ones first and, not finding it there, makes the error it would report
    (importing difflib to suggest a long one, looking up its message's translation) before it
    tries the short ones: every run given ``-o FILE`` paid that, a millisecond or two of a small
    run. Read from the long ones, ``-o FILE`` is read as before, and ``-o=FILE`` as
    ``--output=FILE`` (it meant the file ``=FILE``); ``-oFILE`` is still a short option."""
    for name, option in parser._short_opt.items():
        parser._long_opt.setdefault(name, option)
    return parser


# ---- multiprocessing.Pool's private parts ----------------------------------------------------

def pool_workers(pool: "multiprocessing.pool.Pool") -> list["BaseProcess"]:
    """The pool's worker processes now (it drops a dead one from this list as it replaces it)."""
    return list(getattr(pool, "_pool", ()))


def replacing_workers_without_spinning(pool: "multiprocessing.pool.Pool") -> bool:
    """The pool's thread that replaces dead workers (``Pool._handle_workers``) waits on the
    workers' deaths, the pool's own notices and the pipe the answers come through; it does
    nothing with an answer, so while one lies in the pipe unread it wakes, finds nothing to
    do and waits again at once, round and round: a --jobs worker's answer is a slice's
    megabyte of JSON, and that thread took 0.3 s of CPU of a 10 000-project run's parent,
    from the workers' two cores (measured). It reads what it waits on from a list given it
    when the pool started, each time round: the pipe is taken out of that list, and the
    thread then wakes as the pool needs it to (a worker dying, the pool told to stop, its
    work done). Whether the pipe was found there."""
    reader = getattr(getattr(pool, "_outqueue", None), "_reader", None)
    arguments = getattr(getattr(pool, "_worker_handler", None), "_args", ())
    for waited_on in arguments:
        if type(waited_on) is list and any(item is reader for item in waited_on):
            waited_on[:] = [item for item in waited_on if item is not reader]
            return True
    return False


def stop_replacing_workers(pool: "multiprocessing.pool.Pool") -> object:
    """Tell the pool's thread that replaces dead workers to end (it looks at its state each
    time it wakes, and a worker's death wakes it); that thread, or None. A plain write, safe
    in a signal handler."""
    from multiprocessing.pool import TERMINATE

    handler = getattr(pool, "_worker_handler", None)
    if handler is not None:
        handler._state = TERMINATE
    return handler


def abandon_pool(pool: "multiprocessing.pool.Pool") -> None:
    """Stop a pool whose work is no longer wanted without its terminate(), which can wait for
    ever: a worker killed while it writes a slice's answer leaves the result queue's lock held,
    and the pool's task thread then waits on that lock while terminate() waits on the thread
    (seen 1 run in 25 of a Ctrl-C on a loaded machine). The pool's thread that replaces dead
    workers is stopped first (else it forks new ones, which wait for ever, orphaned), then the
    workers are killed and reaped, and the pool's finalizer (its terminate, which ``with`` and
    the exit would call) is cancelled; its threads, daemons, are left to the process's end."""
    from multiprocessing.pool import TERMINATE

    pool._state = TERMINATE
    handler = stop_replacing_workers(pool)
    if handler is not None:
        with contextlib.suppress(Exception):
            pool._change_notifier.put(None)  # wake it: it sees TERMINATE and ends
        handler.join(timeout=5)
    for worker in pool_workers(pool):
        with contextlib.suppress(OSError, AttributeError, ValueError):
            worker.kill()
    for worker in pool_workers(pool):
        with contextlib.suppress(OSError, AttributeError, ValueError, AssertionError):
            worker.join(timeout=1)  # killed at once: reaped here, not left as zombies
    finalizer = getattr(pool, "_terminate", None)
    if finalizer is not None and hasattr(finalizer, "cancel"):
        finalizer.cancel()
