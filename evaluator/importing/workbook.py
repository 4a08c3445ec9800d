"""Workbooks: .xlsx through openpyxl (the engine's own Excel library: merged ranges and number
formats), .xls and .ods through python-calamine (a Rust reader; openpyxl reads neither).

A vertically merged range (一级指标 over eight rows) gives its text to every row it covers,
marked as carried; a horizontally merged range's other cells stay empty, so a label is not
read twice. A number is written as Excel shows it: to the decimals of its number format, a
percentage with its %, a date as 2024-01-01."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..diagnostics import CellPosition, Diagnostic
from .cells import Cell, Row, SourceDocument, Table, Unreadable

_DECIMALS = re.compile(r"\.(0+)(#*)")
_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # quoted text, escapes, [colours]
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


def number_text(value: float | int | Decimal, number_format: str = "General") -> str:
    """A number as Excel displays it: 1102000 with ``#,##0.00`` is 1102000.00, 0.9406 with
    ``0.00%`` is 94.06%, a float's binary noise (0.30000000000000004) gone; ``0.00##`` shows
    two to four decimals, as many as the number has."""
    section = _LITERALS.sub("", number_format).split(";")[0]  # "0.0\"分\"": its text aside
    percent = "%" in section
    number = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
    if percent:
        number *= 100
    places = _DECIMALS.search(section)
    if section == "General" or not re.search(r"[0#]", section):
        text = format(number.normalize(), "f")
    else:
        least = len(places.group(1)) if places else 0
        most = least + (len(places.group(2)) if places else 0)
        rounded = number.quantize(Decimal(1).scaleb(-most), ROUND_HALF_UP)  # as Excel shows
        needed = max(least, -rounded.normalize().as_tuple().exponent)
        text = format(rounded.quantize(Decimal(1).scaleb(-needed)), "f")
    return text + ("%" if percent else "")


def value_text(value: Any, number_format: str = "General") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return number_text(value, number_format)
    return str(value).strip()


def _sheet_rows(path: str, title: str, index: int, grid: list[list[str]],
                merges: list[tuple[int, int, int, int]], texts: dict) -> Table:
    """Rows of one sheet from its texts (0-based grid) and merged ranges (1-based, inclusive:
    first row, first column, last row, last column)."""
    carried: dict[tuple[int, int], str] = {}
    covered: set[tuple[int, int]] = set()
    for first_row, first_col, last_row, last_col in merges:
        anchor = grid[first_row - 1][first_col - 1] if first_row - 1 < len(grid) and \
            first_col - 1 < len(grid[first_row - 1]) else ""
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                if (r, c) == (first_row, first_col):
                    continue
                covered.add((r, c))
                if c == first_col and anchor:
                    carried[(r, c)] = anchor
    rows = []
    for r, values in enumerate(grid, 1):
        cells = []  # filled cells only: a sheet of 1 000 projects has 400 000 cells, most empty
        for c, text in enumerate(values, 1):
            if (r, c) in carried:
                cells.append(Cell(carried[(r, c)], CellPosition(path, title, r, c, index), c - 1,
                                  carried=True))
            elif text and (r, c) not in covered:
                cells.append(Cell(text, CellPosition(path, title, r, c, index), c - 1))
        if any(not cell.carried for cell in cells):
            rows.append(Row(tuple(cells), cells[0].position))
    texts[title] = grid  # type: ignore[assignment] - the excerpt is looked up in it
    return Table(title, tuple(rows))


def read_xlsx(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    """Read-only and streamed (a 1 000-sheet workbook in seconds): openpyxl's full load
    re-styles every merged cell, quadratic in the merges. The merged ranges are read from each
    sheet's own XML, which read-only mode does not parse."""
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        archive = zipfile.ZipFile(io.BytesIO(raw))
        texts: dict[str, str] = {}
        tables = []
        for index, sheet in enumerate(workbook.worksheets):
            sheet.reset_dimensions()  # a writer's <dimension> may be wrong: read every row
            grid = [[value_text(cell.value, getattr(cell, "number_format", "General"))
                     for cell in row] for row in sheet.iter_rows()]
            xml = archive.read(sheet._worksheet_path)  # noqa: SLF001 - openpyxl has no accessor
            merges = []
            for ref in _MERGE.findall(xml):
                first_col, first_row, last_col, last_row = range_boundaries(ref.decode())
                merges.append((first_row, first_col, last_row, last_col))
            tables.append(_sheet_rows(path, sheet.title, index, grid, merges, texts))
        workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as problem:
        raise Unreadable(f"{path} 不是有效的 Excel 工作簿（.xlsx）：{type(problem).__name__}")
    except Exception as problem:  # noqa: BLE001 - openpyxl raises what its XML parser raises
        raise Unreadable(f"{path} 无法作为 Excel 工作簿读取：{type(problem).__name__}")
    return SourceDocument(path, "Excel", tuple(tables), texts=texts), []


def read_calamine(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheets = [(name, workbook.get_sheet_by_name(name)) for name in workbook.sheet_names]
        loaded = [(name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [])
                  for name, sheet in sheets]
    except Exception as problem:  # noqa: BLE001 - calamine's errors are one class per format
        raise Unreadable(f"{path} 无法作为 .xls/.ods 工作簿读取：{problem}")
    texts: dict[str, str] = {}
    tables = []
    for index, (name, values, merged) in enumerate(loaded):
        grid = [[value_text(v) for v in row] for row in values]
        merges = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in merged]
        tables.append(_sheet_rows(path, name, index, grid, merges, texts))
    return SourceDocument(path, "Excel", tuple(tables), texts=texts), []
