"""Field-path assignments (``--set PATH=V1,V2,...``) applied to a scenario's data.

A path uses the notation of error messages: names separated by dots, list
positions in brackets counting from 0, and ``[*]`` for every item of a list:
``lines[*].buffers[2]``, ``plant.range.lanes``, ``run.horizon``. Values are
YAML scalars or flow collections (``100``, ``0.5``, ``true``, ``ball``,
``{dist: exponential, mean: 2}``), read by the scenario loader's YAML rules
(YAML 1.2 numbers: ``1e6`` is a number); a value list is split at top-level commas.

Assignments are applied to the plain data of a validated scenario
(``Scenario.model_dump``), so every field exists with its value or default;
the result is validated again by the caller.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from lotflow.scenario.errors import ScenarioError, clip, quote
from lotflow.scenario.yaml_reader import parse_yaml

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\[(?:\d+|\*)\])*)$")
_INDEX = re.compile(r"\[(\d+|\*)\]")
ALL = "*"


def parse_path(path: str) -> tuple[str | int, ...]:
    """``"lines[*].buffers[2]"`` -> ``("lines", "*", "buffers", 2)``."""
    text = path.strip()
    if not text:
        raise ScenarioError("empty field path in --set")
    items: list[str | int] = []
    for segment in text.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise ScenarioError(
                f"--set {clip(path, 80)}: cannot read the field path at {quote(segment)} "
                "(write names separated by dots, list items as [0] or [*], "
                "e.g. lines[*].buffers[2])"
            )
        items.append(match.group(1))
        for index in _INDEX.findall(match.group(2)):
            items.append(ALL if index == ALL else int(index))
    return tuple(items)


def format_items(items: tuple) -> str:
    """The inverse of :func:`parse_path`."""
    out = ""
    for item in items:
        if isinstance(item, int) or item == ALL:
            out += f"[{item}]"
        else:
            out += f".{item}" if out else str(item)
    return out


def split_values(text: str) -> list[Any]:
    """``"100,200"`` -> ``[100, 200]``; commas inside ``[]``/``{}``/quotes do not split."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [parse_value(part) for part in parts]


def parse_value(text: str) -> Any:
    """One YAML value; an empty text is an error."""
    stripped = text.strip()
    if not stripped:
        raise ScenarioError(f"empty value in --set list {quote(text)}")
    try:
        return parse_yaml(stripped)
    except ScenarioError as exc:
        first = exc.message.splitlines()[0]
        raise ScenarioError(f"cannot read the value {quote(stripped)} ({first})") from None


def parse_assignment(option: str) -> tuple[str, list[Any]]:
    """``"plant.range.lanes=1,2,3"`` -> ``("plant.range.lanes", [1, 2, 3])``."""
    path, sep, values = option.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(
            f"--set {quote(option)}: write PATH=V1,V2,... (e.g. plant.range.lanes=1,2)"
        )
    parse_path(path)
    return path.strip(), split_values(values)


def apply_assignment(data: dict, path: str, value: Any) -> dict:
    """A deep copy of ``data`` with ``value`` at ``path`` (every item for ``[*]``).

    The path must exist: each name must be a field present in the data and each
    position an existing item. A field whose value is absent (``null``) can be
    replaced as a whole but not entered.
    """
    items = parse_path(path)
    out = copy.deepcopy(data)
    _assign(out, items, value, (), path)
    return out


def _assign(node: Any, items: tuple, value: Any, done: tuple, path: str) -> None:
    head, rest = items[0], items[1:]
    where = format_items(done) or "the top level"
    targets: list[str | int]
    if isinstance(head, str) and head != ALL:
        if not isinstance(node, dict):
            raise _missing(path, f"{where} is not a group of fields, so it has no {quote(head)}")
        if head not in node:
            fields = ", ".join(sorted(node)) or "none"
            raise _missing(path, f"no field {quote(head)} at {where} (fields: {fields})")
        targets = [head]
    else:
        if not isinstance(node, list):
            raise _missing(path, f"{where} is not a list, so [{head}] does not apply")
        if head == ALL:
            if not node:
                raise _missing(path, f"{where} is an empty list")
            targets = list(range(len(node)))
        elif head >= len(node):
            raise _missing(path, f"{where} has {len(node)} items (positions 0..{len(node) - 1})")
        else:
            targets = [head]
    for key in targets:
        if not rest:
            node[key] = copy.deepcopy(value)
            continue
        child = node[key]
        if child is None:
            raise _missing(path, f"{format_items((*done, key))} is not set in the scenario")
        _assign(child, rest, value, (*done, key), path)


def _missing(path: str, why: str) -> ScenarioError:
    return ScenarioError(f"--set {clip(path, 80)}: the path does not exist: {why}")
