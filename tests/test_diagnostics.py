"""Bad input gives positioned Chinese diagnostics, never a traceback or a silent number."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest

from evaluator.diagnostics import Position, display_width, error, format_diagnostic
from tests.conftest import evaluate_in

GOALS = """\
year: 2024
unit: 测试单位
projects:
  - name: 宣传项目
    funds: {total: 100000.00}
    indicators:
      产出指标:
        数量指标:
          推送篇数: ≥5.00(篇)
          活动次数: ≥3.00(次)
      满意度指标:
        服务对象满意度指标:
          满意度: ≥80.00(%)
"""

ACTUALS = """\
year: 2024
projects:
  宣传项目:
    budget: {adjusted: 100000.00, executed: 96000.00}
    indicators:
      推送篇数: 6篇
      活动次数: 3次
      满意度: 90%
"""


def run(tmp_path, goals: str | bytes = GOALS, actuals: str | bytes | None = ACTUALS):
    return evaluate_in(tmp_path, goals, actuals)


def codes(evaluation):
    return [(d.code, d.position.file, d.position.line, d.position.column)
            for d in evaluation.diagnostics]


def test_clean_files_have_no_diagnostics(tmp_path):
    evaluation = run(tmp_path)
    assert evaluation.diagnostics == ()
    # 执行率 96% → 9.60; every indicator met → 90; total 99.60
    assert evaluation.projects[0].total == Decimal("99.60")


def test_caret_is_padded_by_display_width():
    text = "      新媒体内容被转载篇数: 22人次\n"
    line = format_diagnostic(error("actual.unit_mismatch", "单位不一致", Position("a.yaml", 1, 19),
                                   length=4), {"a.yaml": text}).splitlines()
    assert line[0] == "a.yaml:1:19: error[actual.unit_mismatch] 单位不一致"
    # 6 spaces + 10 CJK characters (20 columns) + ": " = 28 columns before "22人次"
    assert line[3] == "  | " + " " * 28 + "^" * 6


@pytest.mark.parametrize("text, columns", [
    ("", 0), ("22 people", 9), ("新媒体内容", 10), ("推送篇数：≥3（篇）", 18),
    ("　，。ＡＢ￥", 12),  # the ideographic space, CJK punctuation, fullwidth forms: two each
    ("“完成”—≤5%", 10),  # quotes, dash and ≤ are East Asian ambiguous: one each
    ("ｱｲ한글é\u0301", 8),  # halfwidth katakana one each, Hangul two, a combining accent one
])
def test_display_width_counts_two_columns_for_wide_characters(text, columns):
    assert display_width(text) == columns


def test_the_blocks_counted_wide_at_once_are_wide_throughout():
    """display_width takes text of ASCII and these blocks without looking at each character:
    each of their characters is wide or fullwidth to this Python's unicodedata."""
    for first, last in ((0x3000, 0x303E), (0x4E00, 0x9FFF), (0xFF01, 0xFF60), (0xFFE0, 0xFFE6)):
        assert all(unicodedata.east_asian_width(chr(c)) in "WF" for c in range(first, last + 1))


@pytest.mark.parametrize("goals, code, line, column", [
    (GOALS.replace("≥5.00(篇)", "≥5.00(篇"), "target.incomplete", 9, 24),
    (GOALS.replace("≥5.00(篇)", "'>=5 篇'"), None, 0, 0),  # quoted: fine
    (GOALS.replace("≥5.00(篇)", ">=5篇"), "yaml.unquoted_sign", 9, 17),
    (GOALS.replace("          活动次数", "\t活动次数"), "yaml.tab", 10, 1),
    (GOALS.replace("100000.00", "-5.00"), "schema.range", 5, 20),
    (GOALS.replace("100000.00", "1e5"), "schema.number", 5, 20),
    (GOALS.replace("    funds", "    fund"), "schema.missing", 4, 5),
    (GOALS.replace("          活动次数: ≥3.00(次)", "          推送篇数: ≥3.00(次)"),
     "yaml.duplicate_key", 10, 11),
])
def test_goals_problems_are_positioned(tmp_path, goals, code, line, column):
    evaluation = run(tmp_path, goals, None)
    if code is None:
        assert not evaluation.errors
        return
    assert (code, "goals.yaml", line, column) in codes(evaluation), codes(evaluation)


def test_unknown_key_suggests_the_near_one(tmp_path):
    evaluation = run(tmp_path, GOALS.replace("    funds: {total", "    funds: {totl"), None)
    found = {d.code: d for d in evaluation.diagnostics}
    assert found["schema.unknown_key"].hint == "是否应为“total”？"
    assert "schema.missing" in found


@pytest.mark.parametrize("actuals, code, line, column", [
    (ACTUALS.replace("6篇", "22人次"), "actual.unit_mismatch", 6, 13),
    (ACTUALS.replace("      满意度: 90%\n", ""), "actuals.missing_indicator", 3, 3),
    (ACTUALS.replace("满意度: 90%", "满意程度: 90%"), "actuals.unknown_indicator", 8, 7),
    (ACTUALS.replace("宣传项目:", "宣传项木:"), "actuals.unknown_project", 3, 3),
    (ACTUALS.replace("year: 2024", "year: 2023"), "actuals.year_mismatch", 1, 7),
    (ACTUALS.replace("executed: 96000.00", "executed: -1"), "schema.range", 4, 45),
    (ACTUALS.replace("6篇", "达成"), "actual.tier_for_quantity", 6, 13),
    (ACTUALS.replace("3次", "很多"), "actual.not_a_number", 7, 13),
])
def test_actuals_problems_are_positioned(tmp_path, actuals, code, line, column):
    evaluation = run(tmp_path, GOALS, actuals)
    assert (code, "actuals.yaml", line, column) in codes(evaluation), codes(evaluation)


def test_unknown_project_suggests_the_near_name(tmp_path):
    evaluation = run(tmp_path, GOALS, ACTUALS.replace("宣传项目:", "宣传项木:"))
    hints = {d.code: d.hint for d in evaluation.diagnostics}
    assert hints["actuals.unknown_project"] == "是否为“宣传项目”？"
    assert "actuals.missing_project" in hints


def test_missing_indicator_scores_zero_and_the_rest_is_scored(tmp_path):
    evaluation = run(tmp_path, GOALS, ACTUALS.replace("      满意度: 90%\n", ""))
    project = evaluation.projects[0]
    assert [r.score for r in project.indicators][2] == 0
    # No 效益 row: its 30 goes pro rata to 产出 (50 → 75) and 满意度 (10 → 15).
    # 9.60 + 37.50 + 37.50 + 0 (满意度 lost) = 84.60: everything else is still scored.
    assert project.total == Decimal("84.60")


def test_a_bad_own_total_is_told_and_the_project_still_scored(tmp_path):
    """One mistake in the project's header hid every row's problems, and a wrong own total (an
    optional figure for review) left the whole project unscored."""
    actuals = ACTUALS.replace("    budget: {adjusted: 100000.00, executed: 96000.00}\n",
                              "    budget: {adjusted: 100000.00, executed: 96000.00, score: 9.555}\n"
                              "    total: 99.605\n")
    actuals = actuals.replace("      活动次数: 3次\n", "      活动次数: {actual: 3次, weight: 1.005}\n")
    evaluation = run(tmp_path, GOALS, actuals)
    assert [(d.code, d.position.line) for d in evaluation.diagnostics if d.is_error] == [
        ("schema.places", 4), ("schema.places", 5), ("schema.places", 8)]
    project = evaluation.projects[0]  # scored as without the unit's own figures
    # no 效益 row: 产出 75 over two rows, 满意度 15; 活动次数 unreadable, so 0
    assert [str(r.score) for r in project.indicators] == ["37.50", "0.00", "15.00"]


def test_only_the_bad_own_figure_is_set_aside(tmp_path):
    """A bad total leaves the budget score reviewed, and a bad budget score the total."""
    actuals = ACTUALS.replace("    budget: {adjusted: 100000.00, executed: 96000.00}\n",
                              "    budget: {adjusted: 100000.00, executed: 96000.00, score: 8.00}\n"
                              "    total: 99.605\n")
    found = {(d.code, d.position.line) for d in run(tmp_path, GOALS, actuals).diagnostics}
    assert {("schema.places", 5), ("review.budget_score_mismatch", 4)} <= found, found
    actuals = ACTUALS.replace("    budget: {adjusted: 100000.00, executed: 96000.00}\n",
                              "    budget: {adjusted: 100000.00, executed: 96000.00, score: 9.605}\n"
                              "    total: 90.00\n")
    found = {(d.code, d.position.line) for d in run(tmp_path, GOALS, actuals).diagnostics}
    assert {("schema.places", 4), ("review.total_mismatch", 5)} <= found, found


def test_an_unscorable_project_still_has_its_rows_checked(tmp_path):
    actuals = ACTUALS.replace("executed: 96000.00", "executed: -1")
    actuals = actuals.replace("      活动次数: 3次\n", "      活动次数: {actual: 3次, weight: abc}\n")
    evaluation = run(tmp_path, GOALS, actuals)
    # the negative executed (the project cannot be scored) and the row's weight, in one run
    assert [(d.code, d.position.line) for d in evaluation.diagnostics] == [
        ("schema.range", 4), ("schema.number", 7)]
    assert evaluation.projects == ()


def test_an_unscorable_project_still_has_its_actuals_read(tmp_path):
    """An unfilled scaffold: the missing 全年执行数 and every empty actual in one run, not the
    actuals only once the budget is fixed."""
    actuals = ACTUALS.replace("executed: 96000.00", "executed: null")
    actuals = actuals.replace("      活动次数: 3次\n", "      活动次数:\n").replace("6篇", "≥≥6篇")
    evaluation = run(tmp_path, GOALS, actuals)
    assert [(d.code, d.position.line) for d in evaluation.diagnostics] == [
        ("schema.empty", 4), ("actual.unexpected", 6), ("actual.empty", 7)]


def test_an_actual_for_an_indicator_in_error_in_goals_is_not_called_unknown(tmp_path):
    """满意度's entry in goals.yaml is in error (a direction that is none): that error is the
    report; its actual is not 'an indicator goals.yaml lacks'."""
    goals = GOALS.replace("          满意度: ≥80.00(%)\n",
                          "          满意度: {target: ≥80.00(%), direction: sideways}\n")
    evaluation = run(tmp_path, goals, ACTUALS)
    assert [(d.code, d.position.file.rsplit("/", 1)[-1]) for d in evaluation.diagnostics
            if d.is_error] == [("schema.choice", "goals.yaml")]


def test_missing_rows_of_a_repeated_name_are_each_told_by_level_2(tmp_path):
    """Two rows named 完成率, neither given: each is reported, and the hint says what to
    write for it ("二级/三级"), not the ambiguous name again."""
    goals = GOALS.replace("          活动次数: ≥3.00(次)\n",
                          "          完成率: ≥90%\n        质量指标:\n          完成率: =100%\n")
    actuals = ACTUALS.replace("      活动次数: 3次\n", "      完成率: 95%\n")
    evaluation = run(tmp_path, goals, actuals)
    missing = [(d.message, d.hint) for d in evaluation.diagnostics
               if d.code == "actuals.missing_indicator"]
    assert missing == [
        ("指标“数量指标/完成率”没有填写实际完成值，按 0 分计", "请在 indicators 下补写“数量指标/完成率: 完成值”"),
        ("指标“质量指标/完成率”没有填写实际完成值，按 0 分计", "请在 indicators 下补写“质量指标/完成率: 完成值”")]
    assert "actuals.ambiguous_indicator" in [d.code for d in evaluation.diagnostics]


@pytest.mark.parametrize("content, code", [
    ("".encode("utf-8"), "file.empty"),
    (GOALS.encode("gbk"), "file.encoding"),
    (b"\x00\x01\x02binary", "file.binary"),
    (b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n", "yaml.alias"),
    (("a:\n" + "".join("  " * i + "- \n" for i in range(1, 3)) + "[" * 200).encode(), None),
])
def test_unreadable_files_are_named(tmp_path, content, code):
    evaluation = run(tmp_path, content, None)
    assert evaluation.errors >= 1
    if code is not None:
        assert code in [d.code for d in evaluation.diagnostics]
    assert all(d.position is not None for d in evaluation.diagnostics)


def test_a_bom_is_accepted(tmp_path):
    evaluation = run(tmp_path, "\ufeff" + GOALS, "\ufeff" + ACTUALS)
    assert evaluation.diagnostics == ()


def test_a_bom_takes_no_column(tmp_path):
    """Columns on line 1 count as an editor counts them: the byte-order mark is not shown, and
    the caret under the excerpt (which does not show it either) must fall on the 2023."""
    evaluation = run(tmp_path, GOALS, "\ufeff" + ACTUALS.replace("year: 2024", "year: 2023"))
    assert codes(evaluation)[0][0] == "actuals.year_mismatch"
    assert codes(evaluation)[0][2:] == (1, 7)


def test_inputs_are_left_untouched(tmp_path):
    run(tmp_path)
    assert (tmp_path / "goals.yaml").read_text(encoding="utf-8") == GOALS
    assert (tmp_path / "actuals.yaml").read_text(encoding="utf-8") == ACTUALS


def test_an_unknown_word_in_an_actual_suggests_the_nearest(tmp_path):
    goals = GOALS.replace("活动次数: ≥3.00(次)", "社会影响: 显著提升")
    actuals = ACTUALS.replace("活动次数: 3次", "社会影响: 显着提升")
    evaluation = run(tmp_path, goals, actuals)
    (found,) = [d for d in evaluation.diagnostics if d.code == "actual.unknown_word"]
    assert (found.position.line, found.position.column) == (7, 13)
    assert "“显着”不是规则集词表中的词" in found.message
    assert found.hint.startswith("是否为“显著”")


def test_a_level_that_is_not_a_mapping_is_named(tmp_path):
    goals = GOALS.replace("      满意度指标:\n        服务对象满意度指标:\n          满意度: ≥80.00(%)\n",
                          "      满意度指标: 很满意\n")
    evaluation = run(tmp_path, goals, None)
    (found,) = [d for d in evaluation.diagnostics if d.code == "schema.type"]
    assert found.message == "一级指标“满意度指标”下面应是二级指标（“名称: …”形式的映射）"
    assert (found.position.line, found.position.column) == (11, 14)


@pytest.mark.parametrize("written, quoted", [
    ("{value: 96000.00}", "{value: 96000.00}"),  # was Python's {'value': '96000.00'}
    ("[96000.00, 1]", "[96000.00, 1]"),
])
def test_a_value_is_quoted_as_yaml_writes_it(tmp_path, written, quoted):
    evaluation = run(tmp_path, GOALS, ACTUALS.replace("executed: 96000.00", f"executed: {written}"))
    messages = [d.message for d in evaluation.diagnostics if d.code == "schema.number"]
    assert messages == [f"“executed（全年执行数）”应为数字：“{quoted}”不是数字"]


@pytest.mark.parametrize("written, code, line, column", [
    # each escape and each '' is counted as written, not as read
    ('"\\u2265 5.00(篇"', "target.incomplete", 9, 31),  # the end: at the closing quote
    ("'≥5.00''(篇'", "target.unexpected", 9, 25),  # at the (, after the two quotes
    ('"$\\\\geq 5.00\\\\text{ (篇)}$abc"', "target.unexpected", 9, 42),  # LaTeX's \\ in "…"
    # a value over several lines: on the line where the mistake is written
    ("\n            ≥5.00\n            (篇", "target.incomplete", 11, 15),
    (">-\n            ≥5次\n            abc]", "target.unexpected", 11, 13),
    ("|-\n            ≥5次abc]", "target.unexpected", 10, 19),
])
def test_a_mistake_inside_a_value_is_shown_where_it_is_written(tmp_path, written, code, line,
                                                               column):
    """The column used to be counted in the value as read: each escape moved the caret left,
    and a value over several lines sent it past the end of its first line."""
    goals = GOALS.replace("推送篇数: ≥5.00(篇)", "推送篇数: " + written if written[0] != "\n"
                          else "推送篇数:" + written)
    found = [c for c in codes(run(tmp_path, goals, None)) if c[0] == code]
    assert found == [(code, "goals.yaml", line, column)], codes(run(tmp_path, goals, None))


@pytest.mark.parametrize("written, column, length", [
    ("", 7, 5),  # nothing under the name: the name, all of it (it was its first character)
    (" 无", 14, 1),  # a word where the level's rows should be: the word
])
def test_a_level_without_rows_is_underlined_whole(tmp_path, written, column, length):
    goals = GOALS.replace("      满意度指标:\n        服务对象满意度指标:\n          满意度: ≥80.00(%)\n",
                          f"      满意度指标:{written}\n")
    found = [(d.position.line, d.position.column, d.length) for d in run(tmp_path, goals, None)
             .diagnostics if d.code == "schema.type"]
    assert found == [(11, column, length)]


@pytest.mark.parametrize("written, read", [("反向", "reverse"), ("反向指标", "reverse"),
                                           ("正向", "positive"), ("reverse", "reverse")])
def test_direction_may_be_written_as_the_form_does(tmp_path, written, read):
    """The 申报表 says 正向指标 / 反向指标: those are accepted beside positive / reverse."""
    from evaluator.goals import read_goals
    from evaluator.source import load_document

    goals = GOALS.replace("活动次数: ≥3.00(次)", f"活动次数: {{target: ≥3.00(次), direction: {written}}}")
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    _goals, projects, problems = read_goals(load_document(tmp_path / "goals.yaml")[0])
    assert problems == []
    assert [i.direction for i in projects[0].indicators if i.name == "活动次数"] == [read]


@pytest.mark.parametrize("written, hint", [
    ("100000.00元", "只写数字，不带单位或货币符号，如 100000.00（金额单位由 funds_unit 决定）"),
    ("￥98000.00", "只写数字，不带单位或货币符号，如 100000.00（金额单位由 funds_unit 决定）"),
    ("1.1E+06", "请写出完整的数字，如 1102000.00，不用科学计数法"),
    ("十万元", "请用阿拉伯数字书写，如 100000.00"),
    ("待定", "金额和分值请写成 1102000.00 或 5 这样的数字"),  # no more "not in scientific notation"
])
def test_a_money_mistake_gets_the_advice_it_needs(tmp_path, written, hint):
    evaluation = run(tmp_path, GOALS, ACTUALS.replace("executed: 96000.00", f"executed: {written}"))
    assert [d.hint for d in evaluation.diagnostics if d.code == "schema.number"] == [hint]


def test_a_list_where_text_belongs_says_how_to_write_text(tmp_path):
    actuals = ACTUALS.replace("    indicators:\n", "    summary: [全年完成, 宣传推广]\n    indicators:\n", 1)
    found = [(d.code, d.message, d.hint) for d in run(tmp_path, GOALS, actuals).diagnostics]
    assert found == [("schema.type", "“summary（实际完成情况）”应为文字",
                      "请写成一段文字；文字以 [ 或 { 开头、或含有“: ”时，请给整段加引号")]


def test_a_mistake_is_quoted_as_typed():
    """Full-width forms are read as their ASCII twins, but a message quotes what was typed."""
    from evaluator.parser import parse_structure

    assert parse_structure("不低于３，００次").message == "此处不应出现“，”"


@pytest.mark.parametrize("line, code, column", [
    ("          推送篇数：≥ 5 篇", "yaml.fullwidth_colon", 15),  # a space in the value: still it
    ("          推送篇数:5篇", "yaml.colon_space", 15),
    ("          推送篇数: 6篇\n          会于10:30举行", "yaml.missing_colon", None),  # a time
])
def test_a_colon_mistake_is_told_as_what_it_is(tmp_path, line, code, column):
    goals = GOALS.replace("          推送篇数: ≥5.00(篇)", line)
    found = [(d.code, d.position.column) for d in run(tmp_path, goals, None).diagnostics]
    assert [c for c, _ in found] == [code] and (column is None or found[0][1] == column), found


def test_a_bad_own_score_keeps_the_rows_actual_and_reason(tmp_path):
    """score: 11.255 (three decimals) made the whole row unreadable: its actual scored 0 and
    its reason was called missing. The score is set aside, told, and the row scored."""
    actuals = ACTUALS.replace("      活动次数: 3次\n",
                              "      活动次数: {actual: 2次, score: 5.255, reason: 场地取消}\n")
    evaluation = run(tmp_path, GOALS, actuals)
    assert [d.code for d in evaluation.diagnostics if d.is_error] == ["schema.places"]
    row = [r for r in evaluation.projects[0].indicators if r.indicator.name == "活动次数"][0]
    # no 效益: its 30 goes pro rata, 产出 50 → 75 over two rows, 37.50 each; 2/3 × 37.50 = 25.00
    assert row.actual is not None and row.actual.spec.reason == "场地取消"
    assert row.self_score is None and row.score == row.rule_score == Decimal("25.00")
    assert not any(d.code == "review.missing_reason" for d in evaluation.diagnostics)


def test_a_year_in_full_width_digits_is_read_as_money_is(tmp_path):
    evaluation = run(tmp_path, GOALS.replace("year: 2024", "year: ２０２４"),
                     ACTUALS.replace("year: 2024", "year: ２０２４"))
    assert evaluation.diagnostics == () and evaluation.goals.year == 2024


@pytest.mark.parametrize("edit, forbidden", [
    # a list item's next key, aligned with its first: a stray } is the mistake, not indentation
    (("    funds: {total: 100000.00}", "    funds: {total: 100000.00}}"), "yaml.indentation"),
    # a block's text holding 联系人:张三 is text: the mistake is on the next line
    (("    funds: {total: 100000.00}",
      "    goal: >-\n      联系人:张三\n    funds: {total: 100000.00}}"), "yaml.colon_space"),
])
def test_yaml_advice_does_not_blame_valid_lines(tmp_path, edit, forbidden):
    found = [d.code for d in run(tmp_path, GOALS.replace(*edit), None).diagnostics]
    assert found and forbidden not in found, found


def test_a_row_that_could_not_be_read_is_not_called_unwritten(tmp_path):
    from evaluator.report import build_context

    actuals = ACTUALS.replace("      活动次数: 3次\n",
                              "      活动次数: {actual: 2次, weight: abc, reason: 场地取消}\n")
    context = build_context(run(tmp_path, GOALS, actuals))
    problems = {i.name: i.problem for i in context.projects[0].indicators}
    assert problems["活动次数"] == "该行填写有误，未能读取"


def test_a_year_in_other_digits_is_refused(tmp_path):
    codes_found = [d.code for d in run(tmp_path, GOALS.replace("year: 2024", "year: ٢٠٢٤"),
                                       None).diagnostics]
    assert codes_found == ["schema.year"]


def test_an_exponent_is_told_as_such():
    from evaluator.parser import parse_structure

    assert parse_structure("≥1e3次").hint == "不支持科学计数法，请写出完整的数字，如“1000次”"


def test_a_cell_is_named_as_excel_names_it_and_its_text_is_the_excerpt():
    from evaluator.diagnostics import CellPosition, PlacePosition, column_letters, error, format_diagnostic

    class Workbook:  # a loaded workbook gives the text of a cell
        def excerpt(self, position):
            return position.cell, "22人次", 0

    assert [column_letters(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
    plain = CellPosition("a.xlsx", "城市日宣传推广", 14, 4)
    spaced = CellPosition("a.xlsx", "Sheet 1", 2, 1)
    assert str(plain) == "a.xlsx:城市日宣传推广!D14"
    assert str(spaced) == "a.xlsx:'Sheet 1'!A2"
    assert str(PlacePosition("a.pdf", "第3页", 3)) == "a.pdf:第3页"
    text = format_diagnostic(error("actual.unit_mismatch", "单位不一致", plain), {"a.xlsx": Workbook()})
    assert text.splitlines() == [
        "a.xlsx:城市日宣传推广!D14: error[actual.unit_mismatch] 单位不一致",
        "    |",
        "D14 | 22人次",
        "    | ^^^^^^",  # 22人次 is six columns wide: the cell is underlined whole
    ]


def test_diagnostics_sort_by_sheet_order_then_row_and_column():
    from evaluator.diagnostics import CellPosition, error, sort_key

    later_sheet = error("a", "x", CellPosition("b.xlsx", "A表", 1, 1, sheet_index=1))
    first_sheet = error("a", "x", CellPosition("b.xlsx", "Z表", 9, 2, sheet_index=0))
    first_sheet_earlier = error("a", "x", CellPosition("b.xlsx", "Z表", 9, 1, sheet_index=0))
    assert sorted([later_sheet, first_sheet, first_sheet_earlier], key=sort_key) == [
        first_sheet_earlier, first_sheet, later_sheet]


def test_thousands_in_a_flow_mapping_are_told_once_with_advice_that_fits(tmp_path):
    """To YAML, {total: 1,102,000.00} is {total: 1, 102: null, 000.00: null}: one diagnostic,
    at the last group, saying what happened and what to write; block style keeps the commas."""
    goals = GOALS.replace("funds: {total: 100000.00}", "funds: {total: 1,102,000.00, fiscal: 2,000}")
    found = [d for d in run(tmp_path, goals).diagnostics if d.code == "schema.unknown_key"]
    assert [(d.position.line, d.message) for d in found] == [
        (5, "不认识的键“000.00”：“total: 1,102,000.00”写在 { } 里，逗号把数字分成了两项"),
        (5, "不认识的键“000”：“fiscal: 2,000”写在 { } 里，逗号把数字分成了两项")]
    assert found[0].hint.startswith("请去掉千位分隔符，写成“total: 1102000.00”；或改用逐行写法")
    block = GOALS.replace("funds: {total: 100000.00}", "funds:\n      total: 1,102,000.00")
    assert not [d for d in run(tmp_path, block).diagnostics if d.is_error]
    odd = GOALS.replace("funds: {total: 100000.00}", "funds: {total: 100000.00, 2024: null}")
    assert [d.message for d in run(tmp_path, odd).diagnostics] == ["不认识的键“2024”"]


def test_diagnostics_cross_to_the_parent_whole():
    """What a --jobs worker sends (diagnostics.packed, or pickle) comes back equal, of the
    same types, hashing alike (the parent drops repeats through a set)."""
    import pickle

    from evaluator.diagnostics import (CellPosition, PlacePosition, Severity, packed, unpacked,
                                       warning)

    text = [error("yaml.syntax", "第“1”行\n\U0001F600", Position("goals.yaml", 3, 9), length=4,
                  hint="提示"),
            warning("review.missing_reason", "“指标01”扣分 1.00", Position("actuals.yaml", 11, 7)),
            error("input.unreadable", "文件无法读取")]
    sent = packed(text)
    assert isinstance(sent, bytes)
    back = unpacked(sent)
    assert back == text and [hash(d) for d in back] == [hash(d) for d in text]
    assert back[0].severity is Severity.ERROR and back[0].length == 4 and back[0].hint == "提示"
    assert type(back[1].position) is Position and back[1].position.line == 11
    assert back[2].position is None
    places = text + [warning("xlsx.cell", "格", CellPosition("a.xlsx", "表1", 5, 3, 1)),
                     warning("pdf.page", "页", PlacePosition("b.pdf", "第3页", 3))]
    assert packed(places) is places  # pickled as they are
    for diagnostics in (text, places):
        assert pickle.loads(pickle.dumps(diagnostics, pickle.HIGHEST_PROTOCOL)) == diagnostics
    assert {*pickle.loads(pickle.dumps(text)), *text} == set(text)


def test_sorted_diagnostics_follow_those_found_since(default_rules):
    from evaluator.run import Run

    later, earlier = (error("x.code", "后", Position("a.yaml", 9, 1)),
                      error("x.code", "前", Position("a.yaml", 2, 1)))
    run = Run(*default_rules, None, None, {}, [later], {})
    assert run.sorted_diagnostics() == (later,)
    run.diagnostics += [earlier, later]  # a repeat is told once
    assert run.sorted_diagnostics() == (earlier, later)


def test_a_runs_diagnostics_as_rows_are_its_diagnostics_in_the_same_order(default_rules):
    """A --jobs run's diagnostics are sorted and written as rows (Run.sorted_rows), the
    workers' never made objects: the same diagnostics, once each, in the order of
    sort_key, printed and written as the objects are."""
    from evaluator.diagnostics import (PER_CODE, format_all, format_rows, made_from_row, packed,
                                       sort_key, warning)
    from evaluator.json_report import diagnostic_text, row_text
    from evaluator.run import Run

    here = [error("yaml.syntax", "坏“\x1b”", Position("goals.yaml", 3, 9), length=4, hint="提示"),
            warning("review.missing_reason", "原因", Position("actuals.yaml", 11, 7)),
            warning("review.missing_reason", "原因", Position("actuals.yaml", 2, 7))]
    elsewhere = [warning("review.missing_reason", "原因", Position("actuals.yaml", 5, 7)),
                 warning("review.missing_reason", "原因", Position("actuals.yaml", 11, 7)),
                 error("actual.unit", "单位", Position("actuals.yaml", 5, 7), hint="改")]
    elsewhere += [warning("review.many", f"第 {n} 个", Position("goals.yaml", n, 1))
                  for n in range(1, PER_CODE + 3)]
    run = Run(*default_rules, None, None, {}, list(here), {})
    run.add_found(packed(elsewhere[:2]))
    run.add_found(packed(elsewhere[2:]))
    rows = run.sorted_rows()
    expected = sorted(set(here + elsewhere), key=sort_key)
    assert [made_from_row(row) for row in rows] == expected
    assert list(map(row_text, rows)) == list(map(diagnostic_text, expected))
    assert format_rows(rows, {}, PER_CODE) == format_all(expected, {}, per_code=PER_CODE)
    assert "… 还有 2 个同类问题（review.many）" in format_rows(rows, {}, PER_CODE)
    assert run.sorted_rows() is rows  # asked again, not sorted again
    assert run.sorted_diagnostics() == tuple(expected) and run.found == []


def test_diagnostics_that_cannot_be_rows_are_sorted_as_objects(default_rules):
    from evaluator.diagnostics import CellPosition, packed, sort_key, sorted_rows, warning
    from evaluator.run import Run

    text = warning("x.code", "文", Position("a.yaml", 2, 1))
    nowhere = warning("x.code", "无处", None)
    cell = warning("x.code", "格", CellPosition("a.xlsx", "表1", 5, 3))
    assert sorted_rows([text, cell]) is None
    assert sorted_rows([text], [packed([nowhere])]) is None  # no order between None and text
    assert sorted_rows([nowhere, nowhere]) == [(None, 0, 0, "x.code", "无处", "warning", 1, None)]
    run = Run(*default_rules, None, None, {}, [text], {})
    run.add_found(packed([nowhere]))
    assert run.sorted_rows() is None
    assert run.sorted_diagnostics() == tuple(sorted({text, nowhere}, key=sort_key))
