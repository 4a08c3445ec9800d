"""Regenerate the golden reports of the shipped example.

    python -m tests.regenerate_golden

Run from the repository root after a deliberate change to scoring or templates; review the diff
before committing. Golden files are never edited by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
GOALS = "examples/shanghai-wcd-2024/goals.yaml"
ACTUALS = "examples/shanghai-wcd-2024/actuals.yaml"


def render_all() -> dict[str, str]:
    from evaluator.run import evaluate_files, load_rule_set
    from evaluator.json_report import render_json
    from evaluator.report import build_context, render_markdown

    rules, lexicon = load_rule_set()
    evaluation = evaluate_files(GOALS, ACTUALS, rules, lexicon)
    return {
        "shanghai-wcd-2024.md": render_markdown(build_context(evaluation)),
        "shanghai-wcd-2024.explain.md": render_markdown(build_context(evaluation, explain=True)),
        "shanghai-wcd-2024.json": render_json(evaluation),
    }


def main() -> None:
    os.chdir(ROOT)
    GOLDEN.mkdir(exist_ok=True)
    for name, text in render_all().items():
        (GOLDEN / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/golden/{name}")


if __name__ == "__main__":
    main()
