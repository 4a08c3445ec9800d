"""Projects → goals.yaml and actuals.yaml text, deterministically (same projects, same bytes),
with comments that say what was inferred (``# 推断：``) and how a value was written in the
source (``# 原表：``). The text is what the engine's own loaders read; nothing else is."""

from __future__ import annotations

import json
import re
from collections import Counter

from .layout import Indicator, Project

# a scalar written plain reads back as itself: no YAML indicator first, no ": " or " #"
_PLAIN = re.compile(r"^[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9+.~]"
                    r"(?:[^\n\t\r:#]|:(?! )|(?<! )#)*(?<![\s:])$")


def scalar(text: str) -> str:
    if _PLAIN.match(text) and text.lower() not in ("null", "true", "false", "yes", "no", "on", "off"):
        return text
    return json.dumps(text, ensure_ascii=False)


def _comment(kind: str, notes: list[str]) -> str:
    if not notes:
        return ""
    return f"  # {kind}：" + "；".join(" ".join(n.split()) for n in notes)


def _notes(indicator: Indicator) -> str:
    return _comment("推断", indicator.notes) + (
        ("  # 原表：" if not indicator.notes else "；原表：") + "；".join(indicator.remarks)
        if indicator.remarks else "")


def _common(values: list[str | None]) -> str | None:
    present = [v for v in values if v]
    return Counter(present).most_common(1)[0][0] if present else None


def goals_text(projects: list[Project], year: int | None, sources: list[str],
               funds_unit: str) -> str:
    department = _common([p.fields.get("department") for p in projects])
    unit = _common([p.fields.get("unit") for p in projects])
    lines = [
        "# 由 evaluate import 从 " + "、".join(sources) + " 生成。",
        "# “推断”注释是导入时依原表位置所作的判断，请对照原表核对；“原表”注释说明值在原表中的写法。",
        f"year: {year if year is not None else ''}",
    ]
    if department:
        lines.append(f"department: {scalar(department)}")
    lines += [f"unit: {scalar(unit) if unit else ''}", f"funds_unit: {funds_unit}", "projects:"]
    for project in projects:
        lines.append(f"  - name: {scalar(project.name)}" + _comment("推断", project.notes))
        for key in ("code", "nature", "category"):
            if project.fields.get(key):
                lines.append(f"    {key}: {scalar(project.fields[key])}")
        if project.fields.get("department") and project.fields["department"] != department:
            lines.append(f"    department: {scalar(project.fields['department'])}")
        if project.fields.get("unit") and project.fields["unit"] != unit:
            lines.append(f"    unit: {scalar(project.fields['unit'])}")
        for key in ("start", "end"):
            if project.fields.get(key):
                lines.append(f"    {key}: {project.fields[key]}")
        lines.append("    funds:")
        for key in ("total", "fiscal", "carryover", "other"):
            if key in project.funds:
                inferred = "  # 推断：取自评表的年初预算数" if key == "total" and \
                    project.self_evaluation and "initial" in project.budget else ""
                lines.append(f"      {key}: {project.funds[key]}{inferred}")
        if project.goal:
            lines.append(f"    goal: {scalar(project.goal)}")
        lines.append("    indicators:")
        grouped: dict[str, dict[str, list[Indicator]]] = {}
        for indicator in project.indicators:
            grouped.setdefault(indicator.level1, {}).setdefault(indicator.level2, []).append(indicator)
        for level1, level2s in grouped.items():
            lines.append(f"      {scalar(level1)}:")
            for level2, rows in level2s.items():
                lines.append(f"        {scalar(level2)}:"
                             + _comment("推断", project.level2_notes.get((level1, level2), [])))
                for row in rows:
                    if row.direction:
                        value = f"{{target: {json.dumps(row.target, ensure_ascii=False)}, " \
                                f"direction: {row.direction}}}"
                    else:
                        value = scalar(row.target)
                    lines.append(f"          {scalar(row.name)}: {value}{_notes(row)}")
    return "\n".join(lines) + "\n"


def _keys(project: Project) -> list[str]:
    """Level-3 names, or 二级/三级 where a name repeats in the project (as actuals.yaml keys)."""
    counts = Counter(i.name for i in project.indicators)
    return [i.name if counts[i.name] == 1 else f"{i.level2}/{i.name}" for i in project.indicators]


def actuals_text(projects: list[Project], year: int | None, sources: list[str]) -> str:
    lines = [
        "# 由 evaluate import 从 " + "、".join(sources) + " 中的自评表生成：实际完成值、分值、单位自评得分。",
        f"year: {year if year is not None else ''}",
        "projects:",
    ]
    for project in projects:
        lines += [f"  {scalar(project.name)}:", "    budget:"]
        for key in ("initial", "adjusted", "executed", "score"):
            if key in project.budget:
                lines.append(f"      {key}: {project.budget[key]}")
        if project.summary:
            lines.append(f"    summary: {scalar(project.summary)}")
        if project.total is not None:
            lines.append(f"    total: {project.total}")
        lines.append("    indicators:")
        for key, indicator in zip(_keys(project), project.indicators):
            lines.append(f"      {scalar(key)}:")
            lines.append(f"        actual: {json.dumps(indicator.actual or '', ensure_ascii=False)}"
                         + ("  # 原表未填写" if not indicator.actual else ""))
            for field in ("weight", "score"):
                value = getattr(indicator, field)
                if value is not None:
                    lines.append(f"        {field}: {value}")
            for field in ("reason", "measures"):
                value = getattr(indicator, field)
                if value:
                    lines.append(f"        {field}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
