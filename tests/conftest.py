"""Shared fixtures: the repository root, the shipped example, the default rule set."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanghai-wcd-2024"
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="session")
def default_rules():
    from evaluator.evaluation import load_rule_set

    return load_rule_set()


@pytest.fixture
def in_root(monkeypatch):
    """Run with the repository as the working directory (paths in messages are relative)."""
    monkeypatch.chdir(ROOT)
    return ROOT
