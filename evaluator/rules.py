"""Rule sets: the scoring policy as data (rules/*.yaml), validated by this schema.

Every option is declared once here, with a description that feeds both validation messages and
``evaluate rules``. A rule set may ``extends:`` another (a shipped name or a file) and override
single options; mappings merge key by key, lists are replaced whole.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from .diagnostics import Diagnostic, Position, error
from .expression import Tier
from .resources import DEFAULT_RULES, resource_dir
from .schema import Advised, ExactDecimal, Strict, validate
from .inputs import value_at
from .source import Document, load_document
from .weights import split_pro_rata


class BudgetRule(Strict):
    weight: ExactDecimal = Field(ge=0, le=100, title="预算执行率分值",
                                 description="预算执行率一行的分值；0 表示不设这一行，指标分值合计 100。"
                                             "只改这一项时，继承的各类别按原比例分配其余分值（按 0.01 分步，合计精确）。")
    overrun_flag: bool = Field(True, title="超预算标记",
                               description="全年执行数超过全年预算数时给出提示。")


class Category(Strict):
    name: str = Field(title="类别名称", description="汇总时显示的类别名，通常是一级指标名。")
    weight: ExactDecimal = Field(ge=0, le=100, title="类别分值", description="这一类指标合计的分值。")
    members: tuple[str, ...] = Field((), title="包含的一级指标",
                                     description="计入这一类的一级指标；留空表示只有与 name 同名的一级指标。")

    def level1_names(self) -> tuple[str, ...]:
        return self.members or (self.name,)


class WeightRule(Strict):
    categories: tuple[Category, ...] = Field(
        title="指标类别", description="一级指标分成的类别和各自分值（默认：产出 50 含成本、效益 30、满意度 10）。")
    absent_category: Literal["to_benefit", "pro_rata"] = Field(
        "to_benefit", title="缺项类别的分值",
        description="某类别没有指标时其分值的去向：to_benefit 满意度缺项时并入效益类（其他类别缺项时按比例分配）；"
                    "pro_rata 按其余类别的分值比例分配。")
    benefit_category: str = Field("效益指标", title="效益类别",
                                  description="absent_category 为 to_benefit 时接收分值的类别。")
    satisfaction_category: str = Field("满意度指标", title="满意度类别",
                                       description="缺项时并入效益类的那个类别。")
    split: Literal["equal", "equal_per_level2"] = Field(
        "equal", title="默认分值的分配",
        description="未写分值的指标如何分享类别剩余分值：equal 在类别内平均；equal_per_level2 先在二级指标间平均，"
                    "再在二级指标内平均。均按 0.01 分步，余数依次加给靠前的指标，合计精确。")


class QuantitativeRule(Strict):
    reverse_formula: Literal["linear", "ratio"] = Field(
        "linear", title="反向指标公式",
        description="未达成的反向指标（≤T）：linear 得 W×(1−(A−T)/T)，A≥2T 时为 0；ratio 得 W×T/A。")
    equal_target: Literal["positive", "exact"] = Field(
        "positive", title="“=T”指标",
        description="positive 视同正向指标（如完成率 =100%），A≥T 即达成；exact 要求 A=T，偏离按 W×(1−|A−T|/T)。")
    deadline_missed: Literal["zero", "partial"] = Field(
        "zero", title="逾期完成",
        description="完成日期晚于截止日期时：zero 得 0 分；partial 按“部分达成”的默认得分。")
    overachievement_threshold: ExactDecimal = Field(
        Decimal("0.30"), ge=0, title="超额完成阈值",
        description="完成值超过指标值这一比例（0.30 即 30%）时标记为超额完成，需要说明指标值设定是否偏低。")
    overachievement_deduction: bool = Field(
        False, title="超额扣分",
        description="开启后，超出阈值的部分按偏离度扣分：得分 W×max(0, 1−(A/T−1−阈值))。默认关闭。")
    strict_equal: Literal["met", "not_met"] = Field(
        "met", title="“>T”“<T”恰好等于 T",
        description="met 视为达成、得满分（财预〔2020〕10号“完成指标值的，记该指标所赋全部分值”；"
                    "“以上”“以下”依法含本数，表格中的“>”多是“≥”的代写）；not_met 不算达成，按比例计分"
                    "但不得满分，比满分少 0.01。指标值为 0 时（>0）恰好为 0 总是未达成。")
    negative_target: Literal["linear", "zero"] = Field(
        "linear", title="负数指标值",
        description="指标值为负数（≥-5%、≤-3个百分点）未达成时：linear 按差距占指标值绝对值的比例扣分，"
                    "W×(1−差距/|T|)，差距达到 |T| 时为 0（与正数指标的公式一致：W×A/T 即 W×(1−(T−A)/T)）；"
                    "zero 得 0 分。范围的一端为负数、完成值落在这一端之外时同样处理。")
    bare_fraction: Literal["error", "fraction"] = Field(
        "error", title="百分比指标的小数完成值",
        description="指标值是百分数（如 ≥80%），完成值却是不带单位、不大于 1 的数（如 0.78，Excel "
                    "百分比单元格里的值）时：error 报错，说明可能指 78%（按 0.78% 计分而退出码为 1）；"
                    "fraction 把它读作小数，即 78%。")
    tier_word_accepted: bool = Field(
        True, title="定量指标接受档次词",
        description="定量指标的完成值写成“达成/部分达成/未达成”时按档次计分并给出警告；关闭则报错。")


class TierBand(Strict):
    low: ExactDecimal = Field(ge=0, le=100, title="下限（%，含）", description="得分率下限，含本数。")
    high: ExactDecimal = Field(ge=0, le=100, title="上限（%）",
                               description="得分率上限；不含本数，100 除外。")
    default: ExactDecimal = Field(ge=0, le=100, title="默认得分率（%）",
                                  description="没有填写得分时，这一档按分值的这一比例计分。")

    @property
    def top(self) -> bool:
        """The 达成 band: its upper bound, 100, is included."""
        return self.high >= 100

    def contains(self, rate: Decimal) -> bool:
        """A score rate (in %) in this band: lower bound included, upper only for the top."""
        return self.low <= rate and (rate <= self.high if self.top else rate < self.high)

    @model_validator(mode="after")
    def _ordered(self) -> "TierBand":
        if self.low > self.high:
            raise ValueError(f"下限 {self.low} 大于上限 {self.high}")
        if not self.low <= self.default <= self.high:
            raise ValueError("默认得分率应在该档的上下限之间")
        return self


class QualitativeRule(Strict):
    achieved: TierBand = Field(title="达成年度指标", description="达成：得分率区间和默认得分率。")
    partial: TierBand = Field(title="部分达成年度指标并具有一定效果", description="部分达成：得分率区间和默认得分率。")
    missed: TierBand = Field(title="未达成年度指标且效果较差", description="未达成：得分率区间和默认得分率。")

    def band(self, tier: Tier) -> TierBand:
        return {Tier.ACHIEVED: self.achieved, Tier.PARTIAL: self.partial,
                Tier.MISSED: self.missed}[tier]


class TierWords(Strict):
    achieved: tuple[str, ...] = Field(title="达成", description="表示“达成”的词。")
    partial: tuple[str, ...] = Field(title="部分达成", description="表示“部分达成”的词。")
    missed: tuple[str, ...] = Field(title="未达成", description="表示“未达成”的词。")


class Vocabulary(Strict):
    tiers: TierWords = Field(title="档次词", description="直接给出档次的词（含官方长句写法）。")
    degrees: dict[str, int] = Field(
        title="程度词", description="趋势的程度：0 持平 < 1 逐渐/逐步/稳步 < 2 显著/明显/大幅。")
    steady: tuple[str, ...] = Field(title="持平词", description="独立成词、程度为 0 且没有方向的词，如 持平。")
    increase: tuple[str, ...] = Field(title="上升方向词", description="提升、提高、扩大、增强、拓展 ……")
    decrease: tuple[str, ...] = Field(title="下降方向词", description="减少、降低、节约 ……")
    default_degree: int = Field(1, ge=0, le=2, title="缺省程度",
                                description="只写方向词（如 提升上海国际形象）时的程度。")
    states: tuple[str, ...] = Field(title="状态词", description="合理、规范、合规、有效、合格、及时 ……")
    opposites: dict[str, tuple[str, str]] = Field(
        default_factory=dict, title="反义状态词",
        description="整词否定的状态：无效 → [无, 有效]，读作“有效”被“无”否定，为未达成。")
    event_verbs: tuple[str, ...] = Field(title="事件动词", description="完成、召开、发布 ……")
    done_manners: tuple[str, ...] = Field(title="完成方式词", description="按时、顺利、如期 ……：与事件动词连用表示完成。")
    partial_manners: tuple[str, ...] = Field(title="部分完成方式词",
                                             description="延期、推迟、基本 ……：与事件动词连用表示部分达成。")
    negations: tuple[str, ...] = Field(title="否定词", description="不、未、无 ……：否定状态或事件，为未达成。")
    qualifiers: tuple[str, ...] = Field(title="限定词", description="基本 ……：限定状态，为部分达成。")


class Grade(Strict):
    name: str = Field(title="等级", description="自评等级名称。")
    minimum: ExactDecimal = Field(ge=0, le=100, title="最低总分", description="达到这一等级的最低总分（含）。")


class ReviewRule(Strict):
    tolerance: ExactDecimal = Field(Decimal("0.01"), ge=0, title="自评差异容差",
                                    description="单位自评得分与规则得分相差超过此值时给出警告。")
    achievement_gap: ExactDecimal = Field(
        Decimal("5"), ge=0, title="指标完成率与预算执行率之差",
        description="指标平均得分率高出预算执行率这么多个百分点以上时提示（钱没花完而指标全满）。")


class ImportRule(Strict):
    catalogue: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, title="指标目录",
        description="一级指标 → 所属的二级指标。原表一级单元格空白或错位时按二级指标名称归类。")


class RuleSet(Strict):
    name: str = Field(title="规则集名称", description="在报告中显示的规则集标识。")
    title: str = Field(title="标题", description="规则集的中文名称。")
    source: str = Field("", title="依据", description="所依据的文件。")
    extends: str | None = Field(None, title="继承", description="所继承的规则集（内置名称或文件路径）。")
    budget: BudgetRule = Field(title="预算执行率", description="预算执行率一行的计分。")
    weights: WeightRule = Field(title="分值", description="各类指标的分值和默认分配。")
    quantitative: QuantitativeRule = Field(title="定量指标", description="定量指标的计分公式和选项。")
    qualitative: QualitativeRule = Field(title="定性指标", description="三档得分率区间和默认得分。")
    vocabulary: Vocabulary = Field(title="词表", description="定性指标用词的含义：档次、程度、方向、状态、事件。")
    importing: ImportRule = Field(default_factory=lambda: ImportRule(), title="导入",
                                  description="evaluate import 读取申报表、自评表时用的数据。")
    grades: tuple[Grade, ...] = Field(title="等级", description="总分对应的自评等级，从高到低。")
    review: ReviewRule = Field(default_factory=ReviewRule, title="审核",
                               description="核对单位自评得分时的容差和提示阈值。")

    @model_validator(mode="after")
    def _consistent(self) -> "RuleSet":
        total = self.budget.weight + sum(c.weight for c in self.weights.categories)
        if total != 100:
            raise Advised(f"预算执行率与各类别分值合计应为 100，现为 {total}",
                          ("weights", "categories"), _categories_advice(self))
        names = [c.name for c in self.weights.categories]
        if len(set(names)) != len(names):
            raise ValueError("指标类别的名称不能重复")
        members = [n for c in self.weights.categories for n in c.level1_names()]
        if len(set(members)) != len(members):
            raise ValueError("同一个一级指标不能属于两个类别")
        minimums = [g.minimum for g in self.grades]
        if not minimums or minimums != sorted(minimums, reverse=True) or minimums[-1] != 0:
            raise ValueError("等级应按最低总分从高到低排列，最后一级的最低总分为 0")
        q = self.qualitative
        if not (q.achieved.high == 100 and q.achieved.low == q.partial.high
                and q.partial.low == q.missed.high and q.missed.low == 0):
            raise ValueError("三档得分率区间应首尾相接、覆盖 0 到 100（如 100–80、80–60、60–0）")
        return self

    def category_of(self, level1: str) -> Category | None:
        for category in self.weights.categories:
            if level1 in category.level1_names():
                return category
        return None

    def with_overrides(self, overrides: dict[str, Any]) -> "RuleSet":
        """This rule set with some options replaced, key by key, as an ``extends:`` file does."""
        merged = _merge(self.model_dump(), overrides)
        if "weight" in overrides.get("budget", {}) and "categories" not in overrides.get(
                "weights", {}):
            merged = _categories_fill(merged)
        return RuleSet.model_validate(merged)

    def grade(self, total: Decimal) -> str:
        for grade in self.grades:
            if total >= grade.minimum:
                return grade.name
        return self.grades[-1].name if self.grades else ""


@dataclass(frozen=True)
class LoadedRules:
    rules: RuleSet | None
    documents: tuple[Document, ...]  # every file read, for excerpts in messages
    data: Any = field(default=None, repr=False, compare=False)  # as validated, merged


@dataclass(frozen=True, eq=False)
class _Layered:
    """A rule set merged from an ``extends`` chain: its data, and positions found in the most
    derived file that holds the path (a LoadedDocument, see inputs.py; its excerpts come from
    the layers themselves, which are the run's sources)."""

    path: str
    data: Any
    layers: tuple[Document, ...]  # the file asked for first, then what it extends

    def position(self, path: tuple[Any, ...], *, key: bool = False, offset: int = 0) -> Position:
        for length in range(len(path), -1, -1):
            for layer in self.layers:
                if layer.has(path[:length]):
                    return layer.position(path[:length], key=key and length == len(path),
                                          offset=offset if length == len(path) else 0)
        return self.layers[0].position(())

    def has(self, path: tuple[Any, ...]) -> bool:
        """In the merged data (a list a layer replaced is the layer's)."""
        missing = object()
        return value_at(self.data, path, missing) is not missing


def _categories_fill(data: dict[str, Any]) -> dict[str, Any]:
    """Categories inherited under a budget weight of the derived file's own: they keep their
    proportions and fill what the budget leaves, in 0.01 steps that add up exactly (DESIGN
    §4.1: with budget 0, 产出 55.56, 效益 33.33, 满意度 11.11). Anything unreadable is left as
    it is, for the schema to name."""
    try:
        rest = Decimal(100) - Decimal(str(data["budget"]["weight"]))
        categories = data["weights"]["categories"]
        weights = [Decimal(str(category["weight"])) for category in categories]
        if not 0 <= rest <= 100 or sum(weights) <= 0 or sum(weights) == rest:
            return data
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return data
    filled = [{**category, "weight": share}
              for category, share in zip(categories, split_pro_rata(rest, weights))]
    return {**data, "weights": {**data["weights"], "categories": filled}}


def _categories_advice(rules: RuleSet) -> str:
    """What to write when the categories a rule set states miss what its budget row leaves."""
    rest = Decimal(100) - rules.budget.weight
    categories = rules.weights.categories
    weights = [c.weight for c in categories]
    advice = f"预算执行率 {rules.budget.weight} 分时，各类别分值合计应为 {rest}"
    if sum(weights) > 0:
        shares = split_pro_rata(rest, weights)
        advice += "，按现有比例为" + "、".join(
            f"{c.name} {share}" for c, share in zip(categories, shares))
    return advice + "；只改预算执行率分值时可不写 weights.categories，继承的类别按原比例分配其余分值"


def shipped_rule_sets() -> list[str]:
    return sorted(p.stem for p in resource_dir("rules").glob("*.yaml"))


def _resolve(reference: str, relative_to: Path | None) -> Path | None:
    """The file a rule-set reference names. Given on the command line (``relative_to`` None):
    a path, or a shipped name. Named by ``extends:`` in a file: a file beside that one or below
    it, or a shipped name; a rule file someone sent must not reach the rest of the machine (a
    file read as rules is quoted in the excerpts of its diagnostics)."""
    candidate = Path(reference)
    if relative_to is None:
        if candidate.is_file():
            return candidate
    elif _confined(relative_to.parent / candidate, relative_to.parent) is not None:
        return relative_to.parent / candidate
    shipped = resource_dir("rules") / f"{reference}.yaml"
    return shipped if "/" not in reference and shipped.is_file() else None


def _confined(path: Path, folder: Path) -> Path | None:
    """``path`` when it is a file in ``folder`` or below, links followed."""
    try:
        real, root = path.resolve(), folder.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return None
    # not only a regular file: a FIFO or a folder there is refused by the reading, as such
    return path if real.is_relative_to(root) and real.exists() else None


def _outside(reference: str) -> bool:
    """An ``extends:`` that points away from its file's folder: absolute, or through ``..``."""
    path = Path(reference)
    return path.is_absolute() or ".." in path.parts or reference.startswith("~")


def _merge(base: Any, override: Any) -> Any:
    """Override ``base`` key by key; lists and scalars are replaced whole."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return override


def load_rules(reference: str = DEFAULT_RULES, *, saved: bool = True
               ) -> tuple[LoadedRules, list[Diagnostic]]:
    """Load a shipped rule set by name or a file, following ``extends:`` chains. ``saved``:
    data that is a shipped rule set's, to the byte, is taken as validated (saved_rules.py)."""
    documents: list[Document] = []
    seen: set[Path] = set()
    current: str | None = reference
    relative: Path | None = None
    while current is not None:
        path = _resolve(current, relative)
        if path is None and relative is not None and (
                _outside(current) or os.path.lexists(relative.parent / current)):
            # told without the target's name or contents: nothing of it is read
            return LoadedRules(None, tuple(documents)), [error(
                "rules.extends_outside", "extends 只能指向内置规则集，或本规则文件所在目录（及其子目录）中的文件",
                documents[-1].position(("extends",)), length=min(len(current), 80),
                hint="请把要继承的规则文件复制到本文件旁边，再写它的文件名")]
        if path is None:
            where = documents[-1].position(("extends",)) if documents else None
            known = "、".join(shipped_rule_sets())
            return LoadedRules(None, tuple(documents)), [error(
                "rules.not_found", f"找不到规则集“{current}”", where,
                hint=f"内置规则集：{known}；也可以给出规则文件的路径")]
        path = path.resolve()
        if path in seen:
            return LoadedRules(None, tuple(documents)), [error(
                "rules.cycle", f"规则集循环继承“{current}”", documents[-1].position(("extends",)))]
        seen.add(path)
        document, problems = load_document(path, display=_display(path))
        documents.append(document)
        if problems:
            return LoadedRules(None, tuple(documents)), problems
        if not isinstance(document.data, dict):
            return LoadedRules(None, tuple(documents)), [error(
                "rules.root", "规则集的最外层应为“名称: 值”形式的映射", document.position(()))]
        parent = document.data.get("extends")
        current = parent if isinstance(parent, str) and parent else None
        relative = path
    merged: Any = {}
    for layer in reversed(documents):
        merged = _merge(merged, {k: v for k, v in layer.data.items() if k != "extends"})
    if documents[0].data.get("extends") is not None:  # shown by `evaluate rules`
        merged["extends"] = documents[0].data["extends"]
        # a file that changes a rule set but names itself nothing is not that rule set: its
        # reports say whose rules were changed, and by which file
        own = Path(documents[0].path)
        if "name" not in documents[0].data:
            merged["name"] = own.stem
        if "title" not in documents[0].data and isinstance(merged.get("title"), str):
            merged["title"] = f"{merged['title']}（经 {own.name} 修改）"
    if _first_holding(documents, ("budget", "weight")) < _first_holding(
            documents, ("weights", "categories")):
        merged = _categories_fill(merged)
    if saved:
        from .saved_rules import saved_rule_set

        rules = saved_rule_set(merged)
        if rules is not None:
            return LoadedRules(rules, tuple(documents), merged), []
    combined = _Layered(documents[0].path, merged, tuple(documents))
    rules, problems = validate(RuleSet, combined)  # type: ignore[arg-type]
    return LoadedRules(rules, tuple(documents), merged), [_as_rules_error(d) for d in problems]


def _first_holding(documents: list[Document], path: tuple[str, ...]) -> int:
    """How far up the ``extends`` chain the option is set (0: the file asked for)."""
    return next((i for i, document in enumerate(documents) if document.has(path)),
                len(documents))


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _as_rules_error(diagnostic: Diagnostic) -> Diagnostic:
    return Diagnostic(diagnostic.severity, "rules." + diagnostic.code.split(".", 1)[-1],
                      diagnostic.message, diagnostic.position, diagnostic.length, diagnostic.hint)


def describe(rules: RuleSet) -> list[tuple[str, str, str, Any]]:
    """(option, title, description, value) for every option, for ``evaluate rules``."""
    from .schema import described_fields

    rows = []
    data = rules.model_dump(mode="json")
    for dotted, option in described_fields(RuleSet):
        value: Any = data
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        rows.append((dotted, option.title or "", option.description or "", value))
    return rows


__all__ = ["RuleSet", "LoadedRules", "load_rules", "shipped_rule_sets", "describe",
           "DEFAULT_RULES"]
