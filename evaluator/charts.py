"""Geometry of the summary charts, computed here so that templates only draw (no arithmetic in
Jinja). Coordinates are SVG user units, formatted as strings with two decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .saved_code import NamedTuple, dataclass

if TYPE_CHECKING:
    from .evaluation import Evaluation, ProjectResult
    from .rules import RuleSet

LABEL_WIDTH = Decimal(200)
BAR_WIDTH = Decimal(440)  # the bar for 100 points / 100 %
ROW_HEIGHT = Decimal(26)
BAR_HEIGHT = Decimal(16)
TOP = Decimal(30)

# One CSS class per category, in the rule set's order; the budget row first.
CATEGORY_CLASSES = ("c-budget", "c-1", "c-2", "c-3", "c-4", "c-5")


def _u(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01"), ROUND_HALF_UP), "f")


_BAR_HEIGHT = _u(BAR_HEIGHT)
_NAMES_END = _u(LABEL_WIDTH - 8)  # where the projects' names end, right-aligned


@dataclass(frozen=True)
class Rect:
    x: str
    y: str
    width: str
    height: str
    css: str  # CSS class: the category colour, or "weight" for the light background
    title: str  # tooltip text


@dataclass(frozen=True)
class Label:
    x: str
    y: str
    text: str
    anchor: str  # start, middle or end


@dataclass(frozen=True)
class Line:
    x1: str
    y1: str
    x2: str
    y2: str


@dataclass(frozen=True)
class Chart:
    title: str
    width: str
    height: str
    rects: Sequence[Rect]  # a tuple, or Marks drawn as they are read
    labels: Sequence[Label]
    lines: tuple[Line, ...]
    legend: tuple[tuple[str, str], ...]  # (css class, label)


LABEL_PIXELS = 184  # the label space, less a margin, at the charts' 12 px


def _pixels(char: str) -> int:
    """A character's width at 12 px, rounded up: a Chinese one, and punctuation a Chinese font
    draws full width (“”—·), 12; a Latin capital 9; other ASCII 7."""
    if char.isascii():
        return 9 if char.isupper() else 7
    return 12


def _fitted(name: str) -> str:
    """A project's name cut to the label space, with …: a longer one ran off the chart's left
    edge (the table beside it gives it whole)."""
    if sum(map(_pixels, name)) <= LABEL_PIXELS:
        return name
    kept, width = "", _pixels("…")
    for char in name:
        width += _pixels(char)
        if width > LABEL_PIXELS:
            break
        kept += char
    return kept + "…"


class ChartRow(NamedTuple):
    """What the summary charts draw of a project: all a streamed report keeps of it for them."""

    name: str
    total: Decimal
    budget_weight: Decimal
    budget_score: Decimal
    rate: Decimal | None  # 预算执行率, None when there is no budget
    categories: tuple[tuple[str, Decimal, Decimal], ...]  # (name, weight, adopted score)


def chart_row(result: ProjectResult) -> ChartRow:
    budget = result.budget
    return ChartRow(result.project.name, result.total, budget.weight, budget.score, budget.rate,
                    result.categories)


def summary_charts(rows: Sequence[ChartRow], rules: RuleSet | None,
                   grade_counts: Iterable[tuple[str, int]]) -> tuple[Chart, ...]:
    """The unit summary's charts: categories, budget execution, grades (in the rule set's
    order, with their counts of projects)."""
    return (_category_chart(rows, rules), _budget_chart(rows),
            grade_counts_chart(dict(grade_counts)))


def category_chart(evaluation: Evaluation) -> Chart:
    return _category_chart([chart_row(r) for r in evaluation.projects], evaluation.rules)


def _category_chart(rows: Sequence[ChartRow], rules: RuleSet | None) -> Chart:
    """Each project as a bar of 100 points: a light segment per category's weight, and inside it
    a dark one for the points scored."""
    scale = BAR_WIDTH / 100
    # a colour for each category, by name: a project without one of them keeps the others'
    order = ["预算执行率"] + ([c.name for c in rules.weights.categories] if rules else [])

    def css_of(name: str) -> str:
        if name not in order:
            order.append(name)
        return CATEGORY_CLASSES[min(order.index(name), len(CATEGORY_CLASSES) - 1)]

    def segments_of(project: ChartRow) -> list[tuple[str, Decimal, Decimal]]:
        budget = ([("预算执行率", project.budget_weight, project.budget_score)]
                  if project.budget_weight > 0 else [])
        return budget + list(project.categories)

    names: list[str] = []
    segments = 0
    for project in rows:  # the colours settled in the order they are drawn, and the legend's
        for name, _weight, _score in segments_of(project):
            css_of(name)
            segments += 1
            if name not in names:
                names.append(name)

    def rects() -> Iterator[Rect]:
        for row, project in enumerate(rows):
            y, x = _u(TOP + ROW_HEIGHT * row), LABEL_WIDTH
            for name, weight, score in segments_of(project):
                css, left, shown = css_of(name), _u(x), _u(weight)
                yield Rect(left, y, _u(weight * scale), _BAR_HEIGHT, "weight " + css,
                           f"{name}：分值 {shown}")
                yield Rect(left, y, _u(min(score, weight) * scale), _BAR_HEIGHT, css,
                           f"{name}：得分 {_u(score)} / {shown}")
                x += weight * scale

    def labels() -> Iterator[Label]:
        for row, project in enumerate(rows):
            baseline = _u(TOP + ROW_HEIGHT * row + BAR_HEIGHT - 3)
            yield Label(_NAMES_END, baseline, _fitted(project.name), "end")
            x = LABEL_WIDTH
            for _name, weight, _score in segments_of(project):
                x += weight * scale
            yield Label(_u(x + 6), baseline, _u(project.total), "start")

    height = TOP + ROW_HEIGHT * len(rows) + 10
    legend = tuple((css_of(name), name) for name in names)
    return Chart("各项目按指标类别的得分（浅色为分值）", _u(LABEL_WIDTH + BAR_WIDTH + 60), _u(height),
                 Marks(rects, 2 * segments), Marks(labels, 2 * len(rows)), (), legend)


def grade_counts_chart(counts: dict[str, int]) -> Chart:
    """A column per grade (in the order given), as high as its count of projects."""
    grades = list(counts)
    most = max(counts.values(), default=0) or 1
    column, plot = Decimal(70), Decimal(150)
    rects, labels = [], []
    for index, grade in enumerate(grades):
        x = Decimal(30) + column * index
        height = plot * counts[grade] / most
        y = TOP + plot - height
        rects.append(Rect(_u(x), _u(y), _u(column - 20), _u(height), f"g-{index}",
                          f"{grade}：{counts[grade]} 个项目"))
        labels.append(Label(_u(x + (column - 20) / 2), _u(y - 6), str(counts[grade]), "middle"))
        labels.append(Label(_u(x + (column - 20) / 2), _u(TOP + plot + 18), grade, "middle"))
    width = Decimal(30) + column * len(grades) + 10
    baseline = Line("20", _u(TOP + plot), _u(width - 10), _u(TOP + plot))
    return Chart("自评等级分布（项目数）", _u(width), _u(TOP + plot + 30), tuple(rects),
                 tuple(labels), (baseline,), ())


def budget_chart(evaluation: Evaluation) -> Chart:
    return _budget_chart([chart_row(r) for r in evaluation.projects])


def _budget_chart(rows: Sequence[ChartRow]) -> Chart:
    """预算执行率 per project, with a line at 100 %."""
    scale = BAR_WIDTH / 100

    def rate_of(project: ChartRow) -> tuple[Decimal, str]:
        rate = project.rate if project.rate is not None else Decimal(0)
        return rate, "over" if rate > 1 else ("low" if rate < Decimal("0.9") else "rate")

    def shown(project: ChartRow) -> Decimal:
        return min(rate_of(project)[0], Decimal("1.2")) * 100

    def text(project: ChartRow) -> str:  # no budget, no rate: "—", as the table says (not 0.00%)
        return f"{_u(project.rate * 100)}%" if project.rate is not None else "—"

    def rects() -> Iterator[Rect]:
        left = _u(LABEL_WIDTH)
        for row, project in enumerate(rows):
            yield Rect(left, _u(TOP + ROW_HEIGHT * row), _u(shown(project) * scale), _BAR_HEIGHT,
                       rate_of(project)[1], f"执行率 {text(project)}")

    def labels() -> Iterator[Label]:
        for row, project in enumerate(rows):
            baseline = _u(TOP + ROW_HEIGHT * row + BAR_HEIGHT - 3)
            yield Label(_NAMES_END, baseline, _fitted(project.name), "end")
            yield Label(_u(LABEL_WIDTH + shown(project) * scale + 6), baseline, text(project),
                        "start")

    bottom = TOP + ROW_HEIGHT * len(rows)
    full = LABEL_WIDTH + BAR_WIDTH
    used = {rate_of(project)[1] for project in rows}  # a colour is explained where one is drawn
    legend = tuple((css, name) for css, name in (("rate", "90% 至 100%"), ("low", "低于 90%"),
                                                 ("over", "超过 100%")) if css in used)
    return Chart("各项目预算执行率（竖线为 100%）", _u(full + 130), _u(bottom + 10),
                 Marks(rects, len(rows)), Marks(labels, 2 * len(rows)),
                 (Line(_u(full), _u(TOP - 6), _u(full), _u(bottom)),), legend)


class Marks(Sequence):
    """A chart's rects or its labels, drawn as they are read: ``draw`` yields them in order.
    The charts of a province's summary held whole took some 150 MB: a bar, a label and a
    tooltip for each project."""

    def __init__(self, draw: Callable[[], Iterator[Any]], count: int):
        self._draw, self._count = draw, count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        return self._draw()

    def __getitem__(self, index: Any) -> Any:
        return tuple(self)[index]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (tuple, Marks)) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]
