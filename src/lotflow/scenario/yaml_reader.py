"""Reading YAML safely: bounded in size, depth and alias expansion, with YAML 1.2
numbers, no duplicate keys, and errors that show the offending line.

:class:`ScenarioLoader` is a :class:`yaml.CSafeLoader` (libyaml; no python tags) with the
YAML 1.2 core schema for booleans, integers and floats (``1e-9``, ``1E5``,
``.5``, ``+1`` are numbers; ``yes``, ``0755`` and ``1:30`` are not
reinterpreted), plus digit groups with ``_`` (``250_000``). Every failure
becomes one :class:`ScenarioError` of at most a few lines.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lotflow.scenario.errors import ScenarioError, clip, quote
from lotflow.scenario.plain_data import MAX_DEPTH, MAX_DIGITS, MAX_NODES

MAX_FILE_BYTES = 1024 * 1024

_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep (a scenario needs fewer than 10)"
_TOO_BIG = f"the document expands (aliases included) to more than {MAX_NODES:,} values"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_DROPPED = {_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:timestamp"}
_DIGITS = r"[0-9]+(?:_[0-9]+)*"
_INT_RE = re.compile(rf"^(?:[-+]?{_DIGITS}|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    rf"^(?:[-+]?(?:\.{_DIGITS}|{_DIGITS}(?:\.(?:{_DIGITS})?)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class ScenarioLoader(yaml.CSafeLoader):
    """SafeLoader with YAML 1.2 core numbers, bounded depth and no duplicate keys.

    libyaml (C, part of PyYAML's wheels) scans, parses and composes, about ten
    times faster than PyYAML's Python code; resolving tags and constructing
    values stay in Python. Depth and size are bounded by :func:`_check_shape`
    before it composes anything."""

    # A class attribute in PyYAML, which types-PyYAML declares as an instance variable.
    yaml_implicit_resolvers: ClassVar[dict] = {  # type: ignore[misc]
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, AttributeError, TypeError, OverflowError):
            kind = node.tag.rsplit(":", 1)[-1]
            raise ConstructorError(
                None, None, f"cannot read this value as {quote(kind)}", node.start_mark
            ) from None

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            _check_duplicate_keys(node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node) -> int:
        text = self.construct_scalar(node).replace("_", "")
        sign = -1 if text.startswith("-") else 1
        text = text.lstrip("+-")
        if text.startswith(("0o", "0x")):
            return sign * int(text[2:], 8 if text[1] == "o" else 16)
        if len(text) > MAX_DIGITS:
            raise ConstructorError(
                None,
                None,
                f"an integer of {len(text)} digits; numbers in a scenario have at most "
                f"{MAX_DIGITS}",
                node.start_mark,
            )
        return sign * int(text)

    def construct_yaml_float(self, node) -> float:
        text = self.construct_scalar(node).replace("_", "").lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text == ".nan":
            return float("nan")
        return float(text)


ScenarioLoader.add_implicit_resolver(_BOOL, _BOOL_RE, list("tTfF"))
ScenarioLoader.add_implicit_resolver(_INT, _INT_RE, list("-+0123456789"))
ScenarioLoader.add_implicit_resolver(_FLOAT, _FLOAT_RE, list("-+0123456789."))
ScenarioLoader.add_constructor(_INT, ScenarioLoader.construct_yaml_int)
ScenarioLoader.add_constructor(_FLOAT, ScenarioLoader.construct_yaml_float)


def _check_duplicate_keys(node: MappingNode) -> None:
    seen: dict[tuple[str, str], Node] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = (key_node.tag, key_node.value)
        if key in seen:
            first = seen[key].start_mark
            raise ConstructorError(
                None,
                None,
                f"duplicate key {quote(key_node.value)} (first given at line {first.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node


def _expanded_size(node: Node, sizes: dict[int, int], open_: set[int]) -> int:
    """Values in ``node`` with every alias expanded (cycles are an error)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, ScalarNode):
        return 1
    if id(node) in open_:
        raise ComposerError(
            None, None, "an alias refers to a mapping or list that contains it", node.start_mark
        )
    open_.add(id(node))
    children = (
        [child for pair in node.value for child in pair]
        if isinstance(node, MappingNode)
        else node.value
        if isinstance(node, SequenceNode)
        else []
    )
    total = 1
    for child in children:
        total += _expanded_size(child, sizes, open_)
        if total > MAX_NODES:
            raise ComposerError(None, None, _TOO_BIG, node.start_mark)
    open_.discard(id(node))
    sizes[id(node)] = total
    return total


def _check_shape(text: str) -> None:
    """Count values and nesting in libyaml's event stream before composing:
    bounded depth and size. A syntax error is left to the loader, which reports it."""
    events = yaml.parse(text, Loader=yaml.CSafeLoader)
    # The marks here are libyaml's (yaml._yaml.Mark, with the same name, line and
    # column), which types-PyYAML's MarkedYAMLError does not accept (yaml.error.Mark).
    depth = nodes = 0
    while True:
        try:
            event = next(events)
        except (StopIteration, yaml.YAMLError):
            return
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            continue
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ComposerError(None, None, _TOO_DEEP, event.start_mark)  # type: ignore[arg-type]
        nodes += isinstance(event, yaml.NodeEvent)
        if nodes > MAX_NODES:
            raise ComposerError(None, None, _TOO_BIG, event.start_mark)  # type: ignore[arg-type]


def parse_yaml(text: str) -> Any:
    """The data of one YAML document (``None`` if empty); :class:`ScenarioError` if
    it is not valid YAML or exceeds the bounds of this module."""
    try:
        _check_shape(text)
        loader = ScenarioLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _expanded_size(node, {}, set())
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ScenarioError(describe_yaml_error(exc, text)) from None


def describe_yaml_error(exc: yaml.YAMLError, text: str) -> str:
    """A YAML error in a few lines: where, what, the offending line and a caret."""
    if isinstance(exc, yaml.reader.ReaderError):
        return (
            f"not a text file: the character {exc.character!r} at position "
            f"{exc.position} is not allowed in YAML"
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = clip(getattr(exc, "problem", None) or str(exc), 200)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and context_mark is not mark:
        problem += f" ({clip(context, 80)} at line {context_mark.line + 1})"
    syntax = (yaml.scanner.ScannerError, yaml.parser.ParserError)
    kind = "YAML syntax error" if isinstance(exc, syntax) else "YAML error"
    if mark is None:
        return f"{kind}: {problem}"
    return f"{kind} at line {mark.line + 1}, column {mark.column + 1}: {problem}\n" + _excerpt(
        text, mark.line, mark.column
    )


def _excerpt(text: str, line: int, column: int, width: int = 80) -> str:
    """The offending line (a window of ``width`` characters around ``column``) and a caret."""
    lines = text.splitlines()
    source = lines[line] if line < len(lines) else ""
    start = max(0, min(column - width // 2, len(source) - width))
    shown = source[start : start + width].replace("\t", " ")
    number = f"{line + 1:>5} | "
    return f"{number}{shown}\n{' ' * (len(number) - 2)}| {' ' * (column - start)}^"


def read_yaml_file(path: str | Path) -> Any:
    """The data of the YAML file at ``path`` (:func:`read_text`, :func:`parse_yaml`);
    errors name the file."""
    try:
        return parse_yaml(read_text(path))
    except ScenarioError as exc:
        raise exc.in_file(str(path)) from None


def read_text(path: str | Path) -> str:
    """The text of a scenario file: a regular, non-empty UTF-8 file of at most
    :data:`MAX_FILE_BYTES` (a directory, a device or binary data is an error)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError("file not found") from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file ({exc.strerror})") from None
    except ValueError:  # a NUL character in the name
        raise ScenarioError("not a valid file name") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError("is a directory, not a scenario file")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError("not a regular file (a device, pipe or socket); give a YAML file")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"cannot read file ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"file too large: a scenario file has at most {MAX_FILE_BYTES // 1024 // 1024} MB"
        )
    if b"\x00" in data:
        raise ScenarioError("not a text file (it contains NUL bytes); give a YAML file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line} cannot be decoded "
            "(save the file as UTF-8)"
        ) from None
    if not text.strip():
        raise ScenarioError(
            "the file is empty; a scenario is a mapping of fields (name, lines, ...)"
        )
    return text
