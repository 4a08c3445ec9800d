"""Each source layout a unit hands in imports to the goals (and actuals) written by hand in
tests/importing/expected/. Sources: tests/importing/sources/, built by
``python -m tests.importing.make_sources`` (the seed is the real client, test_seed.py)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluator.cli import main

HERE = Path(__file__).parent
SOURCES, EXPECTED = HERE / "sources", HERE / "expected"

DECLARATIONS = [
    "declaration-pipes.md",          # Markdown pipe tables, 指标性质 and 度量单位 apart
    "declaration-lines.txt",         # one cell per line, as a PDF viewer copies
    "declaration.csv",               # Excel's CSV (BOM, quoted 1,102,000.00, 2024/1/1)
    "declaration-official.xlsx",     # the official layout, merged cells, two projects a sheet
    "declaration-official.xls",      # the same as Excel 97–2003 (python-calamine)
    "declaration-columns.xlsx",      # columns in another order, flat, one project a sheet
    "declaration-printed.pdf",       # a published page printed by Chromium (rowspans)
]
SELF_EVALUATIONS = [
    "self-evaluation-tabs.txt",      # copied from a web page: tabs, blank merged cells
    "self-evaluation-official.xlsx",  # the official 自评表, one project a sheet
    "self-evaluation.ods",           # the same from LibreOffice (python-calamine)
    "self-evaluation.docx",          # filled in Word: gridSpan and vMerge
    "self-evaluation.pdf",           # that Word file as PDF (LibreOffice)
]


def _goals(path: Path):
    from evaluator.goals import read_goals
    from evaluator.source import load_document

    document, problems = load_document(path)
    goals, projects, more = read_goals(document)
    assert problems + more == [], [d.message for d in problems + more]
    return (goals.year, goals.unit, goals.department, goals.funds_unit), [
        (p.name, p.code, p.nature, p.category, p.start, p.end, p.funds, p.goal,
         [(i.path, i.target, i.direction) for i in p.indicators]) for p in projects]


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _actuals(path: Path):
    """Each project's budget, summary, total and rows, numbers compared as numbers (a .ods
    has no number formats: 120000 there is 120000.00 in .xlsx)."""
    from evaluator.source import load_document

    document, problems = load_document(path)
    assert problems == []
    shown = {}
    for name, project in document.data["projects"].items():
        rows = {}
        for key, entry in project["indicators"].items():
            entry = entry if isinstance(entry, dict) else {"actual": entry}
            rows[key] = (entry["actual"], _number(entry.get("weight")), _number(entry.get("score")),
                         entry.get("reason"), entry.get("measures"))
        shown[name] = ({k: _number(v) for k, v in project["budget"].items()},
                       project.get("summary"), _number(project.get("total")), rows)
    return shown


def _import(source: str, folder: Path):
    result = CliRunner().invoke(main, ["import", str(SOURCES / source), "-o", str(folder)],
                                catch_exceptions=False)
    codes = re.findall(r"(?:error|warning)\[([a-z_.]+)\]", result.stderr)
    return result, codes


@pytest.mark.parametrize("source", DECLARATIONS)
def test_a_declaration_imports_to_its_goals(source, tmp_path):
    result, codes = _import(source, tmp_path)
    assert (result.exit_code, codes) == (0, []), result.stderr
    assert _goals(tmp_path / "goals.yaml") == _goals(EXPECTED / "declaration.goals.yaml")
    assert not (tmp_path / "actuals.yaml").exists()


@pytest.mark.parametrize("source", SELF_EVALUATIONS)
def test_a_filled_self_evaluation_imports_to_goals_and_actuals(source, tmp_path):
    result, codes = _import(source, tmp_path)
    assert (result.exit_code, codes) == (0, []), result.stderr
    assert _goals(tmp_path / "goals.yaml") == _goals(EXPECTED / "self-evaluation.goals.yaml")
    assert _actuals(tmp_path / "actuals.yaml") == _actuals(EXPECTED / "self-evaluation.actuals.yaml")


def test_folded_columns_are_said_in_comments(tmp_path):
    _import("declaration-pipes.md", tmp_path)
    text = (tmp_path / "goals.yaml").read_text(encoding="utf-8")
    assert "活动人均成本: ≤80元/人  # 原表：指标性质“≤”、度量单位“元/人”并入指标值" in text
    assert "居民参与度: 逐步提升\n" in text  # 定性: nothing to fold


def test_positions_name_the_place_in_each_kind_of_source(tmp_path):
    """A wrong amount is told at its cell, row, page or line, with the text shown."""
    import openpyxl

    book = openpyxl.load_workbook(SOURCES / "declaration-official.xlsx")
    book.active["E6"] = "十二万"
    book.save(tmp_path / "bad.xlsx")
    result = CliRunner().invoke(main, ["import", str(tmp_path / "bad.xlsx"), "-o", str(tmp_path / "o")])
    assert f"{tmp_path / 'bad.xlsx'}:申报表!E6: error[import.money] 金额“十二万”不是数字" in result.stderr
    assert "E6 | 十二万" in result.stderr  # the excerpt: the cell's text

    import docx

    document = docx.Document(SOURCES / "self-evaluation.docx")
    document.tables[0].cell(3, 3).text = "十二万"
    document.save(tmp_path / "bad.docx")
    result = CliRunner().invoke(main, ["import", str(tmp_path / "bad.docx"), "-o", str(tmp_path / "p")])
    assert f"{tmp_path / 'bad.docx'}:表1 第4行: error[import.money] “十二万”不是数字" in result.stderr


def test_the_scan_is_told_so(tmp_path):
    result, codes = _import("scanned.pdf", tmp_path)
    assert result.exit_code == 2 and codes == ["import.unreadable"]
    assert "没有文字层（可能是扫描件）" in result.stderr and not (tmp_path / "goals.yaml").exists()


def test_a_declaration_and_a_self_evaluation_combine(tmp_path):
    """The 申报表 gives the goals (with 项目性质, dates), the 自评表 the actuals."""
    result = CliRunner().invoke(main, ["import", str(SOURCES / "declaration-official.xlsx"),
                                       str(SOURCES / "self-evaluation.docx"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert _goals(tmp_path / "goals.yaml") == _goals(EXPECTED / "declaration.goals.yaml")
    assert _actuals(tmp_path / "actuals.yaml") == _actuals(EXPECTED / "self-evaluation.actuals.yaml")
