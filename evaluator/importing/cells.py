"""What every reader hands the layout stage: tables of rows of cells, each cell with its place
in the source, and the loaded source itself, which gives the diagnostics printer its excerpts.

A reader knows its format (tabs, a workbook's merged ranges, a Word table's spans, a PDF's
ruled cells); the layout stage knows the 申报表 and the 自评表. Nothing else passes between them.
"""

from __future__ import annotations

import re
from dataclasses import field

from ..diagnostics import AnyPosition, CellPosition, PlacePosition
from ..saved_code import dataclass


@dataclass(frozen=True, slots=True)
class Cell:
    text: str             # as written, outer blanks removed
    position: AnyPosition
    column: int           # 0-based place in its row, for tables whose columns line up
    carried: bool = False  # copied from the first row of a vertically merged range


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    position: AnyPosition

    def filled(self) -> list[Cell]:
        return [c for c in self.cells if c.text]

    def at(self, column: int) -> Cell | None:
        for cell in self.cells:
            if cell.column == column:
                return cell
        return None


@dataclass(frozen=True, slots=True)
class Table:
    name: str                   # 第3页, 表2, a sheet's name, or the file's for text
    rows: tuple[Row, ...]
    one_cell_per_line: bool = False  # text with each cell on a line of its own


@dataclass
class SourceDocument:
    """A loaded source: its tables, and what the printer shows under a diagnostic (a text
    file's lines; a cell's or a row's text elsewhere)."""

    path: str
    kind: str  # 文本, Excel, Word, PDF
    tables: tuple[Table, ...] = ()
    lines: tuple[str, ...] | None = None
    # str(position) → text shown; for a workbook, sheet title → its rows of cell texts
    texts: dict = field(default_factory=dict)

    def line(self, number: int) -> str | None:
        if self.lines is None or not 1 <= number <= len(self.lines):
            return None
        return self.lines[number - 1]

    def excerpt(self, position: AnyPosition) -> tuple[str, str, int] | None:
        if isinstance(position, CellPosition):  # a workbook keeps each sheet's grid of texts
            grid = self.texts.get(position.sheet)
            if not isinstance(grid, list) or not 0 < position.row <= len(grid) \
                    or not 0 < position.column <= len(grid[position.row - 1]):
                return None
            text = grid[position.row - 1][position.column - 1]
        else:
            text = self.texts.get(str(position))
        if not text:
            return None
        label = position.cell if isinstance(position, CellPosition) else \
            position.place if isinstance(position, PlacePosition) else str(position.line)
        return label, text, 0


class Unreadable(Exception):
    """A source that cannot be read at all (exit 2): the message says why, in Chinese."""


_SPACES = re.compile(r"\s+")


def plain(text: str) -> str:
    """A label as compared: no blanks (PDF extraction splits 项目绩效 目标), half-width
    brackets and colon (项目资金（元） and 项目资金 (元) are one label)."""
    return _SPACES.sub("", text).replace("（", "(").replace("）", ")").replace("：", ":")


__all__ = ["Cell", "Row", "Table", "SourceDocument", "Unreadable", "plain"]
