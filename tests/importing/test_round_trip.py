"""Round trip: the project's own XLSX report of the example, imported back as a filled 自评表,
scores as the example does: every project's total, budget score, and every row's weight and
score. The report is read by its labels (项目名称, 年初预算数, 一级指标 …), not by cell
addresses, so rows it gains (其中：当年财政拨款 …) do not break the import."""

from __future__ import annotations

import json

from click.testing import CliRunner

from evaluator.cli import main
from tests.conftest import EXAMPLE


def _scores(goals, actuals) -> list:
    from evaluator.run import evaluate_files, load_rule_set
    from evaluator.json_report import render_json

    report = json.loads(render_json(evaluate_files(str(goals), str(actuals), *load_rule_set())))
    return [(p["name"], p["total"], p["grade"], p["budget"]["score"],
             [(i["path"], i["weight"], i["score"], i["actual"]) for i in p["indicators"]])
            for p in report["projects"]]


def test_the_xlsx_report_imports_back_to_the_same_scores(tmp_path):
    report = tmp_path / "自评表.xlsx"
    made = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                     "--format", "xlsx", "-o", str(report)])
    assert made.exit_code == 0, made.stderr
    imported = CliRunner().invoke(main, ["import", str(report), "-o", str(tmp_path / "in")])
    # the summary sheet is a list of projects, said and left out; nothing else is told
    assert imported.exit_code == 1
    assert imported.stderr.count("warning[") == 1 and "import.not_a_project" in imported.stderr
    assert "10 个项目，0 处推断" in imported.stderr
    ours = _scores(tmp_path / "in" / "goals.yaml", tmp_path / "in" / "actuals.yaml")
    theirs = _scores(EXAMPLE / "goals.yaml", EXAMPLE / "actuals.yaml")
    assert ours == theirs
    assert ours[0][1:4] == ("92.25", "优", "9.41")
    # the unit's own scores are now the report's: the review finds them consistent
    text = (tmp_path / "in" / "actuals.yaml").read_text(encoding="utf-8")
    assert "      score: 9.41\n" in text and "    total: 92.25\n" in text
