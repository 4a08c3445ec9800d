"""Properties of the layout stage over generated tables: whatever the order of the indicator
columns, whether the level cells are repeated on every row, left blank under their block's
first row (a merged cell copied as text) or merged in a workbook, the rows come back as
written, under the catalogue's level 1. Bounded examples: the suite stays fast."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluator.importing import import_sources

CATALOGUE = {"产出指标": ("数量指标", "质量指标", "时效指标"),
             "效益指标": ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
             "满意度指标": ("服务对象满意度指标",),
             "成本指标": ("经济成本指标", "社会成本指标", "生态环境成本指标")}
TARGETS = ["≥3.00(次)", "=100%", "≤5个", "显著提升", "按时完成", "合理", "≥ 80 %", "2024年12月底前"]
HEADS = ["一级指标", "二级指标", "三级指标", "年度指标值"]
NAMES = st.text(alphabet="宣传活动场次数量满意度覆盖率成本控制规范", min_size=2, max_size=8)


@st.composite
def projects(draw):
    """Rows (一级, 二级, 三级, 指标值) grouped by block, names unique within the project."""
    level2s = draw(st.lists(st.sampled_from([(l1, l2) for l1, members in CATALOGUE.items()
                                             for l2 in members]), min_size=1, max_size=5,
                            unique=True))
    level2s.sort(key=lambda pair: list(CATALOGUE).index(pair[0]))  # a level 1's blocks together
    names = draw(st.lists(NAMES, min_size=len(level2s) * 3, max_size=len(level2s) * 3, unique=True))
    rows = []
    for number, (level1, level2) in enumerate(level2s):
        count = draw(st.integers(1, 3))
        for name in names[number * 3:number * 3 + count]:
            rows.append((level1, level2, name, draw(st.sampled_from(TARGETS))))
    return rows


def _read(tmp: Path, name: str, raw: bytes):
    source = tmp / name
    source.write_bytes(raw)
    imported = import_sources([str(source)], CATALOGUE)
    return imported


def _header(order: list[int]) -> list[str]:
    return ["项目名称", "甲项目"], ["年度资金申请总额", "1,000.00"], [HEADS[i] for i in order]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=projects(), order=st.permutations(range(4)), blank=st.booleans())
def test_text_tables_any_column_order_blank_or_repeated_levels(tmp_path, rows, order, blank):
    lines = ["（2024年度）", *("\t".join(cells) for cells in _header(order))]
    previous = (None, None)
    for row in rows:
        shown = list(row)
        if blank:  # a merged cell copied as text: only its block's first row has it
            if row[0] == previous[0]:
                shown[0] = ""
            if row[:2] == previous:
                shown[1] = ""
        previous = row[:2]
        lines.append("\t".join(shown[i] for i in order))
    imported = _read(tmp_path, "a.txt", "\n".join(lines).encode("utf-8"))
    assert imported.diagnostics == ()
    (project,) = imported.projects
    assert [(i.level1, i.level2, i.name, i.target) for i in project.indicators] == rows
    assert imported.inferred == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=projects(), order=st.permutations(range(4)))
def test_workbooks_with_merged_level_cells(tmp_path, rows, order):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["（2024年度）"])
    for cells in _header(order):
        sheet.append(cells)
    first = sheet.max_row + 1
    for row in rows:
        sheet.append([row[i] for i in order])
        for column, value in enumerate((row[i] for i in order), 1):
            if isinstance(value, str) and value.startswith("="):
                sheet.cell(sheet.max_row, column).data_type = "s"
    for depth in (1, 2):  # merge each 一级 and 二级 block, as the budget system exports them
        column = order.index(depth - 1) + 1
        start = 0
        for index in range(1, len(rows) + 1):
            if index == len(rows) or rows[index][:depth] != rows[start][:depth]:
                if index - start > 1:
                    sheet.merge_cells(start_row=first + start, start_column=column,
                                      end_row=first + index - 1, end_column=column)
                start = index
    buffer = io.BytesIO()
    book.save(buffer)
    imported = _read(tmp_path, "a.xlsx", buffer.getvalue())
    assert imported.diagnostics == ()
    (project,) = imported.projects
    assert [(i.level1, i.level2, i.name, i.target) for i in project.indicators] == rows
