"""Scoring tests: the default rule set, and rule sets that override some of its options."""

from __future__ import annotations

from typing import Any

from evaluator.rules import RuleSet, load_rules

_loaded, _problems = load_rules("mof-2020")
assert _loaded.rules is not None and not _problems
DEFAULT: RuleSet = _loaded.rules


def rules_with(overrides: dict[str, Any] | None) -> RuleSet:
    return DEFAULT.with_overrides(overrides) if overrides else DEFAULT
