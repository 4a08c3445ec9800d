"""The facade over Lark: the only module that imports it.

``parse_structure`` turns one target or actual string into an AST (with words left as a
``Phrase``) or an ``ExpressionError``; Lark's exceptions, terminal names and trees never leave
this module. ``evaluator.vocabulary`` gives phrases their meaning.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark import __version__ as lark_version
from lark.exceptions import (UnexpectedCharacters, UnexpectedEOF, UnexpectedInput,
                             UnexpectedToken)

from .expression import (PERIODS, Comparison, DatePoint, DateTerm, Operator, Phrase, Quantity,
                         Range)
from .resources import resource_path
from .saved_code import SavedRe, compiled, dataclass

# Full-width ASCII (＞＜＝（）０-９，％ …) to ASCII, one character for one so columns hold.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Spaces in all but name, and LaTeX's math-mode dollars: the grammar never needs them.
for _code in (0x3000, 0x00A0, 0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060, ord("$")):
    _FULL_WIDTH[_code] = ord(" ")

# What a user reads instead of a terminal name; an operator's terminals by their kind.
_EXPECTED_NAMES = {
    "NUMBER": "数字", "UNIT": "单位", "RANGE_SEP": "范围符号（~ 或 -）", "DATE": "日期",
    "BEFORE": "“前”", "LPAR": "“(”", "RPAR": "“)”", "PHRASE": "文字", "$END": "结尾",
    "DONE": "",  # 完成 may close a quantity: not worth naming in every hint
}
_OPERATOR_KINDS = {"": "比较符号（≥、≤、= 等）", "_WORD": "比较词（不低于等）",
                   "_SUFFIX": "“以上/以下/以内”"}


@dataclass(frozen=True, slots=True)
class ExpressionError:
    """Why a string cannot be read; ``offset`` counts characters into the original string."""

    code: str
    message: str
    offset: int = 0
    length: int = 1
    hint: str = ""


class _Invalid(Exception):
    def __init__(self, code: str, message: str, token: Token | None, hint: str = ""):
        super().__init__(message)
        self.code, self.message, self.token, self.hint = code, message, token, hint


def _operator_of(token: Token) -> Operator:
    """The operator a sign, word or suffix stands for, by its terminal's name (GE_WORD: ≥)."""
    return Operator[token.type.partition("_")[0]]


def _number(token: Token) -> Decimal:
    text = str(token).replace(",", "").replace("−", "-")
    if text[0] == "-":  # a sign may stand apart from its digits, by any white space (- 5, -\t5)
        text = "-" + text[1:].lstrip()
    return Decimal(text)


def _agree(operator: Operator, suffix: Token | None) -> None:
    """≥5场及以上 repeats itself and is fine; ≥95%以下 contradicts itself and is not."""
    if suffix is not None and _operator_of(suffix) is not operator:
        raise _Invalid("expression.contradiction", f"“{suffix}”与前面的比较符号矛盾", suffix,
                       "只保留一种写法，如“≥95%”或“95%以上”")


_QUARTERS = {"一": "第一季度", "二": "第二季度", "三": "第三季度", "四": "第四季度",
             "1": "第一季度", "2": "第二季度", "3": "第三季度", "4": "第四季度"}
_PERIOD = compiled(r"(?:(\d{4})年)?(?:第?([一二三四1-4])季度|(上半年|下半年))[末底内]?")


def _date_point(token: Token) -> DatePoint:
    text = str(token)
    year: int | None = None
    part = ""
    period = _PERIOD.fullmatch(text)
    if period is not None:  # 2024年第三季度: by its last month's end
        year_text, quarter, half = period.groups()
        part = _QUARTERS[quarter] if quarter else half
        return DatePoint(int(year_text) if year_text else None, PERIODS[part], None, part)
    if text.endswith(("年底", "年末", "年内")):  # 2024年底: the end of December; 年内, by then
        return DatePoint(int(text[:4]) if text[:1].isdigit() else None, 12, None,
                         "底" if text.endswith("内") else text[-1])
    if text.endswith(("年", "年度")):  # 2024年: the whole year
        return DatePoint(int(text[:4]), 12, None, "年")
    if "年" in text or "月" in text:
        if "年" in text:
            year_text, text = text.split("年", 1)
            year = int(year_text)
        month_text, rest = text.split("月", 1)
        month = int(month_text)
        day = None
        if rest.endswith(("日", "号")):  # 31号 is 31日, as said
            day = int(rest[:-1])
        else:
            part = rest
    else:  # 2024-12-31, 2024/12/31, 2024.12.31; 2024-12, 2024/12: the month
        year_text, month_text, *day_text = re.split(r"[-/.]", text)
        year, month = int(year_text), int(month_text)
        day = int(day_text[0]) if day_text else None
    if not 1 <= month <= 12:
        raise _Invalid("expression.bad_date", f"月份“{month}”不存在", token, "月份应在 1 到 12 之间")
    if day is not None:
        import calendar  # a date with a day's only

        last = calendar.monthrange(year or 2024, month)[1]  # 2024 is a leap year: 2月29日 passes
        if not 1 <= day <= last:
            raise _Invalid("expression.bad_date", f"日期“{token}”不存在", token,
                           f"{month}月只有 {last} 天")
    return DatePoint(year, month, day, part)


def _suffix(tokens: tuple[Token, ...]) -> Token | None:
    """以上/以下/以内 among what follows a quantity (完成 may follow too)."""
    return next((t for t in tokens if t.type.endswith("_SUFFIX")), None)


@v_args(inline=True)
class _ToAst(Transformer):
    def quantity(self, number: Token, unit: str | None = None) -> Quantity:
        return Quantity(_number(number), str(unit).strip() if unit is not None else "")

    def latex_percent(self, _token: Token) -> str:
        return "%"

    def latex_text(self, _command: Token, unit: str) -> str:
        return unit

    def signed(self, sign: Token, quantity: Quantity, *rest: Token) -> Comparison:
        operator = _operator_of(sign)
        _agree(operator, _suffix(rest))
        return Comparison(operator, quantity)

    def worded(self, word: Token, quantity: Quantity, *rest: Token) -> Comparison:
        suffix = _suffix(rest)
        if word.type == "WITHIN_WORD":  # 控制在5%以内 / 控制在95%以上; ≤ when it says no more
            operator = _operator_of(suffix) if suffix is not None else Operator.LE
            return Comparison(operator, quantity, word=str(word))
        operator = _operator_of(word)
        _agree(operator, suffix)
        return Comparison(operator, quantity, word=str(word))

    def suffixed(self, quantity: Quantity, suffix: Token, *_done: Token) -> Comparison:
        return Comparison(_operator_of(suffix), quantity, word=str(suffix))

    def implied(self, quantity: Quantity, *_done: Token) -> Comparison:
        return Comparison(Operator.GE, quantity, implied=True)

    def range(self, low: Quantity, separator: Token, high: Quantity, *_done: Token) -> Range:
        if low.unit and not low.base_unit and high.base_unit:  # 1万~2万人
            low = Quantity(low.value, low.unit + high.base_unit)
        if not low.unit:
            low = Quantity(low.value, high.unit)
        if not high.unit:
            high = Quantity(high.value, low.unit)
        if low.base_unit != high.base_unit:
            raise _Invalid("expression.range_units",
                           f"范围两端单位不一致：“{low.unit}”与“{high.unit}”", separator,
                           "范围两端应使用同一单位，如 80%~90%")
        if low.scaled()[0] > high.scaled()[0]:
            raise _Invalid("expression.range_order", "范围下限大于上限", separator,
                           "请把较小的值写在前面，如 3~5次")
        return Range(low, high)

    def dated(self, date: Token, *rest: Token) -> DateTerm:
        before = any(t.type == "BEFORE" for t in rest) or str(date).endswith("内")
        event = "".join(str(t) for t in rest if t.type == "EVENT_WORDS")
        return DateTerm(_date_point(date), before, event)

    def deadline_signed(self, sign: Token, date: Token, *rest: Token) -> DateTerm:
        operator = _operator_of(sign)
        if operator not in (Operator.LE, Operator.LT):
            raise _Invalid("expression.date_operator", f"日期前不能用“{sign}”", sign,
                           "截止日期写作“≤2024-12-31”或“2024年12月31日前”")
        return DateTerm(_date_point(date), True,
                        "".join(str(t) for t in rest if t.type == "EVENT_WORDS"))

    def phrase(self, text: Token) -> Phrase:
        return Phrase(str(text).strip())


# The parser built from the grammar, saved: building it (the grammar read, its LALR tables
# made) is a third of a small run's start-up, loading it 2 ms. Written by
# `python -m evaluator.parser`; a grammar edited since, another Lark or another Python builds
# the parser from the grammar as before.
SAVED = Path(__file__).with_name("indicator_parser.lark.pickle")


def _built(grammar: str) -> Lark:
    return Lark(grammar, parser="lalr", lexer="contextual", transformer=_ToAst(),
                maybe_placeholders=False)


def saved_key(grammar: str) -> bytes:
    """What a saved parser is good for: this grammar, with this Lark, on this Python."""
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()
    return f"{digest} lark {lark_version} python {sys.version_info[0]}.{sys.version_info[1]}".encode()


def _loaded(grammar: str) -> Lark:
    try:
        with open(SAVED, "rb") as saved:
            if saved.readline().rstrip(b"\n") == saved_key(grammar):
                # Lark.load takes no transformer; its own loader does (the saved data leaves
                # the transformer out: it is this module's class, given here)
                return Lark.__new__(Lark)._load(saved, transformer=_ToAst())
    except Exception:  # unreadable, or not what this Lark reads: built from the grammar
        pass
    return _built(grammar)


def _lexers(parser: Lark) -> list:
    """The contextual lexer's basic lexers (one for each set of terminals a parser state
    accepts) and its root: each compiles its expressions as it is first used."""
    lexer = getattr(parser.parser, "lexer", None)
    return [*getattr(lexer, "lexers", {}).values(), getattr(lexer, "root_lexer", None)]


@lru_cache(maxsize=1)
def _parser() -> Lark:
    parser = _loaded(resource_path("grammar", "indicator.lark").read_text(encoding="utf-8"))
    for lexer in _lexers(parser):  # their expressions' code saved (saved_code.py)
        if hasattr(lexer, "re"):
            lexer.re = SavedRe
    return parser


def every_scanner() -> None:
    """Every lexer's expressions compiled (`python -m evaluator.saved_code` saves them)."""
    for lexer in _lexers(_parser()):
        getattr(lexer, "scanner", None)


def save_parser() -> None:
    """Write SAVED from the grammar as it is (`python -m evaluator.parser`)."""
    grammar = resource_path("grammar", "indicator.lark").read_text(encoding="utf-8")
    buffer = io.BytesIO()
    _built(grammar).save(buffer, exclude_options=("transformer",))
    SAVED.write_bytes(saved_key(grammar) + b"\n" + buffer.getvalue())


def normalize(text: str) -> str:
    """Full-width ASCII to ASCII, character for character (columns stay valid)."""
    return text.translate(_FULL_WIDTH)


def _describe(expected: set[str]) -> str:
    names = set()
    for name in expected:
        operator, _, kind = name.partition("_")
        if operator in Operator.__members__ and (kind == "" or "_" + kind in _OPERATOR_KINDS):
            names.add(_OPERATOR_KINDS["_" + kind if kind else ""])
        else:
            names.add(_EXPECTED_NAMES.get(name, ""))
    return "、".join(sorted(names - {""}))


def _from_lark(exc: UnexpectedInput, text: str, lead: int, written: str) -> ExpressionError:
    """``text`` as parsed (normalized), ``written`` as the user wrote it: quoted in messages
    (３，００ is not shown as 3,00); the two have a character for each other."""
    expected = set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    hint = f"此处应为：{_describe(expected)}" if _describe(expected) else ""
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedCharacters):
        offset = lead + exc.pos_in_stream
        char = written[offset] if offset < len(written) else ""
        return ExpressionError("expression.unexpected_character", f"无法识别的字符“{char}”",
                               offset, 1, hint)
    if isinstance(exc, UnexpectedEOF) or token is None or token.type == "$END":
        return ExpressionError("expression.incomplete", "指标值不完整", lead + len(text.strip()),
                               1, hint)
    assert isinstance(exc, UnexpectedToken)
    start = lead + (token.start_pos or 0)
    shown = written[start:start + len(str(token))] or str(token)
    if start >= 2 and text[start - 1] in "eE" and text[start - 2].isdigit():  # 1e3次
        hint = "不支持科学计数法，请写出完整的数字，如“1000次”"
    return ExpressionError("expression.unexpected", f"此处不应出现“{shown}”", start,
                           len(str(token)), hint)


# A sentence's closing punctuation says nothing of its own (20次；, 按时完成。), nor does
# whitespace around it; full-width forms are already ASCII by then.
_CLOSING = ";,!?。、 \t\r\n\x0b\x0c"
# A comparison closing a sentence is not read where the words before it end in a negation:
# 满意度不能低于90% is not <90%.
_NEGATIONS = "不未没无非"


def _said_at_end(text: str) -> Comparison | Range | DateTerm | None:
    """A comparison, range or date that closes a sentence (群众满意度不低于90%, 满意度90%以上,
    项目于2024年10月底前完成), with the words before it kept as its subject. Only where they
    hold no digit, so that a sentence of two figures stays words; a bare number is not enough
    (组织3场活动 is not ≥3场活动)."""
    digit = next((i for i, char in enumerate(text) if "0" <= char <= "9"), None)
    if digit is None:
        return None
    for start in range(1, digit + 1):
        if text[start].isspace():
            continue
        try:
            said = _parser().parse(text[start:])
        except (_Invalid, UnexpectedInput):
            continue
        if type(said) is Phrase or (type(said) is Comparison and said.implied):
            continue
        subject = text[:start].strip()
        if any(char in _NEGATIONS for char in subject[-2:]):
            return None
        return replace(said, subject=subject)
    return None


# The commonest forms, read as the grammar reads them without its parser (parsing a string
# with it is some 0.2 million instructions, loading it 16: most of a small run's own work
# beyond importing). Each is a form in which no other terminal of the grammar can take part:
# - words with no digit, nothing that could start a sign, LaTeX, a bracket or a number, and
#   none of the words a date without digits is made of: one PHRASE, no number to end on;
# - a number of plain digits, after ≥ ≤ = > < \geq \leq or nothing, and a unit of Chinese
#   characters or % after it, bare, bracketed, in LaTeX's \text{} or \%, holding no suffix
#   (以上 …), range separator, 完成/达成 or a date's 年/月/季/半, the grammar's white space
#   between: ``≥95.00(%)``, ``3.5次``, ``1850人``, ``\geq 80.00\text{ (%)}``.
# Anything else goes to the parser; tests/test_plain_expressions.py holds the two to each other.
_PLAIN_WORDS = compiled(r"[^\d\\()\[\]{}$.,+\-−~–—<>=≥≤≧≦⩾⩽≽≼﹦═〓⩵﹥〉﹤〈]+")
_DATE_WORDS = ("季度", "半年", "年底", "年末", "年内")
_PLAIN_QUANTITY = compiled(
    r"(≥|≤|=|>|<|\\geq|\\leq)?[ \t\f\r\n]*(\d+(?:\.\d+)?)[ \t\f\r\n]*"
    r"(?:\(([\u4e00-\u9fff%]+)\)"
    r"|\\text\{[ \t\f\r\n]*(?:\(([\u4e00-\u9fff%]+)\)|([\u4e00-\u9fff%]+))[ \t\f\r\n]*\}"
    r"|(\\%)|([\u4e00-\u9fff%]*))")
_NOT_IN_PLAIN_UNIT = ("以上", "以下", "以内", "完成", "达成", "至", "到", "年", "月", "季", "半")
_SIGNS = {"≥": Operator.GE, "\\geq": Operator.GE, "≤": Operator.LE, "\\leq": Operator.LE,
          "=": Operator.EQ, ">": Operator.GT, "<": Operator.LT}


def _plain(body: str) -> Phrase | Comparison | None:
    """``body`` read as the parser reads it, when it is of a form above; else None."""
    if _PLAIN_WORDS.fullmatch(body):
        if any(word in body for word in _DATE_WORDS):
            return None
        return Phrase(body.strip())
    match = _PLAIN_QUANTITY.fullmatch(body)
    if match is None:
        return None
    sign, number, bracketed, text_bracketed, text, percent, bare = match.groups()
    unit = bracketed or text_bracketed or text or ("%" if percent else bare)
    if any(word in unit for word in _NOT_IN_PLAIN_UNIT):
        return None
    quantity = Quantity(Decimal(number), unit)
    if sign:
        return Comparison(_SIGNS[sign], quantity)
    return Comparison(Operator.GE, quantity, implied=True)


def parse_structure(text: str) -> Phrase | Comparison | Range | DateTerm | ExpressionError:
    """Parse one string. Words stay a ``Phrase``; the vocabulary reads them (and the run
    remembers what it read: ``Lexicon.texts``, a table of memo.py's)."""
    normalized = normalize(text)
    body = normalized.rstrip(_CLOSING).lstrip()
    lead = len(normalized) - len(normalized.lstrip())
    if not body:
        return ExpressionError("expression.empty", "指标值为空", 0, 1,
                               "请填写指标值，如“≥3.00(次)”或“按时完成”")
    plain = _plain(body)
    if plain is not None:
        return plain
    try:
        parsed = _parser().parse(body)
    except _Invalid as invalid:  # the transformer runs inside the LALR parser
        token = invalid.token
        offset = lead + (token.start_pos or 0) if token is not None else lead
        length = len(str(token)) if token is not None else 1
        return ExpressionError(invalid.code, invalid.message, offset, length, invalid.hint)
    except UnexpectedInput as exc:
        return _from_lark(exc, normalized[:lead + len(body)], lead, text)
    if type(parsed) is Phrase:
        return _said_at_end(body) or parsed
    return parsed


if __name__ == "__main__":
    save_parser()
