"""evaluate summary: several unit folders in one summary (DESIGN §12). Every figure below was
worked out by hand from the units written here (see each unit's comment)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluator.cli import main
from tests.conftest import EXAMPLE
from tests.test_reports import CHROMIUM, render_dom

INDICATORS = """    indicators:
      产出指标:
        数量指标:
          活动场次: ≥10(次)
      效益指标:
        社会效益指标:
          受益人次: ≥10(次)
      满意度指标:
        服务对象满意度指标:
          满意度: ≥90%
"""

# 甲 (元): 宣传推广 10 + 50 + 30 + 10 = 100.00 优 on 100 000; 课题研究 executes 150 000 of
# 200 000 (7.50) and does 5 of 10 次 (50 × 5/10 = 25.00, no reason): 7.50 + 25 + 30 + 10 = 72.50 中
JIA_GOALS = f"""year: 2024
unit: 甲单位
projects:
  - name: 宣传推广
    funds: {{total: 100000.00}}
{INDICATORS}  - name: 课题研究
    funds: {{total: 200000.00}}
{INDICATORS}"""
JIA_ACTUALS = """year: 2024
projects:
  宣传推广:
    budget: {adjusted: 100000.00, executed: 100000.00}
    indicators:
      活动场次: 10次
      受益人次: 10次
      满意度: 90%
  课题研究:
    budget: {adjusted: 200000.00, executed: 150000.00}
    indicators:
      活动场次: 5次
      受益人次: 10次
      满意度: 90%
"""

# 乙 (万元, so ×10 000 for sums): 宣传推广 (the name 甲 uses too) spends 60 of 50 (over, 10.00),
# scores its 8 of 10 次 30 where the rules give 24 (6.00 generous), adopted total 100.00 against
# a stated 98 (rules 94.00); 平台运维 executes 80 of 100 (8.00) and scores its 80% of ≥90%
# 10 where the rules give 8.89 (1.11 generous): 98.00, indicators 100% against execution 80%
YI_GOALS = f"""year: 2024
unit: 乙单位
funds_unit: 万元
projects:
  - name: 宣传推广
    funds: {{total: 50.00}}
{INDICATORS}  - name: 平台运维
    code: "31000024T000002"
    funds: {{total: 100.00}}
{INDICATORS}"""
YI_ACTUALS = """year: 2024
projects:
  宣传推广:
    budget: {adjusted: 50.00, executed: 60.00}
    total: 98
    indicators:
      活动场次: 10次
      受益人次: {actual: 8次, score: 30}
      满意度: 95%
  平台运维:
    budget: {adjusted: 100.00, executed: 80.00}
    indicators:
      活动场次: 10次
      受益人次: 10次
      满意度: {actual: 80%, score: 10, reason: 部分活动改为线上}
"""


def write_unit(folder: Path, goals: str, actuals: str | None) -> Path:
    folder.mkdir(parents=True)
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    if actuals is not None:
        (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    return folder


@pytest.fixture
def units(tmp_path, monkeypatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    write_unit(tmp_path / "jia", JIA_GOALS, JIA_ACTUALS)
    write_unit(tmp_path / "yi", YI_GOALS, YI_ACTUALS)
    return ["jia", "yi"]


def summary_json(args: list[str]) -> tuple[dict, object]:
    result = CliRunner().invoke(main, ["summary", *args, "--format", "json"])
    return json.loads(result.stdout), result


def test_averages_plain_and_weighted_by_budget_per_unit_and_overall(units):
    data, result = summary_json(units)
    assert result.exit_code == 1  # 乙's stated total is an error
    jia, yi = data["units"]
    # 甲: (100 + 72.50) / 2; (100 × 100 000 + 72.50 × 200 000) / 300 000 = 81.666…
    assert (jia["average"], jia["weighted_average"], jia["rate"]) == ("86.25", "81.67", "83.33%")
    # 乙 in 元: (100 × 500 000 + 98 × 1 000 000) / 1 500 000 = 98.666…; 140 of 150 万元
    assert (yi["average"], yi["weighted_average"], yi["rate"]) == ("99.00", "98.67", "93.33%")
    assert (yi["adjusted"], yi["executed"]) == ("1,500,000.00", "1,400,000.00")
    overall = data["overall"]
    # 370.50 / 4 = 92.625 → 92.63; 172 500 000 / 1 800 000 = 95.833…; 1 650 000 / 1 800 000
    assert (overall["average"], overall["weighted_average"], overall["rate"]) == (
        "92.63", "95.83", "91.67%")
    assert overall["grade_counts"] == [["优", 3], ["良", 0], ["中", 1], ["差", 0]]
    assert jia["grade_counts"] == [["优", 1], ["良", 0], ["中", 1], ["差", 0]]


def test_projects_named_by_unit_and_name_adopted_and_rule_totals(units):
    data, _result = summary_json(units)
    rows = [(p["unit"], p["name"], p["code"], p["total"], p["rule_total"], p["grade"], p["rate"])
            for p in data["projects"]]
    assert rows == [
        ("甲单位", "宣传推广", "", "100.00", "100.00", "优", "100.00%"),
        ("甲单位", "课题研究", "", "72.50", "72.50", "中", "75.00%"),
        ("乙单位", "宣传推广", "", "100.00", "94.00", "优", "120.00%"),  # the same name: fine
        ("乙单位", "平台运维", "31000024T000002", "98.00", "96.89", "优", "80.00%"),
    ]
    assert data["projects"][2]["adjusted"] == "500,000.00"  # 50 万元


def test_exceptions_in_the_order_a_reviewer_reads_them(units):
    data, _result = summary_json(units)
    listed = [(a["kind"], a["unit"], a["project"], a["figure"], a["position"])
              for a in data["anomalies"]]
    assert listed == [
        ("自评得分比规则宽松", "乙单位", "宣传推广", "高出规则 6.00 分", "yi/actuals.yaml:8:33"),
        ("自评得分比规则宽松", "乙单位", "平台运维", "高出规则 1.11 分", "yi/actuals.yaml:15:33"),
        ("总分与各行得分合计不符", "乙单位", "宣传推广", "填写 98.00，合计 100.00，相差 -2.00",
         "yi/actuals.yaml:5:12"),
        ("执行数超过预算数", "乙单位", "宣传推广", "超支 100,000.00 元（执行率 120.00%）",
         "yi/actuals.yaml:4:41"),
        ("指标得分率远高于预算执行率", "乙单位", "平台运维", "高出 20.00 个百分点",
         "yi/actuals.yaml:11:42"),
        ("扣分未说明原因", "甲单位", "课题研究", "扣 25.00 分", "jia/actuals.yaml:12:7"),
    ]


def test_unscored_projects_and_excel_habits(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # 1.1E+05 is how Excel may export 110 000 (digits lost): the project is not scored; 0.95
    # against ≥90% is a percentage cell's value
    actuals = JIA_ACTUALS.replace("executed: 100000.00", "executed: 1.1E+05").replace(
        "      活动场次: 5次\n      受益人次: 10次\n      满意度: 90%",
        "      活动场次: 10次\n      受益人次: 10次\n      满意度: {actual: 0.95, reason: 见说明}")
    write_unit(tmp_path / "bing", JIA_GOALS.replace("甲单位", "丙单位"), actuals)
    data, result = summary_json(["bing"])
    assert result.exit_code == 1
    assert [(a["kind"], a["project"], a["code"], a["position"]) for a in data["anomalies"]] == [
        ("因输入错误未评分", "宣传推广", "schema.number", "bing/actuals.yaml:4:45"),
        # read as 0.95%: (50 + 30 + 10 × 0.95/90 = 0.11) / 90 = 89.01% against 75% executed
        ("指标得分率远高于预算执行率", "课题研究", "review.achievement_gap", "bing/actuals.yaml:10:45"),
        ("疑似 Excel 习惯造成的数值", "宣传推广", "schema.number", "bing/actuals.yaml:4:45"),
        ("疑似 Excel 习惯造成的数值", "课题研究", "actual.percent_unit", "bing/actuals.yaml:14:21"),
    ]
    assert data["anomalies"][1]["figure"] == "高出 14.01 个百分点"
    assert data["units"][0]["unscored"] == "1 个项目未评分"
    assert [p["name"] for p in data["projects"]] == ["课题研究"]


def test_a_folder_missing_a_file_and_a_unit_in_error_leave_the_others_summarized(units,
                                                                                 tmp_path):
    write_unit(tmp_path / "ding", JIA_GOALS.replace("甲单位", "丁单位"), None)
    write_unit(tmp_path / "wu", "year: 2024年\nunit: 戊单位\nprojects: []\n", JIA_ACTUALS)
    data, result = summary_json([*units, "ding", "wu"])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "error[summary.missing_file] 单位目录“ding”中没有完成值文件（actuals）" in result.stderr
    assert "wu/goals.yaml:1:7: error[schema.year]" in result.stderr
    lines = {u["unit"]: u["unscored"] for u in data["units"]}
    assert lines == {"甲单位": "", "乙单位": "", "ding": "整个单位未评分", "wu": "整个单位未评分"}
    assert data["overall"]["unscored"] == "另有 2 个单位因输入错误未评分"
    assert data["overall"]["weighted_average"] == "95.83"  # the two scored units only
    unscored = [a for a in data["anomalies"] if a["kind"] == "因输入错误未评分"]
    assert [(a["unit"], a["code"], a["position"]) for a in unscored] == [
        ("ding", "summary.missing_file", ""), ("wu", "schema.year", "wu/goals.yaml:1:7")]


def test_a_unit_scored_under_its_own_rules(units, tmp_path):
    # no budget row: 产出 60, 效益 30, 满意度 10 (examples/rules/no-budget-row.yaml)
    rules = (EXAMPLE.parent / "rules" / "no-budget-row.yaml").read_text(encoding="utf-8")
    (tmp_path / "jia" / "rules.yaml").write_text(rules, encoding="utf-8")
    data, _result = summary_json(units)
    # 课题研究 without its budget row: 60 × 5/10 + 30 + 10 = 70.00
    assert [p["total"] for p in data["projects"][:2]] == ["100.00", "70.00"]
    assert data["units"][0]["rules"] != data["units"][1]["rules"] == "mof-2020"


def test_a_broken_unit_rule_set_is_a_rule_set_error(units, tmp_path):
    (tmp_path / "jia" / "rules.yaml").write_text("extends: mof-2020\nbudget: {weight: 十}\n",
                                                 encoding="utf-8")
    _data, result = summary_json(units)
    assert result.exit_code == 2 and "jia/rules.yaml:2" in result.stderr


def test_two_goals_files_in_a_folder_are_refused_by_name(units, tmp_path):
    (tmp_path / "jia" / "goals.yml").write_text(JIA_GOALS, encoding="utf-8")
    data, result = summary_json(units)
    assert ("error[summary.ambiguous_file] 单位目录“jia”中有多个申报表（goals）：goals.yaml、"
            "goals.yml") in result.stderr
    assert data["units"][0]["unscored"] == "整个单位未评分"
    assert [a["code"] for a in data["anomalies"] if a["unit"] == "jia"] == [
        "summary.ambiguous_file"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_jobs_give_the_same_bytes(units, tmp_path, jobs):
    many = []
    for number in range(5):  # enough units for workers to share
        many += [units[number % 2]]
    result = CliRunner().invoke(main, ["summary", *many, "--jobs", jobs, "-o", f"out{jobs}.md"])
    assert result.exit_code == 1
    one = CliRunner().invoke(main, ["summary", *many, "--jobs", "1"])
    assert (tmp_path / f"out{jobs}.md").read_text(encoding="utf-8") == one.stdout


def test_every_format_writes(units, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    for fmt in ("md", "html", "json", "xlsx"):
        result = CliRunner().invoke(main, ["summary", *units, "--format", fmt, "-o", f"s.{fmt}"])
        assert result.exit_code == 1, result.stderr
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["单位", "项目", "异常"]
    overall = [c.value for c in book["单位"][4]]
    assert overall[:10] == ["合计", "2024", "mof-2020", 4, None, 1800000, 1650000,
                            pytest.approx(0.9167), pytest.approx(92.63), pytest.approx(95.83)]
    assert book["项目"]["C5"].value == "31000024T000002"  # a code stays text
    assert book["异常"]["D2"].value == "高出规则 6.00 分"
    assert CliRunner().invoke(main, ["summary", *units, "--format", "xlsx"]).exit_code == 2


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_html_summary_in_chromium(units, tmp_path):
    result = CliRunner().invoke(main, ["summary", *units, "--format", "html", "-o", "s.html"])
    assert result.exit_code == 1
    html = (tmp_path / "s.html").read_text(encoding="utf-8")
    assert "https://" not in html and "<link" not in html  # self-contained
    dom = render_dom(tmp_path / "s.html", tmp_path)
    assert dom.count("<svg") == 2  # the grade distribution, execution against achievement
    assert dom.count('class="project"') == 4 and dom.count('class="anomaly"') == 6
    assert "高出规则 6.00 分" in dom and "95.83" in dom
    # each project with both rates is a dot, its tooltip naming unit and project
    assert "乙单位 · 平台运维：执行率 80.00%，指标得分率 100.00%" in dom


def test_exceptions_sort_largest_first_within_a_kind():
    from evaluator.summary import GENEROUS, NO_REASON, Anomaly, sort_key

    def item(kind, amount, project):
        return Anomaly(kind, Decimal(amount), "甲", project, "", "", "", "")

    listed = sorted([item(NO_REASON, "9", "a"), item(GENEROUS, "0.5", "b"),
                     item(GENEROUS, "3", "c")], key=sort_key)
    assert [a.project for a in listed] == ["c", "b", "a"]


def test_a_unit_whose_actuals_are_a_workbook(tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.chdir(tmp_path)
    write_unit(tmp_path / "xl", JIA_GOALS, None)
    scaffold = CliRunner().invoke(main, ["scaffold", "xl/goals.yaml", "--format", "xlsx",
                                         "-o", "xl/actuals.xlsx"])
    assert scaffold.exit_code == 0, scaffold.stderr
    book = openpyxl.load_workbook("xl/actuals.xlsx")  # filled in as 甲's actuals.yaml
    for name, spent, done in (("宣传推广", 100000, "10次"), ("课题研究", 150000, "5次")):
        sheet = book[name]
        sheet["F6"], sheet["F13"], sheet["F14"], sheet["F15"] = spent, done, "10次", 0.9
        sheet["F15"].number_format = "0%"  # 90% as Excel holds it: no Excel-habit warning
    book.save("xl/actuals.xlsx")
    data, result = summary_json(["xl"])
    assert result.exit_code == 0, result.stderr
    assert [p["total"] for p in data["projects"]] == ["100.00", "72.50"]
    assert [(a["figure"], a["position"]) for a in data["anomalies"]] == [
        ("扣 25.00 分", "xl/actuals.xlsx:课题研究!D13")]


def test_a_name_that_looks_like_a_formula_stays_text_in_the_workbook(tmp_path, monkeypatch):
    openpyxl = pytest.importorskip("openpyxl")
    monkeypatch.chdir(tmp_path)
    write_unit(tmp_path / "f", JIA_GOALS.replace("unit: 甲单位", "unit: '=HYPERLINK(\"x\")'"),
               JIA_ACTUALS)
    assert CliRunner().invoke(main, ["summary", "f", "--format", "xlsx", "-o", "s.xlsx"]
                              ).exit_code == 0
    cell = openpyxl.load_workbook("s.xlsx")["单位"]["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ('=HYPERLINK("x")', "s", True)
