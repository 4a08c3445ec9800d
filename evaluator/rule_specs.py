"""The rule set's schema: every option declared once, with its title and description, which
feed both validation messages and ``evaluate rules``. A rule set is validated through these
models and then made the plain objects a run reads (rules.py: ``plain``); the shipped ones are
saved so (saved_rules.py), and a run that uses one imports no model.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from . import rules
from .models import ExactDecimal, Strict
from .schema import Advised


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
                          ("weights", "categories"), rules._categories_advice(self))
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



def plain(value: Any) -> Any:
    """A validated rule set (or part of one) as the objects of rules.py a run reads: each model
    made the class of its name there, with the same options."""
    if isinstance(value, BaseModel):
        kind = getattr(rules, type(value).__name__)
        return kind(**{name: plain(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    return value  # mappings hold no model
