"""Workbooks as inputs (DESIGN §10): a 自评表 filled in Excel read as actuals, a 申报表 (or a
自评表) read as goals, into data of exactly the shape the YAML loader gives for actuals.yaml and
goals.yaml (scalars as text), so the rest of the engine reads it unchanged.

Tables are found by their labels, never by fixed addresses: a project is the block under a
项目名称 cell, its indicators the named rows under the header row that holds 三级指标, its
columns the header's labels. Rows added, columns hidden, sheets reordered or renamed: all fine.

Excel's habits are undone here, cell by cell: a number is the decimal Excel shows (15
significant digits, the number format's places, a percent format's %), not its binary
expansion; a date cell is a date; a formula counts by the value Excel saved with it (none
saved: a diagnostic); a merged cell's value is its top-left cell's; a number stored as text,
in full-width digits or with thousands separators, is that number.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import field
from pathlib import Path
from typing import Any

from .diagnostics import CellPosition, Diagnostic, error, warning
from .inputs import PROJECTS, Entries, has_path
from .join import indicator_keys
from .importing.workbook import value_text  # a value as Excel shows it
from .saved_code import NamedTuple, dataclass

# ---- the document -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WorkbookDocument(Entries):
    """A loaded workbook: its data (as the YAML loader would give it) and the cell of every
    value and key in it (an inputs.SplitDocument: the run takes its projects one by one)."""

    path: str
    data: Any  # None when the workbook could not be read
    sheets: tuple[str, ...] = ()
    values: dict[tuple, tuple[int, int, int]] = field(default_factory=dict)  # path → cell
    keys: dict[tuple, tuple[int, int, int]] = field(default_factory=dict)  # path → its label
    texts: dict[tuple[int, int, int], str] = field(default_factory=dict)  # cell → shown text
    locator = None  # not text: there are no lines to count
    split: str | None = PROJECTS

    def position(self, path: tuple[Any, ...], *, key: bool = False, offset: int = 0
                 ) -> CellPosition:
        for length in range(len(path), -1, -1):
            prefix = path[:length]
            place = (self.keys.get(prefix) if key or length < len(path) else None) \
                or self.values.get(prefix) or self.keys.get(prefix)
            if place is not None:
                return self._cell(place)
        return self._cell((0, 1, 1))

    def _cell(self, place: tuple[int, int, int]) -> CellPosition:
        sheet, row, column = place
        name = self.sheets[sheet] if sheet < len(self.sheets) else "Sheet1"
        return CellPosition(self.path, name, row, column, sheet)

    def line(self, number: int) -> str | None:
        return None

    def has(self, path: tuple[Any, ...]) -> bool:
        return has_path(self.data, path)

    def excerpt(self, position: Any) -> tuple[str, str, int] | None:
        """The cell's text as shown, under its address."""
        if not isinstance(position, CellPosition):
            return None
        text = self.texts.get((position.sheet_index, position.row, position.column))
        return (position.cell, text, 0) if text else None


# ---- cells as Excel shows them --------------------------------------------------------------

class Cell(NamedTuple):
    text: str | None  # None: empty
    problem: str = ""  # "uncached" (a formula saved without its value) or "error" (#DIV/0!)


def cell_text(formula_cell: Any, value_cell: Any) -> Cell:
    """What a cell holds, as text the YAML loader would give: ``formula_cell`` from the
    workbook read as written, ``value_cell`` the same cell read for the values Excel saved."""
    value = formula_cell.value
    number_format = formula_cell.number_format
    if formula_cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
        value = value_cell.value
        if value is None:
            return Cell(None, "uncached")
    if value_cell is not None and value_cell.data_type == "e" or (
            isinstance(value, str) and value in _ERRORS):
        return Cell(str(value), "error")
    return Cell(value_text(value, number_format) or None)


_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


def amount_text(text: str | None) -> str | None:
    """A figure typed as text: full-width digits and separators (１，１０２．００) as digits."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text).replace(" ", "")
    return folded if re.fullmatch(r"[+-]?[\d,]+(\.\d+)?%?", folded) else text


def label(text: str | None) -> str:
    """A label as compared: full-width folded, spaces and colons gone (项目资金 (元) and
    项目资金（元）, 其中：当年财政拨款 and 其中:当年财政拨款 are one)."""
    return re.sub(r"[\s:：]", "", unicodedata.normalize("NFKC", text or ""))


class Grid:
    """One sheet: each non-empty cell as Excel shows it (read both as written and with the
    values Excel saved), merged cells resolved to their top-left cell."""

    def __init__(self, index: int, title: str, written: Any, saved: Any,
                 merges: list[tuple[int, int, int, int]]):
        self.index, self.title = index, title
        values = {(c.row, c.column): c for row in saved.iter_rows() for c in row
                  if getattr(c, "row", None) is not None}
        self.cells: dict[tuple[int, int], Cell] = {}
        for row in written.iter_rows():
            for c in row:
                if getattr(c, "row", None) is None or c.value is None:
                    continue
                found = cell_text(c, values.get((c.row, c.column)))
                if found.text is not None or found.problem:
                    self.cells[(c.row, c.column)] = found
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        for min_row, min_col, max_row, max_col in merges:
            for row in range(min_row, max_row + 1):
                for column in range(min_col, max_col + 1):
                    self.anchor[(row, column)] = (min_row, min_col)
        places = list(self.cells) or [(1, 1)]
        self.max_row = max(row for row, _c in places)
        self.max_column = max(column for _r, column in places)

    def cell(self, row: int, column: int) -> Cell:
        return self.cells.get(self.anchor.get((row, column), (row, column)), _EMPTY)

    def text(self, row: int, column: int) -> str | None:
        return self.cell(row, column).text

    def labels(self, row: int) -> dict[str, int]:
        """The labels of a row, each at its first column."""
        found: dict[str, int] = {}
        for column in range(1, self.max_column + 1):
            if self.anchor.get((row, column), (row, column))[1] != column:
                continue  # inside a merged range: its label is at its first column
            text = self.text(row, column)
            if text:
                found.setdefault(label(text), column)
        return found


_EMPTY = Cell(None)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def _letters(column: bytes) -> int:
    number = 0
    for letter in column.decode():
        number = number * 26 + ord(letter) - 64
    return number


def merged_ranges(sheet_xml: bytes) -> list[tuple[int, int, int, int]]:
    """A sheet's merged ranges (first row, first column, last row, last column), read from its
    XML: openpyxl's read-only sheets do not give them, and its full reading styles every cell
    of every merged range (seconds for ten projects, measured)."""
    ranges = []
    for first_col, first_row, last_col, last_row in _MERGE.findall(sheet_xml):
        ranges.append((int(first_row), _letters(first_col), int(last_row or first_row),
                       _letters(last_col or first_col)))
    return ranges


# ---- the layout ---------------------------------------------------------------------------

NAME, TIER3 = "项目名称", "三级指标"
HEADS = {"level1": ("一级指标",), "level2": ("二级指标",), "name": ("三级指标",),
         "target": ("年度指标值", "年度(/项目)指标值", "年度/项目指标值", "指标值", "年度目标值"),
         "actual": ("实际完成值", "全年实际值", "实际值", "完成值"), "weight": ("分值",),
         "score": ("得分", "自评得分"),
         "remark": ("偏差原因分析及改进措施", "偏差原因分析", "偏差原因"),
         "measures": ("改进措施",)}
FUND_HEADS = {"initial": ("年初预算数",), "adjusted": ("全年预算数",),
              "executed": ("全年执行数",), "score": ("得分",)}
FUND_ROWS = {"total": ("年度资金总额", "年度资金申请总额", "资金总额"),
             "fiscal": ("其中当年财政拨款", "当年财政拨款"), "carryover": ("上年结转资金",),
             "other": ("其他资金",)}
FIELDS = {"department": ("主管部门", "主管部门及代码"), "unit": ("实施单位",),
          "code": ("项目编码", "项目代码"), "nature": ("项目性质",), "category": ("项目类别",),
          "start": ("计划开始日期",), "end": ("计划完成日期",)}
KNOWN_LABELS = frozenset(label(t) for group in (*HEADS.values(), *FUND_HEADS.values(),
                                                *FUND_ROWS.values(), *FIELDS.values())
                         for t in group) | {NAME, "项目资金总额", "其中财政资金", "项目性质"}
_CODE_SUFFIX = re.compile(r"（([0-9A-Za-z\-]{6,})）$")
_YEAR = re.compile(r"(\d{4})\s*年度?")
_IMPROVE = re.compile(r"；?\s*改进措施[:：]")
_FLAG = re.compile(r"^【[^】]*】")
_REPORT_NOTES = re.compile(r"（(?:未填写偏差原因|输入有误：[^（）]*|单位自评 [^（）]*未采用)）$")


def _column(found: dict[str, int], names: tuple[str, ...]) -> int | None:
    for name in names:
        if label(name) in found:
            return found[label(name)]
    return None


@dataclass
class Block:
    """One project's table: from its 项目名称 row to the next project's."""

    grid: Grid
    first: int  # the 项目名称 row
    last: int
    name_column: int
    header: int | None = None  # the row of 三级指标


def _right_of(grid: Grid, row: int, column: int) -> tuple[str | None, int]:
    """The value beside a label: the next cell to its right that is not itself a label."""
    anchor, own = grid.anchor, label(grid.text(row, column))
    for c in range(column + 1, grid.max_column + 1):
        if anchor.get((row, c), (row, c)) != (row, c):
            continue
        text = grid.text(row, c)
        if text and label(text) not in KNOWN_LABELS:
            return text, c
        if text and label(text) != own:  # the next label: this one's value is empty
            return None, c
    return None, column + 1


def find_blocks(grid: Grid) -> list[Block]:
    starts = []
    for row in range(1, grid.max_row + 1):
        column = grid.labels(row).get(NAME)
        if column is not None:
            value, _c = _right_of(grid, row, column)
            if value is not None:  # a summary sheet's 项目名称 heads a column, not a project
                starts.append((row, column))
    blocks = []
    for index, (row, column) in enumerate(starts):
        last = starts[index + 1][0] - 1 if index + 1 < len(starts) else grid.max_row
        block = Block(grid, row, last, column)
        for r in range(row + 1, last + 1):
            if TIER3 in grid.labels(r):
                block.header = r
                break
        if block.header is not None:
            blocks.append(block)
    return blocks


class _Reading:
    """What is read of one workbook: data, the cells it came from, and problems."""

    def __init__(self, path: str, grids: list[Grid]):
        self.path, self.grids = path, grids
        self.values: dict[tuple, tuple[int, int, int]] = {}
        self.keys: dict[tuple, tuple[int, int, int]] = {}
        self.texts: dict[tuple[int, int, int], str] = {}
        self.problems: list[Diagnostic] = []

    def place(self, grid: Grid, row: int, column: int) -> tuple[int, int, int]:
        place = (grid.index, row, column)
        cell = grid.cell(row, column)
        if cell.text:
            self.texts[place] = cell.text
        return place

    def at(self, place: tuple[int, int, int]) -> CellPosition:
        return CellPosition(self.path, self.grids[place[0]].title, place[1], place[2], place[0])

    def value(self, grid: Grid, row: int, column: int | None, path: tuple, *,
              amount: bool = False) -> str | None:
        """The cell's text, remembered at ``path``; a formula without a saved value, or one
        saved as an error, is a diagnostic."""
        if column is None:
            return None
        cell = grid.cell(row, column)
        place = self.place(grid, row, column)
        self.values[path] = place
        if cell.problem == "uncached":
            self.problems.append(error(
                "xlsx.formula_not_calculated", "单元格是公式，但文件中没有保存它的计算结果",
                self.at(place), hint="请用 Excel（或 WPS、LibreOffice）打开这个文件并保存一次，"
                                     "使公式的结果一并保存，然后再试"))
            return None
        if cell.problem == "error":
            self.problems.append(error(
                "xlsx.formula_error", f"单元格的公式结果是错误值 {cell.text}", self.at(place),
                hint="请改正公式或直接填写数值"))
            return None
        return amount_text(cell.text) if amount else cell.text

    def key(self, path: tuple, grid: Grid, row: int, column: int) -> None:
        self.keys[path] = self.place(grid, row, column)


def _year(reading: _Reading, grids: list[Grid], blocks: list[Block]) -> str | None:
    for block in blocks:
        grid = block.grid
        for row in range(1, block.first):
            for column in range(1, grid.max_column + 1):
                text = grid.text(row, column)
                match = _YEAR.search(text or "")
                if match:
                    reading.values[("year",)] = reading.place(grid, row, column)
                    return match.group(1)
    return None


def _project_name(text: str) -> str:
    """The name as the report writes it without its code: 城市日宣传推广（31000024T000001）."""
    return _CODE_SUFFIX.sub("", text).strip()


def _funds_unit(grid: Grid, block: Block) -> str | None:
    for row in range(block.first, block.header or block.last):
        for column in range(1, grid.max_column + 1):
            text = label(grid.text(row, column))
            if text.startswith("项目资金") or text.startswith("金额单位"):
                return "万元" if "万元" in text else "元" if "元" in text else None
    return None


def _fund_rows(block: Block) -> tuple[int | None, dict[str, int], dict[str, tuple[int, int]]]:
    """The funds' header row and its columns, and each fund row (its row and label column)."""
    grid, head_row, heads = block.grid, None, {}
    for row in range(block.first, block.header or block.last):
        found = grid.labels(row)
        if label("全年执行数") in found:
            head_row = row
            heads = {key: column for key, names in FUND_HEADS.items()
                     if (column := _column(found, names)) is not None}
            break
    rows: dict[str, tuple[int, int]] = {}
    for row in range(block.first, block.header or block.last):
        found = grid.labels(row)
        for key, names in FUND_ROWS.items():
            column = _column(found, names)
            if column is not None and key not in rows:
                rows[key] = (row, column)
    return head_row, heads, rows


def _below(grid: Grid, row: int, column: int, last: int) -> tuple[str | None, int]:
    """The text under a label (年度总体目标, 实际完成情况): the next row's cell in its column."""
    for r in range(row + 1, min(last, row + 3) + 1):
        if grid.anchor.get((r, column), (r, column))[0] == row:
            continue  # the label's own merged range
        return grid.text(r, column), r
    return None, row + 1


class _Row(NamedTuple):
    level1: str
    level2: str
    name: str
    row: int
    name_column: int


def _indicator_rows(reading: _Reading, block: Block, columns: dict[str, int]) -> list[_Row]:
    grid, rows = block.grid, []
    level1 = level2 = ""
    assert block.header is not None
    for row in range(block.header + 1, block.last + 1):
        labels = grid.labels(row)
        if "总分" in labels or TIER3 in labels:
            break
        name = grid.text(row, columns["name"])
        if not name:
            actual = grid.text(row, columns["actual"]) if "actual" in columns else None
            if actual:
                reading.problems.append(warning(
                    "xlsx.unnamed_row", "这一行填写了实际完成值，但没有三级指标名称，未读取",
                    reading.at(reading.place(grid, row, columns["actual"])),
                    hint="请在“三级指标”列写上指标名称"))
            continue
        level1 = (grid.text(row, columns["level1"]) if "level1" in columns else None) or level1
        level2 = (grid.text(row, columns["level2"]) if "level2" in columns else None) or level2
        rows.append(_Row(level1, level2, name, row, columns["name"]))
    return rows


def _split_remark(text: str | None) -> tuple[str | None, str | None]:
    """偏差原因分析及改进措施 as one cell: the reason, and what follows 改进措施： (the report
    writes ``原因；改进措施：措施``). Marks the report adds (【超额完成】, （未填写偏差原因）) go."""
    if not text:
        return None, None
    while _FLAG.match(text):
        text = _FLAG.sub("", text, count=1)
    while _REPORT_NOTES.search(text):
        text = _REPORT_NOTES.sub("", text)
    parts = _IMPROVE.split(text, maxsplit=1)
    reason = parts[0].strip() or None
    measures = parts[1].strip() or None if len(parts) > 1 else None
    return reason, measures


def _columns(block: Block) -> dict[str, int]:
    found = block.grid.labels(block.header)  # type: ignore[arg-type]
    columns = {key: column for key, names in HEADS.items()
               if (column := _column(found, names)) is not None}
    if columns.get("measures") == columns.get("remark"):
        columns.pop("measures", None)
    return columns


def _actuals_project(reading: _Reading, block: Block, name: str) -> dict[str, Any]:
    grid, where = block.grid, ("projects", name)
    entry: dict[str, Any] = {}
    head_row, heads, fund_rows = _fund_rows(block)
    budget: dict[str, Any] = {}
    if "total" in fund_rows and head_row is not None:
        row, column = fund_rows["total"]
        reading.key(where + ("budget",), grid, row, column)
        for key, head_column in heads.items():
            text = reading.value(grid, row, head_column, where + ("budget", key), amount=True)
            if text is not None and text not in ("—", "-", "/"):
                budget[key] = text
    if head_row is not None:  # 其中：当年财政拨款 …: their 全年预算数 and 全年执行数, where filled
        for source in FUND_ROWS:
            if source == "total" or source not in fund_rows:
                continue
            row, column = fund_rows[source]
            reading.key(where + ("budget", source), grid, row, column)
            figures = {}
            for key in ("adjusted", "executed"):
                text = reading.value(grid, row, heads.get(key), where + ("budget", source, key),
                                     amount=True)
                if text is not None and text not in ("—", "-", "/"):
                    figures[key] = text
            if figures:
                budget[source] = figures
    entry["budget"] = budget
    summary_head = grid.labels(block.first)  # 实际完成情况 heads its cell
    for row in range(block.first, block.header):  # type: ignore[arg-type]
        summary_head = grid.labels(row)
        if "实际完成情况" in summary_head:
            text, below = _below(grid, row, summary_head["实际完成情况"], block.header)
            reading.value(grid, below, summary_head["实际完成情况"], where + ("summary",))
            if text:
                entry["summary"] = text
            break
    columns = _columns(block)
    rows = _indicator_rows(reading, block, columns)
    reading.key(where + ("indicators",), grid, block.header, columns["name"])
    indicators: dict[str, Any] = {}
    keys = indicator_keys(tuple(rows))[2] if rows else []  # type: ignore[arg-type]
    for key, row in zip(keys, rows):
        at = where + ("indicators", key)
        if key in indicators:
            reading.problems.append(error(
                "xlsx.duplicate_indicator", f"指标“{key}”在项目“{name}”中出现两次",
                reading.at(reading.place(grid, row.row, row.name_column)),
                hint="同一项目中的三级指标请只填一行"))
            continue
        reading.key(at, grid, row.row, row.name_column)
        actual = reading.value(grid, row.row, columns.get("actual"), at + ("actual",))
        reading.values[at] = reading.values[at + ("actual",)] if "actual" in columns else \
            reading.keys[at]
        long: dict[str, Any] = {}
        for field_name in ("weight", "score"):
            text = reading.value(grid, row.row, columns.get(field_name), at + (field_name,),
                                 amount=True)
            if text is not None:
                long[field_name] = text
        remark = reading.value(grid, row.row, columns.get("remark"), at + ("reason",))
        reason, measures = _split_remark(remark)
        if "measures" in columns:
            measures = reading.value(grid, row.row, columns["measures"], at + ("measures",))
        elif "remark" in columns:
            reading.values[at + ("measures",)] = reading.values[at + ("reason",)]
        if reason:
            long["reason"] = reason
        if measures:
            long["measures"] = measures
        indicators[key] = {"actual": actual or "", **long} if long else actual
    entry["indicators"] = indicators
    for row in range(block.header + 1, block.last + 1):  # type: ignore[operator]
        found = grid.labels(row)
        if "总分" in found:
            text = reading.value(grid, row, columns.get("score"), where + ("total",),
                                 amount=True)
            if text is not None:
                entry["total"] = text
            break
    return entry


def _goals_project(reading: _Reading, block: Block, index: int, name: str) -> dict[str, Any]:
    grid, where = block.grid, ("projects", index)
    entry: dict[str, Any] = {"name": name}
    reading.values[where + ("name",)] = reading.keys[where]
    code = _CODE_SUFFIX.search(grid.text(block.first, _right_of(grid, block.first,
                                                                   block.name_column)[1]) or "")
    if code:
        entry["code"] = code.group(1)
    for row in range(block.first, block.header):  # type: ignore[arg-type]
        found = grid.labels(row)
        for key, names in FIELDS.items():
            column = _column(found, names)
            if column is not None and key not in entry:
                text, value_column = _right_of(grid, row, column)
                if text is not None:
                    entry[key] = reading.value(grid, row, value_column, where + (key,))
    head_row, heads, fund_rows = _fund_rows(block)
    funds: dict[str, Any] = {}
    for key, (row, column) in fund_rows.items():
        field_name = key
        if head_row is not None and "initial" in heads:  # the 自评表: 年初预算数 is the 申报
            value_column: int | None = heads["initial"]
        else:
            value_column = _right_of(grid, row, column)[1]
        text = reading.value(grid, row, value_column, where + ("funds", field_name), amount=True)
        if text is not None and text not in ("—", "-", "/"):
            funds[field_name] = text
    entry["funds"] = funds
    for row in range(block.first, block.header):  # type: ignore[arg-type]
        found = grid.labels(row)
        head = found.get("预期目标") or found.get("年度总体目标")
        if head is not None:
            text, below = _below(grid, row, head, block.header)  # type: ignore[arg-type]
            if text:
                entry["goal"] = reading.value(grid, below, head, where + ("goal",))
            break
    columns = _columns(block)
    indicators: dict[str, Any] = {}
    for row in _indicator_rows(reading, block, columns):
        first = indicators.setdefault(row.level1, {})
        second = first.setdefault(row.level2, {})
        path = where + ("indicators", row.level1, row.level2, row.name)
        reading.keys.setdefault(where + ("indicators", row.level1),
                                reading.place(grid, row.row, columns.get("level1", row.name_column)))
        reading.keys.setdefault(path[:-1],
                                reading.place(grid, row.row, columns.get("level2", row.name_column)))
        reading.key(path, grid, row.row, row.name_column)
        second[row.name] = reading.value(grid, row.row, columns.get("target"), path) or ""
    entry["indicators"] = indicators
    return entry


# ---- loading ------------------------------------------------------------------------------

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _unreadable(path: str, raw: bytes) -> Diagnostic | None:
    """What a file that is not an .xlsx workbook is, said before openpyxl tries it."""
    at = CellPosition(path, "Sheet1", 1, 1)
    if raw.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in raw:
            return error("xlsx.encrypted", "工作簿设有打开密码，无法读取", at,
                         hint="请在 Excel 中去掉密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，"
                              "清空密码）后保存，再试")
        return error("xlsx.old_format", "这是旧版 Excel 文件（.xls），不是 .xlsx", at,
                     hint="请在 Excel 或 WPS 中“另存为” Excel 工作簿（*.xlsx）")
    if not raw.strip():
        return error("file.empty", "文件是空的", at)
    if not raw.startswith(b"PK"):
        return error("xlsx.unreadable", "无法读取：这不是 Excel 工作簿（.xlsx）", at,
                     hint="请用 Excel 打开并另存为 Excel 工作簿（*.xlsx）")
    return None


def load_workbook_document(path: str | Path, display: str | None = None, *,
                           role: str = "actuals", raw: bytes | None = None
                           ) -> tuple[WorkbookDocument, list[Diagnostic]]:
    """Read a workbook as ``role`` (``actuals``: a filled 自评表; ``goals``: a 申报表 or a
    自评表's targets). ``display`` is the name used in messages; ``raw``, its bytes when they
    have been read already (by the loader, within its bounds)."""
    name = display or str(path)
    raw = Path(path).read_bytes() if raw is None else raw
    problem = _unreadable(name, raw)
    if problem is not None:
        return WorkbookDocument(name, None), [problem]
    import io
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():  # openpyxl warns of extensions it drops: not ours
            warnings.simplefilter("ignore")
            written = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
            saved = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            archive = zipfile.ZipFile(io.BytesIO(raw))
            grids = []
            for index, title in enumerate(written.sheetnames):
                sheet = written[title]
                if not hasattr(sheet, "iter_rows"):  # a chart sheet holds no cells
                    continue
                part = getattr(sheet, "_worksheet_path", None)
                merges = merged_ranges(archive.read(part)) if part else []
                # the cells the XML holds, not every cell of a declared dimension (a sheet
                # formatted to column XFD would give 16 384 empty cells a row)
                sheet.reset_dimensions()
                saved[title].reset_dimensions()
                grids.append(Grid(index, title, sheet, saved[title], merges))
            written.close()
            saved.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError,
            AttributeError, SyntaxError, EOFError) as failure:  # ElementTree's ParseError too
        return WorkbookDocument(name, None), [error(
            "xlsx.unreadable", "无法读取 Excel 工作簿：文件已损坏或格式不对", CellPosition(
                name, "Sheet1", 1, 1),
            hint=f"请用 Excel 打开并另存为 Excel 工作簿（*.xlsx）后再试（{type(failure).__name__}）")]
    sheets = tuple(written.sheetnames)
    reading = _Reading(name, grids)
    blocks = [block for grid in grids for block in find_blocks(grid)]
    if not blocks:
        first = grids[0].title if grids else "Sheet1"
        document = WorkbookDocument(name, None, sheets)
        return document, [error(
            "xlsx.no_table", "工作簿中没有找到项目支出绩效自评表（“项目名称”和“三级指标”表头）",
            CellPosition(name, first, 1, 1),
            hint="请使用 evaluate scaffold 申报表 --format xlsx -o 自评表.xlsx 生成的工作簿，"
                 "或保留表中的“项目名称”“三级指标”等标签")]
    data: dict[str, Any] = {}
    year = _year(reading, grids, blocks)
    if year is not None:
        data["year"] = year
    if role == "goals":
        projects_list: list[Any] = []
        for index, block in enumerate(blocks):
            text, column = _right_of(block.grid, block.first, block.name_column)
            reading.key(("projects", index), block.grid, block.first, column)
            projects_list.append(_goals_project(reading, block, index,
                                                _project_name(text or "")))
        first = projects_list[0]
        for key in ("department", "unit"):
            if first.get(key):
                data[key] = first[key]
                reading.values[(key,)] = reading.values[("projects", 0, key)]
        unit = _funds_unit(blocks[0].grid, blocks[0])
        if unit is not None:
            data["funds_unit"] = unit
        data["projects"] = projects_list
    else:
        projects: dict[str, Any] = {}
        for block in blocks:
            text, column = _right_of(block.grid, block.first, block.name_column)
            project = _project_name(text or "")
            if project in projects:
                reading.problems.append(error(
                    "xlsx.duplicate_project", f"项目“{project}”在工作簿中出现两次",
                    reading.at(reading.place(block.grid, block.first, column)),
                    hint="每个项目只填一张表"))
                continue
            reading.key(("projects", project), block.grid, block.first, column)
            reading.values[("projects", project)] = reading.keys[("projects", project)]
            projects[project] = _actuals_project(reading, block, project)
        data["projects"] = projects
    return WorkbookDocument(name, data, sheets, reading.values, reading.keys,
                            reading.texts), reading.problems


def read_workbook(source: Any) -> tuple[WorkbookDocument, list[Diagnostic]]:
    """The reader of ``inputs.READERS`` for .xlsx: ``source`` an ``inputs.Source``."""
    from .source import NotRegular, read_input

    try:
        raw = read_input(source.path)
    except NotRegular:
        return WorkbookDocument(source.name, None), [error(
            "file.not_regular", "这不是普通文件（是设备、管道或套接字），未读取",
            CellPosition(source.name, "Sheet1", 1, 1), hint="请给出 Excel 工作簿的路径")]
    return load_workbook_document(source.path, source.name, role=source.role, raw=raw)
