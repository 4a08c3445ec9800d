"""Bad sources: every problem is a diagnostic at its place, no traceback, nothing invented,
the inputs untouched, nothing half-written. Each case's expectation is written by hand."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluator.cli import main

HEADER = "项目名称\t{name}\t项目性质\t其他一次性项目\n主管部门\t某委员会\t实施单位\t某中心\n"
FUNDS = "项目资金 (元)\t项目资金总额\t\t年度资金申请总额\t{total}\n\t\t\t其中：当年财政拨款\t{total}\n"
TABLE = "一级指标\t二级指标\t三级指标\t年度(/项目)指标值\n"
ROWS = "产出指标\t数量指标\t活动次数\t≥3.00(次)\n满意度指标\t服务对象满意度指标\t满意度\t≥80.00(%)\n"


def declaration(name="甲项目", total="100,000.00", year="(2024年度)", rows=ROWS,
                funds=FUNDS, header=HEADER, table=TABLE) -> str:
    return f"财政项目支出绩效目标申报表\n{year}\n" + header.format(name=name) + \
        funds.format(total=total) + table + rows


def run(tmp_path: Path, *sources: tuple[str, str | bytes], force: bool = False):
    paths = []
    for name, content in sources:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        paths.append(path)
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["import", *map(str, paths), "-o", str(out)]
                                + (["--force"] if force else []))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths] == digests  # untouched
    # the import's own codes; the engine's, over the YAML written, are asserted where they occur
    codes = set(re.findall(r"(?:error|warning)\[(import\.[a-z_]+)\]", result.stderr))
    return result, codes, out


def test_a_clean_declaration_imports_clean(tmp_path):
    result, codes, out = run(tmp_path, ("a.txt", declaration()))
    assert (result.exit_code, codes) == (0, set())
    text = (out / "goals.yaml").read_text(encoding="utf-8")
    assert "year: 2024\ndepartment: 某委员会\nunit: 某中心\nfunds_unit: 元\n" in text
    assert "      total: 100000.00\n      fiscal: 100000.00\n" in text
    assert "          活动次数: ≥3.00(次)\n" in text


def test_binary_is_unreadable_and_nothing_is_written(tmp_path):
    result, codes, out = run(tmp_path, ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00"))
    assert (result.exit_code, codes) == (2, {"import.unreadable"})
    assert "不是文本文件" in result.stderr and not out.exists()


def test_one_unreadable_source_of_two_writes_nothing(tmp_path):
    result, codes, out = run(tmp_path, ("a.txt", declaration()), ("b.pdf", b"%PDF-1.4 truncated"))
    assert result.exit_code == 2 and codes == {"import.unreadable"} and not out.exists()


def test_gbk_text_is_read_and_said(tmp_path):
    result, codes, out = run(tmp_path, ("a.txt", declaration().encode("gbk")))
    assert (result.exit_code, codes) == (1, {"import.encoding"})
    assert "按 GB18030 读取" in result.stderr
    assert "活动次数: ≥3.00(次)" in (out / "goals.yaml").read_text(encoding="utf-8")


def test_a_text_without_a_project(tmp_path):
    result, codes, out = run(tmp_path, ("a.txt", "这是一份说明\n没有表格\n"))
    assert (result.exit_code, codes) == (1, {"import.no_project"})
    assert "未写入任何文件：没有读到项目" in result.stderr and not out.exists()
    result, codes, out = run(tmp_path, ("b.txt", "说明\t甲\n"))  # cells, but no project
    assert (result.exit_code, codes) == (1, {"import.unplaced"})


def test_a_list_of_projects_is_not_a_project(tmp_path):
    listing = "项目名称\t全年预算数\t全年执行数\t执行率\t总分\n甲项目\t100\t90\t90%\t88\n"
    result, codes, _ = run(tmp_path, ("a.txt", listing + declaration()))
    assert result.exit_code == 1 and codes == {"import.not_a_project"}
    assert "a.txt:1:1: warning[import.not_a_project]" in result.stderr


def test_rows_that_cannot_be_placed_are_told_where(tmp_path):
    # the seed's header has an empty fourth column; rows after a page break slide left
    table = "一级指标\t二级指标\t三级指标\t\t年度(/项目)指标值\n"
    rows = "产出指标\t数量指标\t活动次数\t\t≥3.00(次)\n随手写的备注\n" \
        "双语指标\t生态效益指标\t传播生态理念\t显著提升\n"
    result, codes, out = run(tmp_path, ("a.txt", declaration(rows=rows, table=table)))
    assert codes == {"import.unplaced", "import.stray_cell"}
    assert "a.txt:9:1: warning[import.unplaced] 未导入的行（不是完整的指标行：缺三级指标或指标值）：随手写的备注" \
        in result.stderr
    assert "a.txt:10:1: warning[import.stray_cell] “双语指标”不是标准目录中的一级或二级指标" in result.stderr
    text = (out / "goals.yaml").read_text(encoding="utf-8")
    assert "      效益指标:\n        生态效益指标:\n          传播生态理念: 显著提升  # 推断：" in text


def test_an_unknown_level1_in_its_column_gives_way_to_the_catalogue(tmp_path):
    rows = ROWS + "双语指标\t生态效益指标\t传播生态理念\t显著提升\n"
    result, codes, out = run(tmp_path, ("a.txt", declaration(rows=rows)))
    assert (result.exit_code, codes) == (1, set())
    assert "传播生态理念: 显著提升  # 推断：原表本行一级指标为“双语指标”，按标准目录归入“效益指标”" in \
        (out / "goals.yaml").read_text(encoding="utf-8")


def test_a_row_with_no_label_anywhere(tmp_path):
    rows = "\t\t宣传品制作成本\t合理\n"
    result, codes, _ = run(tmp_path, ("a.txt", declaration(rows=rows)))
    assert result.exit_code == 1
    assert codes == {"import.unplaced_indicator", "import.no_indicators"}
    assert "a.txt:8:3: error[import.unplaced_indicator] 指标“宣传品制作成本”找不到所属的二级指标" in result.stderr


def test_a_repeated_indicator_is_kept_once(tmp_path):
    rows = ROWS + "\t\t满意度\t≥90.00(%)\n"
    result, codes, out = run(tmp_path, ("a.txt", declaration(rows=rows)))
    assert codes == {"import.duplicate_indicator"}
    assert "满意度: ≥80.00(%)" in (out / "goals.yaml").read_text(encoding="utf-8")
    assert "≥90.00" not in (out / "goals.yaml").read_text(encoding="utf-8")


def test_the_same_project_in_two_declarations(tmp_path):
    result, codes, out = run(tmp_path, ("a.txt", declaration()), ("b.txt", declaration(total="5.00")))
    assert codes == {"import.duplicate_project"} and result.exit_code == 1
    assert "total: 100000.00" in (out / "goals.yaml").read_text(encoding="utf-8")


def test_a_table_header_without_targets(tmp_path):
    result, codes, _ = run(tmp_path, ("a.txt", declaration(table="一级指标\t二级指标\t三级指标\n")))
    assert {"import.header", "import.no_indicators"} <= codes


def test_amounts_and_dates_that_are_not(tmp_path):
    header = HEADER + "计划开始日期\t年初\n"
    result, codes, out = run(tmp_path, ("a.txt", declaration(total="一百万", header=header)))
    assert codes == {"import.money", "import.date", "import.no_funds"} and result.exit_code == 1
    assert "金额“一百万”不是数字" in result.stderr and "日期“年初”无法识别" in result.stderr
    assert "start:" not in (out / "goals.yaml").read_text(encoding="utf-8")  # nothing invented


def test_a_project_without_funds_or_indicators(tmp_path):
    result, codes, out = run(tmp_path, ("a.txt", "（2024年度）\n" + HEADER.format(name="甲项目")))
    assert codes == {"import.no_funds", "import.no_indicators"}
    # and the engine, reading the YAML written, says the same at its line
    assert f"{out / 'goals.yaml'}:10:5: error[schema.type] “funds（项目资金）”应为" in result.stderr


def test_weights_and_scores_that_are_not_numbers(tmp_path):
    table = "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施\n"
    rows = "产出指标\t数量指标\t活动次数\t≥3次\t3次\t五\t满分\t\n总分\t\t\t\t\t90\t九十\t\n"
    result, codes, out = run(tmp_path, ("a.txt", declaration(table=table, rows=rows)))
    assert codes == {"import.weight", "import.score"}
    assert "分值“五”不是数字" in result.stderr and "总分“九十”不是数字" in result.stderr
    actuals = (out / "actuals.yaml").read_text(encoding="utf-8")
    assert "活动次数:\n        actual: \"3次\"\n" in actuals and "weight:" not in actuals


def test_units_and_years_that_differ(tmp_path):
    other = declaration(name="乙项目", year="(2023年度)",
                        funds=FUNDS.replace("(元)", "(万元)"))
    result, codes, out = run(tmp_path, ("a.txt", declaration()), ("b.txt", other))
    assert codes == {"import.funds_unit", "import.years"}
    assert "year: 2023" in (out / "goals.yaml").read_text(encoding="utf-8")


def test_no_year_anywhere(tmp_path):
    result, codes, _ = run(tmp_path, ("a.txt", declaration(year="")))
    assert codes == {"import.no_year"}


def test_a_year_from_the_start_date_is_an_inference(tmp_path):
    header = HEADER + "计划开始日期\t2024年1月1日\t计划完成日期\t2024-12-31\n"
    result, codes, out = run(tmp_path, ("a.txt", declaration(year="", header=header)))
    assert result.exit_code == 1 and codes == set()
    text = (out / "goals.yaml").read_text(encoding="utf-8")
    assert "year: 2024" in text and "原表没有写年度，按计划开始日期取 2024 年" in text
    assert "start: 2024-01-01" in text


@pytest.mark.parametrize("cut", [10, 100, 200, 333])
def test_truncated_text_never_tracebacks(tmp_path, cut):
    raw = declaration().encode("utf-8")[:cut]
    result, _, _ = run(tmp_path, ("a.txt", raw))
    assert result.exit_code in (1, 2)


def test_hostile_text(tmp_path):
    hostile = declaration(name="<script>alert(1)</script>: &a *a",
                          rows="产出指标\t数量指标\t\"引号\": #注释\t'≥3次\n" + "\t" * 5000 + "\n")
    result, codes, out = run(tmp_path, ("a.txt", hostile))
    from evaluator.goals import read_goals
    from evaluator.source import load_document

    document, problems = load_document(out / "goals.yaml")
    goals, projects, more = read_goals(document)
    assert problems + more == []
    assert projects[0].name == "<script>alert(1)</script>: &a *a"
    assert [(i.name, i.target) for i in projects[0].indicators] == [("\"引号\": #注释", "'≥3次")]


SOURCES = Path(__file__).parent / "sources"


@pytest.mark.parametrize("name", ["declaration-official.xlsx", "self-evaluation.docx",
                                  "self-evaluation.pdf", "self-evaluation.ods",
                                  "declaration-official.xls"])
@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_damaged_binary_sources_are_unreadable_not_tracebacks(tmp_path, name, damage):
    raw = (SOURCES / name).read_bytes()
    if damage == "truncated":
        raw = raw[:len(raw) // 2]
    else:  # the bytes after the signature overwritten with noise
        noise = bytes((i * 197 + 11) % 256 for i in range(len(raw)))
        raw = raw[:8] + noise[8:]
    result, codes, out = run(tmp_path, (name, raw))
    assert result.exit_code == 2 and codes == {"import.unreadable"}, result.stderr
    assert not out.exists()
