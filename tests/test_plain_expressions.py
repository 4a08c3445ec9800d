"""The commonest targets and actuals are read without Lark (``parser._plain``): words, and a
plain number with a sign or none and a unit. Whenever a string takes that path, the parser reads
the same thing from it (type, equality and every field, the written word included); anything
the shortcut is not sure of goes to the parser."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluator import parser
from evaluator.expression import Comparison, Operator, Phrase, Quantity
from tests.conftest import EXAMPLE


def _body(text: str) -> str:
    return parser.normalize(text).rstrip(parser._CLOSING).lstrip()


def _parsed(body: str):
    """What the parser makes of the body (``parse_structure`` without the shortcut)."""
    try:
        read = parser._parser().parse(body)
    except Exception as problem:  # noqa: BLE001 — any refusal: the shortcut must not read it
        return ("refused", type(problem).__name__)
    return parser._said_at_end(body) or read if type(read) is Phrase else read


def _same(shortcut, parsed) -> bool:
    return type(shortcut) is type(parsed) and shortcut == parsed and repr(shortcut) == repr(parsed)


@pytest.mark.parametrize("text, read", [
    ("≥95.00(%)", Comparison(Operator.GE, Quantity(Decimal("95.00"), "%"))),
    ("=100.00 (%)", Comparison(Operator.EQ, Quantity(Decimal("100.00"), "%"))),
    ("$\\geq 80.00\\text{ (%)}$", Comparison(Operator.GE, Quantity(Decimal("80.00"), "%"))),
    ("$\\leq 5\\%$", Comparison(Operator.LE, Quantity(Decimal("5"), "%"))),
    ("3.5次", Comparison(Operator.GE, Quantity(Decimal("3.5"), "次"), implied=True)),
    ("１８５０人", Comparison(Operator.GE, Quantity(Decimal("1850"), "人"), implied=True)),
    ("20次；", Comparison(Operator.GE, Quantity(Decimal("20"), "次"), implied=True)),
    ("按时完成", Phrase("按时完成")),
    ("有利于宣传推广《上海手册》", Phrase("有利于宣传推广《上海手册》")),
])
def test_the_commonest_forms_are_read_without_the_parser(text, read):
    shortcut = parser._plain(_body(text))
    assert _same(shortcut, read) and _same(shortcut, _parsed(_body(text)))
    assert _same(parser.parse_structure(text), read)


@pytest.mark.parametrize("text", [
    "95%以上", "3~5次", "3至5个", "2024年", "12月31日前", "上半年", "年底前", "100%完成",
    "≥ -5%", ">=90%", "1,000人", "3.", "不低于95%", "群众满意度90%", "≥3 次 活动", "\\ge 80",
])
def test_what_the_shortcut_is_not_sure_of_goes_to_the_parser(text):
    assert parser._plain(_body(text)) is None


def _strings(node) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return [node] if isinstance(node, str) else []


def test_every_string_of_the_example_read_alike():
    texts = [text for name in ("goals.yaml", "actuals.yaml")
             for text in _strings(yaml.safe_load((EXAMPLE / name).read_text(encoding="utf-8")))]
    read = [text for text in texts if _body(text) and parser._plain(_body(text)) is not None]
    assert len(read) > 150  # the example's targets and actuals, mostly
    assert [text for text in read if not _same(parser._plain(_body(text)),
                                                _parsed(_body(text)))] == []


_PIECES = ["≥", "≤", "=", ">", "<", "\\geq", "\\leq", "\\ge", "3", "95", "0", "100.00", "3.5",
           ".", " ", "(", ")", "%", "\\%", "\\text{", "}", "次", "人次", "万", "个百分点", "以上",
           "至", "年", "月", "完成", "达成", "季度", "半年", "年底", "不低于", "达到", "合理",
           "按时", "、", "；", "，", "-", "~", "\t", "元/人", "率", "日", "前", "$", "（", "％"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6))
def test_whatever_the_shortcut_reads_the_parser_reads_alike(pieces):
    body = _body("".join(pieces))
    shortcut = parser._plain(body) if body else None
    if shortcut is not None:
        assert _same(shortcut, _parsed(body))
