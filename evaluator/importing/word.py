"""Word (.docx) tables through python-docx. A cell's grid span and vertical merge are read from
the table's XML (w:gridSpan, w:vMerge): a vertically merged cell gives its text to the rows it
covers, marked as carried; the columns a wide cell spans stay empty. Positions are
``FILE:表N 第R行``, the excerpt the row's text. Paragraphs outside tables are read as rows of
one cell (the title with its year)."""

from __future__ import annotations

import io
import zipfile

from ..diagnostics import Diagnostic, PlacePosition
from .cells import Cell, Row, SourceDocument, Table, Unreadable


def read_docx(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    try:
        import docx
        from docx.table import _Cell

        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as problem:
        raise Unreadable(f"{path} 不是有效的 Word 文档（.docx）：{type(problem).__name__}")
    except Exception as problem:  # noqa: BLE001 - python-docx passes on lxml's and zipfile's
        raise Unreadable(f"{path} 无法作为 Word 文档读取：{type(problem).__name__}")
    texts: dict[str, str] = {}
    tables: list[Table] = []
    body = document.element.body
    number = 0
    loose: list[Row] = []
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t")).strip()
            if text:
                position = PlacePosition(path, f"正文第{len(loose) + 1}段", 0, len(loose) + 1)
                texts[str(position)] = text
                loose.append(Row((Cell(text, position, 0),), position))
            continue
        if tag != "tbl":
            continue
        if loose:
            tables.append(Table("正文", tuple(loose)))
            loose = []
        number += 1
        rows = []
        above: dict[int, str] = {}  # grid column → text of the cell a vMerge continues
        for r, tr in enumerate(child.tr_lst, 1):
            position = PlacePosition(path, f"表{number} 第{r}行", number, r)
            cells, column = [], 0
            for tc in tr.tc_lst:
                span = tc.grid_span
                merge = tc.vMerge
                text = _Cell(tc, None).text.strip() if merge != "continue" else ""
                if merge == "continue":
                    cells.append(Cell(above.get(column, ""), position, column, carried=True))
                else:
                    cells.append(Cell(text, position, column))
                    above[column] = text
                for extra in range(1, span):
                    cells.append(Cell("", position, column + extra))
                    above.pop(column + extra, None)
                column += span
            shown = " | ".join(c.text for c in cells if c.text and not c.carried)
            if shown:
                texts[str(position)] = shown
            if any(c.text for c in cells):
                rows.append(Row(tuple(cells), position))
        tables.append(Table(f"表{number}", tuple(rows)))
    if loose:
        tables.append(Table("正文", tuple(loose)))
    return SourceDocument(path, "Word", tuple(tables), texts=texts), []
