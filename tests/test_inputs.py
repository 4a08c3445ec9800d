"""The inputs seam: documents as the stages read them, readers chosen by the file's kind."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from evaluator import inputs, source
from evaluator.cli import main
from evaluator.diagnostics import CellPosition, Position
from tests.conftest import EXAMPLE


def test_the_yaml_document_and_the_rule_set_layers_are_loaded_documents():
    from evaluator.rules import _Layered

    document, problems = source.load_document(EXAMPLE / "goals.yaml")
    assert not problems
    assert isinstance(document, inputs.LoadedDocument) and isinstance(document, inputs.TextLines)
    layered = _Layered(document.path, {"a": {"b": "1"}}, (document,))
    assert isinstance(layered, inputs.LoadedDocument)
    assert layered.has(("a", "b")) and not layered.has(("a", "c"))


def test_yaml_is_read_whatever_the_suffix_and_xlsx_is_not_read_as_yaml_once_registered(
        monkeypatch):
    assert inputs.reader_for("goals.YML") is inputs.reader_for("goals.yaml")
    assert inputs.reader_for("goals.txt") is inputs.reader_for("goals.yaml")  # as before
    monkeypatch.setattr(inputs, "READERS", dict(inputs.READERS))
    marker = inputs.one_by_one(lambda source: (None, []))
    inputs.register(marker, ".XLSX")
    assert inputs.reader_for("自评表.xlsx") is marker


class _AsCells(inputs.Entries):
    """A YAML file shown as a workbook's cells: each line a row of the sheet 完成值, in
    column A (what a table reader's document gives the printer)."""

    def __init__(self, document: source.Document):
        self.document, self.path, self.data = document, document.path, document.data
        self.split = document.split

    def position(self, path, *, key=False, offset=0):
        at = self.document.position(path, key=key, offset=offset)
        return CellPosition(at.file, "完成值", at.line, 1)

    def has(self, path):
        return self.document.has(path)

    def excerpt(self, position):
        return position.cell, self.document.line(position.row).strip(), 0


def test_a_registered_reader_reads_its_files_and_its_places_are_printed(tmp_path, monkeypatch):
    """One registration: the run reads the new kind, and its diagnostics point at cells."""
    for name in ("goals.yaml", "actuals.yaml"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    actuals = tmp_path / "actuals.yaml"
    text = actuals.read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "executed:" in row)
    actuals.write_text(text.replace(text.splitlines()[line - 1],
                                    text.splitlines()[line - 1].split(":")[0] + ": 很多", 1),
                       encoding="utf-8")
    shutil.move(actuals, tmp_path / "actuals.cells")
    asked = []

    def read(wanted: inputs.Source):
        asked.append((wanted.role, wanted.split))
        document, problems = source.load_document(wanted.path, wanted.name, wanted.split)
        return _AsCells(document), problems

    monkeypatch.setattr(inputs, "READERS", dict(inputs.READERS))
    inputs.register(inputs.one_by_one(read), ".cells")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "goals.yaml", "actuals.cells"])
    assert asked == [("actuals", "projects")]
    assert result.exit_code == 1
    assert f"actuals.cells:完成值!A{line}: error[schema." in result.stderr
    assert f"{'A' + str(line)} | executed: 很多" in result.stderr


@pytest.mark.parametrize("split", ["projects", "单位"])
def test_the_loader_splits_at_the_key_it_is_given(split):
    """Positions inside an entry of the split key are found from that entry's lines alone,
    whatever the key is called: the loader knows no domain key."""
    raw = f"year: 2024\n{split}:\n  甲:\n    a: 1\n  乙:\n    b: 2\nnote: 末\n".encode("utf-8")
    document, problems = source.parse_bytes("a.yaml", raw, split=split)
    assert not problems and document.locator.blocks.key == split
    assert document.position((split, "乙", "b")) == Position("a.yaml", 6, 8)
    assert document.locator._line_starts is None  # found without the whole file's lines
    other, _ = source.parse_bytes("a.yaml", raw, split="elsewhere")
    assert other.locator.blocks is None
    assert other.position((split, "乙", "b")) == Position("a.yaml", 6, 8)


def test_a_project_taken_is_handed_over_once_and_can_be_put_back():
    raw = "year: 2024\nprojects:\n  甲: {a: 1}\n  乙: {b: 2}\n".encode("utf-8")
    document, _ = source.parse_bytes("a.yaml", raw, split="projects")
    assert isinstance(document, inputs.SplitDocument)
    assert document.take(["乙"]) == [{"b": "2"}]
    assert document.take(["乙"]) == [None] and document.data["projects"]["甲"] == {"a": "1"}
    document.put(["乙"], [{"b": "3"}])
    document.own_keys({"甲": "".join(["甲"])})  # a key of its own, the entries as they were
    assert document.data["projects"] == {"甲": {"a": "1"}, "乙": {"b": "3"}}
    assert document.position(("projects", "乙", "b")) == Position("a.yaml", 4, 10)
