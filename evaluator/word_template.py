"""Builds ``reports/report.docx``, the Word template of the 自评报告 (word_report.py):

    python -m evaluator.word_template [PATH]

The template is an ordinary Word document with Jinja tags (docxtpl's: ``{%p …%}`` on a paragraph
of its own, ``{%tr …%}`` on a table row of its own), so a unit can open it in Word, put its
letterhead and wording in, and pass the folder holding it with ``--templates``. It is built
here rather than by hand so that a change is a reviewed diff and the file can be made again.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .packages import fixed_package
from .resources import resource_dir
from .word_report import _drop_empty_paragraphs

SONG, HEI = "宋体", "黑体"  # Word's names; LibreOffice and Pages substitute what they have


def _east_asian(style_or_run, name: str) -> None:
    from docx.oxml.ns import qn

    properties = style_or_run.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _row_flags(row, header: bool = False) -> None:
    """A row never split across pages; a header row repeated at the top of each page."""
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    properties.append(properties.makeelement(qn("w:cantSplit"), {}))
    if header:
        properties.append(properties.makeelement(qn("w:tblHeader"), {}))


def _table(document, rows: list[list[str]], widths_cm: list[float], header_rows: int = 0,
           spans: dict[tuple[int, int], int] | None = None):
    """A bordered table of ``rows`` (text per cell); ``spans`` merges (row, column) rightwards."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    table = document.add_table(rows=len(rows), cols=len(widths_cm))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):  # the grid, which LibreOffice reads
        column.width = Cm(width)
    for r, texts in enumerate(rows):
        row = table.rows[r]
        _row_flags(row, header=r < header_rows)
        for c, width in enumerate(widths_cm):
            row.cells[c].width = Cm(width)
        for c, text in enumerate(texts):
            paragraph = row.cells[c].paragraphs[0]
            run = paragraph.add_run(text)
            run.font.size = Pt(9)
            if r < header_rows or (c == 0 and text and not text.startswith("{")):
                run.bold = True
    for (r, c), span in (spans or {}).items():
        _drop_empty_paragraphs(table.cell(r, c).merge(table.cell(r, c + span - 1)))
    return table


def _tag(document, text: str) -> None:
    document.add_paragraph(text)


def build(path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    normal = document.styles["Normal"]
    normal.font.size = Pt(12)
    _east_asian(normal, SONG)
    for level, size in ((0, 18), (1, 16), (2, 14), (3, 12)):
        style = document.styles["Title" if level == 0 else f"Heading {level}"]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = None
        _east_asian(style, HEI)
    document.core_properties.author = "Jixiao"
    document.core_properties.title = "项目支出绩效自评报告"

    title = document.add_paragraph("{{ report.unit }}{{ report.year }}年度项目支出绩效自评报告",
                                   style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _tag(document, "{%p for ch in report.chapters %}")
    _tag(document, "{%p set p = ch.project %}")
    chapter = document.add_heading("{{ ch.number }}、{{ p.name }}", level=1)
    chapter.paragraph_format.page_break_before = True

    document.add_heading("一、基本情况", level=2)
    document.add_heading("（一）项目概况", level=3)
    document.add_paragraph(
        "项目名称：{{ p.name }}{% if p.code %}（项目编码：{{ p.code }}）{% endif %}。主管部门："
        "{{ p.department }}；实施单位：{{ p.unit }}。")
    document.add_paragraph("【请填写：项目立项依据、主要内容及实施情况】")
    document.add_heading("（二）资金情况", level=3)
    document.add_paragraph(
        "项目年初预算数 {{ p.initial }} {{ p.funds_unit }}，全年预算数 {{ p.adjusted }} "
        "{{ p.funds_unit }}，全年执行数 {{ p.executed }} {{ p.funds_unit }}，预算执行率 {{ p.rate }}。"
        "{% if p.fund_rows %}年初预算资金来源：{% for f in p.fund_rows %}{{ f.label }} "
        "{{ f.initial or '（未填写）' }}{% if f.initial %} {{ p.funds_unit }}{% endif %}"
        "{% if not loop.last %}，{% endif %}{% endfor %}。{% endif %}")
    _tag(document, "{%p if not ch.full_execution %}")
    document.add_paragraph("【请填写：预算未执行完毕的原因，结余资金的处理】")
    _tag(document, "{%p endif %}")
    document.add_heading("（三）绩效目标", level=3)
    document.add_paragraph("{{ p.goal or '【请填写：年度总体目标】' }}")
    document.add_paragraph(
        "项目共设置三级绩效指标 {{ ch.indicator_count }} 个：{% for c in ch.categories %}{{ c.name }} "
        "{{ c.count }} 个{% if not loop.last %}，{% endif %}{% endfor %}。")

    document.add_heading("二、绩效自评工作开展情况", level=2)
    document.add_paragraph(
        "对照年初设定的绩效目标，逐项核对全年预算执行和各项绩效指标的实际完成值，按“"
        "{{ report.rules_title }}”计分，形成本报告及所附项目支出绩效自评表。")
    document.add_paragraph("【请填写：自评工作的组织方式、时间安排、数据来源与核实方法】")

    document.add_heading("三、综合评价结论", level=2)
    document.add_paragraph(
        "项目自评总分 {{ p.total }} 分（各项分值合计 {{ p.weight_total }} 分），自评等级为“{{ p.grade }}”。"
        "{% if report.has_budget_row %}其中预算执行率得分 {{ p.budget_score }} 分（分值 "
        "{{ p.budget_weight }} 分）；{% endif %}{% for c in p.categories %}{{ c.name }}得分 "
        "{{ c.score }} 分（分值 {{ c.weight }} 分）{% if loop.last %}。{% else %}；{% endif %}"
        "{% endfor %}全部 {{ ch.indicator_count }} 个指标中，{{ ch.met_count }} 个得满分。")
    document.add_paragraph("全年实际完成情况：{{ p.summary or '【请填写：全年实际完成情况】' }}")

    document.add_heading("四、绩效指标完成情况分析", level=2)
    document.add_heading("（一）预算执行情况", level=3)
    document.add_paragraph(
        "全年预算数 {{ p.adjusted }} {{ p.funds_unit }}，全年执行数 {{ p.executed }} {{ p.funds_unit }}，"
        "执行率 {{ p.rate }}{% if report.has_budget_row %}，得分 {{ p.budget_score }} 分（分值 "
        "{{ p.budget_weight }} 分）{% endif %}。{% for f in p.budget_flags %}存在{{ f }}的情况。"
        "{% endfor %}")
    _tag(document, "{%p for c in ch.categories %}")
    document.add_heading("（{{ c.number }}）{{ c.name }}", level=3)
    document.add_paragraph(
        "{{ c.name }}共 {{ c.count }} 个，分值 {{ c.weight }} 分，得分 {{ c.score }} 分。"
        "{% if c.met %}达成年度指标值的有：{% for i in c.met %}“{{ i.name }}”（指标值 {{ i.target }}，"
        "完成值 {{ i.actual }}）{% if not loop.last %}；{% endif %}{% endfor %}。{% endif %}")
    _tag(document, "{%p for i in c.missed %}")
    document.add_paragraph(
        "未完全达成：“{{ i.name }}”年度指标值 {{ i.target }}，实际完成值 "
        "{{ i.actual or '（未填写）' }}，得分 {{ i.score }} 分（分值 {{ i.weight }} 分）"
        "{% if i.tier %}，{{ i.tier }}{% endif %}；原因和改进措施见第五部分。")
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p for i in c.overshot %}")
    document.add_paragraph(
        "超额完成：“{{ i.name }}”年度指标值 {{ i.target }}，实际完成值 {{ i.actual }}；"
        "原因见第五部分。")
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p endfor %}")

    document.add_heading("五、偏离绩效目标的原因和改进措施", level=2)
    _tag(document, "{%p for i in ch.deviations %}")
    document.add_paragraph(
        "{{ loop.index }}. “{{ i.name }}”{% if i.lost_points %}未完全达成（年度指标值 {{ i.target }}，"
        "实际完成值 {{ i.actual or '未填写' }}，得分 {{ i.score }} 分，分值 {{ i.weight }} 分）"
        "{% else %}超额完成（年度指标值 {{ i.target }}，实际完成值 {{ i.actual }}）{% endif %}。"
        "偏差原因：{{ i.reason or '【请填写：偏差原因】' }}。改进措施："
        "{{ i.measures or '【请填写：改进措施】' }}。")
    _tag(document, "{%p else %}")
    document.add_paragraph("各项绩效指标均达成年度指标值，未偏离绩效目标。")
    _tag(document, "{%p endfor %}")

    document.add_heading("六、自评结果应用", level=2)
    document.add_paragraph("【请填写：自评结果的应用，如据此调整下年度预算安排、完善项目管理、"
                           "公开自评结果等】")
    document.add_heading("七、其他需要说明的问题", level=2)
    document.add_paragraph("【请填写：其他需要说明的问题；没有的写“无”】")

    caption = document.add_paragraph("附：项目支出绩效自评表（{{ report.year }}年度）")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.runs[0].bold = True
    _table(document, [["项目名称", "{{ p.name }}{% if p.code %}（{{ p.code }}）{% endif %}", "", ""],
                      ["主管部门", "{{ p.department }}", "实施单位", "{{ p.unit }}"]],
           [3, 6.6, 3, 4], spans={(0, 1): 3})
    document.add_paragraph("项目资金（{{ p.funds_unit }}）").runs[0].font.size = Pt(9)
    _table(document, [["", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
                      ["年度资金总额", "{{ p.initial }}", "{{ p.adjusted }}", "{{ p.executed }}",
                       "{{ p.budget_weight }}", "{{ p.rate }}", "{{ p.budget_score }}"],
                      ["{%tr for f in p.fund_rows %}", "", "", "", "", "", ""],
                      ["{{ f.label }}", "{{ f.initial }}", "{{ f.adjusted }}", "{{ f.executed }}",
                       "—", "—", "—"],
                      ["{%tr endfor %}", "", "", "", "", "", ""]],
           [2.8, 2.9, 2.9, 2.9, 1.5, 1.8, 1.8], header_rows=1)
    _table(document, [["预期目标", "实际完成情况"], ["{{ p.goal }}", "{{ p.summary }}"]],
           [8.3, 8.3], header_rows=1)
    for with_rule_scores in (True, False):
        _tag(document, "{%p if p.has_self_scores %}" if with_rule_scores else "{%p else %}")
        heads = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
        cells = ["{{ i.level1 if i.level1_span else '' }}",
                 "{{ i.level2 if i.level2_span else '' }}", "{{ i.name }}", "{{ i.target }}",
                 "{{ i.actual }}", "{{ i.weight }}", "{{ i.score }}"]
        total = ["总分", "", "", "", "", "{{ p.weight_total }}", "{{ p.total }}"]
        widths = [1.9, 1.9, 2.8, 2.2, 1.9, 1.3, 1.3]
        if with_rule_scores:
            heads.append("规则得分")
            cells.append("{{ i.rule_score }}")
            total.append("{{ p.rule_total }}")
            widths.append(1.4)
        heads.append("偏差原因分析及改进措施")
        cells.append("{% for f in i.flags %}【{{ f }}】{% endfor %}{{ i.remark }}"
                     "{% if i.problem %}（输入有误：{{ i.problem }}）{% endif %}"
                     "{% if i.missing_reason %}（未填写偏差原因）{% endif %}"
                     "{% if i.self_note %}（{{ i.self_note }}）{% endif %}")
        total.append("自评等级：{{ p.grade }}")
        widths.append(16.6 - sum(widths))
        blank = [""] * (len(heads) - 1)
        _table(document, [heads, ["{%tr for i in p.indicators %}", *blank], cells,
                          ["{%tr endfor %}", *blank], total],
               widths, header_rows=1, spans={(4, 0): 5})
    _tag(document, "{%p endif %}")
    _tag(document, "{%p endfor %}")

    import io

    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(fixed_package(buffer.getvalue()))


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else resource_dir("reports") / "report.docx"
    build(path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
