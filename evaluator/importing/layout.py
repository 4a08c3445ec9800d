"""Rows of cells → projects: the 申报表 and the 自评表 understood by their labels, not by where
one file put them (DESIGN §9).

- Header fields are found by label wherever they sit: a label's value is the next filled cell
  of its row that is not itself a label; a text label with nothing beside it (年度总体目标,
  预期目标, 实际完成情况) takes the cell below it in the next row.
- A new project starts at each 项目名称 that has a value.
- The 自评表's funds are a grid: 年初预算数 / 全年预算数 / 全年执行数 / 得分 columns, 年度资金总额
  and 其中 rows.
- The indicator table's header row decides the columns, in any order; 指标性质 and 度量单位 are
  folded into the target as written. A row is read by those columns when it fits them; text
  whose cells slid left or right at a page break (PDF extraction) is read by content instead:
  the catalogue's labels, then the other cells in the header's order.
- A blank level cell carries the value above (a merged cell); a row above its block's label
  (a label centred in a merged cell) takes the label below. A level-2 name decides its level 1
  by the rule set's catalogue.

Every placement that is a judgement is kept as a note (the writer prints it as a comment, the
command counts it), and every row that cannot be placed is a diagnostic at its place.
"""

from __future__ import annotations

import re
from dataclasses import field
from decimal import Decimal, InvalidOperation

from ..diagnostics import AnyPosition, Diagnostic, error, warning
from ..saved_code import dataclass
from .cells import Cell, Row, Table, plain

# header labels (compared without blanks, half-width brackets) → field
_FIELDS = {
    "项目名称": "name", "项目编码": "code", "项目代码": "code", "项目编号": "code",
    "项目性质": "nature", "项目类别": "category", "主管部门": "department",
    "预算部门": "department", "实施单位": "unit", "项目单位": "unit",
    "计划开始日期": "start", "开始日期": "start", "项目开始日期": "start",
    "计划完成日期": "end", "完成日期": "end", "结束日期": "end", "项目完成日期": "end",
    "年度资金申请总额": "total", "年度资金总额": "total", "资金总额": "total",
    "其中:当年财政拨款": "fiscal", "当年财政拨款": "fiscal", "财政拨款": "fiscal",
    "上年结转资金": "carryover", "其他资金": "other",
    "年度总体目标": "goal", "预期目标": "goal", "实际完成情况": "summary",
    "总体目标完成情况": "summary",
}
_SECTIONS = {"项目资金", "项目资金总额", "其中:财政资金", "财政资金", "项目绩效目标", "项目总目标",
             "绩效指标", "年度", "全年"}
_TEXT_FIELDS = {"goal", "summary"}
_MONEY_FIELDS = {"total", "fiscal", "carryover", "other"}
_FUNDS_LABEL = re.compile(r"^(?:项目)?资金(?:情况)?\((万?元)\)$|^项目资金\((万?元)\)$")
_UNIT_IN_LABEL = re.compile(r"\((万?元)\)")
_UNIT_NOTE = re.compile(r"^(?:金额|资金)?单位[:：](万?元)$")  # 金额单位：元, above a table

# the 自评表's funds grid
_GRID_COLUMNS = {"年初预算数": "initial", "全年预算数": "adjusted", "全年执行数": "executed",
                 "得分": "score", "分值": "weight", "执行率": "rate"}
_GRID_ROWS = {"年度资金总额": "total", "其中:当年财政拨款": "fiscal", "当年财政拨款": "fiscal",
              "上年结转资金": "carryover", "其他资金": "other"}

# the indicator table's columns
_COLUMNS = {
    "一级指标": "level1", "二级指标": "level2", "三级指标": "name", "指标名称": "name",
    "指标值": "target", "年度指标值": "target", "年度(/项目)指标值": "target", "目标值": "target",
    "年度目标值": "target", "项目指标值": "target", "预期指标值": "target", "指标值(年度)": "target",
    "指标性质": "nature", "度量单位": "unit", "计量单位": "unit", "单位": "unit",
    "实际完成值": "actual", "全年实际值": "actual", "实际值": "actual", "完成值": "actual",
    "实际完成指标值": "actual", "全年实际完成值": "actual",
    "分值": "weight", "权重": "weight", "得分": "score", "自评得分": "score",
    "偏差原因分析及改进措施": "reason", "偏差原因分析": "reason", "偏差原因": "reason",
    "未完成原因分析": "reason", "改进措施": "measures", "规则得分": "ignored", "备注": "ignored",
    "绩效指标": "ignored", "序号": "ignored",
}
_STRAY = {"绩效指标"}  # the 自评表's left column, pulled into level 1 by extraction
_TOTALS = {"总分", "合计", "总计"}
_TITLE = re.compile(r"(?:申报表|自评表|目标表|汇总表)(?:[(（]\s*\d{4}\s*年度?\s*[)）])?$|^[(（]?\s*\d{4}\s*年度?\s*[)）]?$")
_YEAR = re.compile(r"(\d{4})\s*年度")
_MONEY = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_SIGNS = re.compile(r"^(?:[≥≤=<>＞＜≧≦＝]|>=|<=|＞＝|＜＝|大于等于|小于等于|大于|小于|等于|不低于|不高于|不少于|不超过)$")
_DIRECTIONS = {"正向": "positive", "正向指标": "positive", "反向": "reverse", "反向指标": "reverse"}


@dataclass
class Indicator:
    level1: str
    level2: str
    name: str
    target: str
    position: AnyPosition
    direction: str | None = None
    actual: str | None = None
    weight: str | None = None
    score: str | None = None
    reason: str | None = None
    measures: str | None = None
    notes: list[str] = field(default_factory=list)      # judgements: printed, counted
    remarks: list[str] = field(default_factory=list)    # how a value was written: printed only


@dataclass
class Project:
    name: str
    position: AnyPosition
    source: str
    year: int | None = None
    fields: dict[str, str] = field(default_factory=dict)   # code, nature, … as written
    funds: dict[str, str] = field(default_factory=dict)    # total, fiscal, … as decimals
    funds_unit: str | None = None
    goal: str | None = None
    summary: str | None = None
    budget: dict[str, str] = field(default_factory=dict)   # initial, adjusted, executed, score
    total: str | None = None
    indicators: list[Indicator] = field(default_factory=list)
    self_evaluation: bool = False  # the table had 实际完成值: actuals.yaml is written for it
    notes: list[str] = field(default_factory=list)
    level2_notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalogue:
    """The standard indicator system: level-2 name → level 1 (the rule set's data)."""

    level1_of: dict[str, str]

    @classmethod
    def of(cls, mapping: dict[str, tuple[str, ...]]) -> "Catalogue":
        return cls({plain(l2): l1 for l1, members in mapping.items() for l2 in members})

    @property
    def level1_names(self) -> set[str]:
        return set(self.level1_of.values())

    def kind(self, text: str) -> str | None:
        """level1, level2, both (a merged cell holding the two), stray, or None."""
        key = plain(text)
        if not key:
            return None
        if key in _STRAY:
            return "stray"
        if key in self.level1_names:
            return "level1"
        if key in self.level1_of:
            return "level2"
        for level1 in self.level1_names:
            if key.startswith(level1) and key[len(level1):] in self.level1_of:
                return "both"
        return None

    def split_both(self, text: str) -> tuple[str, str]:
        key = plain(text)
        for level1 in self.level1_names:
            if key.startswith(level1) and key[len(level1):] in self.level1_of:
                return level1, key[len(level1):]
        raise ValueError(text)


def money(text: str) -> str | None:
    """An amount as written, its digits kept: 1,102,000.00 → 1102000.00; None if not one."""
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "").replace("¥", "")
    cleaned = cleaned.removesuffix("万元").removesuffix("元")
    cleaned = cleaned.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    if not _MONEY.match(cleaned):
        return None
    try:
        Decimal(cleaned)
    except InvalidOperation:
        return None
    return cleaned


def points(text: str) -> str | None:
    value = money(text)
    return value if value is not None and not value.startswith("-") else None


def date(text: str) -> str | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def _field_label(text: str) -> str | None:
    key = plain(text)
    if key in _FIELDS:
        return _FIELDS[key]
    if _FUNDS_LABEL.match(key):
        return "funds_unit"
    return None


def _is_label(text: str) -> bool:
    key = plain(text)
    return key in _FIELDS or key in _SECTIONS or key in _GRID_COLUMNS or key in _COLUMNS \
        or key in _TOTALS \
        or bool(_FUNDS_LABEL.match(key)) or bool(_UNIT_IN_LABEL.search(key) and "资金" in key)


@dataclass
class _Columns:
    roles: dict[str, int]        # role → column
    order: list[str]             # roles in the header's left-to-right order, levels left out
    known: set[int]              # every column with a header, those read and those left out

    @property
    def self_evaluation(self) -> bool:
        return "actual" in self.roles


class _Reader:
    """Reads one table's rows in order; projects may continue from the previous table (a
    workbook's project over two sheets is rare, a PDF's over two pages the rule)."""

    def __init__(self, catalogue: Catalogue, source: str):
        self.catalogue = catalogue
        self.source = source
        self.projects: list[Project] = []
        self.diagnostics: list[Diagnostic] = []
        self.year: int | None = None
        self.project: Project | None = None
        self.mode = "outside"  # outside, header, grid, indicators, skipped
        self.pending_text: list[tuple[str, int]] = []  # (field, column) waiting for the row below
        self.grid: dict[int, str] = {}
        self.columns: _Columns | None = None
        self.level1: str | None = None
        self.level2: str | None = None
        self.last_labelled: str | None = None  # the level 2 the previous row printed
        self.waiting: list[tuple[Indicator, str | None]] = []  # rows above their block's label

    # — projects ——————————————————————————————————————————————————————————

    def _close(self) -> None:
        project = self.project
        if project is None:
            return
        for indicator, _level1 in self.waiting:
            self.diagnostics.append(error(
                "import.unplaced_indicator",
                f"指标“{indicator.name}”找不到所属的二级指标（本行及上下均无标签）",
                indicator.position, length=len(indicator.name),
                hint="请在源表中补上二级指标，或在导出的 goals.yaml 中手工归类"))
        self.waiting = []
        self.project = None

    def _start(self, name: Cell) -> None:
        self._close()
        self.project = Project(name=name.text, position=name.position, source=self.source,
                               year=self.year)
        self.projects.append(self.project)
        self.mode = "header"
        self.columns = None
        self.level1 = self.level2 = self.last_labelled = None
        self.pending_text = []
        self.grid = {}

    # — rows ——————————————————————————————————————————————————————————————

    def read(self, table: Table) -> None:
        rows = _regrouped(table, self.catalogue) if table.one_cell_per_line else table.rows
        for row in rows:
            self._row(row)

    def finish(self) -> None:
        self._close()

    def _row(self, row: Row) -> None:
        cells = [c for c in row.filled() if not (c.carried and self.mode != "indicators")]
        if not cells:
            return
        texts = [plain(c.text) for c in cells]
        if all(re.fullmatch(r"[-=_—]+", t) for t in texts):
            return  # a table rule drawn with dashes
        if len(cells) == 1 and _TITLE.search(texts[0].lstrip("#")):
            year = _YEAR.search(cells[0].text)
            if year:
                self.year = int(year.group(1))
                if self.project is not None and self.project.year is None:
                    self.project.year = self.year
            return
        if len(cells) == 1 and _UNIT_NOTE.match(texts[0]):
            if self.project is not None:
                self.project.funds_unit = _UNIT_NOTE.match(texts[0]).group(1)
            return
        if "项目名称" in texts:
            index = texts.index("项目名称")
            after = cells[index + 1] if index + 1 < len(cells) else None
            value = after if after is not None and not _is_label(after.text) else None
            if value is not None:
                self._start(value)
                self._fields(cells)
                return
            if self.mode != "indicators":
                self.mode = "skipped"  # a list of projects (a summary sheet), not a project
                self.diagnostics.append(warning(
                    "import.not_a_project", "这是项目一览（汇总表），不是申报表或自评表，未导入",
                    cells[0].position))
                return
        if self.project is None or self.mode == "skipped":
            if self.mode != "skipped" and len(cells) > 1:  # a lone cell above is a title
                self._unplaced(cells, "不在任何项目内（项目名称之前）")
            year = _YEAR.search(cells[0].text) if len(cells) == 1 else None
            if year and self.project is None:
                self.year = int(year.group(1))
            return
        if self.pending_text:
            if self._text_below(cells):
                return
        if "三级指标" in texts:
            self._indicator_header(cells)
            return
        if sum(t in _GRID_COLUMNS for t in texts) >= 2 and any(
                t in ("年初预算数", "全年预算数", "全年执行数") for t in texts):
            self.grid = {c.column: _GRID_COLUMNS[t] for c, t in zip(cells, texts) if t in _GRID_COLUMNS}
            self.mode = "grid"
            for cell, text in zip(cells, texts):
                if _FUNDS_LABEL.match(text):
                    self._funds_unit(cell)
            return
        if self.mode == "grid" and texts[0] in _GRID_ROWS:
            self._grid_row(cells, _GRID_ROWS[texts[0]])
            return
        if self.mode == "indicators":
            if texts[0] in _TOTALS or (texts[0] in _STRAY and len(texts) > 1 and texts[1] in _TOTALS):
                self._total(row, cells)
                return
            self._indicator(row, cells)
            return
        if any(_field_label(c.text) or plain(c.text) in _SECTIONS for c in cells):
            if self.mode == "grid":
                self.mode = "header"
            self._fields(cells)
            return
        self._unplaced(cells, "无法识别的行")

    def _unplaced(self, cells: list[Cell], why: str) -> None:
        shown = " | ".join(c.text for c in cells)
        if len(shown) > 60:
            shown = shown[:60] + "…"
        self.diagnostics.append(warning(
            "import.unplaced", f"未导入的行（{why}）：{shown}", cells[0].position,
            length=len(cells[0].text),
            hint="如这一行有内容需要导入，请在生成的 YAML 中手工补上"))

    # — header fields ——————————————————————————————————————————————————————

    def _fields(self, cells: list[Cell]) -> None:
        project = self.project
        assert project is not None
        for index, cell in enumerate(cells):
            name = _field_label(cell.text)
            if name is None:
                continue
            if name == "funds_unit":
                self._funds_unit(cell)
                continue
            after = cells[index + 1] if index + 1 < len(cells) else None
            value = after if after is not None and not _is_label(after.text) else None
            if value is None:
                if name in _TEXT_FIELDS:
                    self.pending_text.append((name, cell.column))
                continue
            self._set(name, value)

    def _set(self, name: str, cell: Cell) -> None:
        project = self.project
        assert project is not None
        text = cell.text
        if name == "name":
            return
        if name in _MONEY_FIELDS:
            value = money(text)
            if value is None:
                self.diagnostics.append(error(
                    "import.money", f"金额“{text}”不是数字", cell.position, length=len(text),
                    hint="金额应写成 1,102,000.00 或 1102000.00"))
            else:
                project.funds[name] = value
        elif name in ("start", "end"):
            value = date(text)
            if value is None:  # only informative: the engine needs no dates
                self.diagnostics.append(warning(
                    "import.date", f"日期“{text}”无法识别，未导入", cell.position, length=len(text),
                    hint="日期应写成 2024-01-01 或 2024年1月1日"))
            else:
                project.fields[name] = value
        elif name == "goal":
            project.goal = text
        elif name == "summary":
            project.summary = text
        else:
            project.fields[name] = text

    def _funds_unit(self, cell: Cell) -> None:
        match = _UNIT_IN_LABEL.search(plain(cell.text))
        if match and self.project is not None:
            self.project.funds_unit = match.group(1)

    def _text_below(self, cells: list[Cell]) -> bool:
        """The row under 年度总体目标 (预期目标, 实际完成情况): each waiting label takes the cell
        in its column, or the row's one cell when a single label waits."""
        waiting, self.pending_text = self.pending_text, []
        if any(_is_label(c.text) for c in cells):
            return False
        taken = False
        for name, column in waiting:
            below = next((c for c in cells if c.column == column), None)
            if below is None and len(waiting) == 1 and len(cells) == 1:
                below = cells[0]
            if below is not None:
                self._set(name, below)
                taken = True
        return taken

    # — the funds grid (自评表) ————————————————————————————————————————————

    def _grid_row(self, cells: list[Cell], which: str) -> None:
        project = self.project
        assert project is not None
        by_column = {self.grid[c.column]: c for c in cells[1:] if c.column in self.grid}
        if not by_column:  # columns slid (text): the numbers in the header's order
            numbers = [c for c in cells[1:] if money(c.text) is not None]
            by_column = dict(zip(sorted(self.grid.values(), key=list(self.grid.values()).index),
                                 numbers))
        for column, cell in by_column.items():
            if column in ("rate", "weight"):
                continue  # worked out by the rules, not read
            amount = points(cell.text) if column == "score" else money(cell.text)
            if amount is None:
                if cell.text not in ("—", "-", "/"):
                    self.diagnostics.append(error(
                        "import.money", f"“{cell.text}”不是数字", cell.position))
                continue
            if which == "total":
                if column == "score":
                    project.budget["score"] = amount
                else:
                    project.budget[column] = amount
                    if column == "initial":
                        project.funds["total"] = amount
            elif column == "initial":
                project.funds[which] = amount
        project.self_evaluation = True

    # — the indicator table ————————————————————————————————————————————————

    def _indicator_header(self, cells: list[Cell]) -> None:
        roles: dict[str, int] = {}
        order: list[str] = []
        known = {c.column for c in cells}
        for cell in cells:
            role = _COLUMNS.get(plain(cell.text))
            if role is None and plain(cell.text).endswith("指标值"):
                role = "target"
            if role is None or role == "ignored" or role in roles:
                continue
            roles[role] = cell.column
            if role not in ("level1", "level2"):
                order.append(role)
        if "target" not in roles:
            self.diagnostics.append(error(
                "import.header", "指标表头没有“年度指标值”列", cells[0].position,
                hint="表头应有 一级指标、二级指标、三级指标、年度指标值"))
            return
        self.columns = _Columns(roles, order, known)
        self.mode = "indicators"
        if self.columns.self_evaluation and self.project is not None:
            self.project.self_evaluation = True

    def _total(self, row: Row, cells: list[Cell]) -> None:
        project = self.project
        assert project is not None and self.columns is not None
        column = self.columns.roles.get("score")
        cell = row.at(column) if column is not None else None
        if cell is not None and cell.text:
            value = points(cell.text)
            if value is None:
                self.diagnostics.append(error("import.score", f"总分“{cell.text}”不是数字",
                                              cell.position))
            else:
                project.total = value

    def _by_columns(self, row: Row) -> dict[str, Cell] | None:
        """The row read by the header's columns, or None when it does not fit them."""
        columns = self.columns
        assert columns is not None
        taken: dict[str, Cell] = {}
        used = columns.known
        for cell in row.cells:
            if cell.text and cell.column not in used and not cell.carried \
                    and self.catalogue.kind(cell.text) != "stray":
                return None  # a filled cell under no header: the columns slid
        for role, column in columns.roles.items():
            cell = row.at(column)
            if cell is not None and cell.text:
                taken[role] = cell
        if "name" not in taken or "target" not in taken:
            return None
        kind = self.catalogue.kind
        if kind(taken["name"].text) or kind(taken["target"].text):
            return None
        if "level1" in taken and kind(taken["level1"].text) in ("level2", "both"):
            return None
        if "level2" in taken and kind(taken["level2"].text) in ("level1", "both", "stray") \
                and plain(taken["level2"].text) not in self.catalogue.level1_of:
            return None
        return taken

    def _by_content(self, row: Row, cells: list[Cell]) -> tuple[dict[str, Cell], list[str]] | None:
        """Labels by the catalogue, then the other cells in the header's order."""
        columns = self.columns
        assert columns is not None
        taken: dict[str, Cell] = {}
        notes: list[str] = []
        rest: list[Cell] = []
        for cell in cells:
            kind = self.catalogue.kind(cell.text)
            if kind == "stray":
                continue
            if kind == "both" and "level1" not in taken and "level2" not in taken:
                level1, level2 = self.catalogue.split_both(cell.text)
                taken["level1"] = Cell(level1, cell.position, cell.column)
                taken["level2"] = Cell(level2, cell.position, cell.column)
                notes.append(f"原表一个单元格“{cell.text}”含一级、二级指标，拆为“{level1}”“{level2}”")
            elif kind == "level1" and "level1" in taken and "level2" not in taken \
                    and plain(cell.text) in self.catalogue.level1_of:
                taken["level2"] = cell  # 成本指标 as the level 2 of 产出指标 (the 2020 system)
            elif kind == "level1" and "level1" not in taken and "level2" not in taken:
                taken["level1"] = cell
            elif kind == "level2" and "level2" not in taken:
                taken["level2"] = cell
            else:
                rest.append(cell)
        roles = [r for r in columns.order if r in ("name", "target", "nature", "unit", "actual",
                                                   "weight", "score", "reason", "measures")]
        if len(rest) > len(roles) and len(rest) > 2 and rest[0].text == rest[1].text:
            notes.append(f"三级指标名称“{rest[0].text}”在原表中重复印了两次，按一行读取")
            rest = rest[1:]
        if len(rest) < 2:
            return None
        if len(rest) > len(roles):
            extra, rest = rest[:len(rest) - len(roles)], rest[len(rest) - len(roles):]
            for cell in extra:
                self.diagnostics.append(warning(
                    "import.stray_cell", f"“{cell.text}”不是标准目录中的一级或二级指标，未导入",
                    cell.position, length=len(cell.text),
                    hint="如它是一级或二级指标名称，请在生成的 YAML 中手工改正"))
                notes.append(f"原表本行的“{cell.text}”不是标准目录中的指标名称，未导入")
        for role, cell in zip(roles, rest):
            taken[role] = cell
        if "name" not in taken or "target" not in taken:
            return None
        return taken, notes

    def _indicator(self, row: Row, cells: list[Cell]) -> None:
        project = self.project
        assert project is not None and self.columns is not None
        notes: list[str] = []
        taken = self._by_columns(row)
        if taken is None:
            content = self._by_content(row, cells)
            if content is None:
                self._unplaced(cells, "不是完整的指标行：缺三级指标或指标值")
                return
            taken, notes = content
        level1_cell, level2_cell = taken.get("level1"), taken.get("level2")
        level1 = plain(level1_cell.text) if level1_cell and level1_cell.text else None
        if level1 in _STRAY:
            level1 = None
        level2 = plain(level2_cell.text) if level2_cell and level2_cell.text else None
        level1_printed = level1 is not None and not (level1_cell and level1_cell.carried)
        level2_printed = level2 is not None and not (level2_cell and level2_cell.carried)
        indicator = self._record(taken)
        indicator.notes += notes
        if level2 is not None and level2_cell is not None and plain(level2_cell.text) != level2_cell.text:
            indicator.remarks.append(f"二级指标写作“{level2_cell.text}”")
        standard = self.catalogue.level1_of.get(level2) if level2 else None
        if level2 is not None:
            resolved1 = standard or level1 or self.level1
            if resolved1 is None:
                self._unplaced(cells, f"二级指标“{level2}”不在标准目录中，且找不到一级指标")
                return
            if standard and level1 and level1 != standard and level1_printed:
                indicator.notes.append(f"原表本行一级指标为“{level1}”，按标准目录归入“{standard}”")
            elif standard and not level1 and self.level1 not in (None, standard):
                indicator.notes.append(f"一级指标单元格空白，按标准目录“{level2}”属“{standard}”")
            if level2_printed and (resolved1, level2) == (self.level1, self.level2) \
                    and self.last_labelled != level2:
                indicator.notes.append(f"原表再次出现“{level2}”标签，与上方同名二级指标合并")
            elif level2_printed and any((i.level1, i.level2) == (resolved1, level2)
                                        for i in project.indicators) \
                    and (resolved1, level2) != (self.level1, self.level2):
                indicator.notes.append(f"原表另一处也有“{level2}”，合并为一个二级指标")
            self._place_waiting(resolved1, level2, row)
            self.level1, self.level2 = resolved1, level2
            self.last_labelled = level2 if level2_printed else None
            self._add(indicator, resolved1, level2)
            return
        self.last_labelled = None
        if level1 is not None and level1 != self.level1:
            # a new level 1 whose level-2 label is further down (a label centred in its block)
            self.level1, self.level2 = level1, None
            self.waiting.append((indicator, level1))
            return
        if self.level2 is None:
            self.waiting.append((indicator, level1))
            return
        if level1_printed:
            indicator.notes.append(f"本行印有一级“{level1}”，二级空白，沿用上方的“{self.level2}”")
        self._add(indicator, self.level1 or "", self.level2)

    def _place_waiting(self, level1: str, level2: str, row: Row) -> None:
        keep = []
        for indicator, known1 in self.waiting:
            if known1 is None or known1 == level1:
                indicator.notes.append(f"二级指标单元格空白，标签印在下方（{_where(row.position)}）：归入“{level2}”")
                self._add(indicator, level1, level2)
            else:
                keep.append((indicator, known1))
        self.waiting = keep

    def _add(self, indicator: Indicator, level1: str, level2: str) -> None:
        project = self.project
        assert project is not None
        indicator.level1, indicator.level2 = level1, level2
        for other in project.indicators:
            if (other.level1, other.level2, other.name) == (level1, level2, indicator.name):
                self.diagnostics.append(error(
                    "import.duplicate_indicator",
                    f"“{level1}/{level2}”下已有三级指标“{indicator.name}”，这一行未导入",
                    indicator.position, length=len(indicator.name),
                    hint="同一二级指标下的三级指标名称不能重复"))
                return
        project.indicators.append(indicator)

    def _record(self, taken: dict[str, Cell]) -> Indicator:
        name = taken["name"]
        target = taken["target"].text
        indicator = Indicator("", "", name.text, target, name.position)
        nature = taken.get("nature")
        unit = taken.get("unit")
        if nature is not None or unit is not None:
            written = plain(nature.text) if nature is not None else ""
            direction = _DIRECTIONS.get(written)
            prefix = nature.text if nature is not None and _SIGNS.match(written) else ""
            if direction is not None:
                indicator.direction = direction
            suffix = unit.text if unit is not None and unit.text and not target.endswith(unit.text) else ""
            indicator.target = f"{prefix}{target}{suffix}"
            parts = [f"指标性质“{nature.text}”"] if nature is not None and (prefix or direction) else []
            parts += [f"度量单位“{unit.text}”"] if suffix else []
            if parts:
                indicator.remarks.append("、".join(parts) + "并入指标值")
            if nature is not None and nature.text and direction is None and not prefix \
                    and written not in ("定性", "定量"):
                indicator.remarks.append(f"指标性质“{nature.text}”未识别，未并入")
        for role in ("actual", "reason", "measures"):
            cell = taken.get(role)
            if cell is not None and cell.text:
                setattr(indicator, role, cell.text)
        for role, code, what in (("weight", "import.weight", "分值"), ("score", "import.score", "得分")):
            cell = taken.get(role)
            if cell is not None and cell.text:
                value = points(cell.text)
                if value is None:
                    self.diagnostics.append(error(code, f"{what}“{cell.text}”不是数字", cell.position))
                else:
                    setattr(indicator, role, value)
        return indicator


def _where(position: AnyPosition) -> str:
    text = str(position)
    return text.split(":", 1)[1] if ":" in text else text


def _regrouped(table: Table, catalogue: Catalogue) -> list[Row]:
    """One cell per line back into rows: a label with the value under it; the indicator
    header's labels; then each indicator as its level labels and as many cells as the header
    has other columns."""
    cells = [c for row in table.rows for c in row.filled()]
    rows: list[Row] = []
    width = 0
    index = 0

    def row_of(group: list[Cell]) -> Row:
        return Row(tuple(Cell(c.text, c.position, i) for i, c in enumerate(group)), group[0].position)

    while index < len(cells):
        cell = cells[index]
        key = plain(cell.text)
        if key in _COLUMNS and _COLUMNS[key] in ("level1", "level2", "name"):
            group = [cell]
            index += 1
            while index < len(cells) and (plain(cells[index].text) in _COLUMNS
                                          or plain(cells[index].text).endswith("指标值")):
                group.append(cells[index])
                index += 1
            width = sum(1 for c in group if _COLUMNS.get(plain(c.text), "target")
                        not in ("level1", "level2", "ignored"))
            rows.append(row_of(group))
            continue
        if width and key not in _FIELDS and not _TITLE.search(key) and key not in _TOTALS:
            group = []
            while index < len(cells) and catalogue.kind(cells[index].text):
                group.append(cells[index])
                index += 1
            others = 0
            while index < len(cells) and others < width:
                if plain(cells[index].text) in _FIELDS:
                    break
                group.append(cells[index])
                others += 1
                index += 1
            if group:
                rows.append(row_of(group))
            continue
        if _field_label(cell.text) and index + 1 < len(cells) and not _is_label(cells[index + 1].text):
            if key == "项目名称":
                width = 0
            rows.append(row_of([cell, cells[index + 1]]))
            index += 2
            continue
        if key in _TOTALS:
            width = 0
        rows.append(row_of([cell]))
        index += 1
    return rows


def read_tables(tables: list[Table], catalogue: Catalogue, source: str
                ) -> tuple[list[Project], list[Diagnostic], int | None]:
    reader = _Reader(catalogue, source)
    for table in tables:
        reader.read(table)
    reader.finish()
    for project in reader.projects:
        if project.year is None:
            project.year = reader.year
    return reader.projects, reader.diagnostics, reader.year
