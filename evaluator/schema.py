"""Values as a clean file holds them, read without a model, and what every stage shares of
them (CENT, a value quoted in a message). The models themselves, and the reading of a document
through them into diagnostics, are in models.py: a clean run never imports pydantic's models.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from .source import whole_unicode


class Advised(ValueError):
    """A model's own check that knows which option it is about and what to write instead."""

    def __init__(self, message: str, path: tuple[str, ...] = (), hint: str | None = None):
        super().__init__(message)
        self.path, self.hint = path, hint


MONEY_LIMIT = Decimal(10 ** 15)  # a quadrillion: surely a typo (models.Money)


# ---- plain values: what a clean file holds, read without a model ----------------------------
# A province's 10 000 project headers cost 0.2 s through pydantic, most of it in the models
# themselves. Each reader below takes a value only when it is plainly valid, the way the model
# would read it, and raises NotPlain otherwise: the model then reads the part, and says what
# is wrong. (tests/test_fast_paths.py holds each to what the model reads.)

CENT = Decimal("0.01")  # scores, weights and points are written to the cent


class NotPlain(Exception):
    """Not plainly valid: leave it to the model."""


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()  # isdigit alone takes ١٢ and ²


def _plain_number(value: Any, places: int | None = None) -> Decimal:
    """Digits, or digits, a point and digits (at most ``places`` of them), as Decimal."""
    if type(value) is str:
        whole, point, fraction = value.partition(".")
        if _digits(whole) and (not point or _digits(fraction) and (
                places is None or len(fraction) <= places)):
            return Decimal(value)
    raise NotPlain


def plain_text(value: Any, required: bool = False) -> str | None:
    """Text; a required one (``min_length=1`` in the model) must also be whole Unicode, as the
    model checks it: ``"\\ud800"`` in YAML is a lone surrogate."""
    if type(value) is str:
        if not required or value and (value.isascii() or whole_unicode(value)):
            return value
    elif value is None and not required:
        return None
    raise NotPlain


def plain_amount(value: Any, required: bool = False) -> Decimal | None:
    """Money: 0 or more, below ``MONEY_LIMIT``."""
    if value is None and not required:
        return None
    amount = _plain_number(value)
    if amount < MONEY_LIMIT:
        return amount
    raise NotPlain


def plain_points(value: Any) -> Decimal | None:
    """0 to 100 with at most two decimals, read to the cent."""
    if value is None:
        return None
    points = _plain_number(value, places=2)
    if points <= 100:
        return points.quantize(CENT)
    raise NotPlain


def plain_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-" and (
            _digits(value[:4] + value[5:7] + value[8:])):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise NotPlain


def plain_year(value: Any) -> int:
    """A year from 1990 to 2100 in four ASCII digits (the bounds the files' headers set)."""
    if type(value) is str and len(value) == 4 and _digits(value) and 1990 <= int(value) <= 2100:
        return int(value)
    raise NotPlain


def shorten(value: Any, limit: int = 40) -> str:
    """A value quoted in a message, as YAML writes it ({value: 98000.00}, not Python's
    {'value': '98000.00'}): long ones are cut, so a 50 MB mistake is not echoed whole."""
    parts: list[str] = []
    _flow(value, parts, limit + 1)
    text = "".join(parts)
    return text if len(text) <= limit else text[:limit] + "…"


def _flow(value: Any, parts: list[str], budget: int) -> int:
    """Append ``value`` in YAML's flow style to ``parts``, stopping once ``budget`` characters
    are written; the budget left."""
    if budget <= 0:
        return budget
    if isinstance(value, (dict, list)):
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        parts.append(opening)
        budget -= 1
        items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
        for index, (key, item) in enumerate(items):
            if budget <= 0:
                return budget
            if index:
                parts.append(", ")
                budget -= 2
            if key is not None:
                parts.append(f"{key}: ")
                budget -= len(parts[-1])
            budget = _flow(item, parts, budget)
        parts.append(closing)
        return budget - 1
    text = "null" if value is None else str(value)[:max(budget, 0)]
    parts.append(text)
    return budget - len(text)

