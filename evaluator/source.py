"""Reading a user's YAML file: fast, exact, and able to say where anything is.

rapidyaml parses the file; its JSON emitter hands every scalar over as the text the user wrote
(``100.00`` keeps its precision, ``no`` stays a word, dates stay text until a schema reads them),
and the C JSON decoder builds the Python data. Nothing is typed implicitly and no float ever
appears. Positions are not built for clean files: when a diagnostic needs FILE:LINE:COL, the file
is parsed again in place and the node's address in the buffer gives its byte offset.

Duplicate keys, anchors and aliases (the billion-laughs bomb), several documents, runaway
nesting, wrong encodings and binary files are diagnostics, not crashes.

The loader knows nothing of what a file means. A caller may name a *split key*: a top-level key
whose entries (a unit's projects) are looked up one at a time; where each entry starts is then
noted as the file is parsed (``Blocks``), so that a position inside one is found by parsing its
lines alone. ``Document`` is the YAML kind of loaded document (inputs.LoadedDocument).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import json
import mmap
import os
import pickle
import re
import signal
import stat
import sys
import threading
import weakref
from dataclasses import field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import ryml

from .diagnostics import Diagnostic, Position, error, made_position, warning
from .inputs import Entries, has_path
from .internals import buffer_address, die_with_parent
from .saved_code import compiled, dataclass


def has_content(raw: bytes) -> bool:
    """A line that is not blank nor a comment, searched a few megabytes at a time: a file of
    60 MB of comments took 2.4 s in one search, deaf to Ctrl-C."""
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", min(start + (4 << 20), len(raw))) + 1 or len(raw)
        if _CONTENT.search(raw, start, end) is not None:
            return True
        start = end
    return False


_NONE = ryml.NONE if hasattr(ryml, "NONE") else 2 ** 64 - 1
_NEWLINE = compiled(b"\n")
_CONTENT = compiled(rb"^[ \t]*[^#\s]", re.MULTILINE)  # a line that is not blank or a comment
# A tag (!!binary, !local): ! right after a space, a flow indicator or a colon.
_TAG = compiled(rb"(?:^|[\s\[\{,:-])!", re.MULTILINE)
# An anchor or alias token: & or * right after a space, a flow indicator or a colon.
_ANCHOR_OR_ALIAS = compiled(rb"(?:^|[\s\[\{,:-])[&*][^\s,\[\]\{\}]", re.MULTILINE)
# 000.00 as a key: a number's thousands written inside { }, where a comma parts two entries
THOUSANDS_GROUP = compiled(r"\d{3}(\.\d+)?")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """rapidyaml prints its own report of a parse error to fd 2 before raising; the user gets
    ours instead."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded use): nothing to hide
        yield
        return
    try:
        os.dup2(_sink(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


_HELD = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back while a process forks: one that lands mid-fork would be
    swallowed by a fork hook (with a traceback), or find a child not yet known to its parent
    and leave it behind. They are delivered as this ends; a child lets them through with
    ``let_signals_through``."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def let_signals_through() -> None:
    """In a child forked under ``held_signals``."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


@contextlib.contextmanager
def ctrl_c_ends_at_once() -> Iterator[None]:
    """Ctrl-C kills the process as by default (status 130) while a file is read and parsed:
    rapidyaml, the JSON decoder and a regular expression over a whole file are C that never
    looks at signals, and a Python handler waits for them to end (four seconds for a file of
    the size limit). Nothing is being written meanwhile. Only where Python's own handler is in
    place, in the main thread: a caller with a handler of its own keeps it."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@functools.cache
def _sink() -> int:
    """/dev/null, opened once: every position parses its project's lines again, and opening it
    each time cost more than that parse (15 µs against 12, measured)."""
    return os.open(os.devnull, os.O_WRONLY)


class ParseFailure(Exception):
    def __init__(self, message: str, offset: int | None):
        super().__init__(message)
        self.message, self.offset = message, offset


_SMALL = 1 << 16  # bytes: below this, lines are counted when asked for, without an index


# A project's lines as every tool and person writes them: each line blank, a comment, `key:`
# or `key: value`, the key plain, the value plain or single-quoted on its one line (no '' nor
# # in it), a comment after it, an item's first key on its dash's line; no Tab, CR, double
# quote, flow collection, tag, anchor, alias, block scalar, nested list or continued line. In such lines a key's
# children are the lines indented more below it, up to the next line indented as much or less.
_PLAIN_KEY = rb"[^\s'\"#:\-?\[\]{},&*!|>%@`][^\n\r\t:#\"]*(?<![ \f\v])"  # not ending in a space
_PLAIN_VALUE = (rb"(?:'[^'\n\r\t#]*'|(?:[^\s'\"#\[\]{}|>&*!%@`,?:\-]|-(?=[0-9]))"
                rb"[^\n\r\t#\":]*(?::[^\s#\":][^\n\r\t#\":]*)*)")  # loops unrolled: 5× faster
# (?:X|), not (?:X)?: the same language, and re's general repeat for a group costs more
_PLAIN_ENTRY = _PLAIN_KEY + rb":(?: +" + _PLAIN_VALUE + rb"|)(?: +#[^\n]*|) *"
_PLAIN_LINE = rb" *(?:" + _PLAIN_ENTRY + rb"|#[^\n]*|)"
_PLAIN_BLOCK = compiled(rb" *(?:- )?" + _PLAIN_ENTRY + rb"(?:\n" + _PLAIN_LINE + rb")*\n?")
# the same, line by line: the first line, and lines each followed by a line break
_PLAIN_FIRST = compiled(rb" *(?:- |)" + _PLAIN_ENTRY)
_PLAIN_LINES = compiled(rb"(?:" + _PLAIN_LINE + rb"\n)*")
_PLAIN_LINES_KEPT = 100_000  # lines of a file remembered at most (some 9 MB)


def _is_plain(raw: bytes, seen: set[bytes] | None) -> bool:
    """``_PLAIN_BLOCK.fullmatch(raw)``, the lines found plain in the file's other projects
    (``seen``) not checked again: a unit's projects repeat most of their lines (`indicators:`,
    a row's `actual: 100%`, a reason copied from the row above), and the expression costs a
    third of a microsecond a line, where a set finds a line in a few hundredths."""
    if seen is None:
        return _PLAIN_BLOCK.fullmatch(raw) is not None
    lines = raw.split(b"\n")  # _PLAIN_BLOCK's lines: none of its lines holds a break
    if _PLAIN_FIRST.fullmatch(lines[0]) is None:
        return False
    # the first line stands for an empty one, plain (its own check is the one above); no set
    # is asked first whether it holds them all: a project's own lines (its name, its sums)
    # are new to it, and that walk over the set missed nearly every time
    lines[0] = b""
    new = set(lines).difference(seen)
    if not new:
        return True
    if _PLAIN_LINES.fullmatch(b"\n".join(new) + b"\n") is None:
        return False
    if len(seen) < _PLAIN_LINES_KEPT:
        seen.update(new)
    return True


# the next line that is not blank nor a comment, and its indentation; the next such line
# indented as much as a key or less, where its block ends
_INDENTED = compiled(rb"\n( *)[^ \n#]")


_DEEPER = tuple(b"\n" + b" " * (width + 1) for width in range(64))  # a line below one this indented
_LINE_INDENTED = tuple(b"\n" + b" " * width for width in range(64))  # a line this indented


def _dedented(width: int) -> re.Pattern[bytes]:
    return re.compile(rb"\n {0,%d}(?=[^ \n#])" % width)


@dataclass(eq=False)
class Locator:
    """Byte offsets, lines and node positions of one file, computed only when asked for."""

    path: str
    raw: bytes  # UTF-8, without a byte-order mark (columns count from what follows it, as an
    # editor counts them: the mark is not shown)
    _tree: Any = field(default=None, repr=False)
    _buffer: bytearray | None = field(default=None, repr=False)
    _base: int = 0
    _line_starts: list[int] | None = field(default=None, repr=False)
    _nodes: dict[tuple, tuple[int, bool]] = field(default_factory=dict, repr=False)
    _indexes: dict[int, dict[Any, int] | None] = field(default_factory=dict, repr=False)
    blocks: "Blocks | None" = None  # set by the loader: where each entry of the split key starts
    _pieces: dict[Any, "Locator"] = field(default_factory=dict, repr=False)  # by project
    _header: "Locator | None" = field(default=None, repr=False)  # the lines above the projects
    _lines_before: int = 0  # a project's piece: the file's lines above its first
    # the pattern of a block's end, by its key's indentation (a file has a handful)
    _block_ends: dict[int, re.Pattern[bytes]] = field(default_factory=dict, repr=False)
    # lines of this file found in the plain style, shared by its projects' pieces (_is_plain)
    _plain_lines: set[bytes] | None = field(default=None, repr=False)

    # ---- lines ---------------------------------------------------------------------------
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            # a regex scan: 55 ms for 650 000 lines, against 83 for a loop over bytes.find and
            # 75 for the lengths of raw.split (measured)
            self._line_starts = [0] + [match.end() for match in _NEWLINE.finditer(self.raw)]
        return self._line_starts

    def line(self, number: int) -> str | None:
        found = self._line_in_block(number) if self._line_starts is None else None
        if found is not None:
            return found
        starts = self.line_starts()
        if not 1 <= number <= len(starts):
            return None
        end = starts[number] - 1 if number < len(starts) else len(self.raw)
        return self.raw[starts[number - 1]:end].decode("utf-8", "replace").rstrip("\r")

    def _line_in_block(self, number: int) -> str | None:
        """A line of a project, found from where the project starts: an excerpt under a
        diagnostic needs no index of the whole file's lines."""
        blocks = self.blocks
        if blocks is None or not blocks.lines:
            return None
        if number < 1:
            return None
        index = bisect.bisect_left(blocks.lines, number) - 1  # the last project starting before
        if index < 0:  # the header, above the first project
            start, end, before = 0, blocks.starts[0], 0
        else:
            start, before = blocks.starts[index], blocks.lines[index]
            end = blocks.starts[index + 1] if index + 1 < len(blocks.starts) else blocks.end
        lines = self.raw[start:end].split(b"\n")
        within = number - 1 - before
        if within >= len(lines) - 1:  # at or past the block's end
            return None
        return lines[within].decode("utf-8", "replace").rstrip("\r")

    def at_offset(self, offset: int) -> Position:
        raw = self.raw
        offset = max(0, min(offset, len(raw)))
        if self._line_starts is None and len(raw) <= _SMALL:  # a project's lines: count them
            index = raw.count(b"\n", 0, offset)
            start = raw.rfind(b"\n", 0, offset) + 1
        else:
            starts = self.line_starts()
            index = bisect.bisect_right(starts, offset) - 1
            start = starts[index]
        column = len(raw[start:offset].decode("utf-8", "replace")) + 1
        return Position(self.path, index + 1, column)

    # ---- the tree ------------------------------------------------------------------------
    def tree(self) -> Any:
        if self._tree is None:
            self._buffer = bytearray(self.raw)
            if len(self.raw) <= _SMALL:  # a small file or a project's lines: parsed in
                # microseconds, where setting Ctrl-C's handler and back cost three times that
                with _quiet_stderr():
                    self._tree = ryml.parse_in_place(self._buffer, tree=_sized_tree(self.raw))
            else:
                with _quiet_stderr(), ctrl_c_ends_at_once():
                    self._tree = ryml.parse_in_place(self._buffer, tree=_sized_tree(self.raw))
            self._base = buffer_address(memoryview(self._buffer))
        return self._tree

    def release(self) -> None:
        """Drop the parse tree (it is rebuilt if a position is asked for later)."""
        self._tree = self._buffer = None
        self._nodes = {}
        self._indexes = {}

    def _offset(self, view: Any) -> int | None:
        if view is None or len(view) == 0:
            return None
        address = buffer_address(view)
        offset = address - self._base
        return offset if 0 <= offset <= len(self.raw) else None

    def _root(self) -> int:
        tree = self.tree()
        root = tree.root_id()
        if tree.is_stream(root) and tree.num_children(root):
            root = tree.first_child(root)
        return root

    def node(self, path: tuple[Any, ...]) -> tuple[int, bool]:
        """The node at ``path`` (keys and list indexes), or the deepest one that exists.
        Lookups are remembered by path prefix: a project's rows share their first steps."""
        known = self._nodes.get(path)
        if known is not None:
            return known
        if path:
            parent, found = self.node(path[:-1])
            if not found:
                return parent, False
            result = self._step(parent, path[-1])
        else:
            result = (self._root(), True)
        if len(self._nodes) < 100_000:
            self._nodes[path] = result
        return result

    def _step(self, node: int, step: Any) -> tuple[int, bool]:
        tree = self.tree()
        index = self._index(node)
        if tree.is_map(node) and isinstance(step, str):
            key = step.encode("utf-8")
            if index is not None:
                child = index.get(key, _NONE)
            elif key:
                child = tree.find_child(node, key)
            else:  # an empty key (a line that starts with ":"): find it by hand
                child = next((c for c in ryml.children(tree, node)
                              if not tree.has_key(c) or not tree.key(c)), _NONE)
        elif tree.is_seq(node) and isinstance(step, int):
            if index is not None:
                child = index.get(step, _NONE)
            else:
                child = tree.child(node, step) if 0 <= step else _NONE
        else:
            return node, False
        return (node, False) if child == _NONE else (child, True)

    def _index(self, node: int) -> dict[Any, int] | None:
        """Children of a big container by key or position, built once: rapidyaml finds a child
        by walking its siblings, which a province's 10 000 projects make slow."""
        if node in self._indexes:
            return self._indexes[node]
        tree = self.tree()
        index: dict[Any, int] | None = None
        if tree.is_container(node) and tree.num_children(node) > 64:
            children = list(ryml.children(tree, node))
            if tree.is_map(node):
                index = {}
                for child in children:
                    view = tree.key(child) if tree.has_key(child) else None
                    index.setdefault(bytes(view) if view is not None else b"", child)
            else:
                index = dict(enumerate(children))
        self._indexes[node] = index
        return index

    def node_offset(self, node: int, *, key: bool = False, dash: bool = True) -> int | None:
        """The byte offset of a node's key (``key``) or value; a container answers with its key,
        or its first child; an empty list item, with the line of its dash."""
        tree = self.tree()
        if not key and tree.is_val_ref(node):  # *name: the offset of the name, less the *
            offset = self._offset(tree.val_ref(node))
            if offset is not None:
                return max(offset - 1, 0)
        if not key and tree.has_val(node) and not tree.is_container(node):
            offset = self._offset(tree.val(node))
            if offset is not None:
                return offset
        if tree.has_key(node):
            offset = self._offset(tree.key(node))
            if offset is not None:
                return offset
            if tree.has_val(node) and not tree.is_container(node):  # an empty key: its value
                offset = self._offset(tree.val(node))
                if offset is not None:
                    return offset
        if tree.has_children(node):
            return self.node_offset(tree.first_child(node), key=True, dash=dash)
        return self._dash_offset(node) if dash else None

    def _dash_offset(self, node: int) -> int | None:
        """An item with nothing in it (`-` alone) has no address: count the dashes at its
        indentation after the nearest earlier item that has one."""
        tree = self.tree()
        if not tree.has_parent(node) or not tree.is_seq(tree.parent(node)):
            return None
        parent = tree.parent(node)
        siblings = list(ryml.children(tree, parent))
        position = siblings.index(node)
        starts = self.line_starts()
        first, count, indent = 0, position + 1, None
        for earlier in range(position - 1, -1, -1):
            offset = self.node_offset(siblings[earlier], key=True, dash=False)
            if offset is not None:
                line = bisect.bisect_right(starts, offset) - 1
                text = self._line_bytes(line)
                stripped = text.lstrip(b" ")
                if stripped.startswith(b"-"):
                    indent = len(text) - len(stripped)
                first, count = line + 1, position - earlier
                break
        else:
            if tree.has_key(parent):
                offset = self._offset(tree.key(parent))
                if offset is not None:
                    first = bisect.bisect_right(starts, offset)
        for line in range(first, len(starts)):
            text = self._line_bytes(line)
            stripped = text.lstrip(b" ")
            if not stripped.startswith(b"-"):
                continue
            width = len(text) - len(stripped)
            if indent is None:
                indent = width
            if width == indent:
                count -= 1
                if count == 0:
                    return starts[line] + width
        return None

    def _line_bytes(self, line: int) -> bytes:
        starts = self.line_starts()
        end = starts[line + 1] if line + 1 < len(starts) else len(self.raw)
        return self.raw[starts[line]:end].rstrip(b"\r\n")

    def position(self, path: tuple[Any, ...], *, key: bool = False, offset: int = 0) -> Position:
        """FILE:LINE:COL of the value (or key) at ``path``; ``offset`` characters into a
        one-line scalar. Inside a project, only that project's lines are parsed."""
        found = self._position_in_piece(path, key=key, offset=offset)
        if found is not None:
            return found
        return self._position_in_tree(path, key=key, offset=offset)

    def _piece(self, project: Any) -> tuple["Locator", int] | None:
        """A locator over one project's lines, and the line it starts on."""
        piece = self._pieces.get(project)
        if piece is None:
            piece = self._new_piece(project)
            if piece is None:
                return None
        return piece, piece._lines_before

    def _new_piece(self, project: Any) -> "Locator | None":
        blocks = self.blocks
        if blocks is None:
            return None
        index = blocks.index.get(project)
        if index is None or not 0 <= index < len(blocks.starts):
            return None
        start = blocks.starts[index]
        end = blocks.starts[index + 1] if index + 1 < len(blocks.starts) else blocks.end
        if len(self._pieces) > 64:  # a few at a time: projects are read in order
            self._pieces.clear()
        if self._plain_lines is None:
            self._plain_lines = set()
        piece = self._pieces[project] = Locator(self.path, self.raw[start:end],
                                                _plain_lines=self._plain_lines,
                                                _block_ends=self._block_ends,
                                                _lines_before=blocks.lines[index])
        return piece

    def _position_in_piece(self, path: tuple[Any, ...], *, key: bool, offset: int
                           ) -> Position | None:
        blocks = self.blocks
        if blocks is None or not blocks.starts:
            return None
        if len(path) < 2 or path[0] != blocks.key:  # the header: the lines above the entries
            if self._header is None:
                self._header = Locator(self.path, self.raw[:blocks.starts[0]])
            header = self._header
            try:
                node, complete = header.node(tuple(path))
            except Exception:
                return None
            return header._position_in_tree(path, key=key, offset=offset) if complete else None
        piece = self._pieces.get(path[1])  # by the project's key: most positions are a row's
        if piece is None:
            piece = self._new_piece(path[1])
            if piece is None:
                return None
        lines_before = piece._lines_before
        position = piece._plain_position(path, key=key, offset=offset, lines_before=lines_before,
                                         first=1)
        if position is not None:
            return position
        inner = ((0,) if isinstance(path[1], int) else (path[1],)) + tuple(path[2:])
        try:
            node, complete = piece.node(inner)
        except Exception:  # the slice did not parse on its own: use the whole file
            return None
        if not complete:
            return None
        position = piece._position_in_tree(inner, key=key, offset=offset)
        return Position(self.path, position.line + lines_before, position.column)

    # ---- a project's lines in the plain block style ------------------------------------------
    # Each key found is a node: [its key's offset, its indentation (its key's column less one),
    # its parent's block's end, its line's end (-1: a list item, whose first key is on its
    # dash's line), its block's end, its children's indentation, its line less one]; the
    # fourth to sixth None until a child of its own is looked for (most positions asked for
    # are a row's key, which needs none of them). By path, as asked for.
    _plain_nodes: dict[tuple, list] | None = None  # None until the lines are checked
    _plain: bool = False  # the lines are in that style (_PLAIN_BLOCK), once checked
    _last_line: tuple[int, int] = (0, 0)  # the last key found: its offset and line less one

    def _plain_position(self, path: tuple[Any, ...], *, key: bool, offset: int,
                        lines_before: int = 0, first: int = 0) -> Position | None:
        """What ``_position_in_tree`` answers (its line ``lines_before`` further down), for a
        project's lines written as every tool and person writes them (_PLAIN_BLOCK), found by
        searching the lines for each key at its indentation instead of parsing them: a unit
        with seven warnings a project asks this for each, and a parse with its tree walked
        cost several rows' scoring. ``path[first]`` is the project (its name, or any index: an
        item of a list); the steps before it are the file's. None when the lines are not in
        that style or the path is not there (the parse then answers)."""
        nodes = self._plain_nodes
        if nodes is None:
            self._plain = _is_plain(self.raw, self._plain_lines)
            nodes = self._plain_nodes = {}
        if not self._plain:
            return None
        node = nodes.get(path)
        if node is None:
            parent = nodes.get(path[:-1])  # a row's key: its parent found for an earlier row
            if parent is not None and parent[3] is not None and type(path[-1]) is str:
                node = self._plain_child(self.raw, path[-1].encode("utf-8"), parent)
                if node is not None:
                    nodes[path] = node
            else:
                node = self._plain_node(path, first)
            if node is None:
                return None
        if key or len(path) == first + 1 and isinstance(path[first], int):  # an item: its first key
            return made_position(self.path, node[6] + 1 + lines_before, node[1] + 1)
        raw = self.raw
        at = node[0]
        line_end = raw.find(b"\n", at)
        if line_end < 0:
            line_end = len(raw)
        colon = raw.index(b":", at)  # a plain key has none of its own
        rest = raw[colon + 1:line_end]
        rest = rest[:rest.find(b" #")] if b" #" in rest else rest  # a comment after it
        value = rest.strip(b" ")
        start = colon + 1 + len(rest) - len(rest.lstrip(b" "))
        quoted = value.startswith(b"'")
        if quoted:
            value, start = value[1:-1], start + 1
        if not value:  # a container, or nothing: its key, as rapidyaml's empty view gives
            return made_position(self.path, node[6] + 1 + lines_before, node[1] + 1)
        # its line starts its key's indentation before the key, in spaces (and a dash)
        column = node[1] + len(raw[at:start].decode("utf-8", "replace")) + 1
        if offset:
            text = value.decode("utf-8", "replace")
            if offset <= len(text):
                position = self._shifted(Position(self.path, node[6] + 1, column), start, text,
                                         len(value), offset, quoted)
                return made_position(self.path, position.line + lines_before, position.column)
        return made_position(self.path, node[6] + 1 + lines_before, column)

    def _plain_node(self, path: tuple[Any, ...], first: int) -> list | None:
        """The node at ``path``, from the deepest one found before (a project's rows share
        their first steps); None if a step is not there, or not a key."""
        nodes, raw = self._plain_nodes, self.raw
        depth = len(path) - 1  # path[:depth]: the leaf's parent
        node = None
        while depth > first:
            node = nodes.get(path[:depth])  # type: ignore[union-attr]
            if node is not None:
                break
            depth -= 1
        if node is None:
            node = self._plain_root(raw, path[first])
            if node is None:
                return None
            depth = first + 1
            nodes[path[:depth]] = node  # type: ignore[index]
        while depth < len(path):
            step = path[depth]
            if not isinstance(step, str):
                return None
            if node[3] is None:  # where its line and its block end: first needed now
                node[3], node[4] = self._plain_extent(raw, node[0], node[1], node[2])
            node = self._plain_child(raw, step.encode("utf-8"), node)
            if node is None:
                return None
            depth += 1
            nodes[path[:depth]] = node  # type: ignore[index]
        return node

    @staticmethod
    def _plain_root(raw: bytes, root: Any) -> list | None:
        """The node of the project these lines hold (see ``_plain_child``); for a list's
        item, its first key on its dash's line."""
        first_end = raw.find(b"\n")
        if first_end < 0:
            first_end = len(raw)
        head = raw[:first_end]
        indent = len(head) - len(head.lstrip(b" "))
        if isinstance(root, int):  # a list's item: its keys start on its dash's line
            if not head.startswith(b"- ", indent):
                return None
            return [indent + 2, indent + 2, len(raw), -1, len(raw), None, 0]
        name = root.encode("utf-8") + b":"
        rest = raw[indent + len(name):first_end]
        if not raw.startswith(name, indent) or rest.split(b"#", 1)[0].strip(b" "):
            return None  # not this project's name, or a value on its line
        return [indent, indent, len(raw), first_end, len(raw), None, 0]

    def _plain_child(self, raw: bytes, name: bytes, parent: list) -> list | None:
        """The node of the key ``name`` among the children of ``parent``."""
        key = name + b":"
        indent, line_end, end, child_indent = parent[1], parent[3], parent[4], parent[5]
        if line_end < 0:  # an item's keys: the first on the dash's line, at ``indent``
            child_indent, at = indent, indent if raw.startswith(key, indent) else -1
            search_from = 0
        else:
            if child_indent is None:
                below = _INDENTED.search(raw, line_end, end)
                child_indent = parent[5] = len(below.group(1)) if below is not None else -1
            if child_indent <= indent:
                return None
            at, search_from = -1, line_end
        if child_indent >= 64:  # deeper than any unit is written: left to the parse
            return None
        needle = _LINE_INDENTED[child_indent] + key
        while True:
            if at < 0:
                found = raw.find(needle, search_from, end)
                if found < 0:
                    return None
                at = found + 1 + child_indent
            if raw[at + len(key):at + len(key) + 1] in (b" ", b"\n", b""):
                break  # the whole key, not one it begins
            search_from, at = at, -1
        # its line: the line breaks counted from the last key found, or its parent's (rows
        # are asked for in their order: a project's lines are counted about once)
        since, line = self._last_line
        if not parent[0] < since <= at:
            since, line = parent[0], parent[6]
        line += raw.count(b"\n", since, at)
        self._last_line = (at, line)
        return [at, child_indent, end, None, None, None, line]

    def _plain_extent(self, raw: bytes, at: int, indent: int, within: int) -> tuple[int, int]:
        """Where the line of the key at ``at`` (indented ``indent``) ends, and where its block
        ends: the next line indented as much or less, within its parent's block (``within``)."""
        own_end = raw.find(b"\n", at, within)
        if own_end < 0:
            return within, within
        if indent < 64:
            # Most often every line below is indented more (or empty): the block ends with
            # its parent's. Counted in C, where the expression tries each line in turn: the
            # line breaks, against those followed by a deeper line, the last of the window
            # (nothing follows it in the window), and those followed by an empty line.
            breaks = raw.count(b"\n", own_end, within)
            deeper = raw.count(_DEEPER[indent], own_end, within) + (raw[within - 1:within] == b"\n")
            if breaks == deeper or breaks == deeper + raw.count(b"\n\n", own_end, within):
                return own_end, within
        block_end = self._block_ends.get(indent)
        if block_end is None:
            block_end = self._block_ends[indent] = _dedented(indent)
        closing = block_end.search(raw, own_end, within)
        return own_end, closing.start() if closing is not None else within

    def _shifted(self, position: Position, start: int, text: str, size: int, offset: int,
                 quoted: bool) -> Position:
        """Character ``offset`` of a scalar's value ``text`` (``size`` bytes) that starts at
        byte ``start``: the value as read is not always the text as written (escapes
        (\\u2265), '' for ', and a value over several lines, folded)."""
        source = self.raw[start:start + 8 * size + 4096].decode("utf-8", "replace")
        at = _written_at(source, text, offset, quoted)
        lines = source.count("\n", 0, at)
        if lines == 0:
            return position.shifted(at)
        return Position(self.path, position.line + lines, at - source.rfind("\n", 0, at))

    def _position_in_tree(self, path: tuple[Any, ...], *, key: bool = False, offset: int = 0
                          ) -> Position:
        node, _found = self.node(path)
        start = self.node_offset(node, key=key)
        if start is None:
            return Position(self.path, 1, 1)
        position = self.at_offset(start)
        if offset and not key:
            tree = self.tree()
            view = tree.val(node) if tree.has_val(node) else None
            text = bytes(view).decode("utf-8", "replace") if view is not None else ""
            if offset <= len(text):
                return self._shifted(position, start, text, len(bytes(view)), offset,
                                     tree.is_val_squo(node))
        return position

    def find_duplicates(self, names: set[str]) -> list[tuple[str, int, int]]:
        """(key, offset of the repeat, line of the first) for every repeated key in a mapping."""
        tree = self.tree()
        found = []
        stack = [self._root()]
        while stack:
            node = stack.pop()
            if tree.is_map(node):
                seen: dict[bytes, int] = {}
                for child in ryml.children(tree, node):
                    view = tree.key(child) if tree.has_key(child) else None
                    name = bytes(view) if view is not None else b""
                    if name in seen and name.decode("utf-8", "replace") in names:
                        offset = self._offset(tree.key(child))
                        if offset is not None:
                            first = self.at_offset(seen[name]).line
                            found.append((name.decode("utf-8", "replace"), offset, first))
                    elif tree.has_key(child):
                        seen[name] = self._offset(tree.key(child)) or 0
            stack.extend(ryml.children(tree, node))
        return found

    def find_tags(self) -> list[tuple[int, str]]:
        """Byte offsets and text of the YAML tags (``!!binary``) on keys and values."""
        tree = self.tree()
        found = []
        stack = [self._root()]
        while stack:
            node = stack.pop()
            for has, tag in ((tree.has_key_tag, tree.key_tag), (tree.has_val_tag, tree.val_tag)):
                if has(node):
                    view = tag(node)
                    found.append((self._offset(view) or 0, bytes(view).decode("utf-8", "replace")))
            stack.extend(ryml.children(tree, node))
        return sorted(found)

    def find_references(self) -> list[int]:
        """Byte offsets of anchors and aliases."""
        tree = self.tree()
        found = []
        stack = [self._root()]
        while stack:
            node = stack.pop()
            if tree.is_val_ref(node) or tree.is_key_ref(node):
                view = tree.val_ref(node) if tree.is_val_ref(node) else tree.key_ref(node)
                offset = self._offset(view)
                found.append(max(offset - 1, 0) if offset is not None else 0)
            elif tree.has_val_anchor(node) or tree.has_key_anchor(node):
                view = tree.val_anchor(node) if tree.has_val_anchor(node) else tree.key_anchor(node)
                offset = self._offset(view)
                found.append(max(offset - 1, 0) if offset is not None else 0)
            stack.extend(ryml.children(tree, node))
        return found


@dataclass(frozen=True, eq=False)
class Document(Entries):
    """One loaded YAML file: its data (plain dicts, lists, text) and where everything is (an
    inputs.SplitDocument: its split key's entries are taken one by one)."""

    path: str
    data: Any  # None when the file could not be read
    locator: Locator | None
    split: str | None = None  # the key whose entries are read one at a time (Blocks)

    def position(self, path: tuple[Any, ...], *, key: bool = False, offset: int = 0) -> Position:
        if self.locator is None:
            return Position(self.path, 1, 1)
        return self.locator.position(path, key=key, offset=offset)

    def line(self, number: int) -> str | None:
        return self.locator.line(number) if self.locator is not None else None

    def has(self, path: tuple[Any, ...]) -> bool:
        return has_path(self.data, path)

# A named tuple built from a tuple of all its fields, without its generated __new__ (a Python
# function with defaults): a province builds millions of rows, at 0.10 µs each instead of 0.28.
new_record = tuple.__new__


# ---- reading ------------------------------------------------------------------------------

MB = 1 << 20


def read_input(path: str | Path) -> bytes:
    """A regular file's bytes, read once and no further than its size when opened: a device
    or a FIFO put where a file was expected is refused before a byte is read (reading
    /dev/zero never ends, and a FIFO without a writer blocks), by ``NotRegular``. Opened
    without blocking, so that a FIFO is seen for what it is rather than waited on."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                         | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(descriptor, "rb", buffering=0) as file:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular(str(path))
        return _read_exactly(file, status.st_size)  # /proc's files say 0, and are not inputs


def _read_exactly(file: Any, size: int) -> bytes:
    """At most ``size`` bytes: a file that grows while it is read is read as it was."""
    chunks, left = [], size
    while left > 0:
        chunk = file.read(min(left, 16 * MB))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class NotRegular(OSError):
    """An input that is not a regular file."""


def _read(name: str, path: str | Path) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of an input, or the diagnostic of one that is not a file to read."""
    try:
        return read_input(path), []
    except NotRegular:
        return None, [error("file.not_regular", "这不是普通文件（是设备、管道或套接字），未读取",
                            Position(name, 1, 1), hint="请给出 YAML 文件的路径")]


# ---- decoding -----------------------------------------------------------------------------

def _sniffed(path: str, data: bytes) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes a parse may begin on, without a BOM, every line break a LF or a CRLF; a binary
    file is named, and so are UTF-32 and UTF-16. Whether the rest is UTF-8 is ``_validated``'s
    to say, after."""
    encoding = _wide_encoding(data)
    if encoding is not None:
        return None, [error("file.encoding", f"文件是 {encoding} 编码，不是 UTF-8",
                            Position(path, 1, 1), hint="请在编辑器中另存为 UTF-8 编码")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:  # anywhere: NULs after the text (a file padded by a crashed editor) too
        line = _place(path, data, nul).line  # the file is not shown: its place is told
        where = f"第 {line} 行起" if line > 1 else ""
        return None, [error("file.binary", f"这不是文本文件（{where}含有二进制内容，如 NUL 字节）",
                            Position(path, 1, 1), hint="请提供 UTF-8 编码的 YAML 文件")]
    problems: list[Diagnostic] = []
    if b"\r" in data:
        mixed = _mixed_line_breaks(path, data)
        if mixed is not None:
            problems.append(mixed)
        # a lone CR is a line break to YAML (1.2 §5.4), old Mac files' and one pasted into an
        # LF file alike: made a LF, one byte for one, so that every offset stays
        data = _LONE_CR.sub(b"\n", data)
    return data, problems


def _wide_encoding(data: bytes) -> str | None:
    """UTF-32 or UTF-16, by the byte-order mark or, for UTF-32 without one, by the three NULs
    beside each character of the first (YAML starts with text of one byte in UTF-8)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode"
        return "UTF-16"
    head = data[:4]
    if len(head) == 4 and (head[1:] == b"\x00\x00\x00" or head[:3] == b"\x00\x00\x00") \
            and head != b"\x00\x00\x00\x00":
        return "UTF-32"
    return None


def _place(path: str, data: bytes, offset: int) -> Position:
    """FILE:LINE:COL of a byte offset (columns in characters)."""
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", "replace")) + 1
    return Position(path, data.count(b"\n", 0, offset) + 1, column)


_LONE_CR = compiled(rb"\r(?!\n)")
_BREAKS = {"LF": compiled(rb"(?<!\r)\n"), "CRLF": compiled(rb"\r\n"), "CR": _LONE_CR}
_BREAK_NAMES = {"LF": "LF（\\n）", "CRLF": "CRLF（\\r\\n，Windows）", "CR": "CR（\\r，旧 Mac）"}


def _mixed_line_breaks(path: str, data: bytes) -> Diagnostic | None:
    """A warning at the first line whose break is not the file's usual one, when a file has
    more than one kind: a CR pasted into an LF file ends a line where the text looks whole."""
    windows = data.count(b"\r\n")
    counts = {"LF": data.count(b"\n") - windows, "CRLF": windows,
              "CR": data.count(b"\r") - windows}
    present = [kind for kind, count in counts.items() if count]
    if len(present) < 2:
        return None
    usual = max(present, key=lambda kind: counts[kind])
    offset = min(match.start() for kind in present if kind != usual
                 for match in [_BREAKS[kind].search(data)] if match is not None)
    kind = next(k for k in present if k != usual and _BREAKS[k].match(data, offset))
    where = _place(path, _LONE_CR.sub(b"\n", data[:offset]), offset)
    return warning("file.mixed_line_breaks",
                   f"这一行以 {_BREAK_NAMES[kind]}换行，文件的其他行多以 {_BREAK_NAMES[usual]}换行",
                   where, hint="YAML 把每一种都当作换行：请在编辑器中统一换行符（如都用 LF）")


def _validated(path: str, data: bytes) -> tuple[bytes | None, list[Diagnostic]]:
    """``_sniffed``'s bytes if they are UTF-8; GBK and other files are named, not guessed."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        # the line up to the first byte that is not UTF-8 is UTF-8: its characters are columns
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8")) + 1
        at = Position(path, line, column)
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            return None, [error("file.encoding", "文件不是 UTF-8 编码", at,
                                hint="请在编辑器中另存为 UTF-8 编码")]
        return None, [error("file.encoding", "文件是 GBK/GB18030 编码，不是 UTF-8", at,
                            hint="请在编辑器中另存为 UTF-8 编码（Excel 导出时选择“UTF-8”）")]
    return data, []


_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
            "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
            "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_HEX_ESCAPE = {"x": 2, "u": 4, "U": 8}


def _written_at(source: str, text: str, offset: int, single_quoted: bool = False) -> int:
    """Where, in ``source`` (the file from where a scalar starts), character ``offset`` of its
    value ``text`` was written: the two are walked side by side, the characters the writing
    adds (quotes, escapes, indentation and line breaks a folding took away) passed over. Past
    what can be matched, the end of what was."""
    i = j = 0
    while i < offset and j < len(source):
        char = source[j]
        if single_quoted and char == "'" and source.startswith("''", j) and text[i] == "'":
            i, j = i + 1, j + 2  # '' is '
            continue
        if char == text[i]:
            i, j = i + 1, j + 1
            continue
        if char == "\\" and j + 1 < len(source):  # an escape: what it stands for
            code = source[j + 1]
            width = _HEX_ESCAPE.get(code)
            if width is not None:
                digits = source[j + 2:j + 2 + width]
                try:
                    meant = chr(int(digits, 16))
                except ValueError:
                    meant = ""
                length = 2 + width
            else:
                meant, length = _ESCAPES.get(code, ""), 2
            if meant == text[i]:
                i, j = i + 1, j + length
                continue
        j += 1
    if offset < len(text):  # the character itself, not the folding that leads to it
        while j < len(source) and source[j] in " \t\n" and source[j] != text[offset]:
            j += 1
    return min(j, len(source))


# ---- syntax errors ------------------------------------------------------------------------

_UNQUOTED_SIGN = compiled(r"^\s*(-\s+)?[^#'\"]*?:\s+([>|])")
_RYML_PROBLEMS = (
    (compiled(r"two colons on same line|mapping values are not allowed"),
     "yaml.colon", "此处不能出现“: ”", "值里含有冒号加空格时，请给整个值加引号"),
    (compiled(r"closing quote"),
     "yaml.unterminated", "引号没有闭合", "检查这一行的引号是否成对"),
    (compiled(r"missing terminating"),
     "yaml.unterminated", "括号没有闭合", "检查 [ ] 或 { } 是否成对"),
    (compiled(r"indentation"),
     "yaml.indentation", "缩进不一致", "同一层级的项目必须左对齐"),
    (compiled(r"containers as keys"),
     "yaml.complex_key", "键必须是文字", None),
    (compiled(r"could not find ':'|colon after key"),
     "yaml.missing_colon", "缺少“:”", "每一项应写成“名称: 值”，冒号后加一个空格"),
)


# a plain key (no quote, no comment before its colon) and a Tab right after that colon
_KEY_TAB = compiled(r"^[ ]*(?:-[ ]+)?[^#'\"\s][^#'\"]*?:\t")
_VALUE_START = compiled(r"^\s*(?:-\s+)?(?:[^#'\"\s][^#]*?:\s+|-\s+)?(?P<value>.*)$")


def _unterminated(locator: Locator, line_number: int) -> Diagnostic | None:
    """An opening quote or bracket that is never closed, on this line or a few above: the
    parser notices only later, where nothing is wrong."""
    for number in range(line_number, max(line_number - 6, 0), -1):
        line = locator.line(number) or ""
        match = _VALUE_START.match(line)
        value = match.group("value") if match else ""
        column = len(line) - len(value) + 1
        if value[:1] in "\"'" and value:
            quote = value[0]
            closed = value.count(quote) % 2 == 0 and not value.endswith("\\" + quote)
            if not closed:
                return error("yaml.unterminated", f"引号 {quote} 没有闭合",
                             Position(locator.path, number, column), hint="请在值的末尾补上同样的引号")
        for opening, closing in (("[", "]"), ("{", "}")):
            if value.startswith(opening) and value.count(opening) > value.count(closing):
                return error("yaml.unterminated", f"括号 {opening} 没有闭合",
                             Position(locator.path, number, column),
                             hint=f"请在这一行末尾补上 {closing}")
    return None


# a plain key, then a colon with no space after it (not a URL's, nor one in quotes or a comment)
_TIGHT_COLON = compiled(r"^[ ]*(?:-[ ]+)?[^#'\"\s:][^#'\":]*?:(?=[^\s/])")
# what a name before a colon never holds: text of a sentence (a block of text goes on with
# 目标：1) …, and its colon is no mistake)
_NOT_A_NAME = compiled(r"[\s，。；！？]")
# the rest of `goal: >-`, `说明: |2`: a block's header, not a value starting with > or |
_BLOCK_HEADER = compiled(r"[-+]?[1-9]?[-+]?\s*(#.*)?$")


def _stray_colon(locator: Locator, position: Position) -> Position:
    """The ": " a value holds (``summary: 全年完成: 宣传``), on the line rapidyaml stopped."""
    line = locator.line(position.line) or ""
    first = line.find(": ")
    second = line.find(": ", first + 2) if first >= 0 else -1
    if second < 0 or second + 1 > position.column:
        return position
    return Position(locator.path, position.line, second + 1)


def _syntax_error(locator: Locator, failure: ParseFailure) -> Diagnostic:
    """rapidyaml's reason, in words a finance officer reads, at the place the mistake is."""
    position = (locator.at_offset(failure.offset) if failure.offset is not None
                else Position(locator.path, 1, 1))
    if (position.line > 1 and position.column == 1 and not locator.line(position.line)
            and position.line == len(locator.line_starts())):  # after the final newline
        last = locator.line(position.line - 1) or ""  # the end of the file: its last line's end
        position = Position(locator.path, position.line - 1, len(last) + 1)
    for number in (position.line, position.line - 1):
        line = locator.line(number) or ""
        indentation = line[:len(line) - len(line.lstrip(" \t\u3000"))]
        # `满意度:<Tab>96%` (not a Tab in a comment or quotes), unless the indentation has one
        key_tab = None if "\t" in indentation else _KEY_TAB.match(line)
        if key_tab:
            return error("yaml.tab", "冒号后面用了制表符（Tab）",
                         Position(locator.path, number, key_tab.end()),
                         hint="请把冒号后的 Tab 改为一个空格")
        if "\t" in indentation or ("\t" in line and number == position.line):
            return error("yaml.tab", "不能用制表符（Tab）缩进或分隔", Position(locator.path, number, 1),
                         length=max(len(indentation), 1), hint="请改用空格")
        if "\u3000" in indentation:
            return error("yaml.fullwidth_space", "缩进里有全角空格", Position(locator.path, number, 1),
                         length=max(len(indentation), 1), hint="请把全角空格（　）改为半角空格")
        stripped = line.lstrip(" -")
        if ("：" in line and ": " not in line and not line.rstrip().endswith(":")
                and not _NOT_A_NAME.search(stripped[:stripped.find("：")])):
            column = line.index("：") + 1
            return error("yaml.fullwidth_colon", "名称后面用了中文冒号“：”",
                         Position(locator.path, number, column),
                         hint="请改为英文冒号加空格“: ”，如“推送篇数: 6篇”")
    line = locator.line(position.line) or ""
    sign = _UNQUOTED_SIGN.match(line)
    # `次数: >=90%`: YAML took > for a folded block (`goal: >-` is one, meant so)
    if sign and line[sign.end():].strip() and not _BLOCK_HEADER.match(line, sign.end()):
        value = line[sign.start(2):].strip()
        hint = (f"YAML 把开头的“>”当作多行文本标记，请写成 '{value}'，或改用 ≥" if sign.group(2) == ">"
                else f"YAML 把开头的“|”当作多行文本标记，请给整个值加引号，如 '{value}'")
        return error("yaml.unquoted_sign", f"以“{sign.group(2)}”开头的值必须加引号",
                     Position(locator.path, position.line, sign.start(2) + 1), length=len(value),
                     hint=hint)
    unterminated = _unterminated(locator, position.line)
    if unterminated is not None:
        return unterminated
    for pattern, code, message, hint in _RYML_PROBLEMS:
        if pattern.search(failure.message):
            if code == "yaml.colon":  # rapidyaml stops after it: the caret goes on the colon
                position = _stray_colon(locator, position)
            if code == "yaml.missing_colon":  # `次数:3次`: the colon is there, not its space
                tight = _colon_without_space(locator, position.line)
                if tight is not None:
                    return tight
            return error(code, message, position, hint=hint)
    deeper = _indented_under_a_value(locator, position.line)
    if deeper is not None:
        return deeper
    tight = _colon_without_space(locator, position.line, or_sibling_above=True)
    if tight is not None:
        return tight
    return error("yaml.syntax", "这一行（或上一行）的 YAML 格式有误", position,
                 hint="请检查缩进是否对齐、“名称: 值”的冒号后是否有空格、引号和括号是否成对")


def _colon_without_space(locator: Locator, number: int, or_sibling_above: bool = False
                         ) -> Diagnostic | None:
    """``次数:3次`` on that line (or on the line above, when it is that line's sibling: not a
    block's text, more indented than its key): a name, its colon, and no space after it."""
    here = locator.line(number) or ""
    numbers = [number]
    if or_sibling_above and number > 1 and (
            _indentation(locator.line(number - 1) or "") == _indentation(here)):
        numbers.append(number - 1)
    for at in numbers:
        text = locator.line(at) or ""
        tight = _TIGHT_COLON.match(text)
        around = text[tight.end() - 2:tight.end() + 1] if tight else ""
        # not a time (10:30) nor a drive (D:\): text that went astray, not a name
        if tight is not None and not re.fullmatch(r"\d:\d|[A-Za-z]:\\", around):
            return error("yaml.colon_space", "冒号后面缺少空格",
                         Position(locator.path, at, tight.end()),
                         hint="请写成“名称: 值”，冒号后加一个空格")
    return None


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


_KEY_AND_VALUE = compiled(r"^([ ]*(?:-[ ]+)?)([^#'\"\s][^#'\"]*?):[ ]+([^#\s|>].*)$")


def _indented_under_a_value(locator: Locator, number: int) -> Diagnostic | None:
    """A line indented under one that already has its value (``推送篇数: 6篇``), where
    nothing can nest: told as too deep, at its indentation."""
    indentation = _indentation(locator.line(number) or "")
    for above in range(number - 1, max(number - 50, 0), -1):
        previous = locator.line(above) or ""
        if not previous.strip() or previous.lstrip().startswith("#"):
            continue
        match = _KEY_AND_VALUE.match(previous)  # group 1 runs to the key: `- name:`'s is 4
        if match is None or indentation <= len(match.group(1)):
            return None
        return error("yaml.indentation", "缩进过深", Position(locator.path, number, 1),
                     length=max(indentation, 1),
                     hint=f"上一行的“{match.group(2).strip()}”已经有值，这一行应与它左对齐")
    return None


# ---- loading ------------------------------------------------------------------------------

def _sized_tree(raw: bytes) -> Any:
    """An empty tree with room for about as many nodes as the file has: left to itself
    rapidyaml doubles its capacity and a province's tree is then half empty (145 MB against
    90 MB, measured). A node a line, and one more for each list item that starts with a key on
    its dash's line and each further entry of a flow collection: a 申报表's projects are such
    items, and one node too few doubles the tree (72 MB more for 10 000 projects, measured)."""
    lines = raw.count(b"\n")
    # never more than two a line: "- " and ", " in comments and text would otherwise reserve
    # memory for nodes no file structure makes
    extra = min(raw.count(b"- ") + raw.count(b", "), lines)
    tree = ryml.Tree()
    tree.reserve(lines + extra + 16)
    return tree


@dataclass(frozen=True)
class Blocks:
    """Where each entry of the split key's block (a unit's ``projects:``) starts, by line:
    enough to find a position by parsing one entry's lines instead of keeping the whole file's
    tree."""

    key: str  # the split key
    keys: tuple[Any, ...]  # list indexes, or mapping keys
    starts: tuple[int, ...]  # byte offset of the line each project starts on
    end: int  # where the block ends (the next top-level key's line, or the end)
    lines: tuple[int, ...] = ()  # how many lines come before each project's first

    @property
    def index(self) -> dict[Any, int]:
        """Position of each key (built once: a province has 100 000 of them)."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {key: position for position, key in enumerate(self.keys)}
            object.__setattr__(self, "_index", cached)
        return cached


def _blocks(tree: Any, root: int, base: int, raw: bytes, split: str) -> Blocks | None:
    if not tree.is_map(root):
        return None
    block = tree.find_child(root, split.encode("utf-8"))
    if block == _NONE or not tree.is_container(block) or tree.is_flow(block):
        return None

    mapping = tree.is_map(block)
    keys, starts = [], []
    for position, child in enumerate(ryml.children(tree, block)):
        # a project under its name: the name's line; a list item (or a name with no text):
        # its first key's line
        view = tree.key(child) if mapping else None
        start = _line_of(view, base, raw)
        if start is None and tree.has_children(child):
            start = _line_of_key(tree, tree.first_child(child), base, raw)
        if start is None or (starts and start <= starts[-1]):
            return None
        keys.append(bytes(view).decode("utf-8") if mapping else position)
        starts.append(start)
    following = tree.next_sibling(block)
    end = len(raw)
    if following != _NONE:
        end = _line_of_key(tree, following, base, raw)
        if end is None:
            return None
    lines, counted, at = [], 0, 0
    for start in starts:  # newlines counted between one start and the next: the file once, in C
        counted += raw.count(b"\n", at, start)
        lines.append(counted)
        at = start
    return Blocks(split, tuple(keys), tuple(starts), end, tuple(lines))


def _line_of_key(tree: Any, node: int, base: int, raw: bytes) -> int | None:
    """Byte offset of the start of the line a node's key is on."""
    return _line_of(tree.key(node) if tree.has_key(node) else None, base, raw)


def _line_of(view: Any, base: int, raw: bytes) -> int | None:
    """Byte offset of the start of the line a view into the parsed buffer is on."""
    if view is None or not len(view):
        return None
    return raw.rfind(b"\n", 0, buffer_address(view) - base) + 1


def _parse(raw: bytes, split: str | None = None) -> tuple[str, Blocks | None, int]:
    """The file as JSON text, where the entries of the split key are, and how many nodes the
    text holds below its top (as many entries as its data will have, unless a key repeats);
    raises ParseFailure."""
    emitted, blocks, nodes = _emitted(raw, split)
    return _json_text(raw, emitted), blocks, nodes


def _emitted(raw: bytes, split: str | None = None) -> tuple[memoryview, Blocks | None, int]:
    """``_parse`` but the JSON as rapidyaml writes it: UTF-8, but for the escapes of no
    character it lets through (``_json_text`` tells them)."""
    buffer = bytearray(raw)
    try:
        with _quiet_stderr():
            tree = ryml.parse_in_place(buffer, tree=_sized_tree(raw))
            root = tree.root_id()
            if tree.is_stream(root) and tree.num_children(root) > 1:
                raise ParseFailure("multiple documents", _second_document(raw))
            if tree.is_stream(root) and tree.num_children(root) == 1:  # a leading ---
                root = tree.first_child(root)
            emitted = _json_of(tree, root, len(raw))
            blocks = (_blocks(tree, root, buffer_address(memoryview(buffer)), raw, split)
                      if split is not None else None)
            nodes = tree.size() - 1 - (root != tree.root_id())  # not the top, nor a stream above
    except (ParseFailure, MemoryError):  # no room is not a mistake in the file
        raise
    except ryml.ExceptionParse as exc:
        location = exc.errdata_parse.ymlloc
        raise ParseFailure(str(exc.msg if hasattr(exc, "msg") else exc), int(location.offset))
    except Exception as exc:  # rapidyaml's emitter refuses very deep trees (ExceptionVisit),
        escape = _first_bad_escape(raw)  # and, in a block key, an escape of no character
        if escape is not None:
            raise ParseFailure("bad escape", escape) from exc
        raise ParseFailure("too deep", None) from exc
    return emitted, blocks, nodes


_DOCUMENT_MARK = compiled(rb"^---(?=[ \t]|\r?$)", re.MULTILINE)
_NOTHING_YET = compiled(rb"(?:(?:[ \t]*(?:#[^\n]*)?|%[^\n]*)\r?\n)*")  # blank, comment,
# and directive (%YAML 1.2) lines


def _second_document(raw: bytes) -> int | None:
    """Where the second document starts: its ``---`` (the first, when the file opens with one
    before any content, starts the first)."""
    marks = [mark.start() for mark in _DOCUMENT_MARK.finditer(raw)]
    if marks and _NOTHING_YET.fullmatch(raw, 0, marks[0]):
        marks = marks[1:]
    return marks[0] if marks else None


def _json_of(tree: Any, root: int, size: int) -> memoryview:
    """The JSON of the tree, written into a buffer of our own: half the time of
    ``emit_json_malloc``, whose text rapidyaml's wrapper then copies into a str (0.09 s against
    0.18 for a province's 22 MB of actuals, measured). A YAML file's JSON is about 1.3 times its
    size: the buffer is anonymous memory, whose pages cost nothing until written (a bytearray
    is zeroed, every page of it: 15 MB more at the peak of such a parse, measured). It is
    unmapped when the last view of it goes."""
    out = mmap.mmap(-1, 2 * size + 4096)
    failed, needed = ryml.emit_json_to_substr(tree, root, out)
    if failed:  # escapes and quotes around many short scalars: more than twice
        out = mmap.mmap(-1, needed)
        failed, needed = ryml.emit_json_to_substr(tree, root, out)
    return memoryview(out)[:needed]


def _json_text(raw: bytes, emitted: Any) -> str:
    """The emitted JSON as text; raises ParseFailure at an escape that names no character."""
    text = str(emitted, "utf-8", "surrogateescape")
    # The file is UTF-8 (_validated checked it), so text that is not comes from an escape: the two
    # halves of a pair (rapidyaml writes each alone), or half of one, which names no character
    if (b"\\u" in raw or b"\\U" in raw) and not whole_unicode(text):
        text = _pairs_joined(text)
        if not whole_unicode(text):
            raise ParseFailure("bad escape", _first_bad_escape(raw))
    return text


def _pairs_joined(text: str) -> str:
    """Each surrogate pair as the one character it stands for; a lone half stays as it is."""
    halves = text.encode("utf-8", "surrogateescape").decode("utf-8", "surrogatepass")
    return halves.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def whole_unicode(text: str) -> bool:
    """Text that UTF-8 can write: no lone surrogate (``"\\ud800"`` in YAML makes one)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_ESCAPE = compiled(rb"(\\+)(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")
_COMMENT = compiled(rb"(?:^|\s)#")


def _first_bad_escape(raw: bytes) -> int | None:
    """Where the first escape naming no character is: half of a surrogate pair alone, or past
    U+10FFFF. Escaped backslashes (``\\\\ud800`` is text) and comments are passed over."""
    after_pair = -1
    for match in _ESCAPE.finditer(raw):
        backslash = match.end(1) - 1
        if len(match.group(1)) % 2 == 0 or match.start() < after_pair:
            continue
        line = raw.rfind(b"\n", 0, match.start()) + 1
        if _COMMENT.search(raw, line, match.start()):
            continue
        value = int(match.group(2)[1:], 16)
        if 0xD800 <= value <= 0xDBFF:
            low = _ESCAPE.match(raw, match.end())
            if low and len(low.group(1)) == 1 and 0xDC00 <= int(low.group(2)[1:], 16) <= 0xDFFF:
                after_pair = low.end()
                continue
            return backslash
        if 0xDC00 <= value <= 0xDFFF or value > 0x10FFFF:
            return backslash
    return None


def _load_json(text: str, nodes: int, repeats: set[str]) -> Any:
    """The data of the JSON text; keys that repeat within a mapping go into ``repeats``.
    The C decoder keeps the last of a repeated key without a word, and handing it a hook to
    hear of them costs a Python call a mapping: so the decoded entries are counted against the
    tree's nodes, and only a file with fewer is decoded again, mapping by mapping."""
    try:
        data = json.loads(text, parse_float=str, parse_int=str, strict=False)
    except json.JSONDecodeError:  # +3, 012.5: numbers to YAML, written bare, not JSON's
        text = _bare_words_quoted(text)
        data = json.loads(text, parse_float=str, parse_int=str, strict=False)
    if _entries(data) == nodes:
        return data
    del data  # a province's data is not to be held twice
    return json.loads(text, parse_float=str, parse_int=str, strict=False,
                      object_pairs_hook=lambda pairs: _object(pairs, repeats))


_JSON_TOKEN = compiled(r'"(?:[^"\\]|\\.)*"|[^\s,:\[\]{}"]+')
_JSON_LITERAL = compiled(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


def _bare_words_quoted(text: str) -> str:
    """The JSON with every bare scalar JSON has no number for made a string, as written:
    rapidyaml writes what YAML takes for a number bare (``+3``, ``+.5``, ``012.5``), and one
    such value made the whole file unreadable."""
    def quoted(match: re.Match) -> str:
        token = match.group(0)
        if token[0] == '"' or _JSON_LITERAL.fullmatch(token):
            return token
        return json.dumps(token)

    return _JSON_TOKEN.sub(quoted, text)


def _entries(value: Any) -> int:
    """Entries of every mapping and list in ``value``; on the way, a mapping holding true or
    false has them made words, as ``_object`` does."""
    if type(value) is dict:
        count = len(value)
        words = False
        for item in value.values():
            kind = type(item)
            if kind is dict or kind is list:
                count += _entries(item)
            elif kind is bool:
                words = True
        if words:
            _as_words(value)
        return count
    if type(value) is list:
        count = len(value)
        for item in value:
            if type(item) is dict or type(item) is list:
                count += _entries(item)
        return count
    return 0


def _as_words(mapping: dict[str, Any]) -> None:
    """YAML true/false: words, like every other scalar."""
    for key, value in mapping.items():
        if value is True or value is False:
            mapping[key] = "true" if value else "false"


def _object(pairs: list[tuple[str, Any]], repeats: set[str]) -> dict[str, Any]:
    result = dict(pairs)
    values = result.values()
    if True in values or False in values:
        _as_words(result)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                repeats.add(key)
            seen.add(key)
    return result


Parsed = Callable[[], tuple[str, "Blocks | None", int]]  # _parse's answer, when it is ready


def parse_bytes(path: str, raw: bytes, parsed: Parsed | None = None, split: str | None = None
                ) -> tuple[Document, list[Diagnostic]]:
    """The document of a file's bytes; ``parsed`` gives ``_parse(raw, split)`` when another
    process has been parsing it (see ``load_documents``)."""
    locator = Locator(path, raw)
    if not has_content(raw):  # nothing but blank lines and comments
        return Document(path, None, locator), [error("file.empty", "文件是空的", Position(path, 1, 1))]
    try:
        text, locator.blocks, nodes = parsed() if parsed is not None else _parse(raw, split)
    except ParseFailure as failure:
        where = (locator.at_offset(failure.offset) if failure.offset is not None
                 else Position(path, 1, 1))
        if failure.message == "too deep":
            return Document(path, None, locator), [error(
                "yaml.too_deep", "嵌套层数过多，无法读取", Position(path, 1, 1),
                hint="请检查缩进和括号：申报表最多只有几层")]
        if failure.message == "bad escape":  # \\uXXXX, or \\UXXXXXXXX
            return Document(path, None, locator), [error(
                "yaml.bad_escape", "转义序列不代表任何文字（如单独的 \\ud800）", where,
                length=10 if raw.startswith(b"\\U", failure.offset or 0) else 6,
                hint="请直接写出要写的字，或删去这个转义序列")]
        if failure.message == "multiple documents":
            return Document(path, None, locator), [error(
                "yaml.multiple_documents", "文件中有多个 YAML 文档（“---”分隔）", where,
                length=3 if failure.offset is not None else 1, hint="一个文件只写一个文档")]
        return Document(path, None, locator), [_syntax_error(locator, failure)]
    repeats: set[str] = set()
    try:
        data = _load_json(text, nodes, repeats)
    except RecursionError:
        return Document(path, None, locator), [error(
            "yaml.too_deep", "嵌套层数过多，无法读取", Position(path, 1, 1),
            hint="请检查缩进：申报表最多只有几层")]
    except ValueError:  # rapidyaml emitted something JSON cannot hold, even quoted
        return Document(path, None, locator), [error(
            "yaml.syntax", "YAML 格式错误：文件中有无法读取的值", Position(path, 1, 1),
            hint="请检查数值的写法，或把特殊的值加上引号")]
    problems: list[Diagnostic] = []
    if repeats:
        for name, offset, first in locator.find_duplicates(repeats):
            problems.append(error(
                "yaml.duplicate_key", f"重复的键“{name}”（第 {first} 行已出现）",
                locator.at_offset(offset), length=len(name),
                hint=("这像是数字的千位部分：在 { } 里逗号分隔各项，如 50,000.00 会被拆成 50 和 000.00 两项；"
                      "请去掉千位分隔符，或改用逐行写法（块格式）")
                if THOUSANDS_GROUP.fullmatch(name) else "同一层级的名称不能重复，请合并或改名"))
    if (b"&" in raw or b"*" in raw) and _ANCHOR_OR_ALIAS.search(raw):
        for offset in locator.find_references():
            problems.append(error("yaml.alias", "不支持 YAML 锚点和别名（&、*）",
                                  locator.at_offset(offset), hint="请把引用的内容直接写出来"))
    if b"!" in raw and _TAG.search(raw):
        for offset, tag in locator.find_tags():  # !!binary would be read as its base64 text
            shown = tag if len(tag) <= 40 else tag[:40] + "…"
            problems.append(error("yaml.tag", f"不支持 YAML 标签（{shown}）", locator.at_offset(offset),
                                  length=len(shown), hint="请删去标签，直接写出值"))
    locator.release()
    if problems:
        return Document(path, None, locator), problems
    return Document(path, _plain(data), locator, split), []


def _plain(value: Any) -> Any:
    """JSON's true/false back to the words written; everything else is already text."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def load_document(path: str | Path, display: str | None = None, split: str | None = None
                  ) -> tuple[Document, list[Diagnostic]]:
    """Read and parse one file. ``display`` is the name used in messages (default: the path),
    ``split`` the key whose entries are looked up one at a time (see ``Blocks``)."""
    return load_documents([path], display=[display], splits=[split])[0]


def load_documents(paths: Sequence[str | Path], *, display: Sequence[str | None] = (),
                   splits: Sequence[str | None] = (), processes: int = 1
                   ) -> list[tuple[Document, list[Diagnostic]]]:
    """Read and parse files (see ``Loading``)."""
    return Loading(paths, display=display, splits=splits, processes=processes).documents()


class Loading:
    """Files being read. With ``processes`` > 1 and two files or more, one forked process
    parses them with rapidyaml as soon as this object is made, one after the other, the
    biggest first, while this one goes on (importing what the rest of the run needs, say) and
    then decodes the JSON of each as it comes through a pipe (rapidyaml holds the GIL, and a
    province's two files take a third of a second each to parse and a fifth to decode). One
    parse at a time: a parse's tree is the most memory a run takes at once, and two made side
    by side took a third more than a whole run in one process (measured). What is read is the
    same either way. ``documents`` gives the result (the same each time it is asked); ``close``
    stops a child whose answers are no longer wanted. ``display`` and ``splits`` give, file by
    file, the name used in messages and the split key (see ``Blocks``), when there is one."""

    def __init__(self, paths: Sequence[str | Path], *, display: Sequence[str | None] = (),
                 splits: Sequence[str | None] = (), processes: int = 1):
        self.names = [(display[i] if i < len(display) else None) or str(p)
                      for i, p in enumerate(paths)]
        self.splits = [splits[i] if i < len(splits) else None for i in range(len(paths))]
        with ctrl_c_ends_at_once():
            sniffed = [_sniffed(name, raw) if raw is not None else (None, refused)
                       for name, (raw, refused) in ((name, _read(name, path))
                                                    for name, path in zip(self.names, paths))]
        self.elsewhere: dict[int, Parsed] = {}
        self.order = list(range(len(sniffed)))
        self.child: _ParsingChild | None = None
        self.result: list[tuple[Document, list[Diagnostic]]] | None = None
        if processes > 1:
            # the biggest first: while its JSON is decoded here, the child parses the next, and
            # the last to be decoded here, after the child is done, is the smallest
            wanted = sorted((index for index, (raw, _problems) in enumerate(sniffed)
                             if raw is not None and has_content(raw)),
                            key=lambda index: -len(sniffed[index][0] or b""))
            if len(wanted) > 1:
                self.child = _ParsingChild.start([sniffed[index][0] for index in wanted],
                                                 [self.splits[index] for index in wanted])
            if self.child is not None:
                self.elsewhere = {index: functools.partial(self.child.answer, number)
                                  for number, index in enumerate(wanted)}
                self.order = wanted + [i for i in self.order if i not in self.elsewhere]
        # checked while the child parses (a file that is not UTF-8 is then never asked for)
        with ctrl_c_ends_at_once():
            self.decoded = [_with(problems, _validated(name, raw)) if raw is not None
                            else (raw, problems) for name, (raw, problems) in zip(self.names, sniffed)]

    def documents(self) -> list[tuple[Document, list[Diagnostic]]]:
        if self.result is not None:
            return self.result
        loaded: dict[int, tuple[Document, list[Diagnostic]]] = {}
        try:
            for index in self.order:
                name, (raw, problems) = self.names[index], self.decoded[index]
                if raw is None:
                    loaded[index] = (Document(name, None, None), problems)
                else:
                    with ctrl_c_ends_at_once():
                        loaded[index] = _with(problems, parse_bytes(
                            name, raw, self.elsewhere.get(index), self.splits[index]))
        finally:
            self.close()
        self.decoded = []  # the bytes live on in the documents' locators only
        self.result = [loaded[index] for index in range(len(loaded))]
        return self.result

    def close(self) -> None:
        if self.child is not None:
            self.child.close()
            self.child = None
        self.elsewhere = {}


def _with(problems: list[Diagnostic], result: tuple[Any, list[Diagnostic]]
          ) -> tuple[Any, list[Diagnostic]]:
    """A result with the warnings found before it (a file's mixed line breaks) ahead of its own."""
    return (result[0], problems + result[1]) if problems else result


class _ParsingChild:
    """A forked process parsing files one after the other (``_emitted``), each answer written
    to one pipe as soon as it is ready: a pickled header, then the JSON as rapidyaml wrote it
    (no text is made there, nor pickled). The answers are read in order; a file whose answer
    cannot be had (the child died) is parsed here. ``close`` stops a child whose answers are no
    longer wanted (this process failed first), so that none is left behind."""

    def __init__(self, raws: list[bytes], splits: list[str | None], pid: int, reading: int):
        self.raws, self.splits, self.pid = raws, splits, pid
        self.pipe: Any = os.fdopen(reading, "rb")
        self.answers: list[Any] = []  # read so far, in order
        self.broken = False
        # a caller that never reads nor closes (the library used directly) leaves no child
        # running, nor a zombie, once it lets go of this object
        self._stop = weakref.finalize(self, _stopped, self.pipe, pid, os.getpid())

    @classmethod
    def start(cls, raws: list[bytes], splits: list[str | None]) -> "_ParsingChild | None":
        """None when no child could be started: the files are parsed here."""
        try:
            reading, writing = os.pipe()
        except OSError:  # no descriptors left
            return None
        parent = os.getpid()
        from_main_thread = threading.current_thread() is threading.main_thread()
        try:
            with held_signals():
                pid = os.fork()
        except (AttributeError, OSError):  # no fork on this platform, or no room for a process
            os.close(reading)
            os.close(writing)
            return None
        if pid == 0:  # the child: parse, answer, and leave without running the parent's exit code
            status = 1
            try:
                dies_with(parent, from_main_thread)
                let_signals_through()
                os.close(reading)
                with os.fdopen(writing, "wb") as pipe:
                    for raw, split in zip(raws, splits):
                        _answer(raw, split, pipe)
                status = 0
            finally:
                os._exit(status)
        os.close(writing)
        return cls(raws, splits, pid, reading)

    def answer(self, number: int) -> tuple[str, Blocks | None, int]:
        """``_parse`` of file ``number``, by the child (or here, if the child cannot say)."""
        while len(self.answers) <= number and not self.broken:
            try:
                ok, value = pickle.load(self.pipe)
                emitted = b""
                if ok:
                    emitted = self.pipe.read(value[2])
                    if len(emitted) != value[2]:
                        raise EOFError("the child died while answering")
                self.answers.append((ok, value, emitted))
            except Exception:  # the child died before answering
                self.broken = True
        if number >= len(self.answers):
            return _parse(self.raws[number], self.splits[number])
        ok, value, emitted = self.answers[number]
        self.answers[number] = None  # a province's JSON is not to be kept twice
        if not ok:
            raise ParseFailure(*value)
        blocks, nodes, _length = value
        return _json_text(self.raws[number], emitted), blocks, nodes

    def close(self) -> None:
        self._stop()


def _stopped(pipe: Any, pid: int, owner: int) -> None:
    """Stop and reap the child, in the process that started it only: a copy forked from it
    later runs the same finalizer at its exit, and the child is not its to stop."""
    if os.getpid() != owner:
        return
    pipe.close()
    try:  # reaped first if it is done: once reaped, its pid may be another process's
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return
    except ChildProcessError:  # reaped already (SIGCHLD ignored, or a reaper of the caller's)
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def dies_with(parent: int, from_main_thread: bool) -> None:
    """In a forked child (the parsing child, a --jobs worker): on Linux, be killed when the
    parent dies (a SIGTERM while the files load ends it at once), rather than work on until the
    answer finds no one to read it, or wait for ever for work no one will send. Only when
    forked by the main thread: the signal comes when the forking *thread* ends, and a Loading
    made in a thread that then ended would lose its child (not its documents: they would be
    parsed in the parent)."""
    if from_main_thread:
        die_with_parent()
    if os.getppid() != parent:  # it died before that took hold
        os._exit(1)


def _answer(raw: bytes, split: str | None, pipe: Any) -> None:
    emitted = None
    try:
        emitted, blocks, nodes = _emitted(raw, split)
        answer: tuple[bool, Any] = (True, (blocks, nodes, len(emitted)))
    except ParseFailure as failure:
        answer = (False, (failure.message, failure.offset))
    pickle.dump(answer, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    if emitted is not None:
        pipe.write(emitted)
    pipe.flush()  # this one's answer now, while the next is parsed
