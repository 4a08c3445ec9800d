"""The shipped rule sets saved validated (evaluator/shipped_rules.pickle) are what validating
them gives: written by `python -m evaluator.saved_rules` whenever rules/*.yaml or the models
that validate them (rules.py, schema.py) change; data that is not a shipped set's, to the byte,
is validated as before."""

from __future__ import annotations

import pickle

import pytest

from evaluator import saved_rules
from evaluator.rules import load_rules, shipped_rule_sets


def test_the_saved_rule_sets_are_the_current_ones():
    header = saved_rules.SAVED.read_bytes().split(b"\n", 1)[0]
    assert header.split()[0] == saved_rules.saved_key().split()[0], (
        "what validates rule sets changed: save them again, python -m evaluator.saved_rules")
    fresh = {}
    for name in shipped_rule_sets():
        loaded, problems = load_rules(name, saved=False)
        assert not problems
        fresh[saved_rules.data_key(loaded.data)] = loaded.rules
    with open(saved_rules.SAVED, "rb") as saved:
        saved.readline()
        kept = pickle.load(saved)
    assert kept.keys() == fresh.keys(), (
        "rules/*.yaml changed: save the rule sets again, python -m evaluator.saved_rules")


@pytest.mark.parametrize("name", shipped_rule_sets())
def test_a_shipped_rule_set_is_taken_as_saved_and_is_what_validation_gives(name, monkeypatch):
    if saved_rules.SAVED.read_bytes().split(b"\n", 1)[0] != saved_rules.saved_key():
        pytest.skip("saved on another Python: this one validates")
    monkeypatch.setattr(saved_rules, "_loaded", None)
    loaded, problems = load_rules(name)
    fresh, _ = load_rules(name, saved=False)
    assert not problems
    assert loaded.rules is saved_rules.saved_rule_set(fresh.data)  # taken as saved
    assert loaded.rules == fresh.rules
    assert repr(loaded.rules) == repr(fresh.rules)  # Decimal("5") and Decimal("5.00") differ
    assert loaded.rules.as_data() == fresh.rules.as_data()
    assert [d.path for d in loaded.documents] == [d.path for d in fresh.documents]


def test_data_changed_by_a_byte_is_validated(tmp_path, monkeypatch):
    """A copy of the shipped rule set with one option changed is not the saved one; nor is
    the same data with its keys in another order (a vocabulary's order is the rule set's)."""
    monkeypatch.setattr(saved_rules, "_loaded", None)
    (tmp_path / "mine.yaml").write_text(
        "extends: mof-2020\nquantitative:\n  reverse_formula: ratio\n", encoding="utf-8")
    loaded, problems = load_rules(str(tmp_path / "mine.yaml"))
    assert not problems
    assert saved_rules.saved_rule_set(loaded.data) is None
    assert loaded.rules.quantitative.reverse_formula == "ratio"
    shipped, _ = load_rules()
    reordered = dict(reversed(list(shipped.data.items())))
    assert saved_rules.saved_rule_set(reordered) is None
    if saved_rules.SAVED.read_bytes().split(b"\n", 1)[0] == saved_rules.saved_key():
        assert saved_rules.saved_rule_set(shipped.data) is not None


def test_a_missing_or_broken_file_means_validating(tmp_path, monkeypatch):
    for contents in (None, b"", b"not a key\n", saved_rules.saved_key() + b"\nnot a pickle"):
        path = tmp_path / "saved.pickle"
        if contents is not None:
            path.write_bytes(contents)
        monkeypatch.setattr(saved_rules, "SAVED", path)
        monkeypatch.setattr(saved_rules, "_loaded", None)
        loaded, problems = load_rules()
        fresh, _ = load_rules(saved=False)
        assert not problems and loaded.rules == fresh.rules
        assert saved_rules.saved_rule_set(fresh.data) is None


def test_a_saved_rule_set_is_loaded_without_pydantic():
    import subprocess
    import sys

    if saved_rules.SAVED.read_bytes().split(b"\n", 1)[0] != saved_rules.saved_key():
        pytest.skip("saved on another Python: this one validates")
    code = ("import sys; from evaluator.run import load_rule_set; load_rule_set(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
