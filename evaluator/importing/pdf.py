"""PDF through pdfplumber: the ruled tables of each page (a merged cell found by its box: one
that reaches down over the next row gives that row its text, marked as carried), or, on a page
without rules, its text lines split where two or more spaces part the columns. A PDF with no
text layer at all (a scan) is told so, not read as an empty table. Positions are
``FILE:第N页 第R行``."""

from __future__ import annotations

import io
import re

from ..diagnostics import Diagnostic, PlacePosition
from .cells import Cell, Row, SourceDocument, Table, Unreadable

_GAP = re.compile(r"\s{2,}")
_EDGE = 1.0  # points: cell boxes that touch


def _table_rows(table, path: str, page: int, first: int, texts: dict[str, str]) -> list[Row]:
    grid = table.extract()
    boxes = [row.cells for row in table.rows]
    rows = []
    for r, (values, row_boxes) in enumerate(zip(grid, boxes)):
        position = PlacePosition(path, f"第{page}页 第{first + r}行", page, first + r)
        cells = []
        for c, value in enumerate(values):
            text = " ".join((value or "").split())
            if value is None and r > 0 and row_boxes[c] is None:
                carried = _carried(grid, boxes, r, c)
                if carried:
                    cells.append(Cell(carried, position, c, carried=True))
                    continue
            cells.append(Cell(text, position, c))
        shown = " | ".join(c.text for c in cells if c.text and not c.carried)
        if shown:
            texts[str(position)] = shown
        if any(c.text for c in cells):
            rows.append(Row(tuple(cells), position))
    return rows


def _carried(grid, boxes, r: int, c: int) -> str:
    """The text of the cell above that reaches down over row ``r`` in column ``c`` (a
    vertically merged cell), if that cell starts in this column."""
    for above in range(r - 1, -1, -1):
        box = boxes[above][c]
        if box is None:
            continue
        below_top = next((b[1] for b in boxes[r] if b is not None), None)
        if below_top is not None and box[3] > below_top + _EDGE:
            return " ".join((grid[above][c] or "").split())
        return ""
    return ""


def read_pdf(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    import pdfplumber

    texts: dict[str, str] = {}
    tables: list[Table] = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            any_text = False
            for number, page in enumerate(pdf.pages, 1):
                if page.chars:
                    any_text = True
                found = page.find_tables()
                rows: list[Row] = []
                if found:
                    for table in found:
                        rows += _table_rows(table, path, number, len(rows) + 1, texts)
                else:
                    for index, line in enumerate((page.extract_text() or "").splitlines(), 1):
                        position = PlacePosition(path, f"第{number}页 第{index}行", number, index)
                        pieces = [p for p in _GAP.split(line.strip()) if p]
                        if pieces:
                            texts[str(position)] = line.strip()
                            rows.append(Row(tuple(Cell(p, position, i) for i, p in enumerate(pieces)),
                                            position))
                tables.append(Table(f"第{number}页", tuple(rows)))
    except Unreadable:
        raise
    except Exception as problem:  # noqa: BLE001 - pdfminer raises many kinds for a bad file
        raise Unreadable(f"{path} 不是有效的 PDF 文件，无法读取：{type(problem).__name__}")
    if not any_text:
        raise Unreadable(f"{path} 没有文字层（可能是扫描件），无法读取表格；请先做文字识别（OCR）")
    return SourceDocument(path, "PDF", tuple(tables), texts=texts), []
