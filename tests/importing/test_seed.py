"""The real client: the seed 申报表 (text extracted from a PDF, noise included) imported gives
the goals of the shipped example, project by project, path by path, and the same scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluator.cli import main
from tests.conftest import EXAMPLE

SOURCES = Path(__file__).parent / "sources"
SEED = SOURCES / "seed-shanghai-wcd-2024.txt"


def _goals(path: Path):
    from evaluator.goals import read_goals
    from evaluator.source import load_document

    document, problems = load_document(path)
    goals, projects, more = read_goals(document)
    assert problems + more == []
    return goals, projects


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed")
    result = CliRunner().invoke(main, ["import", str(SEED), "-o", str(folder)],
                                catch_exceptions=False)
    return folder, result


def test_the_seed_imports_with_its_noise_told(imported):
    folder, result = imported
    assert result.exit_code == 1  # placements were inferred, and two rows were noise
    assert "seed-shanghai-wcd-2024.txt:374:1: warning[import.unplaced]" in result.stderr
    assert "放行批注" in result.stderr
    assert "seed-shanghai-wcd-2024.txt:376:1: warning[import.stray_cell] “双语指标”" in result.stderr
    assert "已写入" in result.stderr and "10 个项目" in result.stderr
    assert not (folder / "actuals.yaml").exists()  # a 申报表 has no actuals


def test_the_seed_gives_the_example_goals(imported):
    folder, _ = imported
    goals, projects = _goals(folder / "goals.yaml")
    expected_goals, expected = _goals(EXAMPLE / "goals.yaml")
    assert (goals.year, goals.unit, goals.department, goals.funds_unit) == \
        (expected_goals.year, expected_goals.unit, expected_goals.department,
         expected_goals.funds_unit) == (2024, "上海世界城市日事务协调中心", "上海市住房和城乡建设管理委员会", "元")
    assert [p.name for p in projects] == [p.name for p in expected]
    for got, want in zip(projects, expected):
        assert got.funds == want.funds
        assert (got.nature, got.category, got.start, got.end, got.goal) == \
            (want.nature, want.category, want.start, want.end, want.goal)
        assert [(i.path, i.target) for i in got.indicators] == \
            [(i.path, i.target) for i in want.indicators], got.name
    assert sum(len(p.indicators) for p in projects) == 237
    first = projects[0]
    assert first.funds.total == first.funds.fiscal == 1102000 and str(first.funds.total) == "1102000.00"


def test_the_seed_scores_as_the_example(imported, tmp_path):
    from evaluator.run import evaluate_files, load_rule_set
    from evaluator.json_report import render_json

    folder, _ = imported
    rules = load_rule_set()
    ours = json.loads(render_json(evaluate_files(str(folder / "goals.yaml"),
                                                 str(EXAMPLE / "actuals.yaml"), *rules)))
    theirs = json.loads(render_json(evaluate_files(str(EXAMPLE / "goals.yaml"),
                                                   str(EXAMPLE / "actuals.yaml"), *rules)))
    assert [(p["name"], p["total"], p["budget"]["score"]) for p in ours["projects"]] == \
        [(p["name"], p["total"], p["budget"]["score"]) for p in theirs["projects"]]
    assert [[(i["path"], i["weight"], i["score"]) for i in p["indicators"]] for p in ours["projects"]] == \
        [[(i["path"], i["weight"], i["score"]) for i in p["indicators"]] for p in theirs["projects"]]
    assert ours["projects"][0]["total"] == "92.25"


def test_each_inference_is_a_comment_at_its_row(imported):
    folder, _ = imported
    text = (folder / "goals.yaml").read_text(encoding="utf-8")
    # row 19 sits above the 经济成本指标 label of its merged block (seed line 20)
    assert "宣传品制作成本: 合理  # 推断：二级指标单元格空白，标签印在下方（20:1）：归入“经济成本指标”" in text
    # 效益指标 printed mid-block (line 40): the catalogue places 经济效益指标 first
    assert "城市可持续发展理念社会认可度: 逐渐提升  # 推断：一级指标单元格空白，按标准目录“经济效益指标”属“效益指标”" in text
    assert "推介活动会场运营保障验收合格率: =100.00(%)  # 推断：本行印有一级“产出指标”，二级空白，沿用上方的“数量指标”" in text
    assert "加强国际组织合作: ≥1.00(个)  # 推断：三级指标名称“加强国际组织合作”在原表中重复印了两次" in text
    assert "促进城市软实力提升: 显著提升  # 推断：原表再次出现“社会效益指标”标签，与上方同名二级指标合并" in text
    assert "拆为“满意度指标”“服务对象满意度指标”" in text
    assert text.count("# 推断：") == 18  # lines; the 加强国际组织合作 line says two things


def test_same_source_same_bytes_and_no_overwrite(imported, tmp_path):
    folder, _ = imported
    again = CliRunner().invoke(main, ["import", str(SEED), "-o", str(tmp_path)])
    assert (tmp_path / "goals.yaml").read_bytes() == (folder / "goals.yaml").read_bytes()
    before = (tmp_path / "goals.yaml").read_bytes()
    refused = CliRunner().invoke(main, ["import", str(SEED), "-o", str(tmp_path)])
    assert refused.exit_code == 2 and "已存在；如确需覆盖请加 --force" in refused.stderr
    assert (tmp_path / "goals.yaml").read_bytes() == before
    forced = CliRunner().invoke(main, ["import", str(SEED), "-o", str(tmp_path), "--force"])
    assert forced.exit_code == 1 and again.exit_code == 1
    assert (tmp_path / "goals.yaml").read_bytes() == before
