"""Validating a positioned YAML document against a pydantic model, with Chinese diagnostics.

pydantic reports a path (``loc``) into the data; we follow that path back through the node tree
to the FILE:LINE:COL the user typed, and say what is wrong in words a finance officer reads.
Imported only when something is not plain (schema.py reads what is): pydantic's models cost a
small run a fifth of its start-up.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from decimal import Decimal
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from .diagnostics import Diagnostic, error
from .inputs import value_at
from .schema import shorten
from .source import THOUSANDS_GROUP, Document

Model = TypeVar("Model", bound=BaseModel)


class Strict(BaseModel):
    """Unknown keys are errors; records never change once read. A model's validator is
    built the first time it validates: a run whose rows are all read without pydantic, and a
    model a run never uses, do not pay for it as the command starts."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _exact_decimal(value: Any) -> Any:
    """Money is read from the text the user wrote, never through a float; 1,102,000.00 as
    tables print it is accepted, 1.1E+06 as Excel may export it is not (it has lost digits)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if "," in text and _THOUSANDS.match(text):
        text = text.replace(",", "")
    elif not _PLAIN_NUMBER.match(text):
        raise PydanticCustomError("number", "“{text}”不是数字", {"text": text})
    if text[0] == "-" and not text.strip("-0."):  # -0 is 0, and must not print as -0.00
        text = text[1:]
    return text


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(allow_inf_nan=False)]
# a quadrillion: surely a typo (an int in the model: its messages print the bound as written)
Money = Annotated[ExactDecimal, Field(ge=0, lt=10 ** 15)]


_FULL_WIDTH_DIGITS = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)}


def _year(value: Any) -> Any:
    if isinstance(value, str):
        digits = value.strip().translate(_FULL_WIDTH_DIGITS)  # ２０２４, as money is read
        if not re.fullmatch(r"[0-9]{4}", digits):
            raise PydanticCustomError("year", "not a year")
        return int(digits)
    return value


Year = Annotated[int, BeforeValidator(_year)]


def _unwrap(annotation: Any) -> Any:
    """The model or container inside Optional/Annotated."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation
        else:
            return annotation


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    current: Any = model
    for step in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(step) if isinstance(step, str) else None
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) in (list, tuple) and isinstance(step, int):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _label(model: type[BaseModel] | None, name: Any) -> str:
    if model is not None and isinstance(name, str) and name in model.model_fields:
        title = model.model_fields[name].title
        if title:
            return f"{name}（{title}）"
    return str(name)


_MONEY_MARKS = re.compile(r"[元￥¥$万亿千百]")
_CHINESE_NUMERALS = re.compile(r"[零〇一二两三四五六七八九十百千万亿点]+")
_EXPONENT = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")


def _number_hint(written: Any) -> str:
    """What to write instead of a value that is not a number, by what it looks like."""
    text = written.strip() if isinstance(written, str) else ""
    if _EXPONENT.match(text):  # as Excel may export it: digits are lost
        return "请写出完整的数字，如 1102000.00，不用科学计数法"
    if _MONEY_MARKS.search(text) and re.search(r"\d", text):
        return "只写数字，不带单位或货币符号，如 100000.00（金额单位由 funds_unit 决定）"
    if text and _CHINESE_NUMERALS.fullmatch(text.rstrip("元")):
        return "请用阿拉伯数字书写，如 100000.00"
    return "金额和分值请写成 1102000.00 或 5 这样的数字"


_GLOSS = {"positive": "正向", "reverse": "反向"}  # choices written in English, said in Chinese



def _message(model: type[BaseModel], err: dict[str, Any], where: str = ""
             ) -> tuple[str, str, str | None]:
    """(code, message, hint) for one pydantic error; ``where`` names the part when the error
    is about the part as a whole (a project with nothing in it)."""
    kind, loc = err["type"], tuple(err["loc"])
    parent = _model_at(model, loc[:-1]) if loc else model
    name = loc[-1] if loc else where
    if kind == "missing":
        return "schema.missing", f"缺少必填项“{_label(parent, name)}”", None
    if kind == "extra_forbidden":
        known = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.7)
        hint = f"是否应为“{close[0]}”？" if close else (
            f"可用的键：{'、'.join(known)}" if known else None)
        return "schema.unknown_key", f"不认识的键“{shorten(name)}”", hint
    expected = {
        "string_type": "文字", "dict_type": "“名称: 值”形式的映射", "model_type": "“名称: 值”形式的映射",
        "model_attributes_type": "“名称: 值”形式的映射", "list_type": "列表（每项以“- ”开头）",
        "int_parsing": "整数", "int_type": "整数", "int_from_float": "整数",
        "date_parsing": "日期（如 2024-01-01）",
        "date_from_datetime_parsing": "日期（如 2024-01-01）", "date_type": "日期（如 2024-01-01）",
        "bool_parsing": "true 或 false", "bool_type": "true 或 false",
    }
    if kind in expected:
        hint = ("请写成一段文字；文字以 [ 或 { 开头、或含有“: ”时，请给整段加引号"
                if kind == "string_type" else None)
        return "schema.type", f"“{_label(parent, name)}”应为{expected[kind]}", hint
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        return ("schema.choice", f"“{_label(parent, name)}”不能是“{shorten(err.get('input'))}”",
                f"可选：{'、'.join(f'{a}（{_GLOSS[a]}）' if a in _GLOSS else a for a in allowed)}")
    if kind == "too_short":
        return "schema.empty", f"“{_label(parent, name)}”不能为空", "至少要写一项"
    if kind == "string_too_short":
        return "schema.empty", f"“{_label(parent, name)}”不能为空", None
    if kind in ("greater_than_equal", "greater_than"):
        bound = err.get("ctx", {}).get("ge", err.get("ctx", {}).get("gt"))
        return "schema.range", f"“{_label(parent, name)}”不能小于 {bound}", None
    if kind in ("less_than_equal", "less_than"):
        bound = err.get("ctx", {}).get("le", err.get("ctx", {}).get("lt"))
        return "schema.range", f"“{_label(parent, name)}”不能大于 {bound}", None
    if kind in ("number", "decimal_parsing", "decimal_type", "finite_number") and (
            err.get("input") is None):
        return "schema.empty", f"“{_label(parent, name)}”没有填写", "请填写数字，如 1036500.00"
    if kind in ("number", "decimal_parsing", "decimal_type", "finite_number"):
        written = err.get("input")
        shown = shorten(written)
        return "schema.number", f"“{_label(parent, name)}”应为数字：“{shown}”不是数字", \
            _number_hint(written)
    if kind == "value_error":
        problem = err.get("ctx", {}).get("error", err["msg"])
        return "schema.value", str(problem), getattr(problem, "hint", None)
    if kind == "places":
        return ("schema.places", f"“{_label(parent, name)}”最多保留两位小数：“{shorten(err.get('input'))}”",
                "分值和得分写到 0.01，如 16.67")
    if kind == "year":
        return "schema.year", f"“{_label(parent, name)}”应为四位数字的年度：“{shorten(err.get('input'))}”", \
            "如 2024"
    return "schema.invalid", f"“{_label(parent, name)}”的值不符合要求", None  # a stable code


def validate(model: type[Model], document: Document
             ) -> tuple[Model | None, list[Diagnostic]]:
    """Validate a file's top level. Unknown keys there are reported and then set aside, so that
    one stray key does not hide every problem further down."""
    if not isinstance(document.data, dict):
        return None, [error("schema.root", "文件的最外层应为“名称: 值”形式的映射",
                            document.position(()))]
    result, diagnostics = validate_part(model, document.data, document, ())
    if result is None and diagnostics and all(d.code == "schema.unknown_key" for d in diagnostics):
        known = {k: v for k, v in document.data.items() if k in model.model_fields}
        result, _again = validate_part(model, known, document, ())
    return result, diagnostics


def validate_part(model: type[Model], data: Any, document: Document, prefix: tuple[Any, ...]
                  ) -> tuple[Model | None, list[Diagnostic]]:
    """Validate one part of a file (say, one project) found at ``prefix`` in it, so that a
    mistake in one project does not hide the problems of the others."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        diagnostics = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            missing = err["type"] == "missing"
            unknown_key = err["type"] == "extra_forbidden"
            path = prefix + loc + getattr(err.get("ctx", {}).get("error"), "path", ())
            if missing:  # point at the mapping that lacks the key: its own key, if it has one
                path = path[:-1]
            position = document.position(path, key=unknown_key or missing)
            value = value_at(document.data, path)
            length = 1
            if unknown_key:
                length = len(str(loc[-1]))
            elif isinstance(value, str) and value and "\n" not in value:
                length = min(len(value), 80)
            code, message, hint = _message(model, err, str(prefix[-1]) if prefix else "")
            split = _split_number(value_at(document.data, path[:-1]), loc[-1]) if unknown_key else None
            if split is not None:
                owner, number, more = split
                if more:  # 1,102,000.00: told once, at its last group
                    continue
                message = (f"不认识的键“{loc[-1]}”：“{owner}: {number}”写在 {{ }} 里，"
                           f"逗号把数字分成了两项")
                hint = (f"请去掉千位分隔符，写成“{owner}: {number.replace(',', '')}”；"
                        f"或改用逐行写法（块格式），千位分隔符在那里可以保留")
            diagnostics.append(error(code, message, position, length=length, hint=hint))
        return None, diagnostics


def _split_number(mapping: Any, key: Any) -> tuple[str, str, bool] | None:
    """Where ``key`` is a thousands group that a flow mapping's comma split off (to YAML,
    ``{total: 350,000.00}`` is ``{total: 350, 000.00: null}``): the key the number belongs to,
    the number as written up to ``key``, and whether more groups follow."""
    def group(name: Any, last: bool = False) -> bool:
        return (isinstance(name, str) and THOUSANDS_GROUP.fullmatch(name) is not None
                and mapping[name] is None and (last or "." not in name))

    if not isinstance(mapping, dict) or not group(key, last=True):
        return None
    keys = list(mapping)
    end = start = keys.index(key)
    while start > 0 and group(keys[start - 1]):
        start -= 1
    head = mapping[keys[start - 1]] if start > 0 else None
    if not (isinstance(head, str) and re.fullmatch(r"\d{1,3}", head)):
        return None
    more = "." not in key and end + 1 < len(keys) and group(keys[end + 1], last=True)
    return str(keys[start - 1]), ",".join([head, *keys[start:end + 1]]), more


def described_fields(model: type[BaseModel], prefix: str = "") -> typing.Iterator[tuple[str, Any]]:
    """(dotted name, FieldInfo) of every option, nested models included: the rules docs."""
    for name, field in model.model_fields.items():
        yield prefix + name, field
        inner = _unwrap(field.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from described_fields(inner, prefix + name + ".")
