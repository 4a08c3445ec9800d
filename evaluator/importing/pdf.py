"""PDF through pdfplumber: the ruled tables of each page (a merged cell found by its box: one
that reaches down over the next row gives that row its text, marked as carried), or, on a page
without rules, its text lines split where two or more spaces part the columns. A PDF with no
text layer at all (a scan) is told so, not read as an empty table. Positions are
``FILE:第N页 第R行``."""

from __future__ import annotations

import io
import re
import unicodedata

from ..diagnostics import Diagnostic, PlacePosition
from .cells import Cell, Row, SourceDocument, Table, Unreadable

_GAP = re.compile(r"\s{2,}")
_EDGE = 1.0  # points: cell boxes that touch
_WRAP = re.compile(r"[ \t]*\n\s*")


# CJK Radicals Supplement have no compatibility mapping; these are the ones CJK fonts in
# Chinese PDFs draw simplified characters with
_RADICALS = dict(zip("⺠⻔⻓⻢⻅⻋⻛⻜⻚⻆⻉⻘⻬⻰⻳⺟⻄⻩⻥⻦⻨⻮⻝⻉⺁⺇⺌⺝⺩⺮⻊",
                     "民门长马见车风飞页角贝青齐龙龟母西黄鱼鸟麦齿食贝厂几小月王竹足"))


def _rejoined(match: re.Match) -> str:
    """A blank where a wrapped line split two English words; nothing where it split Chinese
    or a number (120,000. / 00)."""
    text, start, end = match.string, match.start(), match.end()
    before, after = text[start - 1:start], text[end:end + 1]
    return " " if before.isascii() and before.isalpha() and after.isascii() and after.isalpha() else ""


def clean(text: str | None) -> str:
    """A cell's text as written: a line wrapped inside the cell joined again (without a blank
    between Chinese characters: 1420人 / 次 is 1420人次), and the Kangxi radicals some PDF
    fonts map their glyphs to (⽬ U+2F6C for 目) read as the characters they draw."""
    if not text:
        return ""
    joined = " ".join(_WRAP.sub(_rejoined, text).split())
    return "".join(unicodedata.normalize("NFKC", ch) if "\u2f00" <= ch <= "\u2fdf" else
                   _RADICALS.get(ch, ch) for ch in joined)


def _table_rows(table, path: str, page: int, first: int, texts: dict[str, str]) -> list[Row]:
    grid = table.extract()
    boxes = [row.cells for row in table.rows]
    rows = []
    for r, (values, row_boxes) in enumerate(zip(grid, boxes)):
        position = PlacePosition(path, f"第{page}页 第{first + r}行", page, first + r)
        cells = []
        for c, value in enumerate(values):
            text = clean(value)
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
            return clean(grid[above][c])
        return ""
    return ""


def _lines(region, path: str, page: int, first: int, texts: dict[str, str]) -> list[Row]:
    """Text outside ruled tables, a row a line, cells where two or more spaces part them."""
    rows = []
    for index, line in enumerate((region.extract_text() or "").splitlines(), first):
        position = PlacePosition(path, f"第{page}页 第{index}行", page, index)
        pieces = [clean(p) for p in _GAP.split(line.strip()) if p.strip()]
        if pieces:
            texts[str(position)] = " ".join(pieces)
            rows.append(Row(tuple(Cell(p, position, i) for i, p in enumerate(pieces)), position))
    return rows


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
                found = sorted(page.find_tables(), key=lambda t: t.bbox[1])
                rows: list[Row] = []
                top = 0.0
                for table in found:  # the text between tables (titles), then the table
                    rows += _lines(page.within_bbox((0, top, page.width, table.bbox[1])), path, number,
                                   len(rows) + 1, texts) if table.bbox[1] > top else []
                    rows += _table_rows(table, path, number, len(rows) + 1, texts)
                    top = table.bbox[3]
                if top < page.height:
                    rows += _lines(page.within_bbox((0, top, page.width, page.height)), path, number,
                                   len(rows) + 1, texts)
                tables.append(Table(f"第{number}页", tuple(rows)))
    except Exception as problem:  # noqa: BLE001 - pdfminer raises many kinds for a bad file
        raise Unreadable(f"{path} 不是有效的 PDF 文件，无法读取：{type(problem).__name__}")
    if not any_text:
        raise Unreadable(f"{path} 没有文字层（可能是扫描件），无法读取表格；请先做文字识别（OCR）")
    return SourceDocument(path, "PDF", tuple(tables), texts=texts), []
