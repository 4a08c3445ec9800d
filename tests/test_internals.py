"""evaluator/internals.py, pinned to what each of its functions relies on in CPython, Linux and
multiprocessing: when an upgrade changes one, the test names it."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
import time

import pytest
import ryml
from click.testing import CliRunner

from evaluator import internals
from tests.conftest import EXAMPLE, example_told

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")


# ---- the buffer protocol ----------------------------------------------------------------------

def test_a_buffer_address_is_where_its_bytes_are():
    data = bytearray("year: 2024\nunit: 上海\n".encode())
    whole = internals.buffer_address(memoryview(data))
    assert whole == ctypes.addressof((ctypes.c_char * len(data)).from_buffer(data))
    assert internals.buffer_address(memoryview(data)[7:]) - whole == 7


def test_the_buffer_structure_has_cpythons_layout():
    """Py_buffer's fields up to ``readonly`` read back what the object is: the layout ctypes
    declares is the interpreter's."""
    for data, readonly in ((bytearray(b"abc"), 0), (b"abcd", 1)):
        view = internals._PyBuffer()
        assert internals._get_buffer(data, view, 0) == 0
        try:
            assert (view.obj, view.len, view.itemsize, view.readonly) == (data, len(data), 1,
                                                                         readonly)
        finally:
            internals._release_buffer(view)


def test_rapidyamls_nodes_point_into_the_buffer_parsed_in_place():
    """source.py's positions: a node's key and value are views of the parsed buffer itself,
    so their address less the buffer's is their byte offset in the file."""
    text = "year: 2024\nunit: 上海中心\n".encode()
    buffer = bytearray(text)
    tree = ryml.parse_in_place(buffer)
    base = internals.buffer_address(memoryview(buffer))
    unit = tree.next_sibling(tree.first_child(tree.root_id()))
    assert internals.buffer_address(tree.key(unit)) - base == text.index(b"unit")
    assert internals.buffer_address(tree.val(unit)) - base == text.index("上海".encode())


# ---- a child that dies with its parent -------------------------------------------------------

@linux_only
def test_a_child_asks_to_be_killed_with_its_parent():
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            os.close(reading)
            asked = internals.die_with_parent()
            os.write(writing, f"{asked} {internals.parent_death_signal()}".encode())
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    answer = os.read(reading, 100).decode()
    os.close(reading)
    os.waitpid(pid, 0)
    assert answer == f"True {int(signal.SIGKILL)}"
    assert internals.parent_death_signal() == 0  # this process asked nothing of the kind


@linux_only
def test_a_child_that_asked_dies_when_its_parent_does():
    reading, writing = os.pipe()
    asked, told = os.pipe()
    middle = os.fork()
    if middle == 0:  # pragma: no cover - the parent that will die
        status = 1
        try:
            child = os.fork()
            if child == 0:
                os.write(writing, f"{os.getpid()}\n".encode())
                internals.die_with_parent()
                os.write(told, b"asked")  # its parent may die from here on
                time.sleep(60)
            else:
                os.read(asked, 5)  # dying before the child asked would not kill it
                status = 0
        finally:
            os._exit(status)
    os.close(asked)
    os.close(told)
    os.close(writing)
    child = int(os.read(reading, 100).decode())
    os.close(reading)
    os.waitpid(middle, 0)  # its parent is dead: the kernel kills it
    for _ in range(300):
        if not _running(child):
            break
        time.sleep(0.05)
    assert not _running(child)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# ---- the cyclic collector --------------------------------------------------------------------

def test_the_collector_is_off_while_loading_and_the_loaded_data_out_of_its_sight():
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    try:
        internals.loading_data()
        assert not gc.isenabled()
        loaded = [{"projects": [str(i)]} for i in range(100)]
        internals.loaded_data_settled()
        assert gc.isenabled()
        assert gc.get_threshold() == internals.SETTLED_THRESHOLD
        assert gc.get_freeze_count() >= len(loaded)
        assert not any(gc.is_tracked(d) and d in gc.get_objects(0) for d in loaded[:3])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        (gc.enable if enabled else gc.disable)()


# ---- strings ---------------------------------------------------------------------------------

def test_a_string_copied_is_an_object_of_its_own():
    text = "城市日宣传推广" * 3
    assert str(text) is text and text[:] is text  # why own_copy is needed
    copy = internals.own_copy(text)
    assert copy == text and copy is not text
    assert internals.own_copy(None) is None


# ---- multiprocessing.Pool's private parts ----------------------------------------------------

def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_a_pool_stopped_from_replacing_a_killed_worker_is_abandoned_at_once():
    assert multiprocessing.pool.TERMINATE  # the state the pool's threads look at
    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        workers = internals.pool_workers(pool)
        assert len(workers) == 1 and workers[0].is_alive()
        assert callable(getattr(pool._change_notifier, "put", None))
        assert callable(getattr(pool._terminate, "cancel", None))
        handler = internals.stop_replacing_workers(pool)
        assert handler is pool._worker_handler
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].join(timeout=10)
        waiting = pool.apply_async(_sleep, (0,))  # nobody left to answer it
        time.sleep(0.3)  # a replacement, if the pool still made one, would be forked by now
        assert [w for w in internals.pool_workers(pool) if w.is_alive()] == []
        assert not waiting.ready()
    finally:
        started = time.monotonic()
        internals.abandon_pool(pool)
    assert time.monotonic() - started < 10  # its thread joined, no terminate() to wait on
    assert not pool._worker_handler.is_alive()


def _megabyte(_: int) -> bytes:
    return b"x" * (1 << 20)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_a_pool_replacing_workers_without_spinning_still_answers_and_replaces_them():
    """What the worker handler waits on is a list it reads each time round, given it as an
    argument, holding the result pipe's reader: taken out, the pool still answers, and still
    replaces a worker that dies (a worker's death, not the pipe, wakes the thread)."""
    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        reader = pool._outqueue._reader
        assert any(type(a) is list and reader in a for a in pool._worker_handler._args)
        assert internals.replacing_workers_without_spinning(pool)
        assert not any(type(a) is list and reader in a for a in pool._worker_handler._args)
        assert list(pool.imap(_megabyte, range(3))) == [b"x" * (1 << 20)] * 3
        first = internals.pool_workers(pool)[0]
        os.kill(first.pid, signal.SIGKILL)
        first.join(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
                w.is_alive() and w is not first for w in internals.pool_workers(pool)):
            time.sleep(0.05)
        # replaced (what it answers after is the pool's own affair: a worker killed while it
        # waits for a task holds the task pipe's lock for ever, with or without this)
        assert [w for w in internals.pool_workers(pool) if w.is_alive()] != []
        assert first not in internals.pool_workers(pool)
    finally:
        internals.abandon_pool(pool)
    assert not internals.replacing_workers_without_spinning(pool)  # found no more: a no-op


def test_a_short_option_is_found_among_the_long_ones(tmp_path):
    """click looks an option up among the long ones first: -o is found there at once, read as
    it was (and -o=FILE as --output=FILE), and no run given it imports difflib, which click
    needs only to suggest what a mistyped option meant."""
    import click

    from evaluator.cli import main

    command = main.commands["run"]
    with click.Context(command) as ctx:
        parser = command.make_parser(ctx)
    assert parser._long_opt["-o"] is parser._short_opt["-o"]
    assert parser._long_opt["--output"] is parser._short_opt["-o"]
    assert example_told(tmp_path, ["--format", "json"], "", "'difflib' in sys.modules") == "False"
    assert (tmp_path / "report").stat().st_size > 0
    done = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                     "--format", "json", f"-o={tmp_path / 'equals.json'}"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "equals.json").read_bytes() == (tmp_path / "report").read_bytes()
