"""The JSON report is written from pieces, not handed to json (json_report._rows_text): its text must
be exactly what the encoder writes, whatever the strings hold; chunks are batched; and a run
imports openpyxl and Jinja only for the formats that need them."""

from __future__ import annotations

import json
import subprocess
import sys

from evaluator import json_report as report
from tests.conftest import EXAMPLE, evaluate_in

# Characters JSON must escape (quote, backslash, newline, tab, a control character), one it
# need not (U+2028, which str.splitlines would split on) and one outside the BMP, in every
# kind of string a project line carries.
GOALS = r"""
year: 2024
department: "主管\"部门\""
unit: "单位\\一"
projects:
  - name: "项目\n一"
    department: "部门\t甲"
    unit: "单位\u2028乙"
    funds: {total: 200000.00}
    indicators:
      产出指标:
        "数量\"指标\"":
          "推送\\篇数": ≥5.00(篇)
          "活动\t次数": ≥4.00(次)
        质量指标:
          "管理\b规范性": 规范
      效益指标:
        社会效益指标:
          "社会\u2028影响力": "按\"计划\"推进\U0001F600"
      满意度指标:
        服务对象满意度指标:
          满意度: ≥80.00(%)
"""

ACTUALS = r"""
year: 2024
projects:
  "项目\n一":
    budget: {adjusted: 200000.00, executed: 230000.00, score: 9.50}
    indicators:
      "推送\\篇数": {actual: "9篇", score: 16.67, reason: "原因\\一\n原因\"二\"", measures: "措施\t一"}
      "活动\t次数": {actual: "3次\u2028", reason: "场地\b取消"}
      "管理\b规范性": 基本规范
      满意度: 85%
"""


def _expected(result, rules) -> dict:
    """A project of DESIGN §7 as a dict, in the contract's key order."""
    budget = result.budget
    rows = []
    for r in result.indicators:
        spec = r.actual.spec if r.actual is not None else None
        rows.append({
            "path": [r.indicator.level1, r.indicator.level2, r.indicator.name],
            "target": r.indicator.target, "actual": spec.actual if spec else None,
            "kind": report.kind_of(r.target) if r.target is not None else None,
            "weight": str(r.weight), "score": str(r.score), "rule_score": str(r.rule_score),
            "self_score": str(r.self_score) if r.self_score is not None else None,
            "tier": r.tier.value if r.tier else None, "trace": r.trace, "flags": list(r.flags),
            "reason": spec.reason if spec else None, "measures": spec.measures if spec else None})
    decimal = report._decimal
    return {
        "name": result.project.name, "department": result.project.department,
        "unit": result.project.unit, "total": decimal(result.total),
        "rule_total": decimal(result.rule_total), "grade": rules.grade(result.total),
        "self_total": decimal(result.self_total),
        "budget": {"initial": format(budget.initial, "f"), "adjusted": format(budget.adjusted, "f"),
                   "executed": format(budget.executed, "f"), "rate": report.rate_json(budget.rate),
                   "weight": decimal(budget.weight), "score": decimal(budget.score),
                   "rule_score": decimal(budget.rule_score),
                   "self_score": decimal(budget.self_score), "trace": budget.trace,
                   "flags": list(budget.flags), **_sources(result)},
        "indicators": rows}


def _sources(result) -> dict:
    """budget.sources, only where the actuals split the year's figures."""
    spec, funds = result.actuals.spec, result.project.funds
    if spec is None or not spec.budget.sources:
        return {}
    def amount(value):
        return None if value is None else format(value, "f")

    return {"sources": {s.key: {"initial": amount(getattr(funds, s.key)),
                                "adjusted": amount(s.adjusted), "executed": amount(s.executed)}
                        for s in spec.budget.sources}}


def _check_lines(evaluation) -> None:
    for result in evaluation.projects:
        line = report.project_line(result, evaluation.rules)
        assert line == report._DUMPS(_expected(result, evaluation.rules))
        assert "\n" not in line  # one project, one line


def test_lines_are_the_encoders_text_for_strings_that_need_escaping(tmp_path):
    evaluation = evaluate_in(tmp_path, GOALS, ACTUALS)
    (result,) = evaluation.projects
    rows = {r.indicator.name: r for r in result.indicators}
    assert {"推送\\篇数", "活动\t次数", "管理\b规范性", "社会\u2028影响力"} <= rows.keys()
    assert rows["社会\u2028影响力"].actual is None  # a missing actual: nulls
    assert rows["推送\\篇数"].flags and rows["推送\\篇数"].self_score is not None
    assert result.budget.flags  # over budget
    _check_lines(evaluation)
    data = json.loads(report.render_json(evaluation))
    project = data["projects"][0]
    assert (project["name"], project["department"], project["unit"]) == (
        "项目\n一", "部门\t甲", "单位\u2028乙")
    assert project["indicators"][0]["path"] == ["产出指标", "数量\"指标\"", "推送\\篇数"]
    assert project["indicators"][0]["reason"] == "原因\\一\n原因\"二\""


def test_lines_of_the_example_are_the_encoders_text(default_rules):
    from evaluator.run import evaluate_files

    _check_lines(evaluate_files(str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                *default_rules))


def test_chunks_are_batched_without_changing_the_text(tmp_path, monkeypatch):
    evaluation = evaluate_in(tmp_path, GOALS, ACTUALS)
    lines = [report.project_line(r, evaluation.rules) for r in evaluation.projects] * 5

    def chunks() -> list[str]:
        return list(report.json_chunks(evaluation.rules, evaluation.goals, lines,
                                       lambda: evaluation.diagnostics))

    whole = chunks()
    monkeypatch.setattr(report, "_BATCH", 100)
    batched = chunks()
    assert len(whole) == 1 and len(batched) > 5
    assert "".join(batched) == whole[0]
    json.loads(whole[0])


def test_startup_imports_no_spreadsheet_or_template_library():
    code = ("import sys, evaluator.cli; "
            "print(sorted(m for m in ('openpyxl', 'numpy', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_diagnostics_are_the_encoders_text_wherever_they_are():
    from evaluator.diagnostics import CellPosition, PlacePosition, Position, error, warning

    quoted = "“推送\\篇数”\n扣分 \"1.00\"\t\u2028\U0001F600\x01"
    diagnostics = [
        warning("review.missing_reason", quoted, Position("单位/goals.yaml", 12, 7),
                hint="请填写 reason\\measures"),
        error("yaml.syntax", quoted, Position("a\"b.yaml", 1, 1)),
        error("input.unreadable", "文件无法读取"),  # no position: nulls
        warning("xlsx.cell", quoted, CellPosition("自评表.xlsx", "表 1", 5, 3)),
        warning("pdf.page", quoted, PlacePosition("申报表.pdf", "第3页", 3, 1)),
    ]
    for diagnostic in diagnostics:
        assert report.diagnostic_text(diagnostic) == report._DUMPS(report.diagnostic_json(diagnostic))
    assert json.loads(report.diagnostic_text(diagnostics[0])) == {
        "severity": "warning", "code": "review.missing_reason", "message": quoted,
        "hint": "请填写 reason\\measures", "file": "单位/goals.yaml", "line": 12, "column": 7}


def test_lines_written_with_a_runs_memo_are_the_encoders_text(tmp_path, default_rules):
    """A run writes rows scored alike from one text (by outcome, when the unit gives no score
    of its own) and escapes each row text once (memo.row_texts, memo.quoted): across the
    projects of a messy unit every line is still the encoder's."""
    from benchmarks.generate import generate
    from evaluator.memo import Memo
    from evaluator.run import evaluate_files

    goals, actuals = generate(40, mess=0.6)
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    (tmp_path / "actuals.yaml").write_text(actuals, encoding="utf-8")
    evaluation = evaluate_files(str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml"),
                                *default_rules)
    memo = Memo()
    for result in evaluation.projects:
        line = report.project_line(result, evaluation.rules, memo)
        assert line == report._DUMPS(_expected(result, evaluation.rules))
    unscored = [r for p in evaluation.projects for r in p.indicators if r.self_score is None]
    assert 0 < len(memo.row_texts) < len(unscored)  # rows scored alike written alike
    assert any(r.self_score is not None for p in evaluation.projects for r in p.indicators)
    assert len(memo.quoted) < sum(len(p.indicators) for p in evaluation.projects)
