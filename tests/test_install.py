"""A non-editable install finds grammar/, rules/ and reports/ inside the wheel; the README says
how to install and what the inputs hold.

Builds the wheel from this checkout, installs it into a fresh virtual environment and runs the
``evaluate`` command there from an unrelated working directory. The dependencies come from the
site-packages of the interpreter running the tests, so no network is needed: those folders, not
the base interpreter's (``--system-site-packages`` would give those), since the tests most often
run in a virtual environment of their own, which is where ``pip install -e '.[test]'`` put them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT

pytest.importorskip("hatchling")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(ROOT)], check=True, capture_output=True)
    (built,) = out.glob("jixiao-*.whl")
    return built


def test_wheel_carries_the_data_folders(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "evaluator/_data/grammar/indicator.lark" in names
    assert "evaluator/_data/rules/mof-2020.yaml" in names
    assert "evaluator/_data/reports/report.md.j2" in names


def _sees_our_dependencies(python: Path) -> None:
    """The running interpreter's site-packages, listed in a .pth of the new environment: after
    its own, so the wheel installed there is what it imports; as plain folders, so the .pth
    files in them (this checkout's editable install among them) are not followed."""
    ours = [entry for entry in sys.path
            if entry.endswith(("site-packages", "dist-packages")) and Path(entry).is_dir()]
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_jixiao_test_dependencies.pth").write_text("\n".join(ours) + "\n",
                                                              encoding="utf-8")


def test_evaluate_runs_from_a_fresh_venv(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    _sees_our_dependencies(python)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    for name in ("goals.yaml", "actuals.yaml"):
        shutil.copy(EXAMPLE / name, work / name)
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    located = subprocess.run(
        [str(python), "-c", "import evaluator, evaluator.resources as r; "
         "print(evaluator.__file__); print(r.resource_dir('grammar'))"],
        cwd=work, capture_output=True, text=True, check=True, env=environment)
    module_file, grammar_dir = located.stdout.splitlines()
    assert str(env_dir) in module_file  # the wheel, not this checkout
    assert grammar_dir.endswith(os.path.join("evaluator", "_data", "grammar"))
    result = subprocess.run([str(bin_dir / "evaluate"), "goals.yaml", "actuals.yaml",
                             "--format", "json"], cwd=work, capture_output=True, text=True,
                            encoding="utf-8", env=environment)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["projects"][0]["total"] == "92.25"


def test_the_readme_documents_every_key_the_inputs_accept():
    """Issue 18: the README's input section names each key of goals.yaml and actuals.yaml."""
    from evaluator.actuals import (ActualSpec, ActualsSpec, BudgetSpec, ProjectActualsSpec,
                                   SourceSpec)
    from evaluator.goals import FundsSpec, GoalsSpec, IndicatorSpec, ProjectSpec

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Input formats in brief"):readme.index("Every scalar is read")]
    for model in (GoalsSpec, ProjectSpec, FundsSpec, IndicatorSpec, ActualsSpec,
                  ProjectActualsSpec, BudgetSpec, SourceSpec, ActualSpec):
        for key in model.model_fields:
            assert f"`{key}`" in section, f"{model.__name__}.{key} is not in the README"
