"""The 自评报告 in Word (--format docx, DESIGN §11), read back with python-docx."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile

import pytest
from click.testing import CliRunner

from evaluator.cli import main
from evaluator.run import evaluate_files
from evaluator.word_report import chinese_number
from tests.conftest import EXAMPLE

docx = pytest.importorskip("docx")

OUTLINE = ["一、基本情况", "二、绩效自评工作开展情况", "三、综合评价结论", "四、绩效指标完成情况分析",
           "五、偏离绩效目标的原因和改进措施", "六、自评结果应用", "七、其他需要说明的问题"]
NAMES = ["城市日宣传推广", "城市日管理研究", "2024年“上海奖”工作", "课题研究", "世界城市日海外专题推介",
         "人居署项目支持", "城市日主场活动", "2024年“上海指数”工作", "涉外资料翻译", "信息化建设项目"]
INPUTS = [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml")]


def written(tmp_path, *options: str, name: str = "report.docx") -> bytes:
    out = tmp_path / name
    result = CliRunner().invoke(main, [*INPUTS, "--format", "docx", "-o", str(out), *options])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def report_bytes(tmp_path_factory) -> bytes:
    return written(tmp_path_factory.mktemp("docx"))


@pytest.fixture(scope="module")
def document(report_bytes):
    return docx.Document(io.BytesIO(report_bytes))


def headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


def chapter_text(document, name: str) -> str:
    """The paragraphs of one project's chapter, joined."""
    lines, inside = [], False
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 1":
            inside = paragraph.text.endswith(name)
        elif inside:
            lines.append(paragraph.text)
    return "\n".join(lines)


def test_a_chapter_per_project_in_the_published_outline(document):
    assert document.paragraphs[0].text == "上海世界城市日事务协调中心2024年度项目支出绩效自评报告"
    assert headings(document, 1) == [f"{n}、{name}" for n, name in zip(
        "一二三四五六七八九十", NAMES)]
    assert headings(document, 2) == OUTLINE * 10  # in order, in every chapter
    first = [p.text for p in document.paragraphs if p.style.name in ("Heading 2", "Heading 3")]
    assert first[:first.index("五、偏离绩效目标的原因和改进措施")] == [
        "一、基本情况", "（一）项目概况", "（二）资金情况", "（三）绩效目标", "二、绩效自评工作开展情况",
        "三、综合评价结论", "四、绩效指标完成情况分析", "（一）预算执行情况", "（二）成本指标",
        "（三）产出指标", "（四）效益指标", "（五）满意度指标"]


def test_no_template_tag_is_left_and_the_officer_is_asked_where_data_is_silent(report_bytes):
    with zipfile.ZipFile(io.BytesIO(report_bytes)) as package:
        xml = "".join(package.read(n).decode("utf-8") for n in package.namelist()
                      if n.endswith(".xml"))
    assert "{{" not in xml and "{%" not in xml and "{#" not in xml
    assert xml.count("【请填写：项目立项依据、主要内容及实施情况】") == 10
    assert xml.count("【请填写：自评结果的应用") == 10


def test_every_figure_and_every_deviation_is_said(document, default_rules):
    evaluation = evaluate_files(*INPUTS, *default_rules)
    text = chapter_text(document, "城市日宣传推广")
    # figures of the run, as the other reports show them
    for figure in ("1,102,000.00", "1,036,500.00", "94.06%", "9.41 分", "92.25 分", "“优”",
                   "其中：当年财政拨款 1,102,000.00 元", "全部 27 个指标中，23 个得满分"):
        assert figure in text, figure
    assert "【请填写：预算未执行完毕的原因" in text  # 94.06%: the data cannot say why
    for project in evaluation.projects:
        text = chapter_text(document, project.project.name)
        section = text[text.index("五、偏离绩效目标的原因和改进措施"):text.index("六、自评结果应用")]
        deviating = [r for r in project.indicators
                     if r.score < r.weight or "overachieved" in r.flags]
        for row in deviating:  # each discussed, with its reason and measures or a request
            line = next(s for s in section.splitlines() if f"“{row.indicator.name}”" in s)
            spec = row.actual.spec if row.actual else None
            assert (spec.reason.strip() if spec and spec.reason else "【请填写：偏差原因】") in line
            assert (spec.measures.strip() if spec and spec.measures else "【请填写：改进措施】") in line
        if not deviating:
            assert "各项绩效指标均达成年度指标值" in section


def indicator_tables(document):
    return [t for t in document.tables if t.rows[0].cells[0].text == "一级指标"]


def test_each_project_has_its_form_as_a_word_table(document):
    tables = indicator_tables(document)
    assert len(tables) == 10
    table = tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    assert [c.text for c in table.rows[1].cells[:7]] == [
        "成本指标", "经济成本指标", "宣传品制作成本", "合理", "合理", "2.95", "2.95"]
    growth = next(r for r in table.rows if r.cells[2].text == "社交媒体关注者数量增长")
    assert [c.text for c in growth.cells[3:7]] == ["≥2000.00(人)", "1850人", "2.94", "2.72"]
    assert growth.cells[7].text.startswith("微博平台流量分配规则调整")
    total = table.rows[-1]
    assert [c.text for c in total.cells[4:]] == ["总分", "100.00", "92.25", "自评等级：优"]
    # the header row repeats on each page; no row splits across pages
    assert table.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None
    assert all(r._tr.trPr.find(docx.oxml.ns.qn("w:cantSplit")) is not None for r in table.rows)
    # 一级 and 二级 merged as in the official form: 成本指标 over six rows, 经济成本指标 over
    # three, 社会成本指标 two, 生态环境成本指标 one (no merge)
    merges = [(r._tr.tc_lst[0].vMerge, r._tr.tc_lst[1].vMerge) for r in table.rows[1:7]]
    assert merges == [("restart", "restart"), ("continue", "continue"), ("continue", "continue"),
                      ("continue", "restart"), ("continue", "continue"), ("continue", None)]
    funds = next(t for t in document.tables if t.rows[0].cells[1].text == "年初预算数")
    assert [c.text for c in funds.rows[2].cells] == [
        "其中：当年财政拨款", "1,102,000.00", "1,102,000.00", "1,036,500.00", "—", "—", "—"]


def test_the_same_input_gives_the_same_bytes(report_bytes, tmp_path):
    assert written(tmp_path) == report_bytes
    with zipfile.ZipFile(io.BytesIO(report_bytes)) as package:
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in package.read("docProps/core.xml")


def test_one_project_and_the_hand_in_version(tmp_path):
    one = docx.Document(io.BytesIO(written(tmp_path, "--project", "课题研究", "--for-submission")))
    assert headings(one, 1) == ["一、课题研究"] and headings(one, 2) == OUTLINE
    table = indicator_tables(one)[0]
    assert "规则得分" not in [c.text for c in table.rows[0].cells]


def test_the_shipped_template_is_what_its_command_builds(tmp_path):
    from evaluator.resources import resource_dir
    from evaluator.word_template import build

    build(tmp_path / "report.docx")
    assert (tmp_path / "report.docx").read_bytes() == (resource_dir("reports") / "report.docx"
                                                        ).read_bytes()


def user_template(path, *paragraphs: str) -> None:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)


def test_a_users_own_template_is_used_and_sandboxed(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    user_template(folder / "report.docx", "{{ report.unit }}（本单位抬头）",
                  "{%p for ch in report.chapters %}", "{{ ch.project.name }}：{{ ch.project.total }}",
                  "{%p endfor %}")
    made = docx.Document(io.BytesIO(written(tmp_path, "--templates", str(folder))))
    texts = [p.text for p in made.paragraphs]
    assert texts[0] == "上海世界城市日事务协调中心（本单位抬头）" and "城市日宣传推广：92.25" in texts
    user_template(folder / "report.docx",
                  "{{ report.__class__.__init__.__globals__['os'].system('echo pwned') }}")
    result = CliRunner().invoke(main, [*INPUTS, "--format", "docx", "-o", str(tmp_path / "x.docx"),
                                       "--templates", str(folder)])
    assert result.exit_code == 2 and result.stderr.startswith("模板错误：report.docx：")
    assert not (tmp_path / "x.docx").exists() and "Traceback" not in result.stderr
    # a link to a template elsewhere is not followed: the shipped one is used
    (folder / "report.docx").unlink()
    user_template(tmp_path / "elsewhere.docx", "别处的模板")
    os.symlink(tmp_path / "elsewhere.docx", folder / "report.docx")
    made = docx.Document(io.BytesIO(written(tmp_path, "--templates", str(folder))))
    assert "别处的模板" not in [p.text for p in made.paragraphs]


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs "
                    "Debian's libreoffice-writer)")
def test_libreoffice_converts_it_without_error(report_bytes, tmp_path):
    (tmp_path / "report.docx").write_bytes(report_bytes)
    done = subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                           "--convert-to", "pdf", "--outdir", str(tmp_path),
                           str(tmp_path / "report.docx")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") > 10


def test_chapters_are_numbered_in_chinese_in_a_unit_of_any_size():
    said = {1: "一", 10: "十", 12: "十二", 25: "二十五", 99: "九十九", 100: "一百", 101: "一百零一",
            110: "一百一十", 119: "一百一十九", 1000: "一千", 1010: "一千零一十", 2024: "二千零二十四",
            10000: "一万", 10001: "一万零一", 10100: "一万零一百", 12345: "一万二千三百四十五",
            100000: "十万"}
    assert {n: chinese_number(n) for n in said} == said


@pytest.fixture(scope="module")
def unit_of_120(tmp_path_factory):
    """A generated unit of 120 projects, some of them messy (a few not scored at all)."""
    from benchmarks.generate import generate

    folder = tmp_path_factory.mktemp("unit")
    goals, actuals = generate(120, mess=0.6)
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    return [str(folder / "goals.yaml"), str(folder / "actuals.yaml")]


@pytest.fixture(scope="module")
def odd_unit(tmp_path_factory):
    """The example with what a chapter's text may hold beyond the usual: quotes, an ampersand
    and angle brackets in a project's name, a 二级指标 named 总分 and a tab, a line break and a
    page break in a reason (the first project); a carriage return and a control character in
    a reason (the second); a tab in a 二级指标's name (the third)."""
    goals = (EXAMPLE / "goals.yaml").read_text(encoding="utf-8")
    actuals = (EXAMPLE / "actuals.yaml").read_text(encoding="utf-8")
    name = '"城市日宣传推广\\"甲\\" & <乙> \'丙\'"'
    goals = goals.replace("- name: 城市日宣传推广", f"- name: {name}").replace(
        "        质量指标:", '        "总分":', 1)
    third = goals.index("- name: 2024年“上海奖”工作")
    goals = goals[:third] + goals[third:].replace("        数量指标:", '        "数量\\t指标":', 1)
    actuals = actuals.replace("  城市日宣传推广:", f"  {name}:").replace(
        "reason: 2笔宣传投放费用", 'reason: "2笔\\t宣传\\n投放\\f费用" # ').replace(
        "reason: 《成果精粹》英文版", 'reason: "《成果精粹》\\r\\n英文\\x01版" # ')
    folder = tmp_path_factory.mktemp("odd")
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    return [str(folder / "goals.yaml"), str(folder / "actuals.yaml")]


def written_from(inputs: list[str], out, *options: str) -> bytes:
    result = CliRunner().invoke(main, [*inputs, "--format", "docx", "-o", str(out), *options])
    assert result.exit_code in (0, 1), result.output
    return out.read_bytes()


def test_a_unit_of_more_than_99_projects_has_its_chapters_and_merged_tables(unit_of_120,
                                                                              tmp_path):
    """A unit of 120 projects once ended in a traceback (chapters numbered up to 九十九 only)."""
    document = docx.Document(io.BytesIO(written_from(unit_of_120, tmp_path / "report.docx")))
    chapters = headings(document, 1)
    assert len(chapters) > 100  # those whose input could not be scored have none
    assert chapters[98].startswith("九十九、") and chapters[99].startswith("一百、")
    assert chapters[-1].startswith(chinese_number(len(chapters)) + "、")
    for table in indicator_tables(document):
        rows = table.rows[1:-1]  # the indicators, between the header and 总分
        marks = [r._tr.tc_lst[0].vMerge for r in rows]
        # each 一级指标 named once, on the first row of its run; the rows below continue it
        named = [r.cells[0].text for r in rows if r._tr.tc_lst[0].vMerge != "continue"]
        assert len(named) == len(set(named)) and all(named)
        assert marks[0] in ("restart", None) and table.rows[-1].cells[0].text == "总分"


def docxtpl_whole(inputs: list[str], rules, templates=None) -> bytes:
    """word/document.xml as docxtpl writes it, rendering the template whole (as the report was
    written before it was streamed), and the 一级/二级 cells merged in the document after."""
    from docxtpl import DocxTemplate

    from evaluator.report import build_context, environment
    from evaluator.word_report import _merge_indicator_levels, template_bytes, word_report

    context = build_context(evaluate_files(*inputs, *rules))
    document = DocxTemplate(io.BytesIO(template_bytes(templates)))
    document.render({"report": word_report(context)}, jinja_env=environment(html=True),
                    autoescape=True)
    _merge_indicator_levels(document.docx)
    buffer = io.BytesIO()
    document.save(buffer)
    return zipfile.ZipFile(buffer).read("word/document.xml")


def test_the_document_written_as_it_goes_is_the_one_docxtpl_writes_whole(
        unit_of_120, odd_unit, default_rules, tmp_path):
    """The chapters rendered, fixed, merged and written one after the other (word_stream.py):
    the same document.xml as docxtpl's rendering of the whole template, with one process or
    two (each chapter then made in the worker scoring its project, its number put in by the
    parent), for the example, a messy unit of 120 projects, some not scored, and the example
    with odd characters and names (each chapter finished on its text or through lxml)."""
    for inputs in (INPUTS, unit_of_120, odd_unit):
        whole = docxtpl_whole(inputs, default_rules)
        for jobs in ("1", "2"):
            package = written_from(inputs, tmp_path / f"{jobs}.docx", "--jobs", jobs)
            assert zipfile.ZipFile(io.BytesIO(package)).read("word/document.xml") == whole
    assert (tmp_path / "1.docx").read_bytes() == (tmp_path / "2.docx").read_bytes()
    assert (written_from(unit_of_120, tmp_path / "s1.docx", "--for-submission", "--jobs", "1")
            == written_from(unit_of_120, tmp_path / "s2.docx", "--for-submission", "--jobs", "2"))


def test_the_shipped_templates_chapters_are_finished_on_their_text(unit_of_120, odd_unit,
                                                                  tmp_path, monkeypatch):
    """Parsed by lxml, merged in the tree and serialised, a chapter took two thirds of its
    time: the shipped template's are finished on their text (word_text.py), the same bytes
    (above). The tree is the way of the body around the chapters, and of a chapter whose text
    holds what word_text leaves to lxml (a carriage return) or whose merged columns it does
    not read (a tab in a name)."""
    from evaluator import word_stream

    trees = []
    tree_xml = word_stream._tree_xml
    monkeypatch.setattr(word_stream, "_tree_xml",
                        lambda fixed, *rest: trees.append(fixed) or tree_xml(fixed, *rest))
    written_from(unit_of_120, tmp_path / "generated.docx", "--jobs", "1")
    assert len(trees) == 1 and "jixiao-chapters" in trees[0]
    trees.clear()
    written_from(odd_unit, tmp_path / "odd.docx", "--jobs", "1")
    assert len(trees) == 3 and "jixiao-chapters" in trees[0]
    assert "城市日管理研究" in trees[1] and "\r" in trees[1]
    assert "上海奖" in trees[2] and "数量</w:t></w:r><w:r>" in trees[2]  # the tab its own run


def test_a_users_template_is_held_to_its_limits_as_it_is_written(tmp_path):
    """Its output and its time are counted as the document is written; past either, or at an
    error after the first chapters were written, nothing is left but the message."""
    folder = tmp_path / "templates"
    folder.mkdir()
    out = tmp_path / "report.docx"

    def refused(*options: str) -> str:
        result = CliRunner().invoke(main, [*INPUTS, "--format", "docx", "-o", str(out),
                                           "--templates", str(folder), *options])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("模板错误：report.docx：")
        assert "Traceback" not in result.stderr and list(tmp_path.iterdir()) == [folder]
        return result.stderr

    user_template(folder / "report.docx", "{%p for i in range(100000) %}", "第{{ i }}段，十个字。",
                  "{%p endfor %}")
    assert "模板输出超过上限 1,048,576 字" in refused("--template-max-output", "1")
    user_template(folder / "report.docx", "{{ report.unit }}",
                  "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                  "{% endfor %}")
    assert "模板渲染超过 1 秒的上限" in refused("--template-timeout", "1")
    user_template(folder / "report.docx", "{%p for i in range(20000) %}", "第{{ i }}段",
                  "{%p endfor %}", "{{ 1 / 0 }}")  # after some 60 kB were written
    assert "除以零" in refused()


def test_the_merge_is_python_docxs_own(tmp_path, monkeypatch):
    """The 一级/二级 cells are merged by a few direct changes, not python-docx's merge (which
    walks the whole table for every cell: 563 s for 1 000 projects): the same XML. (The merge
    on a chapter's text, word_text's, is held to this one by the docxtpl test above.)"""
    from docx.table import Table
    from lxml import etree

    from evaluator import word_report, word_text

    monkeypatch.setattr(word_report, "merge_indicator_levels", lambda tbl, parent: None)
    monkeypatch.setattr(word_text, "_merged", lambda table, kinds: table)  # the merge on the text
    unmerged = written(tmp_path, "--for-submission")
    fast, slow = (docx.Document(io.BytesIO(unmerged)) for _ in range(2))
    monkeypatch.undo()
    assert fast.element.body.xpath(".//w:vMerge") == []
    word_report._merge_indicator_levels(fast)
    tables = 0
    for tbl in slow.element.body.tbl_lst:
        if Table(tbl, slow._body).rows[0].cells[0].text == "一级指标":
            word_report._merge_through_python_docx(Table(tbl, slow._body))
            tables += 1
    assert tables == 10 and len(fast.element.body.xpath(".//w:vMerge")) > 40
    assert ([etree.tostring(e) for e in fast.element.body]
            == [etree.tostring(e) for e in slow.element.body])


def test_progress_is_shown_on_a_terminal_only(tmp_path):
    import sys

    from tests.conftest import ON_A_TERMINAL, ROOT, run_on_a_terminal

    command = [sys.executable, "-c", ON_A_TERMINAL.format(before=""), *INPUTS,
               "--format", "docx", "-o"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    returncode, shown = run_on_a_terminal([*command, "on-a-terminal.docx"], tmp_path, environment)
    assert returncode == 0 and "已完成 9/10 个项目".encode() in shown, shown[-300:]
    piped = subprocess.run([*command, "piped.docx"], capture_output=True, cwd=tmp_path,
                           env=environment, timeout=300)
    assert piped.returncode == 0 and "已完成".encode() not in piped.stderr
    assert (tmp_path / "piped.docx").read_bytes() == (tmp_path / "on-a-terminal.docx").read_bytes()


def test_a_table_with_spans_of_its_own_is_merged_as_python_docx_merges_it():
    """A user's table whose cells span columns or merge already is left to python-docx's merge
    (on a copy of it: the report's elements are plain lxml ones), with the same result."""
    import copy

    from docx.table import Table
    from lxml import etree

    from evaluator.word_report import _merge_through_python_docx, merge_indicator_levels

    document = docx.Document()
    table = document.add_table(rows=5, cols=3)
    for row, texts in zip(table.rows, [["一级指标", "二级指标", "三级指标"], ["产出指标", "数量指标", "甲"],
                                       ["", "", "乙"], ["", "质量指标", "丙"], ["总分", "", "100"]]):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    table.cell(4, 0).merge(table.cell(4, 1))  # 总分 over two columns
    expected = copy.deepcopy(table._tbl)
    _merge_through_python_docx(Table(expected, document._body))
    plain = etree.fromstring(etree.tostring(document.element))  # no python-docx classes
    tbl = plain.find(".//" + docx.oxml.ns.qn("w:tbl"))
    merge_indicator_levels(tbl, document._body)
    assert len(expected.xpath(".//w:vMerge")) == 5  # 产出指标 over three rows, 数量指标 two
    def xml(tbl) -> list[bytes]:  # each row, less the namespaces declared around it
        return [re.sub(rb' xmlns:\w+="[^"]*"', b"", etree.tostring(row)) for row in tbl]

    assert xml(tbl) == xml(expected)
