"""The shipped templates' code saved (evaluator/shipped_templates.marshal) is what Jinja
compiles from them: written by `python -m evaluator.saved_templates` whenever reports/*.j2 or
the environment of report.environment change. A user's templates are always compiled."""

from __future__ import annotations

import pytest

from evaluator import saved_templates
from evaluator.report import TEMPLATES, build_context, environment
from evaluator.resources import resource_dir
from evaluator.run import evaluate_files
from tests.conftest import EXAMPLE


def _current() -> bool:
    return saved_templates.SAVED.read_bytes().split(b"\n", 1)[0] == saved_templates.saved_key()


def test_the_saved_templates_are_what_jinja_compiles():
    if not _current():
        pytest.skip("saved with another Jinja or Python: this one compiles")
    saved, fresh = saved_templates._saved(), saved_templates.compiled_templates()
    assert saved.keys() == fresh.keys(), (
        "reports/*.j2 or report.environment changed: save the templates again, "
        "python -m evaluator.saved_templates")
    for key, code in fresh.items():  # code objects compare by their bytecode, constants,
        assert saved[key] == code, key  # names and line tables (marshal's bytes may not)


@pytest.mark.parametrize("output_format", ["md", "html"])
def test_a_report_from_saved_code_is_the_compiled_ones(output_format, default_rules):
    if not _current():
        pytest.skip("saved with another Jinja or Python: this one compiles")
    rules, lexicon = default_rules
    context = build_context(evaluate_files(str(EXAMPLE / "goals.yaml"),
                                           str(EXAMPLE / "actuals.yaml"), rules, lexicon))
    saved = environment(html=output_format == "html")
    compiled = environment(html=output_format == "html")
    compiled.bytecode_cache = None
    name = TEMPLATES[output_format]
    template = saved.get_template(name)
    assert template.filename == str(resource_dir("reports") / name)  # as compiled from there
    assert template.render(report=context) == compiled.get_template(name).render(report=context)


def test_only_the_shipped_environment_reads_saved_code(tmp_path):
    assert environment(templates=str(tmp_path)).bytecode_cache is None
    env = environment()
    name = TEMPLATES["md"]
    source = (resource_dir("reports") / name).read_text(encoding="utf-8")
    bucket = env.bytecode_cache.get_bucket(env, name, "x", source)
    assert bucket.code is not None and bucket.code.co_filename == "x"
    edited = env.bytecode_cache.get_bucket(env, name, "x", source + "\n")
    assert edited.code is None  # compiled from the edited source
    escaped = environment(html=True)  # another environment: its own code
    assert escaped.bytecode_cache.get_bucket(escaped, name, "x", source).code is None
