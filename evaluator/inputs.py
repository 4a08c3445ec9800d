"""The inputs seam: what a loaded document is, and which reader loads which kind of file.

The stages never open a file. They read *loaded documents* (``LoadedDocument``): plain data,
and the place in the file of anything in it, for diagnostics. A reader turns files of one kind
into such documents; ``READERS`` chooses it by the file's suffix (YAML for any suffix it does
not know, as before there was a choice). Adding an input kind is one module with its reader and
one ``register`` call (see ``Reader``); nothing downstream changes, since goals.py, actuals.py
and schema.py read ``data`` and ask ``position``.

``unit_inputs`` begins reading a unit's two files (the 申报表 and the 完成值) for a run: with
``processes`` > 1 a YAML file is parsed by a child while the caller goes on (source.Loading).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

from .diagnostics import AnyPosition, Diagnostic
from .saved_code import dataclass

# Both files of a unit list their projects under this key: each project is read, scored and let
# go on its own (a province's unit has 10 000 of them).
PROJECTS = "projects"


@runtime_checkable
class LoadedDocument(Protocol):
    """One input file, loaded: what every stage reads. The YAML ``source.Document``, the
    merged rule-set layers (``rules._Layered``) and the readers to come implement it.

    ``data`` is what the schema validates: dicts (keys as written), lists, and text, every
    scalar as the user wrote it (``100.00`` keeps its precision, ``no`` stays a word; a
    reader of a format with typed cells writes a number as the text it stands for, never a
    float). ``None`` when the file could not be read, and then the reader said why, with at
    least one error. A *path* is a tuple of keys and list indexes into ``data``."""

    path: str  # the file's name in messages
    data: Any

    def position(self, path: tuple[Any, ...], *, key: bool = False, offset: int = 0
                 ) -> AnyPosition:
        """Where the value at ``path`` was written (its key, with ``key``; ``offset``
        characters into it, for a text value); the nearest place that exists when it does
        not (a missing key: its mapping). FILE:LINE:COL (``Position``) for text,
        FILE:Sheet!B12 (``CellPosition``) for a workbook, FILE:第3页 (``PlacePosition``)."""
        ...

    def has(self, path: tuple[Any, ...]) -> bool:
        """Whether ``path`` was written (an empty value counts; a missing key does not)."""
        ...


@runtime_checkable
class SplitDocument(LoadedDocument, Protocol):
    """A loaded document read with a split key (``Source.split``: a unit's ``projects``),
    whose entries are handed over one by one. The run takes a project's raw data once it is
    read and scored (the document forgets it: a province's data is let go as it goes); --jobs
    takes every slice's to marshal it for the workers (parallel.py), and a worker puts its
    slice back into its own copy. No stage writes into a document otherwise. ``Entries``
    implements this over ``data[split]``; a reader's document may inherit it."""

    split: str | None

    def take(self, keys: Sequence[Any]) -> list[Any]:
        """The entries ``keys`` (list indexes or names), handed over and forgotten here (None
        in their place)."""
        ...

    def put(self, keys: Sequence[Any], entries: Sequence[Any]) -> None:
        """Entries handed back: ``take`` (and ``data``) give them again."""
        ...

    def own_keys(self, copies: Mapping[Any, Any]) -> None:
        """The split mapping rebuilt with keys of its own (``copies``: each key's copy). A key
        pins the block of memory it lies in, and a block is given back only when nothing in it
        is left: once its entries are taken, nothing should point into the decoded data."""
        ...


class Entries:
    """``SplitDocument``'s take, put and own_keys over ``self.data[self.split]``."""

    data: Any
    split: str | None

    def _block(self) -> Any:
        return self.data[self.split]

    def take(self, keys: Sequence[Any]) -> list[Any]:
        block = self._block()
        taken = [block[key] for key in keys]
        for key in keys:
            block[key] = None
        return taken

    def put(self, keys: Sequence[Any], entries: Sequence[Any]) -> None:
        block = self._block()
        for key, entry in zip(keys, entries):
            block[key] = entry

    def own_keys(self, copies: Mapping[Any, Any]) -> None:
        block = self._block()
        if isinstance(block, dict):
            self.data[self.split] = {copies.get(key, key): value for key, value in block.items()}


@runtime_checkable
class TextLines(Protocol):
    """The excerpt side of a document of text lines: the printer (``format_diagnostic``)
    shows the line under a ``Position`` and underlines the columns."""

    def line(self, number: int) -> str | None:
        """Line ``number`` (from 1) as written, without its line break; None past the end."""
        ...


@runtime_checkable
class Excerpts(Protocol):
    """The excerpt side of a document whose places are cells or pages: for a
    ``CellPosition`` or ``PlacePosition``, the gutter label (``B12``), the text to show and
    the column (from 0) to underline from; None when there is nothing to show."""

    def excerpt(self, position: AnyPosition) -> tuple[str, str, int] | None:
        ...


@dataclass(frozen=True)
class Source:
    """A file a run reads, as its reader is asked for it."""

    path: str  # where to read it
    role: str  # what it is to the run: "goals" or "actuals" (a table's layout depends on it)
    name: str  # its name in messages (the path as given)
    split: str | None = None  # the key whose entries are read one at a time (PROJECTS)


Loaded = list[tuple[LoadedDocument, list[Diagnostic]]]


class Pending(Protocol):
    """Files being read by one reader: ``documents`` gives them (the same each time it is
    asked), in the order asked for; ``close`` ends any work still going on for them."""

    def documents(self) -> Loaded: ...

    def close(self) -> None: ...


Reader = Callable[[Sequence[Source], int], Pending]
"""A reader: the files of its kind (all of a run's at once, so that one child may parse them
one after the other) and the processes it may use; gives them back pending. A reader of one
file at a time is ``one_by_one(read)``, with ``read(source) -> (document, diagnostics)``:

    def read_workbook(source: Source) -> tuple[LoadedDocument, list[Diagnostic]]:
        ...   # never raises for a bad file: a Diagnostic at its place, and data None

    register(one_by_one(read_workbook), ".xlsx")

Import heavy libraries inside ``read``: every run builds this table."""


def one_by_one(read: Callable[[Source], tuple[LoadedDocument, list[Diagnostic]]]) -> Reader:
    """A reader of one file at a time, read when asked for (no work begins early)."""
    class Reading:
        def __init__(self, sources: Sequence[Source], _processes: int):
            self.sources, self.loaded = sources, None

        def documents(self) -> Loaded:
            if self.loaded is None:
                self.loaded = [read(source) for source in self.sources]
            return self.loaded

        def close(self) -> None:
            pass

    return Reading


def _yaml(sources: Sequence[Source], processes: int) -> Pending:
    from .source import Loading

    return Loading([s.path for s in sources], display=[s.name for s in sources],
                   splits=[s.split for s in sources], processes=processes)


READERS: dict[str, Reader] = {}


def register(reader: Reader, *suffixes: str) -> None:
    """Files whose name ends in one of ``suffixes`` (``.xlsx``; case does not matter) are read
    by ``reader``."""
    for suffix in suffixes:
        READERS[suffix.lower()] = reader


register(_yaml, ".yaml", ".yml")


def _workbook(source: Source) -> tuple[LoadedDocument, list[Diagnostic]]:
    from .workbook import read_workbook  # openpyxl: only in a run that reads a workbook

    return read_workbook(source)


register(one_by_one(_workbook), ".xlsx", ".xlsm")  # the fill-in 自评表, a 申报表 (DESIGN §10)


def reader_for(path: str) -> Reader:
    return READERS.get(Path(path).suffix.lower(), _yaml)


class Inputs:
    """A run's files being read, each kind by its reader (begun at once: a YAML reader with
    processes > 1 parses in a child meanwhile). ``documents`` gives them in the order given;
    ``close`` (or the end of a ``with``) ends what is still going on."""

    def __init__(self, sources: Sequence[Source], processes: int = 1):
        self.sources = list(sources)
        groups: dict[Reader, list[int]] = {}
        for index, source in enumerate(self.sources):
            groups.setdefault(reader_for(source.path), []).append(index)
        self.pending = [(indexes, reader([self.sources[i] for i in indexes], processes))
                        for reader, indexes in groups.items()]

    def documents(self) -> Loaded:
        loaded: dict[int, tuple[LoadedDocument, list[Diagnostic]]] = {}
        for indexes, pending in self.pending:
            loaded.update(zip(indexes, pending.documents()))
        return [loaded[index] for index in range(len(self.sources))]

    def close(self) -> None:
        for _indexes, pending in self.pending:
            pending.close()

    def __enter__(self) -> "Inputs":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def unit_inputs(goals: str | Path, actuals: str | Path | None, *, processes: int = 1) -> Inputs:
    """A unit's 申报表 and (unless only the goals are checked) its 完成值, being read."""
    sources = [Source(str(goals), "goals", str(goals), PROJECTS)]
    if actuals is not None:
        sources.append(Source(str(actuals), "actuals", str(actuals), PROJECTS))
    return Inputs(sources, processes)


def read_one(path: str | Path, role: str) -> tuple[LoadedDocument, list[Diagnostic]]:
    """One file of a unit, read by the reader of its kind."""
    with Inputs([Source(str(path), role, str(path), PROJECTS)]) as inputs:
        return inputs.documents()[0]


def value_at(data: Any, path: tuple[Any, ...], default: Any = None) -> Any:
    """The value at a path of keys and list indexes in loaded data, or ``default``."""
    for step in path:
        if isinstance(data, dict) and step in data:
            data = data[step]
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            return default
    return data


_ABSENT = object()


def has_path(data: Any, path: tuple[Any, ...]) -> bool:
    """Whether loaded data holds a value (None included) at the path: a document's ``has``."""
    return value_at(data, path, _ABSENT) is not _ABSENT
