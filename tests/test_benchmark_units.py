"""The benchmark generator's units are what the scale figures claim they are: a messy unit
gives each kind of warning a real unit gives, and no error (an error would stop the scoring
the benchmark is meant to time); a clean unit stays clean."""

from __future__ import annotations

import re

from click.testing import CliRunner

from benchmarks.generate import generate
from evaluator.cli import main


def _codes(tmp_path, mess: float) -> tuple[int, dict[str, int], str]:
    goals, actuals = generate(12, mess=mess)
    (tmp_path / "goals.yaml").write_text(goals, encoding="utf-8")
    (tmp_path / "actuals.yaml").write_text(actuals, encoding="utf-8")
    result = CliRunner().invoke(main, [str(tmp_path / "goals.yaml"), str(tmp_path / "actuals.yaml"),
                                       "--format", "json", "-o", str(tmp_path / "out.json"),
                                       "--jobs", "1"], catch_exceptions=False)
    codes: dict[str, int] = {}
    for code in re.findall(r"^\S+: (?:warning|error)\[([a-z_.]+)\]", result.stderr, re.M):
        codes[code] = codes.get(code, 0) + 1
    return result.exit_code, codes, result.stderr


def test_a_messy_unit_warns_as_a_real_one_and_has_no_error(tmp_path):
    status, codes, stderr = _codes(tmp_path, 0.6)
    assert status == 0, stderr
    assert {"review.missing_reason", "review.overachievement_unexplained", "review.score_differs",
            "target.implied_operator"} <= set(codes)
    assert sum(codes.values()) >= 7 * 12
    assert "个错误" in stderr and "共 0 个错误" in stderr


def test_a_clean_unit_stays_clean(tmp_path):
    status, codes, _stderr = _codes(tmp_path, 0.0)
    assert status == 0
    assert sum(codes.values()) < 12
