"""Which field names are allowed at a place in a scenario (for "did you mean")."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag

from lotflow.scenario.models import Scenario


def known_fields(loc: tuple, root: type[BaseModel] = Scenario) -> list[str]:
    """The field names of the model at pydantic error location ``loc`` (union tags
    included) inside ``root``; empty when ``loc`` leads to no model."""
    node: Any = root
    for item in loc:
        node = _step(node, item)
        if node is None:
            return []
    names = {name for kind in _members(node) if _is_model(kind) for name in kind.model_fields}
    return sorted(names)


def _step(node: Any, item: str | int) -> Any:
    tagged = _tagged(node)
    if item in tagged:
        return tagged[item]
    members = _members(node)
    for kind in members:
        if _is_model(kind) and _dist_literal(kind) == item:
            return kind
    for kind in members:
        if _is_model(kind) and isinstance(item, str) and item in kind.model_fields:
            return kind.model_fields[item].annotation
        if get_origin(kind) is list and isinstance(item, int):
            return get_args(kind)[0]
    return None


def _members(node: Any) -> list[Any]:
    """The types ``node`` may be, without ``Annotated`` and unions."""
    if get_origin(node) is Annotated:
        return _members(get_args(node)[0])
    if get_origin(node) in (Union, types.UnionType):
        return [kind for member in get_args(node) for kind in _members(member)]
    return [node]


def _tagged(node: Any) -> dict[str, Any]:
    """The members of a union with a callable discriminator, by their ``Tag``."""
    if get_origin(node) is Annotated:
        node = get_args(node)[0]
    if get_origin(node) not in (Union, types.UnionType):
        return {}
    out = {}
    for member in get_args(node):
        if get_origin(member) is Annotated:
            tags = [m.tag for m in get_args(member)[1:] if isinstance(m, Tag)]
            if tags:
                out[tags[0]] = get_args(member)[0]
                continue
        out.update(_tagged(member))
    return out


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _dist_literal(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("dist")
    if field is None or get_origin(field.annotation) is not typing.Literal:
        return None
    return get_args(field.annotation)[0]
