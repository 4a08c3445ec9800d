"""``evaluate scaffold``: an actuals.yaml skeleton from goals.yaml, ready to fill in, or the
fill-in workbook (``evaluator.fill_in``); both show the 分值 the rule set allots each row."""

from __future__ import annotations

import json
from typing import Any

from .diagnostics import Diagnostic, has_errors
from .join import indicator_keys
from .goals import read_goals
from .rules import RuleSet
from .schema import CENT
from .inputs import read_one
from .weights import Row, allocate


def _quote(text: str) -> str:
    """A YAML key or value that reads back as exactly this text."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    """A YAML comment of one line: a line break in a name or a target would end it, and the
    rest would be read as YAML."""
    return "# " + " ".join(text.split())


def read_for_scaffold(goals_path: str) -> tuple[Any, list, list[Diagnostic], dict]:
    """The goals and their projects (None when they are in error), the problems, the sources."""
    document, problems = read_one(goals_path, "goals")
    sources = {document.path: document}
    if document.data is None:
        return None, [], problems, sources
    goals, projects, more = read_goals(document)
    problems += more
    if goals is None or has_errors(problems):
        return None, [], problems, sources
    return goals, projects, problems, sources


def scaffold_actuals(goals_path: str, rules: RuleSet) -> tuple[str | None, list[Diagnostic], dict]:
    goals, projects, problems, sources = read_for_scaffold(goals_path)
    if goals is None:
        return None, problems, sources
    lines = [
        _comment(f"{goals.unit} {goals.year}年度 实际完成情况（由 evaluate scaffold 生成，请逐项填写）"),
        "# 完成值写法：3.5次、98%、25万人次、2024年10月31日、达成 / 部分达成 / 未达成、与指标值相同的用词。",
        "# 需要写分值、偏差原因时改用长格式：{actual: 76%, weight: 5, reason: …, measures: …}",
        _comment(f"注释中的分值按规则集“{rules.title}”（{rules.name}）分配；与之不同时请在长格式中写 weight。"),
        f"year: {goals.year}",
        "projects:",
    ]
    for project in projects:
        total = format(project.funds.total, "f")
        lines += [
            f"  {_quote(project.name)}:",
            "    budget:",
            f"      initial: {total}        " + _comment(f"年初预算数（{goals.funds_unit}）"),
            f"      adjusted: {total}       # 全年预算数",
            f"      executed:               # 全年执行数：必填（预算执行率分值 {rules.budget.weight.quantize(CENT)}）",
            "    summary: \"\"              # 实际完成情况",
            "    indicators:",
        ]
        keys = indicator_keys(project.indicators)[2]  # a repeated name told apart
        weights = allocate([Row(i.level1, i.level2, None) for i in project.indicators],
                           rules).rows
        for key, indicator, weight in zip(keys, project.indicators, weights):
            lines.append(f"      {_quote(key)}:                 "
                         + _comment(f"{indicator.level1} / {indicator.level2}：指标值 "
                                    f"{indicator.target}，分值 {weight}"))
    return "\n".join(lines) + "\n", problems, sources
