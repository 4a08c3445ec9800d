"""Workbooks through python-calamine (a Rust reader of .xlsx, .xls and .ods, merged ranges
included); an .xlsx's number formats, which calamine does not give, from its own XML.

A vertically merged range (一级指标 over eight rows) gives its text to every row it covers,
marked as carried; a horizontally merged range's other cells stay empty, so a label is not
read twice. A number is written as Excel shows it: to the decimals of its number format, a
percentage with its %, a date as 2024-01-01."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.etree import ElementTree

from openpyxl.utils.cell import column_index_from_string

from ..diagnostics import CellPosition, Diagnostic
from .cells import Cell, Row, SourceDocument, Table, Unreadable

_DECIMALS = re.compile(r"\.(0+)(#*)")
_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # quoted text, escapes, [colours]


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
    carried: dict[int, list[tuple[int, str]]] = {}  # row → (column, text) it is given
    covered: set[tuple[int, int]] = set()
    for first_row, first_col, last_row, last_col in merges:
        anchor = grid[first_row - 1][first_col - 1] if first_row - 1 < len(grid) and \
            first_col - 1 < len(grid[first_row - 1]) else ""
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                if (r, c) != (first_row, first_col):
                    covered.add((r, c))
            if r != first_row and anchor:
                carried.setdefault(r, []).append((first_col, anchor))
    rows = []
    for r, values in enumerate(grid, 1):
        # filled cells only: a sheet of 1 000 projects has 400 000 cells, most of them empty
        cells = [Cell(text, CellPosition(path, title, r, c, index), c - 1)
                 for c, text in enumerate(values, 1) if text and (r, c) not in covered]
        if r in carried:
            cells += [Cell(text, CellPosition(path, title, r, c, index), c - 1, carried=True)
                      for c, text in carried[r]]
            cells.sort(key=lambda cell: cell.column)
        if any(not cell.carried for cell in cells):
            rows.append(Row(tuple(cells), cells[0].position))
    texts[title] = grid  # type: ignore[assignment] - the excerpt is looked up in it
    return Table(title, tuple(rows))


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_RELATION = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?)/?>")
_REF = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_STYLE = re.compile(rb'\bs="([0-9]+)"')
_TYPE = re.compile(rb'\bt="(\w+)"')


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML part, from the workbook and its relationships."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in relations.findall("p:Relationship", _NS)}
    paths = {}
    for sheet in book.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(_RELATION), "")
        paths[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join("xl", target))
    return paths


def _style_formats(archive: zipfile.ZipFile) -> list[str]:
    """Each cell style's number format code (built-in ones by their number)."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    if "xl/styles.xml" not in archive.namelist():
        return []
    styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "General")
              for f in styles.iterfind("m:numFmts/m:numFmt", _NS)}
    return [custom.get(fid, BUILTIN_FORMATS.get(fid, "General"))
            for fid in (int(xf.get("numFmtId", "0")) for xf in styles.iterfind("m:cellXfs/m:xf", _NS))]


def _number_formats(xml: bytes, formats: list[str]) -> dict[tuple[int, int], str]:
    """(row, column) → number format of every numeric cell styled other than General."""
    found = {}
    for match in _CELL.finditer(xml):
        attributes = match.group(1)
        style, kind = _STYLE.search(attributes), _TYPE.search(attributes)
        if style is None or (kind is not None and kind.group(1) != b"n"):
            continue
        number = int(style.group(1))
        code = formats[number] if number < len(formats) else "General"
        reference = _REF.search(attributes)
        if code != "General" and reference is not None:
            found[(int(reference.group(2)), column_index_from_string(reference.group(1).decode()))] = code
    return found


def _calamine_sheets(raw: bytes, path: str, kind: str) -> list[tuple[str, list, list]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        sheets = [(name, workbook.get_sheet_by_name(name)) for name in workbook.sheet_names]
        return [(name, sheet.to_python(skip_empty_area=False), sheet.merged_cell_ranges or [])
                for name, sheet in sheets]
    except Exception as problem:  # noqa: BLE001 - calamine's errors are one class per format
        raise Unreadable(f"{path} 无法作为 {kind} 工作簿读取：{problem}")


def read_xlsx(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    """.xlsx: the values and merged ranges through python-calamine (0.5 s for a 1 000-sheet
    workbook, where openpyxl's read-only mode takes 6.7 s and its full load, which re-styles
    every merged cell, minutes); the number formats, which calamine does not give, from the
    workbook's styles and each sheet's cells (a 95% typed in Excel is 0.95 underneath)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        formats = _style_formats(archive)
        parts = _sheet_paths(archive)
    except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError, OSError) as problem:
        raise Unreadable(f"{path} 不是有效的 Excel 工作簿（.xlsx）：{type(problem).__name__}")
    texts: dict = {}
    tables = []
    for index, (name, values, merged) in enumerate(_calamine_sheets(raw, path, ".xlsx")):
        try:
            shown = _number_formats(archive.read(parts[name]), formats) if name in parts else {}
        except (KeyError, zipfile.BadZipFile, OSError):
            shown = {}
        grid = [[value_text(v, shown.get((r, c), "General")) if v != "" else ""
                 for c, v in enumerate(row, 1)] for r, row in enumerate(values, 1)]
        merges = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in merged]
        tables.append(_sheet_rows(path, name, index, grid, merges, texts))
    return SourceDocument(path, "Excel", tuple(tables), texts=texts), []


def read_calamine(raw: bytes, path: str) -> tuple[SourceDocument, list[Diagnostic]]:
    texts: dict = {}
    tables = []
    for index, (name, values, merged) in enumerate(_calamine_sheets(raw, path, ".xls/.ods")):
        grid = [[value_text(v) if v != "" else "" for v in row] for row in values]
        merges = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in merged]
        tables.append(_sheet_rows(path, name, index, grid, merges, texts))
    return SourceDocument(path, "Excel", tuple(tables), texts=texts), []
