"""The schema of the two files a unit writes, goals.yaml and actuals.yaml, as pydantic models.

A clean file is read without them (goals.py and actuals.py read what is plain, as the models
would: tests/test_fast_paths.py holds them to it); they are imported when something is not
plain, to read it or to say what is wrong with it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from .models import ExactDecimal, Money, Strict, Year
from .schema import CENT

# ---- goals.yaml -------------------------------------------------------------------------------

class FundsSpec(Strict):
    total: Money = Field(title="年度资金申请总额")
    fiscal: Money | None = Field(None, title="其中：当年财政拨款")
    carryover: Money | None = Field(None, title="上年结转资金")
    other: Money | None = Field(None, title="其他资金")


# as the 申报表 writes it: 正向指标 / 反向指标
_DIRECTIONS = {"正向": "positive", "正向指标": "positive", "反向": "reverse", "反向指标": "reverse"}
Direction = Annotated[Literal["positive", "reverse"],
                      BeforeValidator(lambda value: _DIRECTIONS.get(value, value)
                                      if isinstance(value, str) else value)]


class IndicatorSpec(Strict):
    target: str = Field(title="年度指标值")
    direction: Direction | None = Field(None, title="指标方向",
                                        description="positive（正向）或 reverse（反向）")
    note: str | None = Field(None, title="备注")


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
    # 一级 → 二级 → 三级: a target string or {target: …}. The nesting is checked in
    # read_project, which walks it anyway: a plain string (nearly every leaf) costs nothing.
    indicators: dict[str, Any] = Field(title="绩效指标")


class GoalsSpec(Strict):
    """The file's header; each project is validated on its own (see ``read_goals``)."""

    year: Year = Field(ge=1990, le=2100, title="年度")
    department: str | None = Field(None, title="主管部门")
    unit: str = Field(min_length=1, title="实施单位")
    funds_unit: Literal["元", "万元"] = Field("元", title="金额单位")
    projects: list[Any] = Field(min_length=1, title="项目")


# ---- actuals.yaml -----------------------------------------------------------------------------

def _cents(value: Decimal) -> Decimal:
    """分值 and 得分 are written to the cent, as the 自评表 prints them, and read so: 14 and
    14.00 are one figure, printed alike wherever they are quoted."""
    cents = value.quantize(CENT)
    if value.as_tuple().exponent < -2 and value != cents:
        raise PydanticCustomError("places", "more than two decimals")
    return cents


Points = Annotated[ExactDecimal, Field(ge=0, le=100), AfterValidator(_cents)]


class SourceSpec(Strict):
    """One source of the year's money (其中：当年财政拨款 …): its share of the two totals."""

    adjusted: Money | None = Field(None, title="全年预算数")
    executed: Money | None = Field(None, title="全年执行数")


class BudgetSpec(Strict):
    initial: Money | None = Field(None, title="年初预算数")
    adjusted: Money = Field(title="全年预算数")
    executed: Money = Field(title="全年执行数")
    score: Points | None = Field(None, title="单位自评得分")
    fiscal: SourceSpec | None = Field(None, title="其中：当年财政拨款")
    carryover: SourceSpec | None = Field(None, title="上年结转资金")
    other: SourceSpec | None = Field(None, title="其他资金")


class ActualSpec(Strict):
    actual: str = Field(title="实际完成值")
    weight: Points | None = Field(None, title="分值")
    score: Points | None = Field(None, title="单位自评得分")
    reason: str | None = Field(None, title="偏差原因分析")
    measures: str | None = Field(None, title="改进措施")
    evidence: str | None = Field(None, title="佐证材料")


class ProjectActualsSpec(Strict):
    budget: BudgetSpec = Field(title="预算执行")
    summary: str | None = Field(None, title="实际完成情况")
    total: Points | None = Field(None, title="单位自评总分")
    # keyed by level-3 name: an actual string or {actual: …}, read in read_actuals
    indicators: dict[str, Any] = Field(default_factory=dict, title="指标完成情况")


class ActualsSpec(Strict):
    """The file's header; each project is validated on its own (see ``read_actuals``)."""

    year: Year | None = Field(None, ge=1990, le=2100, title="年度")
    projects: dict[str, Any] = Field(title="项目")
