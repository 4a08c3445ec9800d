"""Joining actuals to goals: a unit's projects by name, and a project's rows by the key
actuals.yaml gives them (its level-3 name, or "二级/三级" where a name repeats).

The stage between reading the two files and scoring: it pairs what goals.yaml declares with
what actuals.yaml reports, and says what is missing, unknown, repeated or ambiguous.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .actuals import Actual, Actuals, ProjectActuals
from .diagnostics import Diagnostic, error
from .goals import Goals, Indicator, Project, ProjectRows, written_keys


def indicator_keys(indicators: tuple[Indicator, ...]
                   ) -> tuple[dict[str, int], dict[str, list[str]], list[str]]:
    """How actuals.yaml may name each indicator: its level-3 name, or "二级/三级" where the name
    repeats, or "一级/二级/三级" where that repeats too (the same 二级 in two 一级). Gives every
    accepted key's row, the fuller keys to write instead of each ambiguous one, and each row's
    shortest key (the one scaffold writes)."""
    forms = [written_keys(i.level1, i.level2, i.name) for i in indicators]
    names = Counter(name for name, _pair, _triple in forms)
    pairs = Counter(pair for _name, pair, _triple in forms)
    ambiguous: dict[str, list[str]] = {}
    shortest: list[str] = []
    for name, pair, triple in forms:
        fuller = pair if pairs[pair] == 1 else triple
        if names[name] == 1:
            shortest.append(name)
        else:
            ambiguous.setdefault(name, []).append(fuller)
            shortest.append(fuller)
        if pairs[pair] > 1:
            ambiguous.setdefault(pair, []).append(triple)
    accepted: dict[str, int] = {}
    for row, keys in enumerate(forms):
        for key in keys:
            if key not in ambiguous:
                accepted.setdefault(key, row)
    return accepted, ambiguous, shortest


def join_indicators(project: Project | ProjectRows, actuals: ProjectActuals, *,
                    scored: bool = True) -> tuple[dict[int, Actual], list[Diagnostic]]:
    """Match each actual to its indicator by level-3 name, or "二级/三级" where a name repeats
    (``indicator_keys``)."""
    indicators = project.indicators
    names = [i.name for i in indicators]
    by_name = dict(zip(names, range(len(names))))
    # nearly every project: its names are its keys; the fuller forms only when one is asked for
    keys: tuple[dict[str, int], dict[str, list[str]], list[str]] | None = None
    if len(by_name) < len(names):
        keys = indicator_keys(indicators)
    matched: dict[int, Actual] = {}
    problems: list[Diagnostic] = []
    for actual in actuals.indicators:
        key = actual.key
        index = by_name.get(key) if keys is None else keys[0].get(key)
        if index is None:
            if keys is None:
                keys = indicator_keys(indicators)
            accepted, ambiguous, _shortest = keys
            index = accepted.get(key)
        if index is None:
            if key in ambiguous:
                options = ambiguous[key]
                fuller = {"一级/二级/三级" if option.count("/") - key.count("/") > 1
                          or key.count("/") else "二级/三级" for option in options}
                form = "”或“".join(sorted(fuller, key=len))
                level = "三级指标" if key in by_name else "指标"
                problems.append(error("actuals.ambiguous_indicator",
                                      f"{level}“{key}”在项目“{project.name}”中出现多次",
                                      actual.position, length=len(key),
                                      hint=f"请写成“{form}”：{'、'.join(options)}"))
                continue
            if key in project.unreadable:  # in goals.yaml, but in error there: said there
                continue
            import difflib  # a mistake's only: a clean run does without

            close = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.4)
            problems.append(error("actuals.unknown_indicator",
                                  f"项目“{project.name}”的申报表中没有指标“{key}”",
                                  actual.position, length=len(key),
                                  hint=f"是否为“{close[0]}”？" if close
                                  else "请按申报表中的三级指标名称填写"))
            continue
        if index in matched:
            problems.append(error("actuals.duplicate_indicator", f"指标“{key}”填写了两次",
                                  actual.position, length=len(key)))
            continue
        matched[index] = actual
    if len(matched) < len(indicators):
        shortest = keys[2] if keys is not None else names
        for index, indicator in enumerate(indicators):
            if index in matched or not actuals.unreadable.isdisjoint(
                    written_keys(indicator.level1, indicator.level2, indicator.name)):
                continue  # an entry written but in error: that error is the report
            key = shortest[index]  # a repeated name told apart as it is to be written
            problems.append(error("actuals.missing_indicator",  # 0 points, if it is scored
                                  f"指标“{key}”没有填写实际完成值" + ("，按 0 分计" if scored else ""),
                                  actuals.position, length=len(actuals.name),
                                  hint=f"请在 indicators 下补写“{key}: 完成值”"))
    return matched, problems


def join_projects(goals: Goals, actuals: Actuals) -> tuple[dict[int, str], list[Diagnostic]]:
    """Goals project index → its key in actuals.yaml; unknown and missing projects."""
    problems: list[Diagnostic] = []
    if actuals.year is not None and not goals.checking_only and actuals.year != goals.year:
        problems.append(error("actuals.year_mismatch",
                              f"完成值文件的年度 {actuals.year} 与申报表的年度 {goals.year} 不一致",
                              actuals.year_position, length=len(str(actuals.year))))
    declared = {name for name in goals.names if name is not None}
    found = set(actuals.names)
    for name in actuals.names:
        if name not in declared:
            import difflib

            close = difflib.get_close_matches(name, list(declared), n=1, cutoff=0.4)
            problems.append(error("actuals.unknown_project",
                                  f"申报表中没有项目“{name}”",
                                  actuals.document.position(("projects", name), key=True),
                                  length=len(name),
                                  hint=f"是否为“{close[0]}”？" if close else "项目名称须与申报表一致"))
    pairs: dict[int, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(goals.names):
        if name is None or name in taken:  # unreadable or repeated: reported by the goals reader
            continue
        taken.add(name)
        if name not in found:
            problems.append(error("actuals.missing_project",
                                  f"项目“{name}”没有填写完成情况，无法评分",
                                  goals.document.position(("projects", index, "name")),
                                  length=len(name),
                                  hint=f"请在 {Path(actuals.path).name} 的 projects 下补写“{name}:”"))
            continue
        pairs[index] = name
    return pairs, problems
