"""Bounds on plain data (as parsed from YAML or built in Python) before validation:
nesting depth, size with shared parts counted each time, and integer length.
Within them, validation and error messages take bounded time and memory."""

from __future__ import annotations

from typing import Any

from lotflow.scenario.errors import ScenarioError, format_path

MAX_DEPTH = 64  # nested mappings and lists; scenarios need fewer than 10
MAX_NODES = 50_000  # values with every alias expanded (the reference plant has 1,500)
MAX_DIGITS = 100  # digits of one integer
_MAX_BITS = int(MAX_DIGITS * 3.33)


def check_plain_data(data: Any) -> None:
    """Raise :class:`ScenarioError` if ``data`` is nested deeper than :data:`MAX_DEPTH`,
    holds more than :data:`MAX_NODES` values (shared values counted at each use),
    or an integer of more than :data:`MAX_DIGITS` digits."""
    count = 0
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ScenarioError(f"the scenario holds more than {MAX_NODES:,} values")
        if len(path) > MAX_DEPTH:
            raise ScenarioError(
                f"nested more than {MAX_DEPTH} levels deep", path=_path(path[:MAX_DEPTH])
            )
        if isinstance(node, int) and node.bit_length() > _MAX_BITS:
            raise ScenarioError(
                f"an integer of more than {MAX_DIGITS} digits", path=_path(path) or None
            )
        if isinstance(node, dict):
            stack.extend((value, (*path, key)) for key, value in node.items())
        elif isinstance(node, list | tuple):
            stack.extend((value, (*path, i)) for i, value in enumerate(node))


def _path(items: tuple) -> str:
    return format_path(tuple(i if isinstance(i, int | str) else "?" for i in items))
