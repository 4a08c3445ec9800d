"""Problems found in user files, as values.

Every stage returns the diagnostics it found next to its result instead of raising, so one run
reports every problem at once (the Beancount way). Printing follows hledger: ``FILE:LINE:COL``,
the source line, and a caret under the offending text, padded by display width because a CJK
character takes two columns in a terminal.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a user file; line and column count from 1, columns in characters."""

    file: str
    line: int
    column: int

    def shifted(self, columns: int) -> "Position":
        return Position(self.file, self.line, self.column + columns)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    position: Position | None = None
    length: int = 1  # characters to underline
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(code: str, message: str, position: Position | None = None, *, length: int = 1,
          hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, position, max(length, 1), hint)


def warning(code: str, message: str, position: Position | None = None, *, length: int = 1,
            hint: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, message, position, max(length, 1), hint)


_WINDOW = 120  # characters of a source line shown at most


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sort_key(diagnostic: Diagnostic) -> tuple:
    position = diagnostic.position
    if position is None:
        return ("", 0, 0, diagnostic.code, diagnostic.message)
    return (position.file, position.line, position.column, diagnostic.code, diagnostic.message)


def format_diagnostic(diagnostic: Diagnostic, sources: Mapping[str, Any] | None = None) -> str:
    """``sources`` maps a file name to its text, or to an object with ``line(number)``."""
    head = f"{diagnostic.severity.value}[{diagnostic.code}] {diagnostic.message}"
    position = diagnostic.position
    if position is None:
        lines = [head]
    else:
        lines = [f"{position}: {head}"]
        source = (sources or {}).get(position.file)
        if isinstance(source, str):
            lines_of = source.splitlines()
            source_line = lines_of[position.line - 1] if 1 <= position.line <= len(lines_of) else None
        elif source is not None:  # a loaded document reads its lines on demand
            source_line = source.line(position.line)
        else:
            source_line = None
        if source_line is not None:
            source_line = source_line.replace("\t", " ")
            start = max(position.column - 1, 0)
            if len(source_line) > _WINDOW:  # a huge line: show the part around the column
                left = max(0, start - _WINDOW // 3)
                shown = source_line[left:left + _WINDOW]
                prefix = "…" if left else ""
                suffix = "…" if left + _WINDOW < len(source_line) else ""
                source_line = prefix + shown + suffix
                position = Position(position.file, position.line, start - left + 1 + len(prefix))
            number = str(position.line)
            gutter = " " * len(number)
            start = max(position.column - 1, 0)
            underlined = source_line[start:start + min(diagnostic.length, _WINDOW)] or " "
            caret_pad = " " * display_width(source_line[:start])
            lines += [
                f"{gutter} |",
                f"{number} | {source_line}",
                f"{gutter} | {caret_pad}{'^' * max(display_width(underlined), 1)}",
            ]
    if diagnostic.hint:
        lines.append(f"  = 提示：{diagnostic.hint}")
    return "\n".join(lines)


def format_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, Any] | None = None) -> str:
    return "\n".join(format_diagnostic(d, sources) for d in diagnostics)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
