"""Reading a user's YAML file into positioned nodes, without YAML's implicit typing.

Every scalar stays the text the user wrote (``100.00`` keeps its precision, ``no`` stays a word,
dates stay text until a schema reads them) and carries its FILE:LINE:COL. Duplicate keys,
aliases (the billion-laughs bomb), runaway nesting, wrong encodings and binary files are
diagnostics, not crashes. PyYAML's composer (libyaml when present) does the scanning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from .diagnostics import Diagnostic, Position, error

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 64
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


@dataclass(frozen=True, slots=True)
class Scalar:
    text: str
    position: Position
    style: str | None = None  # None for plain; ' " | > otherwise

    @property
    def is_null(self) -> bool:
        return self.style is None and self.text in _NULLS

    def position_at(self, offset: int) -> Position:
        """The position of the character ``offset`` into the value, when it is on one line."""
        lead = 1 if self.style in ("'", '"') else 0
        if self.style in ("|", ">") or "\n" in self.text[:offset]:
            return self.position
        return self.position.shifted(lead + offset)


@dataclass(frozen=True, slots=True)
class Mapping:
    pairs: tuple[tuple[Scalar, "Node"], ...]
    position: Position

    def get(self, key: str) -> "Node | None":
        for name, value in self.pairs:
            if name.text == key:
                return value
        return None

    def key_node(self, key: str) -> Scalar | None:
        for name, _value in self.pairs:
            if name.text == key:
                return name
        return None


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple["Node", ...]
    position: Position


Node = Scalar | Mapping | Sequence


@dataclass(frozen=True, slots=True)
class Document:
    """One loaded file: its text (for excerpts) and its root node, or None when unreadable."""

    path: str
    text: str
    root: Node | None


def _position(path: str, mark: Any) -> Position:
    return Position(path, mark.line + 1, mark.column + 1)


_YAML_PROBLEMS = (
    (re.compile(r"found character '\\t' that cannot start any token|found a tab character"),
     "yaml.tab", "不能用制表符（Tab）缩进", "请改用空格缩进"),
    (re.compile(r"expected chomping or indentation indicators|found an indentation indicator"),
     "yaml.unquoted_sign", "以“>”或“|”开头的值必须加引号",
     "YAML 把开头的“>”“|”当作多行文本标记，请写成 '>=90%' 这样的带引号形式"),
    (re.compile(r"mapping values are not allowed here"),
     "yaml.colon", "此处不能出现“: ”", "值里含有冒号加空格时，请给整个值加引号"),
    (re.compile(r"could not find expected ':'"),
     "yaml.missing_colon", "缺少“:”", "每一项应写成“名称: 值”"),
    (re.compile(r"found undefined alias"),
     "yaml.alias", "引用了未定义的锚点", "本工具不支持 YAML 锚点和别名，请直接写出内容"),
    (re.compile(r"expected <block end>, but found|did not find expected key|"
                r"expected <document start>"),
     "yaml.indentation", "缩进不一致", "同一层级的项目必须左对齐"),
    (re.compile(r"found unexpected end of stream|found unexpected end"),
     "yaml.unterminated", "引号或括号没有闭合", "检查这一行的引号或括号是否成对"),
    (re.compile(r"found unknown escape character"),
     "yaml.escape", "双引号内有无法识别的转义符“\\”", "含反斜杠（如 LaTeX）的值请用单引号或不加引号"),
)


_UNQUOTED_SIGN = re.compile(r"^\s*(-\s+)?[^#'\"]*?:\s+([>|])")


def _syntax_error(path: str, exc: yaml.MarkedYAMLError, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    position = _position(path, mark) if mark is not None else Position(path, 1, 1)
    problem = f"{exc.context or ''} {exc.problem or ''}"
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    indentation = line[:len(line) - len(line.lstrip())]
    if "\t" in indentation:
        return error("yaml.tab", "不能用制表符（Tab）缩进", Position(path, mark.line + 1, 1),
                     length=len(indentation), hint="请改用空格缩进")
    sign = _UNQUOTED_SIGN.match(line)
    if sign and line[sign.end():].strip():  # `次数: >=90%` — YAML took > for a folded block
        value = line[sign.start(2):].strip()
        return error("yaml.unquoted_sign", f"以“{sign.group(2)}”开头的值必须加引号",
                     Position(path, mark.line + 1, sign.start(2) + 1), length=len(value),
                     hint=f"YAML 把开头的“{sign.group(2)}”当作多行文本标记，请写成 '{value}'，或改用 ≥、≤")
    for pattern, code, message, hint in _YAML_PROBLEMS:
        if pattern.search(problem):
            return error(code, message, position, hint=hint)
    return error("yaml.syntax", "YAML 格式错误", position,
                 hint=f"请检查这一行的格式（解析器说：{(exc.problem or '').strip()}）")


def decode(path: str, data: bytes) -> tuple[str | None, list[Diagnostic]]:
    """Bytes to text: UTF-8 (a BOM is fine); GBK and binary files are named, not guessed."""
    start = Position(path, 1, 1)
    if b"\x00" in data[:8192]:
        return None, [error("file.binary", "这不是文本文件（含有二进制内容）", start,
                            hint="请提供 UTF-8 编码的 YAML 文件")]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            return None, [error("file.encoding", "文件不是 UTF-8 编码", Position(path, line, 1),
                                hint="请在编辑器中另存为 UTF-8 编码")]
        return None, [error("file.encoding", "文件是 GBK/GB18030 编码，不是 UTF-8",
                            Position(path, line, 1),
                            hint="请在编辑器中另存为 UTF-8 编码（Excel 导出时选择“UTF-8”）")]


class _Builder:
    """Turns PyYAML's node graph into our nodes, refusing what would hurt us."""

    def __init__(self, path: str):
        self.path = path
        self.seen: set[int] = set()
        self.diagnostics: list[Diagnostic] = []

    def build(self, node: yaml.Node, depth: int = 0) -> Node | None:
        position = _position(self.path, node.start_mark)
        if id(node) in self.seen:
            self.diagnostics.append(error("yaml.alias", "不支持 YAML 锚点和别名（&、*）", position,
                                          hint="请把引用的内容直接写出来"))
            return None
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.diagnostics.append(error("yaml.too_deep", f"嵌套超过 {MAX_DEPTH} 层", position,
                                          hint="请检查缩进：申报表最多只有几层"))
            return None
        if isinstance(node, yaml.ScalarNode):
            return Scalar(node.value, position, node.style or None)
        if isinstance(node, yaml.SequenceNode):
            items = tuple(item for child in node.value
                          if (item := self.build(child, depth + 1)) is not None)
            return Sequence(items, position)
        assert isinstance(node, yaml.MappingNode)
        pairs: list[tuple[Scalar, Node]] = []
        first_seen: dict[str, Scalar] = {}
        for key_node, value_node in node.value:
            key = self.build(key_node, depth + 1)
            if key is None:
                continue
            if not isinstance(key, Scalar):
                self.diagnostics.append(error("yaml.complex_key", "键必须是文字", key.position))
                continue
            value = self.build(value_node, depth + 1)
            if key.text in first_seen:
                earlier = first_seen[key.text].position
                self.diagnostics.append(error(
                    "yaml.duplicate_key", f"重复的键“{key.text}”（第 {earlier.line} 行已出现）",
                    key.position, length=len(key.text), hint="同一层级的名称不能重复，请合并或改名"))
                continue
            first_seen[key.text] = key
            if value is not None:
                pairs.append((key, value))
        return Mapping(tuple(pairs), position)


def parse_text(path: str, text: str) -> tuple[Node | None, list[Diagnostic]]:
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(path, exc, text)]
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        return None, [error("yaml.syntax", "YAML 格式错误", Position(path, 1, 1),
                            hint=str(exc).splitlines()[0] if str(exc) else None)]
    except RecursionError:
        return None, [error("yaml.too_deep", "嵌套层数过多，无法读取", Position(path, 1, 1))]
    if len(nodes) > 1:
        return None, [error("yaml.multiple_documents", "文件中有多个 YAML 文档（“---”分隔）",
                            _position(path, nodes[1].start_mark), hint="一个文件只写一个文档")]
    if not nodes or nodes[0] is None:
        return None, [error("file.empty", "文件是空的", Position(path, 1, 1))]
    builder = _Builder(path)
    root = builder.build(nodes[0])
    return root, builder.diagnostics


def load_document(path: str | Path, display: str | None = None
                  ) -> tuple[Document, list[Diagnostic]]:
    """Read and parse one file. ``display`` is the name used in messages (default: the path)."""
    name = display or str(path)
    data = Path(path).read_bytes()
    text, problems = decode(name, data)
    if text is None:
        return Document(name, "", None), problems
    root, problems = parse_text(name, text)
    return Document(name, text, root), problems


def to_data(node: Node | None) -> Any:
    """Plain Python values (str, dict, list, None) for schema validation."""
    if node is None:
        return None
    if isinstance(node, Scalar):
        return None if node.is_null else node.text
    if isinstance(node, Sequence):
        return [to_data(item) for item in node.items]
    return {key.text: to_data(value) for key, value in node.pairs}


def locate(root: Node | None, path: tuple[Any, ...], *, key: bool = False) -> Node | None:
    """The node at a schema path like ("projects", 0, "funds", "total"); the nearest parent
    when the path goes further than the file does. ``key`` asks for the key, not its value."""
    node = root
    for index, step in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, Mapping) and isinstance(step, str):
            child = node.get(step)
            if child is None:
                return node
            if last and key:
                return node.key_node(step)
            node = child
        elif isinstance(node, Sequence) and isinstance(step, int) and 0 <= step < len(node.items):
            node = node.items[step]
        else:
            return node
    return node


def walk_scalars(node: Node | None) -> Iterator[Scalar]:
    if isinstance(node, Scalar):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.pairs:
            yield key
            yield from walk_scalars(value)
    elif isinstance(node, Sequence):
        for item in node.items:
            yield from walk_scalars(item)
