"""goals.yaml, the 绩效目标申报表: its schema and the records the later stages read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from .diagnostics import Diagnostic, Position, error
from .schema import ExactDecimal, Strict, validate, validate_part
from .source import Document, Mapping, Scalar, locate

Money = Annotated[ExactDecimal, Field(ge=0)]


def _long_form(value: Any) -> Any:
    """A level-3 entry is a target string or {target: …}; empty reads as an empty target."""
    if value is None:
        return {"target": ""}
    if isinstance(value, str):
        return {"target": value}
    return value


class FundsSpec(Strict):
    total: Money = Field(title="年度资金申请总额")
    fiscal: Money | None = Field(None, title="其中：当年财政拨款")
    carryover: Money | None = Field(None, title="上年结转资金")
    other: Money | None = Field(None, title="其他资金")


class IndicatorSpec(Strict):
    target: str = Field(title="年度指标值")
    direction: Literal["positive", "reverse"] | None = Field(None, title="指标方向")
    note: str | None = Field(None, title="备注")


IndicatorEntry = Annotated[IndicatorSpec, BeforeValidator(_long_form)]


class ProjectSpec(Strict):
    name: str = Field(min_length=1, title="项目名称")
    code: str | None = Field(None, title="项目编码")
    nature: str | None = Field(None, title="项目性质")
    category: str | None = Field(None, title="项目类别")
    department: str | None = Field(None, title="主管部门")
    unit: str | None = Field(None, title="实施单位")
    start: dt.date | None = Field(None, title="计划开始日期")
    end: dt.date | None = Field(None, title="计划完成日期")
    funds: FundsSpec = Field(title="项目资金")
    goal: str | None = Field(None, title="年度总体目标")
    indicators: dict[str, dict[str, dict[str, IndicatorEntry]]] = Field(title="绩效指标")


class GoalsSpec(Strict):
    """The file's header; each project is validated on its own (see ``read_goals``)."""

    year: int = Field(ge=1990, le=2100, title="年度")
    department: str | None = Field(None, title="主管部门")
    unit: str = Field(min_length=1, title="实施单位")
    funds_unit: Literal["元", "万元"] = Field("元", title="金额单位")
    projects: list[Any] = Field(min_length=1, title="项目")


@dataclass(frozen=True, slots=True)
class Indicator:
    level1: str
    level2: str
    name: str
    target: str
    target_node: Scalar | None  # where the target string is, for positions inside it
    position: Position  # of the level-3 name
    direction: str | None = None
    note: str | None = None

    @property
    def path(self) -> tuple[str, str, str]:
        return (self.level1, self.level2, self.name)

    def target_position(self, offset: int = 0) -> Position:
        return self.target_node.position_at(offset) if self.target_node else self.position


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    position: Position
    department: str
    unit: str
    code: str | None
    nature: str | None
    category: str | None
    start: dt.date | None
    end: dt.date | None
    funds: FundsSpec
    goal: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, slots=True)
class Goals:
    path: str
    year: int
    department: str
    unit: str
    funds_unit: str
    projects: tuple[Project, ...]
    invalid_projects: frozenset[str] = frozenset()  # present but unreadable: reported already


def read_goals(document: Document) -> tuple[Goals | None, list[Diagnostic]]:
    spec, diagnostics = validate(GoalsSpec, document)
    if spec is None:
        return None, diagnostics
    root = document.root
    projects = []
    invalid: set[str] = set()
    seen: dict[str, Position] = {}
    for index, data in enumerate(spec.projects):
        where = ("projects", index)
        project, problems = validate_part(ProjectSpec, data, document, where)
        diagnostics += problems
        if project is None:
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                invalid.add(data["name"])
            continue
        name_node = locate(root, where + ("name",))
        position = name_node.position if name_node else Position(document.path, 1, 1)
        if project.name in seen:
            diagnostics.append(error(
                "goals.duplicate_project", f"项目名称“{project.name}”重复（第 {seen[project.name].line} 行已有）",
                position, length=len(project.name), hint="同一申报表中的项目名称必须唯一"))
            continue
        seen[project.name] = position
        indicators = []
        for level1, groups in project.indicators.items():
            for level2, entries in groups.items():
                for name, entry in entries.items():
                    at = where + ("indicators", level1, level2)
                    key = locate(root, at + (name,), key=True)
                    value = locate(root, at + (name,))
                    if isinstance(value, Mapping):
                        value = value.get("target")
                    indicators.append(Indicator(
                        level1, level2, name, entry.target,
                        value if isinstance(value, Scalar) else None,
                        key.position if key else position, entry.direction, entry.note))
        if not indicators:
            diagnostics.append(error("goals.no_indicators", f"项目“{project.name}”没有绩效指标",
                                     position, length=len(project.name)))
        projects.append(Project(
            name=project.name, position=position,
            department=project.department or spec.department or "",
            unit=project.unit or spec.unit, code=project.code, nature=project.nature,
            category=project.category, start=project.start, end=project.end,
            funds=project.funds, goal=(project.goal or "").strip(), indicators=tuple(indicators)))
    goals = Goals(document.path, spec.year, spec.department or "", spec.unit, spec.funds_unit,
                  tuple(projects), frozenset(invalid))
    return goals, diagnostics


__all__ = ["Goals", "Project", "Indicator", "read_goals", "Decimal"]
