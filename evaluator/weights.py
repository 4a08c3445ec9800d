"""分值: how a project's 100 points are shared among its rows (DESIGN §4.1).

Budget execution takes its weight; each category of level-1 indicators takes its own (a category
with no indicators passes its weight on, by policy); an indicator's explicit 分值 is used as
given, and the unset ones share what is left of their category in 0.01 steps, the leftover cents
going to the first rows, so every sum is exact.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Sequence

from .saved_code import dataclass
from .schema import CENT

if TYPE_CHECKING:  # rules.py shares its categories out with split_pro_rata
    from .rules import Category, RuleSet


@dataclass(frozen=True, slots=True)
class Row:
    """What the allocation needs to know of one indicator."""

    level1: str
    level2: str
    explicit: Decimal | None


@dataclass(frozen=True, slots=True)
class WeightIssue:
    """A problem with a project's weights, for the project or one of its rows."""

    code: str
    message: str
    row: int | None  # the row it is about, or None for the project
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class Allocation:
    """A project's weights as scored: the budget row's, each row's, each category's."""

    budget: Decimal
    rows: tuple[Decimal, ...]
    categories: tuple[tuple[str, Decimal], ...]  # effective weight per category, after policy
    issues: tuple[WeightIssue, ...]


def split_cents(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` shares of whole cents that add up exactly; earlier shares get the
    leftover cents (50 in 3: 16.67, 16.67, 16.66)."""
    if parts <= 0:
        return []
    cents = int((total / CENT).to_integral_value(rounding=ROUND_DOWN))
    base, extra = divmod(cents, parts)
    return [(base + (1 if i < extra else 0)) * CENT for i in range(parts)]


def split_pro_rata(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` in whole cents in proportion to ``weights``, largest remainders first."""
    cents = int((total / CENT).to_integral_value(rounding=ROUND_DOWN))
    whole = sum(weights)
    if whole == 0:
        return split_cents(total, len(weights))
    exact = [Decimal(cents) * w / whole for w in weights]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:cents - sum(floors)]:
        floors[i] += 1
    return [f * CENT for f in floors]


def _effective_categories(rules: RuleSet, present: set[str]) -> list[tuple[Category, Decimal]]:
    policy = rules.weights
    categories = list(rules.weights.categories)
    weights = {c.name: c.weight for c in categories}
    absent = [c for c in categories if c.name not in present and c.weight > 0]
    kept = [c for c in categories if c.name in present]
    if not kept:
        return [(c, weights[c.name]) for c in categories]
    for category in absent:
        weight = weights.pop(category.name)
        if (policy.absent_category == "to_benefit" and category.name == policy.satisfaction_category
                and policy.benefit_category in present):
            weights[policy.benefit_category] += weight
        else:
            shares = split_pro_rata(weight, [weights[c.name] for c in kept])
            for c, share in zip(kept, shares):
                weights[c.name] += share
    return [(c, weights.get(c.name, Decimal(0))) for c in categories]


def allocate(rows: Sequence[Row], rules: RuleSet) -> Allocation:
    budget = rules.budget.weight
    issues: list[WeightIssue] = []
    membership: dict[int, Category] = {}
    for index, row in enumerate(rows):
        category = rules.category_of(row.level1)
        if category is not None:  # an unknown level 1 weighs nothing; check_level1 reports it
            membership[index] = category
    present = {c.name for c in membership.values()}
    effective = _effective_categories(rules, present)
    result: list[Decimal] = [CENT * 0] * len(rows)  # 0.00: every weight is written to the cent
    for category, category_weight in effective:
        members = [i for i in range(len(rows)) if membership.get(i) is category]
        if not members:
            continue
        explicit = [i for i in members if rows[i].explicit is not None]
        unset = [i for i in members if rows[i].explicit is None]
        for i in explicit:  # as written, to the cent (5 is 5.00)
            result[i] = rows[i].explicit.quantize(CENT, ROUND_HALF_UP)  # type: ignore[union-attr]
        given = sum((rows[i].explicit for i in explicit), Decimal(0))  # type: ignore[misc]
        left = category_weight - given
        if unset:
            if left < 0:
                issues.append(WeightIssue(
                    "weights.category_overflow",
                    f"{category.name}类已填分值合计 {given}，超过该类分值 {category_weight}，"
                    f"其余 {len(unset)} 项无分可分", unset[0]))
                left = Decimal(0)
            elif left == 0:  # the written 分值 fill the category: the others silently had none
                issues.append(WeightIssue(
                    "weights.category_full",
                    f"{category.name}类已填分值合计 {given}，已满该类分值 {category_weight}，"
                    f"其余 {len(unset)} 项分值为 0", unset[0], severity="warning"))
            for i, share in zip(unset, _split_unset(unset, rows, left, rules)):
                result[i] = share
        elif given != category_weight:
            issues.append(WeightIssue(
                "weights.category_total",
                f"{category.name}类分值合计 {given}，与该类的分值 {category_weight} 不同"
                + (f"（其中 {category_weight - category.weight} 是缺项类别按比例分来的）"
                   if category_weight != category.weight else ""), explicit[0],
                severity="warning"))
    indicator_total = sum(result, Decimal(0))
    expected = Decimal(100) - budget
    if rows and indicator_total != expected:  # unset rows fill their categories: only
        issues.append(WeightIssue(            # explicit 分值 can break the 100
            "weights.total", f"各指标分值合计 {indicator_total}，应为 {expected}"
            f"（总分 100{'，其中预算执行率 ' + str(budget) if budget else ''}）", None))
    return Allocation(budget, tuple(result),
                      tuple((c.name, w) for c, w in effective if c.name in present),
                      tuple(issues))


def _split_unset(unset: list[int], rows: Sequence[Row], left: Decimal,
                 rules: RuleSet) -> list[Decimal]:
    if rules.weights.split == "equal":
        return split_cents(left, len(unset))
    groups: dict[str, list[int]] = {}
    for i in unset:
        groups.setdefault(rows[i].level2, []).append(i)
    shares: dict[int, Decimal] = {}
    for members, group_total in zip(groups.values(), split_cents(left, len(groups))):
        for i, share in zip(members, split_cents(group_total, len(members))):
            shares[i] = share
    return [shares[i] for i in unset]
