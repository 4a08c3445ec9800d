"""Problems found in user files, as values.

Every stage returns the diagnostics it found next to its result instead of raising, so one run
reports every problem at once (the Beancount way). Printing follows hledger: ``FILE:LINE:COL``,
the source line, and a caret under the offending text, padded by display width because a CJK
character takes two columns in a terminal.
"""

from __future__ import annotations

import marshal
import unicodedata
from enum import Enum
from typing import Any, Iterable, Mapping

from .saved_code import compiled, dataclass


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a user text file; line and column count from 1, columns in characters."""

    file: str
    line: int
    column: int

    def shifted(self, columns: int) -> "Position":
        return Position(self.file, self.line, self.column + columns)

    def order(self) -> tuple:
        return ("", self.line, self.column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def __reduce__(self) -> tuple:  # see Diagnostic.__reduce__
        return made_position, (self.file, self.line, self.column)


def column_letters(column: int) -> str:
    """Excel's name of a column counted from 1: 1 → A, 27 → AA."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_PLAIN_SHEET = compiled(r"[^\W\d]\w*")


@dataclass(frozen=True, slots=True)
class CellPosition:
    """A cell of a workbook, written as Excel writes a reference: ``FILE:Sheet!B12`` (a sheet
    name with spaces or punctuation in single quotes). ``sheet_index`` orders diagnostics by
    the workbook's sheet order; row and column count from 1."""

    file: str
    sheet: str
    row: int
    column: int
    sheet_index: int = 0

    @property
    def line(self) -> int:  # what a reader of the JSON sorts by, as for text
        return self.row

    @property
    def cell(self) -> str:
        return f"{column_letters(self.column)}{self.row}"

    def shifted(self, columns: int) -> "CellPosition":  # a cell is underlined whole
        return self

    def order(self) -> tuple:
        return (f"{self.sheet_index:06d}", self.row, self.column)

    def __str__(self) -> str:
        sheet = self.sheet if _PLAIN_SHEET.fullmatch(self.sheet) else \
            "'" + self.sheet.replace("'", "''") + "'"
        return f"{self.file}:{sheet}!{self.cell}"


@dataclass(frozen=True, slots=True)
class PlacePosition:
    """A place in a document that has no lines to count: a page of a PDF (``第3页``), a row of
    a Word table (``表2 第5行``). ``line`` and ``column`` order diagnostics within the file
    (page or table, then row)."""

    file: str
    place: str
    line: int = 1
    column: int = 1

    def shifted(self, columns: int) -> "PlacePosition":
        return self

    def order(self) -> tuple:
        return ("", self.line, self.column)

    def __str__(self) -> str:
        return f"{self.file}:{self.place}"


AnyPosition = Position | CellPosition | PlacePosition


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the input: what it is, where, and how to put it right."""

    severity: Severity
    code: str
    message: str
    position: AnyPosition | None = None
    length: int = 1  # characters to underline
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __reduce__(self) -> tuple:
        """Pickled as its plain values: a --jobs worker sends the parent every diagnostic of
        its slices, some 80 000 for a messy unit of 10 000 projects, and pickle's own way for
        a frozen dataclass with slots (its fields listed, each set through object.__setattr__,
        the severity looked up by value through Enum's call) cost 22 µs one way and back, a
        row's scoring; this way 4 µs."""
        return _diagnostic, (self.severity.value, self.code, self.message, self.position,
                             self.length, self.hint)


def _setters(cls: type, names: str) -> tuple:
    return tuple(getattr(cls, name).__set__ for name in names.split())


_NEW = object.__new__
_POSITION_FIELDS = _setters(Position, "file line column")
_DIAGNOSTIC_FIELDS = _setters(Diagnostic, "severity code message position length hint")
_SEVERITIES = {severity.value: severity for severity in Severity}


def made_position(file: str, line: int, column: int) -> Position:
    """A Position made as its __init__ makes it, at half the cost (no object.__setattr__
    looked up and called for each field)."""
    position = _NEW(Position)
    set_file, set_line, set_column = _POSITION_FIELDS
    set_file(position, file)
    set_line(position, line)
    set_column(position, column)
    return position


def _diagnostic(severity: str, code: str, message: str, position: AnyPosition | None,
                length: int, hint: str | None) -> Diagnostic:
    return _made(_SEVERITIES[severity], code, message, position, length, hint)


def _made(severity: Severity, code: str, message: str, position: AnyPosition | None,
          length: int, hint: str | None) -> Diagnostic:
    """A Diagnostic made as its __init__ makes it, at half the cost (see made_position): a messy
    unit has eight warnings a project."""
    diagnostic = _NEW(Diagnostic)
    set_severity, set_code, set_message, set_position, set_length, set_hint = _DIAGNOSTIC_FIELDS
    set_severity(diagnostic, severity)
    set_code(diagnostic, code)
    set_message(diagnostic, message)
    set_position(diagnostic, position)
    set_length(diagnostic, length)
    set_hint(diagnostic, hint)
    return diagnostic


# A diagnostic at a text Position (or at none: file None, line and column 0) as plain values, in
# the order diagnostics are shown (``sort_key``'s, then the rest of what makes two equal): file,
# line, column, code, message, severity, length, hint. A --jobs worker sends its diagnostics so
# (``packed``), and a run sorts and writes them so without making them objects (``sorted_rows``).
Row = tuple[str | None, int, int, str, str, str, int, str | None]


def as_row(d: Diagnostic) -> Row | None:
    """None for a diagnostic at a place that is not a text Position (a cell, a page)."""
    p = d.position
    if p is None:
        return (None, 0, 0, d.code, d.message, d.severity.value, d.length, d.hint)
    if type(p) is not Position:
        return None
    return (p.file, p.line, p.column, d.code, d.message, d.severity.value, d.length, d.hint)


def _rows_of(diagnostics: Iterable[Diagnostic]) -> list[Row] | None:
    """Each diagnostic's row; None as soon as one is not at a text Position."""
    rows = []
    for d in diagnostics:
        row = as_row(d)
        if row is None:
            return None
        rows.append(row)
    return rows


def made_from_row(row: Row) -> Diagnostic:
    file, line, column, code, message, severity, length, hint = row
    return _made(_SEVERITIES[severity], code, message,
                 made_position(file, line, column) if file is not None else None, length, hint)


def packed(diagnostics: list[Diagnostic]) -> bytes | list[Diagnostic]:
    """Diagnostics as a --jobs worker sends them to its parent: their rows marshalled (2 µs each
    there and back, against pickle's 13: a messy unit of 10 000 projects has 80 000 of them),
    or the list itself where one is not at a text Position (it is pickled then)."""
    rows = _rows_of(diagnostics)
    if rows is None:
        return diagnostics
    try:
        return marshal.dumps(rows)
    except ValueError:  # a subclass of str or int somewhere: marshal takes only the types
        return diagnostics


def unpacked(found: bytes | list[Diagnostic]) -> list[Diagnostic]:
    if not isinstance(found, bytes):
        return found
    return list(map(made_from_row, marshal.loads(found)))


def sorted_rows(diagnostics: Iterable[Diagnostic], batches: Iterable[bytes] = ()
                ) -> list[Row] | None:
    """Every diagnostic once, as rows, in the order they are shown: ``diagnostics`` and the
    packed ``batches`` of a --jobs run, the batches never made objects. A messy province has
    some 80 000 diagnostics: a set of Diagnostic objects sorted by ``sort_key`` cost a Python
    call for each one's hash and for its key (0.2 s of CPU), plain tuples none. None when one
    is not at a text Position, or rows at none and at one are to be ordered together (the
    objects are sorted then): the order is ``sort_key``'s, and diagnostics that key alike
    (in the same place, of the same code and message) come in the order of the rest of the
    row, where a set of objects gave them in its own."""
    rows = _rows_of(diagnostics)
    if rows is None:
        return None
    for batch in batches:
        rows += marshal.loads(batch)
    try:
        return sorted(set(rows))
    except TypeError:  # None beside text: a file, or a hint
        return None


def error(code: str, message: str, position: AnyPosition | None = None, *, length: int = 1,
          hint: str | None = None) -> Diagnostic:
    return _made(Severity.ERROR, code, message, position, max(length, 1), hint)


def warning(code: str, message: str, position: AnyPosition | None = None, *, length: int = 1,
            hint: str | None = None) -> Diagnostic:
    return _made(Severity.WARNING, code, message, position, max(length, 1), hint)


_WINDOW = 120  # characters of a source line shown at most


_WIDE = frozenset(("W", "F"))  # East Asian wide and fullwidth: two columns
# Text of nothing but ASCII and the blocks of Chinese writing, each of whose characters is wide
# or fullwidth (the CJK ideographs, CJK symbols and punctuation, fullwidth forms: a test holds
# it to this Python's unicodedata): what is not ASCII in it is two columns
_NOT_ASCII_OR_CJK = compiled(r"[^\x00-\x7f\u3000-\u303e\u4e00-\u9fff\uff01-\uff60\uffe0-\uffe6]")


def display_width(text: str) -> int:
    """Columns the text takes: two for an East Asian wide or fullwidth character, one for any
    other. At C speed: a workbook measures some 9 000 characters to size its rows."""
    if _NOT_ASCII_OR_CJK.search(text) is None:
        return 2 * len(text) - len(text.encode("ascii", "ignore"))
    return len(text) + sum(map(_WIDE.__contains__, map(unicodedata.east_asian_width, text)))


def sort_key(diagnostic: Diagnostic) -> tuple:
    position = diagnostic.position
    if position is None:
        return ("", 0, 0, diagnostic.code, diagnostic.message)
    if type(position) is Position:  # Position.order() written out: most of a run's
        return (position.file, "", position.line, position.column, diagnostic.code,
                diagnostic.message)
    return (position.file, *position.order(), diagnostic.code, diagnostic.message)


def _text_excerpt(position: Position, source: Any) -> tuple[str, str, int] | None:
    if isinstance(source, str):
        lines_of = source.splitlines()
        text = lines_of[position.line - 1] if 1 <= position.line <= len(lines_of) else None
    else:  # a loaded document reads its lines on demand
        text = source.line(position.line)
    if text is None:
        return None
    return str(position.line), text, position.column - 1


# What a terminal would obey rather than show: C0 controls but the tab (an escape sequence
# starts with ESC, and an OSC one sets the window's title), DEL, C1 controls (U+009B is a CSI of
# its own) and the marks that reorder text (bidi overrides). Each becomes one visible
# character, so that the caret under an excerpt stays under its column: a C0 control its
# Control Pictures sign (ESC is ␛), the others U+FFFD.
_INVISIBLE = compiled("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Text made inert for a terminal: controls and escape sequences shown, not obeyed."""
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda found: _picture(found.group()), text)


def _picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


_QUOTED = compiled("“([^”]{%d,})”" % 81)
_MESSAGE = 2000  # characters of a message or hint printed at most


def _cut(text: str) -> str:
    """A message with each value it quotes cut to 80 characters, and itself to 2000: a 200 MB
    value is not echoed whole, nor three times."""
    text = _QUOTED.sub(lambda found: f"“{found.group(1)[:80]}…”", text)
    return text if len(text) <= _MESSAGE else text[:_MESSAGE] + "…"


def format_diagnostic(diagnostic: Diagnostic, sources: Mapping[str, Any] | None = None) -> str:
    """``sources`` maps a file name to its text, or to a loaded document: one of text lines
    (``line(number)``) or one whose places are cells or pages (``excerpt(position)``, giving
    the gutter label, the text of the cell and the column to underline from). What a file
    holds reaches the terminal inert (``visible``, line by line: one for one, so that the
    caret stays under its column), long values cut (``_cut``)."""
    head = f"{diagnostic.severity.value}[{diagnostic.code}] {_cut(diagnostic.message)}"
    position = diagnostic.position
    if position is None:
        lines = [head]
    else:
        lines = [f"{position}: {head}"]
        source = (sources or {}).get(position.file)
        excerpt = None
        if source is not None:
            if isinstance(position, Position):
                excerpt = _text_excerpt(position, source)
            elif hasattr(source, "excerpt"):
                excerpt = source.excerpt(position)
        if excerpt is not None:
            label, source_line, start = excerpt
            source_line = source_line.replace("\t", " ").replace("\r", " ").replace("\n", " ")
            start = max(start, 0)
            length = diagnostic.length if isinstance(position, Position) else len(source_line)
            if len(source_line) > _WINDOW:  # a huge line: show the part around the column
                left = max(0, start - _WINDOW // 3)
                shown = source_line[left:left + _WINDOW]
                prefix = "…" if left else ""
                suffix = "…" if left + _WINDOW < len(source_line) else ""
                source_line = prefix + shown + suffix
                start = start - left + len(prefix)
            gutter = " " * len(label)
            underlined = source_line[start:start + min(length, _WINDOW)] or " "
            caret_pad = " " * display_width(source_line[:start])
            lines += [
                f"{gutter} |",
                f"{label} | {source_line}",
                f"{gutter} | {caret_pad}{'^' * max(display_width(underlined), 1)}",
            ]
    if diagnostic.hint:
        lines.append(f"  = 提示：{_cut(diagnostic.hint)}")
    return "\n".join(visible(line) for line in lines)  # a line break in a message too


PER_CODE = 100  # diagnostics of one code printed at most; the rest are counted


def format_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, Any] | None = None,
               *, per_code: int | None = None) -> str:
    """Every diagnostic, or with ``per_code`` at most that many of each code, the others
    counted at the end (``… 还有 299 990 个同类问题（actual.unit_mismatch）``)."""
    if per_code is None:
        return "\n".join(format_diagnostic(d, sources) for d in diagnostics)
    diagnostics = list(diagnostics)
    return _formatted_per_code(diagnostics, [d.code for d in diagnostics], lambda d: d,
                               sources, per_code)


def format_rows(rows: list[Row], sources: Mapping[str, Any] | None, per_code: int) -> str:
    """``format_all`` of rows (``sorted_rows``): only the diagnostics printed made objects."""
    return _formatted_per_code(rows, [row[3] for row in rows], made_from_row, sources, per_code)


def _formatted_per_code(items: list, codes: list[str], made: Any,
                        sources: Mapping[str, Any] | None, per_code: int) -> str:
    shown: dict[str, int] = {}
    lines = []
    for item, code in zip(items, codes):
        count = shown[code] = shown.get(code, 0) + 1
        if count <= per_code:
            lines.append(format_diagnostic(made(item), sources))
    for code, count in shown.items():
        if count > per_code:
            lines.append(f"… 还有 {format(count - per_code, ',').replace(',', ' ')} 个同类问题（{code}）")
    return "\n".join(lines)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
