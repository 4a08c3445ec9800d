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


def evaluate_in(folder: Path, goals: str | bytes, actuals: str | bytes | None = None):
    """Write goals.yaml (and actuals.yaml) into ``folder`` and evaluate them from there, so
    that messages name the files as a user in that folder would see them."""
    import os

    from evaluator.evaluation import evaluate_files, load_rule_set

    for name, content in (("goals.yaml", goals), ("actuals.yaml", actuals)):
        if content is not None:
            data = content if isinstance(content, bytes) else content.encode("utf-8")
            (folder / name).write_bytes(data)
    here = os.getcwd()
    os.chdir(folder)
    try:
        return evaluate_files("goals.yaml", "actuals.yaml" if actuals is not None else None,
                              *load_rule_set())
    finally:
        os.chdir(here)
