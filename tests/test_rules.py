"""Rule sets as data: schema, descriptions, extends, and the shipped variant."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from evaluator.cli import main
from evaluator.run import evaluate_files, load_rule_set
from evaluator.rule_specs import RuleSet
from evaluator.rules import describe, load_rules, shipped_rule_sets
from evaluator.models import described_fields
from tests.conftest import EXAMPLE


def test_shipped_rule_sets_load_cleanly():
    assert shipped_rule_sets() == ["local-variant", "mof-2020"]
    for name in shipped_rule_sets():
        loaded, problems = load_rules(name)
        assert problems == [] and loaded.rules is not None and loaded.rules.name == name


def test_every_option_is_described():
    for dotted, field in described_fields(RuleSet):
        assert field.title and field.description, dotted


def test_a_run_reads_the_options_the_models_validated():
    """The plain objects a run reads (rules.Options) hold what the models read, to the digit."""
    for name in shipped_rule_sets():
        loaded, _ = load_rules(name, saved=False)
        spec = RuleSet.model_validate(loaded.data)
        assert loaded.rules.as_data() == spec.model_dump()
        assert repr(loaded.rules.as_data()) == repr(spec.model_dump())  # 5 and 5.00 differ
        assert type(loaded.rules.qualitative.partial).__name__ == "TierBand"


def test_describe_shows_values():
    rules, _ = load_rule_set()
    rows = {option: value for option, _t, _d, value in describe(rules)}
    assert rows["budget.weight"] == "10"
    assert rows["quantitative.overachievement_threshold"] == "0.30"
    assert rows["qualitative.partial.default"] == "70"


def write(tmp_path, text, name="rules.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_extends_overrides_single_options(tmp_path):
    path = write(tmp_path, "extends: mof-2020\nname: mine\ntitle: 我的\n"
                           "quantitative: {overachievement_threshold: 0.5}\n")
    loaded, problems = load_rules(path)
    assert problems == []
    rules = loaded.rules
    assert rules.quantitative.overachievement_threshold == Decimal("0.5")
    assert rules.quantitative.reverse_formula == "linear"  # inherited, key by key
    assert rules.budget.weight == 10


def test_extends_a_file_relative_to_the_child(tmp_path):
    write(tmp_path, "extends: mof-2020\nname: base\ntitle: 基础\ngrades: [{name: 合格, minimum: 60}, "
                    "{name: 不合格, minimum: 0}]\n", "base.yaml")
    child = write(tmp_path, "extends: base.yaml\nname: child\ntitle: 子\n", "child.yaml")
    loaded, problems = load_rules(child)
    assert problems == [] and [g.name for g in loaded.rules.grades] == ["合格", "不合格"]


@pytest.mark.parametrize("text, code, line, column", [
    ("extends: mof-2020\nquantitative: {reverse_formla: ratio}\n", "rules.unknown_key", 2, 16),
    ("extends: mof-2020\nquantitative: {reverse_formula: inverse}\n", "rules.choice", 2, 33),
    ("extends: mof-2020\nbudget: {weight: ten}\n", "rules.number", 2, 18),
    ("extends: no-such-set\n", "rules.not_found", 1, 10),
    ("extends: mof-2020\nbudget: {weight: 5}\nweights:\n  categories: [{name: 产出指标, weight: 50}]\n",
     "rules.value", 4, 3),
    ("extends: mof-2020\nqualitative:\n  partial: {low: 60, high: 80, default: 90}\n",
     "rules.value", 3, 3),
])
def test_broken_rule_sets_are_positioned(tmp_path, text, code, line, column):
    loaded, problems = load_rules(write(tmp_path, text))
    assert loaded.rules is None
    found = [(p.code, p.position.line, p.position.column) for p in problems if p.position]
    assert (code, line, column) in found, found


def test_broken_rule_set_is_exit_2_with_position(tmp_path):
    path = write(tmp_path, "extends: mof-2020\nquantitative: {reverse_formla: ratio}\n")
    result = CliRunner().invoke(main, [str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                       "--rules", path])
    assert result.exit_code == 2
    assert "rules.yaml:2:16: error[rules.unknown_key] 不认识的键“reverse_formla”" in result.stderr
    assert "是否应为“reverse_formula”？" in result.stderr


def test_the_variant_changes_exactly_what_it_says():
    base = load_rule_set("mof-2020")[0].as_data()
    variant = load_rule_set("local-variant")[0].as_data()
    changed = {(section, key) for section in base if isinstance(base[section], dict)
               for key in base[section] if base[section][key] != variant[section][key]}
    assert changed == {("quantitative", "reverse_formula"), ("qualitative", "partial"),
                       ("qualitative", "missed")}
    top = {k for k in base if not isinstance(base[k], dict) and base[k] != variant[k]}
    assert top == {"name", "title", "source", "extends"}  # the variant extends mof-2020


def test_the_variant_rescores_only_reverse_and_lower_tier_rows(tmp_path):
    import shutil

    for name in ("goals.yaml", "actuals.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    actuals = tmp_path / "actuals.yaml"
    # make the reverse target miss: 城市获奖数量 ≤5.00(个) with 8个 (linear: 0.4 × W; ratio: 5/8 W)
    actuals.write_text(actuals.read_text(encoding="utf-8").replace("城市获奖数量: 4个", "城市获奖数量:\n        actual: 8个\n        reason: 评审结果优秀城市较多\n        measures: 调整奖项设置"), encoding="utf-8")
    runs = {}
    for name in ("mof-2020", "local-variant"):
        evaluation = evaluate_files(str(tmp_path / "goals.yaml"), str(actuals), *load_rule_set(name))
        runs[name] = {(p.project.name, r.indicator.name): r for p in evaluation.projects
                      for r in p.indicators}
    differing = {key for key in runs["mof-2020"]
                 if runs["mof-2020"][key].score != runs["local-variant"][key].score}
    partial_rows = {key for key, r in runs["mof-2020"].items()
                    if r.tier is not None and r.tier.value == "部分达成"}
    # 未达成 scores 0 under both; only the missed reverse row and the 部分达成 rows move
    assert differing == partial_rows | {("2024年“上海奖”工作", "城市获奖数量")}
    reverse = runs["local-variant"][("2024年“上海奖”工作", "城市获奖数量")]
    weight = reverse.weight  # 2.94: W × 5/8 = 1.8375 → 1.84 (linear would be 2.94 × 0.4 = 1.18)
    assert reverse.score == (weight * 5 / 8).quantize(Decimal("0.01"))
    assert runs["mof-2020"][("2024年“上海奖”工作", "城市获奖数量")].score == Decimal("1.18")
    partial = runs["local-variant"][("2024年“上海奖”工作", "促进更多国外城市竞选获奖城市")]
    assert partial.score == Decimal("2.44")  # 3.75 × 65% = 2.4375 → 2.44


@pytest.mark.parametrize("override", [
    "grades: [{name: 优, minimum: 90}, {name: 良, minimum: 80}]\n",
    "weights:\n  categories: [{name: 产出指标, weight: 50}, {name: 产出指标, weight: 40}]\n",
    "weights:\n  categories: [{name: 产出指标, weight: 50, members: [产出指标, 效益指标]}, "
    "{name: 效益指标, weight: 30}, {name: 满意度指标, weight: 10}]\n",
    "qualitative:\n  partial: {low: 50, high: 75, default: 60}\n",
])
def test_incoherent_rule_sets_are_refused(tmp_path, override):
    loaded, problems = load_rules(write(tmp_path, "extends: mof-2020\n" + override))
    assert loaded.rules is None and [p.code for p in problems] == ["rules.value"]


def test_amounts_keep_their_written_precision():
    from evaluator.report import money

    assert money(Decimal("110.2035")) == "110.2035"
    assert money(Decimal("1102000")) == "1,102,000.00"


@pytest.mark.parametrize("band, message", [
    ("{low: 90, high: 80, default: 85}", "下限 90 大于上限 80"),  # the default is between them
    ("{low: 60, high: 80, default: 90}", "默认得分率应在该档的上下限之间"),
])
def test_a_broken_tier_band_says_what_is_wrong_with_it(tmp_path, band, message):
    text = f"extends: mof-2020\nqualitative:\n  partial: {band}\n"
    loaded, problems = load_rules(write(tmp_path, text))
    assert loaded.rules is None
    assert [p.code for p in problems] == ["rules.value"] and message in problems[0].message


def test_a_file_that_changes_a_rule_set_without_naming_itself_is_not_that_rule_set(tmp_path):
    """Reports said 财政部…默认规则（mof-2020） for rules a file had changed."""
    path = tmp_path / "本单位口径.yaml"
    path.write_text("extends: mof-2020\nquantitative: {reverse_formula: ratio}\n", encoding="utf-8")
    loaded, problems = load_rules(str(path))
    assert not problems
    assert loaded.rules.name == "本单位口径"
    assert loaded.rules.title == "财政部项目支出绩效自评默认规则（经 本单位口径.yaml 修改）"
    named = tmp_path / "named.yaml"
    named.write_text("extends: mof-2020\nname: 自定\ntitle: 自定口径\n", encoding="utf-8")
    assert (load_rules(str(named))[0].rules.name, load_rules(str(named))[0].rules.title) == (
        "自定", "自定口径")


def _categories(rules):
    return [(c.name, c.weight) for c in rules.weights.categories]


@pytest.mark.parametrize("weight, expected", [
    # 100 × 50/90 = 55.555…, 30/90 → 33.333…, 10/90 → 11.111…: 99.99 in floors, the cent
    # left to the largest remainder (55.555…): DESIGN §4.1's 55.56, 33.33, 11.11
    ("0", ["55.56", "33.33", "11.11"]),
    # 80 × 50/90 = 44.444…, 26.666…, 8.888…: floors 79.98, cents to .888… and .666…
    ("20", ["44.44", "26.67", "8.89"]),
    ("10", ["50", "30", "10"]),  # the inherited weight again: nothing to fill
])
def test_a_rule_set_that_changes_only_the_budget_weight_is_complete(tmp_path, weight, expected):
    loaded, problems = load_rules(write(tmp_path, f"extends: mof-2020\nbudget: {{weight: {weight}}}\n"))
    assert problems == []
    names = ["产出指标", "效益指标", "满意度指标"]
    assert _categories(loaded.rules) == list(zip(names, map(Decimal, expected)))
    assert loaded.rules.weights.categories[0].members == ("产出指标", "成本指标")  # kept
    overridden = load_rule_set()[0].with_overrides({"budget": {"weight": weight}})
    assert _categories(overridden) == _categories(loaded.rules)


def test_a_budget_weight_over_a_parent_with_its_own_categories_keeps_theirs(tmp_path):
    """The categories come from the nearest file that states them (no-budget-row: 60/30/10)."""
    import shutil

    shutil.copy(EXAMPLE.parent / "rules" / "no-budget-row.yaml", tmp_path / "base.yaml")
    path = write(tmp_path, "extends: base.yaml\nbudget: {weight: 20}\n", "child.yaml")
    loaded, problems = load_rules(path)
    assert problems == []  # 80 × 60/100 = 48, × 30/100 = 24, × 10/100 = 8
    assert [w for _n, w in _categories(loaded.rules)] == [Decimal(48), Decimal(24), Decimal(8)]


def test_categories_stated_beside_a_budget_that_do_not_add_up_say_what_to_write(tmp_path):
    path = write(tmp_path, "name: 省级\ntitle: 省级\nextends: mof-2020\nbudget: {weight: 20}\n"
                           "weights:\n  categories:\n    - {name: 产出指标, weight: 50}\n"
                           "    - {name: 效益指标, weight: 30}\n    - {name: 满意度指标, weight: 10}\n")
    loaded, problems = load_rules(path)
    assert loaded.rules is None
    [problem] = problems
    assert (problem.code, problem.position.line, problem.position.column) == ("rules.value", 6, 3)
    assert problem.message == "预算执行率与各类别分值合计应为 100，现为 110"
    assert problem.hint.startswith("预算执行率 20 分时，各类别分值合计应为 80，按现有比例为"
                                   "产出指标 44.44、效益指标 26.67、满意度指标 8.89；")


def test_a_rule_set_without_a_budget_row_scores_the_example(tmp_path):
    """The example's rows without 分值 fill 55.56 / 33.33 / 11.11; a project whose explicit 分值
    add up to 90 is told that they must now carry 100."""
    path = write(tmp_path, "extends: mof-2020\nbudget: {weight: 0}\n")
    evaluation = evaluate_files(str(EXAMPLE / "goals.yaml"), str(EXAMPLE / "actuals.yaml"),
                                *load_rule_set(path))
    first = evaluation.projects[0]
    assert first.budget.weight == 0 and first.budget.score == 0
    assert sum(r.weight for r in first.indicators) == 100
    assert dict((name, weight) for name, weight, _score in first.categories) == {
        "产出指标": Decimal("55.56"), "效益指标": Decimal("33.33"), "满意度指标": Decimal("11.11")}
