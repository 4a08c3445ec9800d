"""actuals.yaml: what happened in the year, the 分值, and optionally the unit's own scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from .diagnostics import Diagnostic, Position
from .schema import ExactDecimal, Strict, validate, validate_part
from .source import Document, Mapping, Scalar, locate

Money = Annotated[ExactDecimal, Field(ge=0)]
Points = Annotated[ExactDecimal, Field(ge=0, le=100)]


def _long_form(value: Any) -> Any:
    if value is None:
        return {"actual": ""}
    if isinstance(value, str):
        return {"actual": value}
    return value


class BudgetSpec(Strict):
    initial: Money | None = Field(None, title="年初预算数")
    adjusted: Money = Field(title="全年预算数")
    executed: Money = Field(title="全年执行数")
    score: Points | None = Field(None, title="单位自评得分")


class ActualSpec(Strict):
    actual: str = Field(title="实际完成值")
    weight: Points | None = Field(None, title="分值")
    score: Points | None = Field(None, title="单位自评得分")
    reason: str | None = Field(None, title="偏差原因分析")
    measures: str | None = Field(None, title="改进措施")
    evidence: str | None = Field(None, title="佐证材料")


ActualEntry = Annotated[ActualSpec, BeforeValidator(_long_form)]


class ProjectActualsSpec(Strict):
    budget: BudgetSpec = Field(title="预算执行")
    summary: str | None = Field(None, title="实际完成情况")
    total: Points | None = Field(None, title="单位自评总分")
    indicators: dict[str, ActualEntry] = Field(default_factory=dict, title="指标完成情况")


class ActualsSpec(Strict):
    """The file's header; each project is validated on its own (see ``read_actuals``)."""

    year: int | None = Field(None, ge=1990, le=2100, title="年度")
    projects: dict[str, Any] = Field(title="项目")


@dataclass(frozen=True, slots=True)
class Actual:
    key: str  # as written: a level-3 name, or "二级/三级"
    spec: ActualSpec
    position: Position  # of the key
    actual_node: Scalar | None
    field_positions: dict[str, Position]  # of weight, score, reason … in the long form

    def actual_position(self, offset: int = 0) -> Position:
        return self.actual_node.position_at(offset) if self.actual_node else self.position

    def field_position(self, name: str) -> Position:
        return self.field_positions.get(name, self.position)


@dataclass(frozen=True, slots=True)
class ProjectActuals:
    name: str
    position: Position
    spec: ProjectActualsSpec
    indicators: tuple[Actual, ...]
    positions: dict[str, Position]  # of budget/score/total fields, for review messages


@dataclass(frozen=True, slots=True)
class Actuals:
    path: str
    year: int | None
    year_position: Position | None
    projects: tuple[ProjectActuals, ...]
    invalid_projects: frozenset[str] = frozenset()  # present but unreadable: reported already


def read_actuals(document: Document) -> tuple[Actuals | None, list[Diagnostic]]:
    spec, diagnostics = validate(ActualsSpec, document)
    if spec is None:
        return None, diagnostics
    root = document.root
    projects = []
    invalid: set[str] = set()
    for name, data in spec.projects.items():
        project, problems = validate_part(ProjectActualsSpec, data, document, ("projects", name))
        diagnostics += problems
        if project is None:
            invalid.add(name)
            continue
        key = locate(root, ("projects", name), key=True)
        position = key.position if key else Position(document.path, 1, 1)
        indicators = []
        for indicator_key, entry in project.indicators.items():
            at = ("projects", name, "indicators", indicator_key)
            key_node = locate(root, at, key=True)
            value = locate(root, at)
            fields = {}
            if isinstance(value, Mapping):
                fields = {k.text: v.position for k, v in value.pairs}
                value = value.get("actual")
            indicators.append(Actual(indicator_key, entry,
                                     key_node.position if key_node else position,
                                     value if isinstance(value, Scalar) else None, fields))
        positions = {}
        for field_path in (("budget", "adjusted"), ("budget", "executed"), ("budget", "score"),
                           ("total",), ("budget",)):
            node = locate(root, ("projects", name) + field_path)
            if node is not None:
                positions[".".join(field_path)] = node.position
        projects.append(ProjectActuals(name, position, project, tuple(indicators), positions))
    year_node = locate(root, ("year",))
    year_position = year_node.position if isinstance(year_node, Scalar) else None
    return Actuals(document.path, spec.year, year_position, tuple(projects),
                   frozenset(invalid)), diagnostics
