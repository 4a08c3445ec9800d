"""A deterministic synthetic unit: N projects of about 25 indicators each.

    python -m benchmarks.generate 10000 out/     # writes out/goals.yaml and out/actuals.yaml
    python -m benchmarks.generate 10000 out/ --mess 0.6   # a messy unit: ~8 warnings a project

Targets and actuals are drawn from the forms of the seed 申报表 and DESIGN §3: positive and
reverse comparisons (plain, spaced, LaTeX, word forms), =100% rates, the zero target, ranges,
deadlines, trends, states, events and free text; actuals that meet, fall short, overachieve (with
reasons), tier words, and in one project of five the unit's own scores. The same N and seed give
the same bytes.
"""

from __future__ import annotations

import random
import sys
from decimal import Decimal
from pathlib import Path

UNITS = ["次", "篇", "人", "个", "场", "册", "份", "人次", "万人次", "家", "套"]
LEVEL2 = {
    "成本指标": ["经济成本指标", "社会成本指标", "生态环境成本指标"],
    "产出指标": ["数量指标", "质量指标", "时效指标"],
    "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标"],
}
# (level-1, how many rows) for a project of 25 indicators, as in the seed
SHAPE = [("成本指标", 3), ("产出指标", 12), ("效益指标", 8), ("满意度指标", 2)]
STATES = ["合理", "规范", "合规", "有效", "合格", "及时"]
EVENTS = ["按时完成", "顺利召开", "按时发布", "如期完成"]
TRENDS = ["逐渐提升", "显著提升", "逐步扩大", "稳步提升", "明显提高", "逐渐扩大"]
FREE = ["有利于宣传推广《上海手册》", "满足接待联络需要", "更多城市参与并知晓上海奖", "展示各类优秀成果"]
REASON = "受外部因素影响，部分工作未按计划推进"
MEASURES = "加强计划管理，按月跟踪进度"
OVER_REASON = "指标值沿用往年水平，设定偏低"


def _number(rng: random.Random) -> Decimal:
    return Decimal(rng.choice([1, 2, 3, 5, 8, 10, 12, 15, 20, 30, 50, 80, 100, 200, 500, 800,
                               1000, 2000]))


def _target_and_actual(rng: random.Random, level1: str) -> tuple[str, dict | str]:
    """One row: the target string and the actual (a string, or a long-form mapping)."""
    target, actual, _more = _row(rng, level1)
    return target, actual


def _row(rng: random.Random, level1: str) -> tuple[str, dict | str, tuple | None]:
    """A row as ``_target_and_actual`` draws it, and for an at-least target (≥ T units) its
    T and unit, which a messy row may write bare or overshoot."""
    if level1 == "满意度指标":
        target = rng.choice(["≥80.00(%)", "$\\geq 80.00\\text{ (%)}$", "≥ 85%", "不低于90%"])
        value = rng.choice([76, 82, 88, 92, 95])
        low = value < int("".join(ch for ch in target if ch.isdigit())[:2])
        return target, ({"actual": f"{value}%", "reason": REASON, "measures": MEASURES}
                        if low else f"{value}%"), None
    kind = rng.random()
    if level1 == "成本指标" or kind < 0.30:
        choice = rng.random()
        if choice < 0.35:
            word = rng.choice(STATES)
            actual = rng.choice([word, word, word, "基本" + word, "达成"])
        elif choice < 0.60:
            word = rng.choice(EVENTS)
            actual = rng.choice([word, word, "延期完成", "基本完成"])
        elif choice < 0.90:
            word = rng.choice(TRENDS)
            actual = rng.choice([word, "显著提升", "逐渐提升", "持平"])
        else:
            word = rng.choice(FREE)
            actual = rng.choice(["达成", "部分达成", "达成年度指标"])
        partial = actual.startswith(("基本", "延期", "持平", "部分")) or (
            actual == "逐渐提升" and word.startswith(("显著", "明显")))
        return word, ({"actual": actual, "reason": REASON, "measures": MEASURES}
                      if partial else actual), None
    unit = rng.choice(UNITS)
    t = _number(rng)
    if kind < 0.38:
        target = rng.choice(["=100.00(%)", "=100.00 (%)", "$= 100.00\\text{ (%)}$"])
        value = rng.choice([100, 100, 100, 95, 98])
        actual = f"{value}%"
        return target, actual if value == 100 else {"actual": actual, "reason": REASON,
                                                    "measures": MEASURES}, None
    if kind < 0.42:
        return "=0.00(次)", rng.choice(["0次", "0次", "0次", "1次"]), None
    if kind < 0.48:
        target = f"≤{t}.00({unit})"
        value = int(t * Decimal(rng.choice(["0.8", "1", "1.2"])))
        return target, f"{value}{unit}" if value <= t else {
            "actual": f"{value}{unit}", "reason": REASON, "measures": MEASURES}, None
    if kind < 0.50:
        return "2024年12月底前", rng.choice(["2024年11月30日", "2024年12月20日"]), None
    form = rng.choice(["≥{t}.00({u})", "≥ {t} {u}", "$\\geq {t}.00\\text{{ ({u})}}$",
                       ">={t}{u}", "不少于{t}{u}", "{t}{u}以上"])
    target = form.format(t=t, u=unit)
    factor = Decimal(rng.choice(["0.85", "0.95", "1", "1", "1", "1.1", "1.5"]))
    value = (t * factor).quantize(Decimal("1"))
    actual = f"{value}{unit}"
    if factor < 1 or factor > Decimal("1.3"):
        return target, {"actual": actual, "reason": OVER_REASON if factor > 1 else REASON,
                        "measures": MEASURES}, (t, unit)
    return target, actual, (t, unit)


def _messy(rng: random.Random, target: str, actual: dict | str, more: tuple | None,
           weight: Decimal) -> tuple[str, dict | str]:
    """One row made as a real unit's often is: the reason for a shortfall left out, a target
    overshot without a word, the unit's own 得分 not the rule's, a target written bare (no sign)
    or an actual as Excel shows it (thousands separators, two decimals, full-width digits)."""
    kinds = []
    if isinstance(actual, dict) and "reason" in actual:
        kinds.append("reason")
    if more is not None:  # a tier row's own score off by a point would leave its band: an error
        kinds += ["score", "overshoot", "bare", "excel"]
    if not kinds:
        return target, actual
    kind = rng.choice(kinds)
    entry = dict(actual) if isinstance(actual, dict) else {"actual": actual}
    if kind == "reason":  # review.missing_reason (or .overachievement_unexplained)
        del entry["reason"], entry["measures"]
        return target, entry
    if kind == "score":  # review.score_differs: a point more than the rule gives, or less
        entry["score"] = weight - 1 if weight >= 1 and "reason" not in entry else weight
        return target, entry
    t, unit = more
    if kind == "overshoot":  # review.overachievement_unexplained
        return target, f"{t * 2}{unit}"
    value = entry["actual"]
    if kind == "bare":  # target.implied_operator
        return f"{t}{unit}", actual
    number = value[:-len(unit)]
    excel = rng.choice([f"{int(number):,}{unit}", f"{number}.00{unit}",
                        number.translate(_FULL_WIDTH) + unit])
    entry["actual"] = excel
    return target, entry if isinstance(actual, dict) else excel


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _default_weights() -> list[Decimal]:
    """The rule set's default 分值 of SHAPE's rows: 成本+产出 share 50, 效益 30, 满意度 10."""
    shares = {"成本指标": 50, "产出指标": 50, "效益指标": 30, "满意度指标": 10}
    rows = {"成本指标": 15, "产出指标": 15, "效益指标": 8, "满意度指标": 2}
    result: list[Decimal] = []
    seen = {"成本指标": 0, "产出指标": 0, "效益指标": 0, "满意度指标": 0}
    for level1, count in SHAPE:
        for _ in range(count):
            key = "产出指标" if level1 == "成本指标" else level1
            position = seen[key]
            seen[key] += 1
            cents, extra = divmod(shares[level1] * 100, rows[level1])
            result.append(Decimal(cents + (1 if position < extra else 0)) / 100)
    return result


def generate(projects: int, seed: int = 2024, mess: float = 0.0) -> tuple[str, str]:
    """``mess``: the share of rows made messy (``_messy``); 0.6 gives about eight warnings a
    project. Messy rows are drawn from a generator of their own, so a clean unit (0) is the
    same bytes as before the knob."""
    rng, messy_rng = random.Random(seed), random.Random(seed + 1)
    goals = ["# 合成数据：benchmarks/generate.py 生成，仅用于性能测试", "year: 2024",
             "department: 某市住房和城乡建设管理委员会", "unit: 某市城市事务协调中心",
             "funds_unit: 元", "projects:"]
    actuals = ["# 合成数据：benchmarks/generate.py 生成，仅用于性能测试", "year: 2024", "projects:"]
    for index in range(projects):
        name = f"项目{index + 1:06d}"
        total = Decimal(rng.randrange(100_000, 20_000_000, 100)).quantize(Decimal("0.01"))
        executed = (total * Decimal(rng.choice(["0.88", "0.94", "0.97", "1", "1"]))).quantize(
            Decimal("0.01"))
        goals += [f"  - name: {name}", "    nature: 其他一次性项目", "    category: 特定目标类",
                  "    start: 2024-01-01", "    end: 2024-12-31", "    funds:",
                  f"      total: {total}", f"      fiscal: {total}", "      carryover: 0.00",
                  "      other: 0.00", "    goal: 完成年度各项工作任务，提升城市管理水平。",
                  "    indicators:"]
        actuals += [f"  {name}:", "    budget:", f"      initial: {total}",
                    f"      adjusted: {total}", f"      executed: {executed}",
                    "    summary: 全年按计划完成各项工作。", "    indicators:"]
        own_scores = index % 5 == 4  # one project in five states its own 得分 for rows it met
        weights = _default_weights()
        row = 0
        for level1, count in SHAPE:
            goals.append(f"      {level1}:")
            groups = LEVEL2[level1]
            for group_index, level2 in enumerate(groups):
                share = count // len(groups) + (1 if group_index < count % len(groups) else 0)
                if share == 0:
                    continue
                goals.append(f"        {level2}:")
                for _ in range(share):
                    row += 1
                    indicator = f"指标{row:02d}"
                    target, actual, more = _row(rng, level1)
                    if mess and messy_rng.random() < mess:
                        target, actual = _messy(messy_rng, target, actual, more, weights[row - 1])
                    goals.append(f"          {indicator}: '{target}'")
                    if isinstance(actual, str) and not own_scores:
                        actuals.append(f"      {indicator}: {actual}")
                        continue
                    entry = actual if isinstance(actual, dict) else {"actual": actual}
                    actuals.append(f"      {indicator}:")
                    for key, value in entry.items():
                        actuals.append(f"        {key}: {value}")
                    if own_scores and isinstance(actual, str):  # met: full marks, as the rule
                        actuals.append(f"        score: {weights[row - 1]}")
    return "\n".join(goals) + "\n", "\n".join(actuals) + "\n"


def main(argv: list[str]) -> None:
    if len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != "--mess"):
        raise SystemExit("usage: python -m benchmarks.generate N OUTDIR [--mess SHARE]")
    count, folder = int(argv[1]), Path(argv[2])
    mess = float(argv[4]) if len(argv) == 5 else 0.0
    folder.mkdir(parents=True, exist_ok=True)
    goals, actuals = generate(count, mess=mess)
    (folder / "goals.yaml").write_text(goals, encoding="utf-8")
    (folder / "actuals.yaml").write_text(actuals, encoding="utf-8")
    print(f"{count} projects: {folder / 'goals.yaml'} ({len(goals.encode()) / 1e6:.1f} MB), "
          f"{folder / 'actuals.yaml'} ({len(actuals.encode()) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv)
