"""What a run remembers as it scores, in one object under one bound.

A province repeats itself: a million rows have some fifteen thousand distinct outcomes, a few
thousand target texts, a few hundred units and weights. A run learns each once and reads it
back from these tables: the meaning of each text read (the lexicon's), each row's outcome, each
project shape's 分值, each target compiled, how each unit's actuals convert, each weight
rounded, the JSON text of each outcome's scored part, what
the review finds of each kind of row, and each 指标值 as the HTML report writes it. Every entry is a pure function of its
key under the run's rule set and year, so forgetting any of them changes no output, only time.

The tables live with the run (``run.Run.memo``), not in module globals: two runs in one process
(the department's summary of many units, tests) share only what they are given, and a
benchmark starts cold by making a new ``Memo``. One bound covers them all: ``settle`` is called
between projects and forgets everything once the entries together pass it, so a run's memory
for remembering stays within the bound plus one project's rows, and the hot loop reads and
writes plain dicts with no check of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .vocabulary import Lexicon

# Entries in all the tables together. A 10 000-project unit of the benchmark generator learns
# 35 757 (59 510 when messy), about 490 bytes each with what they hold (tracemalloc): the bound
# keeps a run's remembering under some 100 MB however many distinct rows its input has. (What
# a compiled target keeps of its own, its actuals' units and verdicts, is bounded per target.)
DEFAULT_BOUND = 200_000


class Memo:
    """The tables a run reads back instead of working out again (see the module's text)."""

    __slots__ = ("bound", "texts", "scores", "allocations", "compiled", "unit_factors",
                 "rounded", "row_texts", "quoted", "reviews", "views", "cells", "word_cells",
                 "markup", "forgotten")

    def __init__(self, lexicon: Lexicon | None = None, bound: int = DEFAULT_BOUND):
        self.bound = bound
        # text → its Expression or ExpressionError: the lexicon's own table, so that what it
        # reads outside the hot loop (a row's problems) is remembered too
        self.texts: dict[str, Any] = lexicon.texts if lexicon is not None else {}
        self.scores: dict[tuple, Any] = {}  # (target, actual, weight, direction) → Outcome
        self.allocations: dict[tuple, Any] = {}  # a project's shape → its Allocation
        self.compiled: dict[tuple, Any] = {}  # (target text, direction) → Scorer
        self.unit_factors: dict[str, Any] = {}  # a target's unit → its actuals' factors
        self.rounded: dict[Any, Any] = {}  # a weight → to the cent
        self.row_texts: dict[Any, tuple] = {}  # an Outcome → (weight, its JSON text)
        self.quoted: dict[str, str] = {}  # a row's text → as JSON writes it (json_report)
        self.reviews: dict[tuple, tuple] = {}  # what the review finds of a row (review.reviewed)
        self.views: dict[Any, Any] = {}  # the report views' rows scored alike (report.py)
        self.cells: dict[tuple, Any] = {}  # a workbook's cells by what makes them (xlsx.py)
        self.word_cells: dict[bytes, Any] = {}  # a Word table cell's XML → its kind (word_text)
        self.markup: dict[str, Any] = {}  # a text as HTML, its quantities unbroken (report_stream)
        self.forgotten = 0  # times the bound was reached

    def _tables(self) -> tuple[dict, ...]:
        return (self.texts, self.scores, self.allocations, self.compiled, self.unit_factors,
                self.rounded, self.row_texts, self.quoted, self.reviews, self.views, self.cells,
                self.word_cells, self.markup)

    def size(self) -> int:
        """Entries in all the tables together."""
        return sum(len(table) for table in self._tables())

    def settle(self) -> None:
        """Between projects: past the bound, forget everything (each table emptied in place:
        the scorers and readers holding them keep working, and learn again)."""
        if self.size() > self.bound:
            for table in self._tables():
                table.clear()
            self.forgotten += 1
