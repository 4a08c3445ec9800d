"""Reports people hand in: context contract, HTML, XLSX, JSON Schema, determinism, templates."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2 import nodes

from evaluator import json_report
from evaluator import report as report_module
from evaluator.cli import main
from evaluator.run import evaluate_files
from evaluator.resources import resource_dir
from tests.conftest import EXAMPLE


@pytest.fixture(scope="module")
def evaluation(default_rules):
    return evaluate_files(str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"), *default_rules)


@pytest.fixture(scope="module")
def context(evaluation):
    return report_module.build_context(evaluation, explain=True)


def documented_fields() -> set[str]:
    """Every field of every dataclass a template can reach from ReportContext."""
    from evaluator import charts

    names: set[str] = {"first", "last", "index", "previtem"}  # Jinja's own loop variable
    for module in (report_module, charts):
        for value in vars(module).values():
            if dataclasses.is_dataclass(value) and isinstance(value, type):
                names |= {f.name for f in dataclasses.fields(value)}
    return names


@pytest.mark.parametrize("template", ["report.md.j2", "report.html.j2"])
def test_templates_use_only_documented_fields(template):
    source = (resource_dir("reports") / template).read_text(encoding="utf-8")
    tree = report_module.environment().parse(source)
    used = {node.attr for node in tree.find_all(nodes.Getattr)}
    assert used - documented_fields() == set()
    # and nothing computes: no arithmetic in templates (DESIGN §7)
    arithmetic = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.Pow)
    assert [type(n).__name__ for n in tree.find_all(arithmetic)] == []


def test_context_is_the_only_variable(context):
    """``report`` alone; and ``p``, which the project's part (the ``project`` block, rendered
    on its own in a --jobs worker) reads of the loop over ``report.projects`` around it."""
    for template in ("report.md.j2", "report.html.j2"):
        source = (resource_dir("reports") / template).read_text(encoding="utf-8")
        from jinja2 import meta
        tree = report_module.environment().parse(source)
        assert meta.find_undeclared_variables(tree) == {"report", "p"}
        [block] = tree.find_all(nodes.Block)
        [loop] = [n for n in tree.find_all(nodes.For) if block in n.body]
        assert (block.name, block.scoped, loop.target.name) == ("project", True, "p")
        assert (loop.iter.node.name, loop.iter.attr) == ("report", "projects")


def test_same_inputs_give_identical_bytes(tmp_path):
    runner = CliRunner()
    outputs = {}
    for attempt in (1, 2):
        for fmt in ("md", "html", "json", "xlsx"):
            out = tmp_path / f"{attempt}.{fmt}"
            result = runner.invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                          "--format", fmt, "-o", str(out)])
            assert result.exit_code == 0, result.output
            outputs[(attempt, fmt)] = out.read_bytes()
    for fmt in ("md", "html", "json", "xlsx"):
        assert outputs[(1, fmt)] == outputs[(2, fmt)], fmt


def test_xlsx_needs_an_output_file():
    result = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                       "--format", "xlsx"])
    assert result.exit_code == 2 and "-o" in result.stderr


def test_json_output_follows_the_shipped_schema(evaluation):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((resource_dir("reports") / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(json_report.render_json(evaluation))
    jsonschema.validate(data, schema)
    data["projects"][0]["total"] = 92.25  # a float would break the contract
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_views_carry_the_numbers_they_show(context):
    """A writer of numbers (a workbook's cells) reads ``*_value``, never the display text."""
    def shown(text: str) -> Decimal:
        return Decimal(text.replace(",", "").removesuffix("%"))

    for p in context.projects:
        assert p.total_value == shown(p.total) and p.weight_total_value == Decimal("100.00")
        assert p.adjusted_value == shown(p.adjusted) and p.executed_value == shown(p.executed)
        assert p.rate_value == shown(p.rate) / 100
        for i in p.indicators:
            assert (i.weight_value, i.score_value) == (shown(i.weight), shown(i.score))
    for row, p in zip(context.summary, context.projects):
        assert (row.total_value, row.rate_value) == (p.total_value, p.rate_value)
    assert context.total_adjusted_value == sum(p.adjusted_value for p in context.projects)
    assert context.average_total_value == shown(context.average_total)


def test_every_format_of_the_table_is_offered_and_told_apart():
    from evaluator.formats import FORMATS

    option = next(o for o in main.commands["run"].params if o.name == "output_format")
    assert list(option.type.choices) == list(FORMATS) == ["md", "html", "json", "xlsx", "docx", "pdf"]
    for fmt in FORMATS.values():
        assert fmt.name in option.help and (fmt.needs_file == ("须配合 -o" in fmt.help()))


def test_xlsx_cells_read_back(evaluation, context):
    openpyxl = pytest.importorskip("openpyxl")
    from evaluator.xlsx import render_xlsx

    # the values as saved: the 总分 is a formula, its value written beside it
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(context)), data_only=True)
    assert book.sheetnames[0] == "单位汇总" and len(book.sheetnames) == 11
    for result in evaluation.projects:
        sheet = book[result.project.name[:31]]
        rows = list(sheet.iter_rows(values_only=True))
        budget = next(r for r in rows if r[2] == "年度资金总额")
        assert Decimal(str(budget[8])) == result.budget.score  # 得分 of the budget row
        assert Decimal(str(budget[7])).quantize(Decimal("0.0001")) == result.budget.rate.quantize(
            Decimal("0.0001"))
        by_name = {r[3]: r for r in rows if r[3] is not None}
        for row in result.indicators:
            cells = by_name[row.indicator.name]
            assert Decimal(str(cells[6])) == row.weight, row.indicator.name
            assert Decimal(str(cells[7])) == row.score, row.indicator.name
        total = next(r for r in rows if r[1] == "总分")
        assert Decimal(str(total[7])) == result.total
        assert sheet.print_area is not None and sheet.merged_cells.ranges
    summary = list(book["单位汇总"].iter_rows(values_only=True))
    totals = {r[0]: r[4] for r in summary[3:13]}
    assert totals["城市日宣传推广"] == pytest.approx(92.25)
    average = next(r for r in summary if r[0] and str(r[0]).startswith("合计"))
    # the average of the projects' totals, a number under 总分; nothing under 自评等级
    assert average[0] == "合计（总分为平均）" and average[5] is None
    assert average[4] == pytest.approx(float(context.average_total))


def test_user_templates_override_and_are_sandboxed(tmp_path):
    (tmp_path / "report.md.j2").write_text("{% for p in report.projects %}{{ p.name }}={{ p.total }}\n"
                                          "{% endfor %}", encoding="utf-8")
    runner = CliRunner()
    args = [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"), "--templates", str(tmp_path)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "城市日宣传推广=92.25"
    (tmp_path / "report.md.j2").write_text(
        "{{ report.__class__.__init__.__globals__['os'].system('echo pwned') }}", encoding="utf-8")
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "模板错误" in result.stderr and "pwned" not in result.stdout


@pytest.mark.parametrize("template, said", [
    ("{{ 1/0 }}", "report.md.j2 第 1 行：除以零"),
    ("line\n{{ range(100001)|list }}", "report.md.j2 第 2 行：范围过大"),
    ('{% include "report.md.j2" %}', "模板互相包含或递归过深"),
    ("{% for p in report.projects %}{{ p.name }", "report.md.j2 第 1 行："),
    ('{% include "outside" %}', "找不到模板“outside”"),  # a link to a file elsewhere
])
def test_a_failing_user_template_is_told_where_without_a_traceback(tmp_path, template, said):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "report.md.j2").write_text(template, encoding="utf-8")
    (tmp_path / "secret.txt").write_text("机密", encoding="utf-8")
    (folder / "outside").symlink_to(tmp_path / "secret.txt")
    result = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                       "--templates", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("模板错误：") and said in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "机密" not in result.stdout


# ---- HTML as a person sees it ------------------------------------------------------------

SCRIPT_GOALS = """\
year: 2024
unit: 测试单位
projects:
  - name: 转义测试
    funds: {total: 1000.00}
    indicators:
      产出指标:
        数量指标:
          "<script>alert(1)</script>": ≥3.00(次)
"""
SCRIPT_ACTUALS = """\
year: 2024
projects:
  转义测试:
    budget: {adjusted: 1000.00, executed: 1000.00}
    indicators:
      "<script>alert(1)</script>": 3次
"""

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def render_dom(path: Path, tmp_path: Path) -> str:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_html_in_chromium_shows_the_table_and_escapes_names(tmp_path):
    (tmp_path / "goals.yaml").write_text(SCRIPT_GOALS, encoding="utf-8")
    (tmp_path / "actuals.yaml").write_text(SCRIPT_ACTUALS, encoding="utf-8")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml"),
                                       "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    dom = render_dom(out, tmp_path)
    assert "<script>alert(1)</script>" not in dom  # no script element was created
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text
    assert "项目支出绩效自评表" in dom and "自评等级：优" in dom


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_example_html_in_chromium(tmp_path):
    out = tmp_path / "report.html"
    CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                              "--format", "html", "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<link" not in html  # self-contained
    dom = render_dom(out, tmp_path)
    assert dom.count('class="form indicators"') == 10  # one 自评表 per project
    assert dom.count("<svg") == 3  # categories, budget execution, grades
    assert "单位汇总：上海世界城市日事务协调中心（2024年度）" in dom
    assert 'rowspan="6">成本指标' in dom  # merged level-1 cell of 城市日宣传推广


def test_xlsx_keeps_targets_as_text(context):
    openpyxl = pytest.importorskip("openpyxl")
    from evaluator.xlsx import render_xlsx

    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(context)))
    sheet = book["城市日宣传推广"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == "=100.00(%)"]
    assert cells and all(c.data_type == "s" for c in cells)  # a target, not a formula
    remark = next(c for row in sheet.iter_rows() for c in row
                  if isinstance(c.value, str) and c.value.startswith("微博平台流量分配规则调整"))
    assert sheet.row_dimensions[remark.row].height >= 30  # grown for its wrapped text


def test_json_of_a_run_with_errors_follows_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from tests.conftest import evaluate_in
    from tests.test_diagnostics import ACTUALS, GOALS

    goals = GOALS.replace("满意度指标:", "满意度指数:")  # an unknown level 1: weight 0.00
    actuals = ACTUALS.replace("6篇", "22人次").replace("3次", "{actual: 3次, score: 99}")
    evaluation = evaluate_in(tmp_path, goals, actuals)
    assert evaluation.errors
    schema = json.loads((resource_dir("reports") / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json_report.render_json(evaluation)), schema)


def test_sheet_titles_are_ones_excel_opens():
    from evaluator.xlsx import sheet_title

    taken = {"单位汇总"}
    titles = [sheet_title(name, taken) for name in
              ["History", "项目a", "项目A", "甲\n乙", "[年度]:项目?", "'引号'", "单位汇总", "长" * 40]]
    # History is Excel's own; case does not tell sheets apart; no control or []:*?/\ characters
    assert titles == ["History_", "项目a", "项目A(2)", "甲 乙", "_年度__项目_", "引号", "单位汇总(2)",
                      "长" * 31]


@pytest.mark.parametrize("written, shown", [
    ("<!-- 草稿 -->城市日", "&lt;!-- 草稿 -->城市日"),  # a renderer would hide all that follows
    ("<b>重点</b>项目", "&lt;b>重点&lt;/b>项目"),
    ("满意度<5%的整改", "满意度<5%的整改"),  # not HTML: kept for a reader in a terminal
    ("甲|乙", "甲\\|乙"),
    ("第一行\n第二行", "第一行<br>第二行"),
])
def test_markdown_text_is_never_taken_for_html_or_a_cell_break(written, shown):
    assert report_module.markdown_cell(written) == shown


def test_markdown_report_quotes_names_and_the_unit_as_text(tmp_path):
    goals = (EXAMPLE / "goals.yaml").read_text(encoding="utf-8")
    goals = goals.replace("unit: 上海世界城市日事务协调中心", "unit: <i>上海</i>中心", 1)
    goals = goals.replace("- name: 城市日宣传推广", "- name: <!-- 城市日宣传推广", 1)
    actuals = (EXAMPLE / "actuals.yaml").read_text(encoding="utf-8")
    actuals = actuals.replace("城市日宣传推广:", '"<!-- 城市日宣传推广":', 1)
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    (tmp_path / "actuals.yaml").write_text(actuals, encoding="utf-8")
    result = CliRunner().invoke(main, [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml")])
    assert result.exit_code == 0, result.stderr
    assert "# &lt;i>上海&lt;/i>中心 2024年度项目支出绩效自评表" in result.stdout
    assert "## 项目支出绩效自评表：&lt;!-- 城市日宣传推广" in result.stdout
    assert "<!--" not in result.stdout and "<i>" not in result.stdout


def test_control_characters_pasted_into_text_never_break_a_report(tmp_path):
    """A vertical tab (Word's soft line break, pasted) in a reason and an ESC in a summary:
    check passed them, and the Excel export died with a traceback (XML has no such characters);
    Markdown sent the ESC to the terminal."""
    actuals = (EXAMPLE / "actuals.yaml").read_text(encoding="utf-8")
    actuals = actuals.replace("reason: 微博平台流量分配规则调整，", "reason: \"微博平台流量分配\\v规则调整，", 1)
    actuals = actuals.replace("未纳入原统计口径", "未纳入原统计口径\"", 1)
    actuals = actuals.replace("summary: 全年运营", "summary: \"\\e全年运营", 1)
    actuals = actuals.replace("形成结余。", "形成结余。\"", 1)
    (tmp_path / "actuals.yaml").write_text(actuals, encoding="utf-8")
    shutil.copy(EXAMPLE / "goals.yaml", tmp_path / "goals.yaml")
    inputs = [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml")]
    runner = CliRunner()
    result = runner.invoke(main, [*inputs, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    import openpyxl

    cells = [c.value for ws in openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets
             for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("微博平台流量分配\n规则调整" in c for c in cells)
    assert any("\ufffd全年运营" in c for c in cells)
    markdown = runner.invoke(main, inputs).stdout
    assert "微博平台流量分配<br>规则调整" in markdown and "\ufffd全年运营" in markdown
    html = runner.invoke(main, [*inputs, "--format", "html"]).stdout
    assert "\x1b" not in markdown + html and "\x0b" not in markdown + html
    data = runner.invoke(main, [*inputs, "--format", "json"]).stdout
    assert "微博平台流量分配\\u000b规则调整" in data  # JSON holds the text as written


def test_a_project_that_could_not_be_scored_is_named_beside_the_totals(tmp_path):
    """Its budget left out of 合计 and its score of the average: the summary says so, in every
    format a person reads (it said nothing, and 合计 looked like the unit's whole budget)."""
    goals = (EXAMPLE / "goals.yaml").read_text(encoding="utf-8")
    goals = goals.replace("      total: 1102000.00", "      total: 一百一十万", 1)
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    shutil.copy(EXAMPLE / "actuals.yaml", tmp_path / "actuals.yaml")
    inputs = [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml")]
    note = "另有 1 个项目因输入错误未能评分，未计入合计：城市日宣传推广。"
    runner = CliRunner()
    markdown = runner.invoke(main, inputs)
    assert markdown.exit_code == 1 and note in markdown.stdout
    assert note in runner.invoke(main, [*inputs, "--format", "html"]).stdout
    runner.invoke(main, [*inputs, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    import openpyxl

    summary = openpyxl.load_workbook(tmp_path / "r.xlsx")["单位汇总"]
    assert note in [c.value for row in summary.iter_rows() for c in row]
    clean = runner.invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml")])
    assert "未能评分" not in clean.stdout


def test_a_category_keeps_its_colour_when_a_project_lacks_another(tmp_path):
    """Colours followed a segment's place: a project without 效益指标 drew its 满意度 in
    效益's colour, against the legend."""
    from evaluator.charts import category_chart
    from tests.conftest import evaluate_in

    def project(name: str, levels: str) -> str:
        return f"  - name: {name}\n    funds: {{total: 100}}\n    indicators:\n{levels}"

    output = "      产出指标:\n        数量指标:\n          a: ≥1次\n"
    benefit = "      效益指标:\n        社会效益指标:\n          b: ≥1次\n"
    satisfaction = "      满意度指标:\n        服务对象满意度指标:\n          c: ≥90%\n"
    goals = ("year: 2024\nunit: 测试单位\nprojects:\n" + project("全", output + benefit + satisfaction)
             + project("缺效益", output + satisfaction))
    actuals = ("year: 2024\nprojects:\n" + "".join(
        f"  {name}:\n    budget: {{adjusted: 100, executed: 100}}\n    indicators:\n{rows}"
        for name, rows in (("全", "      a: 1次\n      b: 1次\n      c: 95%\n"),
                           ("缺效益", "      a: 1次\n      c: 95%\n"))))
    chart = category_chart(evaluate_in(tmp_path, goals, actuals))
    colours = {(r.title.split("：")[0], r.css.split()[-1]) for r in chart.rects}
    assert len({css for name, css in colours if name == "满意度指标"}) == 1
    legend = dict((name, css) for css, name in chart.legend)
    assert all(legend[name] == css for name, css in colours)


def test_the_budget_flag_and_a_stated_total_are_shown_in_every_format(tmp_path):
    """超预算执行 was in the JSON only, a 总分 the unit wrote without row scores nowhere but the
    diagnostics, and the Excel sheets had neither, nor the unit's own budget score."""
    goals = "year: 2024\nunit: 测试单位\nprojects:\n  - name: 项目甲\n    funds: {total: 10}\n" \
            "    indicators:\n      产出指标:\n        数量指标:\n          a: ≥1次\n"
    actuals = "year: 2024\nprojects:\n  项目甲:\n    budget: {adjusted: 10, executed: 15.5, score: 9}\n" \
              "    total: 95\n    indicators:\n      a: 1次\n"
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    (tmp_path / "actuals.yaml").write_text(actuals, encoding="utf-8")
    inputs = [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml")]
    runner = CliRunner()
    markdown = runner.invoke(main, inputs).stdout
    assert "155.00%【超预算执行】" in markdown
    assert "单位填写的总分：95.00。" in markdown
    html = runner.invoke(main, [*inputs, "--format", "html"]).stdout
    assert '<span class="flag">超预算执行</span>' in html and "单位填写的总分：95.00。" in html
    runner.invoke(main, [*inputs, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["项目甲"]
    notes = [c.value for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("预算执行：")]
    assert notes == ["预算执行：超预算执行。预算执行率得分：单位自评 9.00，规则得分 10.00。"
                     "得分采用单位自评得分（未填写的行按规则得分）；规则得分为按规则集计算的得分。"
                     "单位填写的总分：95.00。"]
    # a total alone, no row or budget score of the unit's: still shown
    (tmp_path / "actuals.yaml").write_text(actuals.replace(", score: 9", ""), encoding="utf-8")
    alone = runner.invoke(main, inputs).stdout
    assert "单位填写的总分：95.00。" in alone and "得分采用单位自评得分" not in alone


def test_a_row_in_error_says_why_not_that_its_reason_is_missing(tmp_path):
    """A row scored 0 for an input mistake read “（未填写偏差原因）”: the mistake is said."""
    from tests.conftest import evaluate_in

    goals = ("year: 2024\nunit: 测试单位\nprojects:\n  - name: 甲\n    funds: {total: 10}\n"
             "    indicators:\n      产出指标:\n        数量指标:\n          a: ≥4次\n          b: ≥1次\n")
    actuals = ("year: 2024\nprojects:\n  甲:\n    budget: {adjusted: 10, executed: 10}\n"
               "    indicators:\n      a: 4人次\n")
    context = report_module.build_context(evaluate_in(tmp_path, goals, actuals))
    rows = {i.name: (i.problem, i.missing_reason) for i in context.projects[0].indicators}
    assert rows == {"a": ("实际完成值单位“人次”与指标值单位“次”不一致", False),
                    "b": ("未填写实际完成值", False)}
    markdown = report_module.render(context, "md")
    assert "（输入有误：实际完成值单位“人次”与指标值单位“次”不一致）" in markdown
    assert "未填写偏差原因" not in markdown


def test_a_long_project_name_fits_the_charts_label_space():
    """Measured as a Chinese font draws it: Latin capitals and full-width punctuation (“”—·)
    are wider than a terminal column, and such names ran off the left edge all the same."""
    from evaluator.charts import LABEL_PIXELS, _fitted, _pixels

    long = "上海市城市更新与可持续发展国际合作交流平台建设运营项目"
    assert _fitted("城市日宣传推广") == "城市日宣传推广"
    for name in (long, "2024年度“世界城市日”全球论坛（WUF）配套活动", "W" * 30,
                 "“一带一路”——“城市日”·“上海手册”编撰"):
        fitted = _fitted(name)
        assert fitted.endswith("…") and name.startswith(fitted[:-1])
        assert sum(map(_pixels, fitted)) <= LABEL_PIXELS
    # 15 Chinese characters fit (180 px), 16 do not
    assert _fitted("城" * 15) == "城" * 15 and _fitted("城" * 16) == "城" * 14 + "…"


def test_the_budget_chart_explains_the_colours_it_draws(evaluation):
    from evaluator.charts import budget_chart

    chart = budget_chart(evaluation)
    drawn = {rect.css for rect in chart.rects}
    assert drawn and {css for css, _name in chart.legend} == drawn
    names = dict(chart.legend)
    assert names.get("low", "低于 90%") == "低于 90%" and names.get("rate", "90% 至 100%") == "90% 至 100%"


def test_a_grade_over_weights_that_break_the_100_says_so(tmp_path):
    """Written 分值 adding up to 110 (weights.total, an error) gave a total of 110 graded 优,
    read like any other."""
    from tests.conftest import evaluate_in

    goals = ("year: 2024\nunit: 测试单位\nprojects:\n  - name: 甲\n    funds: {total: 10}\n"
             "    indicators:\n      产出指标:\n        数量指标:\n          a: ≥1次\n"
             "      效益指标:\n        社会效益指标:\n          b: ≥1次\n"
             "      满意度指标:\n        服务对象满意度指标:\n          c: ≥90%\n")
    actuals = ("year: 2024\nprojects:\n  甲:\n    budget: {adjusted: 10, executed: 10}\n"
               "    indicators:\n      a: {actual: 1次, weight: 60}\n      b: 1次\n      c: 95%\n")
    evaluation = evaluate_in(tmp_path, goals, actuals)
    assert "weights.total" in [d.code for d in evaluation.diagnostics]
    view = report_module.build_context(evaluation).projects[0]
    # 10 + 60 + 30 + 10 = 110, every row met
    assert (view.total, view.grade) == ("110.00", "优（分值合计 110.00，不是 100）")


def test_the_fund_rows_are_shown_where_the_goals_give_them(tmp_path):
    """其中：当年财政拨款 / 上年结转资金 / 其他资金 were read and never shown. A figure not given
    is an empty cell, not a 0.00 nobody wrote; the form's 分值, 执行率 and 得分 are — there."""
    goals = ("year: 2024\nunit: 测试单位\nprojects:\n  - name: 甲\n"
             "    funds: {total: 100.00, fiscal: 80.00, carryover: 20.00}\n"
             "    indicators:\n      产出指标:\n        数量指标:\n          a: ≥1次\n"
             "  - name: 乙\n    funds: {total: 50.00}\n"
             "    indicators:\n      产出指标:\n        数量指标:\n          a: ≥1次\n")
    actuals = ("year: 2024\nprojects:\n" + "".join(
        f"  {name}:\n    budget: {{adjusted: 100, executed: 90}}\n    indicators:\n      a: 1次\n"
        for name in ("甲", "乙")))
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    (tmp_path / "actuals.yaml").write_text(actuals, encoding="utf-8")
    inputs = [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml")]
    runner = CliRunner()
    markdown = runner.invoke(main, inputs).stdout
    assert ("| 其中：当年财政拨款 | 80.00 |  |  | — | — | — |\n| 上年结转资金 | 20.00 |  |  | — | — | — |\n"
            "| 其他资金 |  |  |  | — | — | — |\n") in markdown
    assert markdown.count("其中：当年财政拨款") == 1  # 乙 gives none of them: no rows
    html = runner.invoke(main, [*inputs, "--format", "html"]).stdout
    assert ('<tr><td class="label">其中：当年财政拨款</td><td class="num">80.00</td>'
            '<td class="num"></td><td class="num"></td>') in html
    assert html.count("上年结转资金") == 1 and 'rowspan="5" class="funds">项目资金' in html
    runner.invoke(main, [*inputs, "--format", "xlsx", "-o", str(tmp_path / "r.xlsx")])
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    rows = [[c.value for c in row][2:9] for row in book["甲"].iter_rows()]
    assert ["其中：当年财政拨款", 80, None, None, "—", "—", "—"] in rows
    assert ["上年结转资金", 20, None, None, "—", "—", "—"] in rows
    assert ["其他资金", None, None, None, "—", "—", "—"] in rows
    assert not any(r[0] == "上年结转资金" for r in ([c.value for c in row][2:9]
                                              for row in book["乙"].iter_rows()))
    # the indicators and their total still where they belong below the longer funds block
    saved = openpyxl.load_workbook(tmp_path / "r.xlsx", data_only=True)  # the 总分's value
    total = next(row for row in saved["甲"].iter_rows(values_only=True) if row[1] == "总分")
    assert total[7] == 99  # 10 × 90/100 + 90
