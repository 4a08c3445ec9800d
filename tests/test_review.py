"""Review of the unit's own scores (DESIGN §4.6), checked by hand."""

from __future__ import annotations

from decimal import Decimal

from evaluator.json_report import to_json_data
from evaluator.report import build_context, render_markdown
from tests.conftest import evaluate_in

GOALS = """\
year: 2024
unit: 测试单位
projects:
  - name: 宣传项目
    funds: {total: 200000.00}
    indicators:
      产出指标:
        数量指标:
          推送篇数: ≥5.00(篇)
          活动次数: ≥4.00(次)
        质量指标:
          管理规范性: 规范
      效益指标:
        社会效益指标:
          社会影响力: 显著提升
      满意度指标:
        服务对象满意度指标:
          满意度: ≥80.00(%)
"""

# Weights: 产出 50 over 3 rows → 16.67, 16.67, 16.66; 效益 30; 满意度 10; budget 10.
ACTUALS = """\
year: 2024
projects:
  宣传项目:
    budget: {adjusted: 200000.00, executed: 190000.00, score: 9.50}
    total: 90.00
    indicators:
      推送篇数: {actual: 6篇, score: 16.67}
      活动次数: {actual: 3次, score: 14.00, reason: 一场活动因场地取消}
      管理规范性: {actual: 基本规范, score: 15.00, reason: 个别合同归档不及时}
      社会影响力: {actual: 逐渐提升, score: 20.00}
      满意度: {actual: 85%, score: 11.00}
"""


def evaluate(tmp_path, goals=GOALS, actuals=ACTUALS):
    return evaluate_in(tmp_path, goals, actuals)


def findings(evaluation):
    return {(d.code, d.position.line) for d in evaluation.diagnostics}


def test_rule_scores_are_kept_beside_the_units(tmp_path):
    project = evaluate(tmp_path).projects[0]
    rows = {r.indicator.name: r for r in project.indicators}
    # 活动次数: 16.67 × 3/4 = 12.5025 → 12.50 by rule; the unit wrote 14.00
    assert rows["活动次数"].rule_score == Decimal("12.50") and rows["活动次数"].score == Decimal("14.00")
    # 基本规范: 部分达成, 16.66 × 70% = 11.662 → 11.66
    assert rows["管理规范性"].rule_score == Decimal("11.66")
    # 逐渐提升 against 显著提升: 部分达成, 30 × 70% = 21.00
    assert rows["社会影响力"].rule_score == Decimal("21.00")
    # budget: 190000/200000 = 95% → 9.50, as the unit wrote
    assert project.budget.rule_score == Decimal("9.50") and project.budget.score == Decimal("9.50")
    # the unit's 15.00 (outside the 部分达成 band) and 11.00 (above the weight of 10) are not
    # adopted; the rule's 11.66 and 10.00 stand instead:
    # adopted total: 9.50 + 16.67 + 14.00 + 11.66 + 20.00 + 10.00 = 81.83
    assert rows["管理规范性"].score == Decimal("11.66") and rows["满意度"].score == Decimal("10.00")
    assert project.total == Decimal("81.83")
    # rule total: 9.50 + 16.67 + 12.50 + 11.66 + 21.00 + 10.00 = 81.33
    assert project.rule_total == Decimal("81.33")


def test_findings(tmp_path):
    found = findings(evaluate(tmp_path))
    assert ("review.score_above_weight", 11) in found  # 满意度 11.00 > 10.00
    assert ("review.score_outside_band", 9) in found  # 部分达成 band [60%, 80%): 15/16.66 = 90%
    assert ("review.score_differs", 8) in found  # 14.00 vs 12.50: more generous
    assert ("review.score_differs", 10) in found  # 20.00 vs 21.00: stricter
    assert ("review.missing_reason", 10) in found  # 20.00 < 30 and no reason
    assert ("review.total_mismatch", 5) in found  # wrote 90.00, rows add up to 81.83
    assert ("review.score_outside_band", 10) not in found  # 20/30 = 66.7% is in [60, 80)
    assert not any(code == "review.budget_score_mismatch" for code, _ in found)


def test_messages_say_which_way_the_unit_differs(tmp_path):
    messages = [d.message for d in evaluate(tmp_path).diagnostics if d.code == "review.score_differs"]
    assert "“活动次数”自评得分 14.00 与规则得分 12.50 相差 1.50，比规则宽松" in messages
    assert "“社会影响力”自评得分 20.00 与规则得分 21.00 相差 1.00，比规则严格" in messages


def test_a_budget_score_that_is_not_the_arithmetic_is_adopted_with_a_warning(tmp_path):
    """Units write whole points (9 for 99.1%): adopted as a row's own score is (§4.6), and
    told as stricter or more generous; the stated total is checked against it."""
    actuals = ACTUALS.replace("executed: 190000.00, score: 9.50}", "executed: 198200.00, score: 9}")
    evaluation = evaluate(tmp_path, actuals=actuals.replace("total: 90.00", "total: 80.33"))
    project = evaluation.projects[0]
    # rule: 10 × 198200/200000 = 9.91; the unit's 9 (9.00) is adopted
    assert (project.budget.rule_score, project.budget.score) == (Decimal("9.91"), Decimal("9.00"))
    found = [d for d in evaluation.diagnostics if d.code == "review.budget_score_mismatch"]
    assert [(d.severity, d.position.line) for d in found] == [("warning", 4)]
    assert found[0].message == "预算执行率自评得分 9.00 与按执行率计算的 9.91 相差 0.91，比规则严格"
    # adopted rows 16.67 + 14.00 + 11.66 + 20.00 + 10.00 = 72.33, plus the budget's 9.00
    assert project.total == Decimal("81.33")
    assert ("review.total_mismatch", 5) in findings(evaluation)  # 80.33 written
    generous = evaluate(tmp_path, actuals=ACTUALS.replace("score: 9.50}", "score: 10.00}"))
    message = next(d.message for d in generous.diagnostics
                   if d.code == "review.budget_score_mismatch")
    assert message.endswith("相差 0.50，比规则宽松")  # 10.00 against 9.50
    assert generous.projects[0].budget.score == Decimal("10.00")
    exact = evaluate(tmp_path, actuals=actuals.replace("total: 90.00", "total: 81.33"))
    assert ("review.total_mismatch", 5) not in findings(exact)
    negative = evaluate(tmp_path, actuals=ACTUALS.replace("score: 9.50}", "score: -1}"))
    assert ("schema.range", 4) in findings(negative)  # below 0: an error, the rule's 9.50 stands
    assert negative.projects[0].budget.score == Decimal("9.50")


def test_reports_show_both_columns(tmp_path):
    evaluation = evaluate(tmp_path)
    markdown = render_markdown(build_context(evaluation))
    assert "| 分值 | 得分 | 规则得分 |" in markdown
    assert "| 活动次数 | ≥4.00(次) | 3次 | 16.67 | 14.00 | 12.50 |" in markdown
    assert "（单位自评 15.00 超出分值或所在档次，未采用）" in markdown  # 管理规范性
    assert "| 9.50（单位自评 9.50，规则得分 9.50） |" in markdown  # the budget row
    assert "| 总分 | | | | | 100.00 | 81.83 | 81.33 | 自评等级：良 |" in markdown
    project = to_json_data(evaluation)["projects"][0]
    assert project["total"] == "81.83" and project["rule_total"] == "81.33"
    assert project["self_total"] == "90.00"
    row = project["indicators"][1]
    assert (row["score"], row["rule_score"], row["self_score"]) == ("14.00", "12.50", "14.00")


def test_a_run_with_errors_still_scores_everything(tmp_path):
    evaluation = evaluate(tmp_path)
    assert evaluation.errors >= 3
    assert len(evaluation.projects) == 1 and len(evaluation.projects[0].indicators) == 5


def test_own_scores_that_break_the_rules_are_not_adopted(tmp_path):
    actuals = ACTUALS.replace("budget: {adjusted: 200000.00, executed: 190000.00, score: 9.50}",
                              "budget: {adjusted: 200000.00, executed: 190000.00, score: 15}")
    actuals = actuals.replace("推送篇数: {actual: 6篇, score: 16.67}",
                              "推送篇数: {actual: 6人次, score: 50}")  # a row in error
    evaluation = evaluate(tmp_path, actuals=actuals)
    project = evaluation.projects[0]
    # budget: 15 > 10 → the rule's 9.50; 推送篇数: unit mismatch → 0.00 by rule, 50 > 16.67
    assert project.budget.score == Decimal("9.50")
    assert project.indicators[0].score == Decimal("0.00")
    assert project.total <= 100
    assert ("review.budget_score_above_weight", 4) in findings(evaluation)


def test_an_own_score_for_a_row_the_rule_cannot_score_is_remarked(tmp_path):
    """A row in error scores 0.00 by rule; the unit's own score is adopted (§4.6) but is told
    as differing, and is still refused above its weight. Its error stands for the reason."""
    actuals = ACTUALS.replace("推送篇数: {actual: 6篇, score: 16.67}",
                              "推送篇数: {actual: 6人次, score: 16.67}")
    evaluation = evaluate(tmp_path, actuals=actuals)
    row = evaluation.projects[0].indicators[0]
    assert (row.rule_score, row.score) == (Decimal("0.00"), Decimal("16.67"))
    found = findings(evaluation)
    assert {("actual.unit_mismatch", 7), ("review.score_differs", 7)} <= found
    assert ("review.missing_reason", 7) not in found
    differs = next(d for d in evaluation.diagnostics if d.code == "review.score_differs"
                   and d.position.line == 7)
    assert "自评得分 16.67 与规则得分 0.00 相差 16.67，比规则宽松" in differs.message
    above = evaluate(tmp_path, actuals=ACTUALS.replace("推送篇数: {actual: 6篇, score: 16.67}",
                                                       "推送篇数: {actual: 6人次, score: 50}"))
    assert ("review.score_above_weight", 7) in findings(above)
    assert above.projects[0].indicators[0].score == Decimal("0.00")
    unreadable = evaluate(tmp_path, actuals=ACTUALS.replace(
        "推送篇数: {actual: 6篇, score: 16.67}", "推送篇数: {actual: '≥≥??', score: 16.67}"))
    assert {("actual.unexpected", 7), ("review.score_differs", 7)} <= findings(unreadable)


def test_weights_finer_than_a_cent_are_refused(tmp_path):
    actuals = ACTUALS.replace("推送篇数: {actual: 6篇, score: 16.67}",
                              "推送篇数: {actual: 6篇, weight: 16.665}")
    assert ("schema.places", 7) in findings(evaluate(tmp_path, actuals=actuals))


def test_the_band_hint_gives_scores_that_are_in_the_band():
    """The lowest and highest score to the cent whose rate is in the band, rounded inwards: a
    hint of 2.02 for 3.37 in [60%, 80%) would be refused again (59.94%)."""
    from evaluator.review import _scores_within
    from evaluator.rules import TierBand

    partial = TierBand(low=Decimal(60), high=Decimal(80), default=Decimal(70))
    achieved = TierBand(low=Decimal(80), high=Decimal(100), default=Decimal(100))
    # 3.37 × 60% = 2.022 → 2.03 (2.02 is 59.94%); 3.37 × 80% = 2.696 → 2.69 (2.70 is 80.12%)
    assert _scores_within(partial, Decimal("3.37")) == (Decimal("2.03"), Decimal("2.69"))
    # 3.33 × 80% = 2.664: 2.66 is 79.88%, in the band
    assert _scores_within(partial, Decimal("3.33")) == (Decimal("2.00"), Decimal("2.66"))
    # 15 × 80% = 12.00 exactly: the next band's, so 11.99; 100% of the top band is its own
    assert _scores_within(partial, Decimal("15")) == (Decimal("9.00"), Decimal("11.99"))
    assert _scores_within(achieved, Decimal("15")) == (Decimal("12.00"), Decimal("15.00"))
