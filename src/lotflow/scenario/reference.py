"""The scenario reference (docs/scenario.md), generated from the models' JSON Schema.

``python -m lotflow.scenario.reference > docs/scenario.md`` writes it; a test
fails when the file differs from what the code generates. Every block of the
scenario gets a table: field, type, unit or meaning, default, allowed values.
"""

from __future__ import annotations

import json
import math
from typing import Any

from lotflow.scenario.models import Scenario

HEADER = """# Scenario reference

Generated from the scenario models by `python -m lotflow.scenario.reference`;
do not edit by hand. `lotflow schema` prints the same as JSON Schema. Every
duration is in the scenario's `time_unit`; unknown fields are errors; numbers
must be finite. A field without default is required. Bounds keep every run
computable; `run.horizon` is bounded further by the work it would simulate
(at most 10^11 part-stations per replication, 10^12 per run) and the window
`[warmup, horizon)` must hold working time.
"""


def render() -> str:
    """The whole reference as Markdown."""
    schema = Scenario.model_json_schema()
    defs = schema["$defs"]
    order = _model_order(schema, defs)
    parts = [HEADER]
    for name in order:
        model = schema if name == "Scenario" else defs[name]
        parts.append(_section(name, model))
    return "\n".join(parts)


def _model_order(schema: dict, defs: dict) -> list[str]:
    """Scenario first, then every model in the order its fields first name it."""
    order = ["Scenario"]
    queue = [schema]
    while queue:
        model = queue.pop(0)
        for prop in model.get("properties", {}).values():
            for ref in _refs(prop):
                if ref not in order:
                    order.append(ref)
                    queue.append(defs[ref])
    return order


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else []
        for key, value in node.items():
            if key != "discriminator":
                found += _refs(value)
        return found
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _section(name: str, model: dict) -> str:
    doc = " ".join(model.get("description", "").split()).replace("``", "`")
    rows = ["| field | type | unit / meaning | default | allowed |", "|---|---|---|---|---|"]
    required = set(model.get("required", []))
    for field, prop in model.get("properties", {}).items():
        default = "required" if field in required else _default(prop)
        rows.append(
            f"| `{field}` | {_type(prop)} | {_description(prop)} | {default} | {_range(prop)} |"
        )
    return f"## {name}\n\n{doc}\n\n" + "\n".join(rows) + "\n"


def _type(prop: dict) -> str:
    if "$ref" in prop:
        return f"[{(name := prop['$ref'].rsplit('/', 1)[1])}](#{name.lower()})"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "discriminator" in prop:
        return (
            "distribution (`dist:` one of "
            + ", ".join(
                f"[{v.rsplit('/', 1)[1]}](#{v.rsplit('/', 1)[1].lower()})"
                for v in prop["discriminator"]["mapping"].values()
            )
            + ")"
        )
    for key in ("anyOf", "oneOf"):
        if key in prop:
            kinds = [_type(p) for p in prop[key] if p.get("type") != "null"]
            optional = any(p.get("type") == "null" for p in prop[key])
            text = " or ".join(dict.fromkeys(kinds))
            return f"{text} or null" if optional else text
    if prop.get("type") == "array":
        return f"list of {_type(prop.get('items', {}))}"
    return prop.get("type", "any")


def _description(prop: dict) -> str:
    if "description" in prop:
        return prop["description"]
    for key in ("anyOf", "oneOf"):
        for member in prop.get(key, []):
            if "description" in member:
                return member["description"]
    items = prop.get("items", {})
    return items.get("description", "")


def _range(prop: dict) -> str:
    for key in ("anyOf", "oneOf"):
        for member in prop.get(key, []):
            text = _range(member)
            if text:
                return text
    parts = []
    if "minimum" in prop:
        parts.append(f">= {_value(prop['minimum'])}")
    elif "exclusiveMinimum" in prop:
        parts.append(f"> {_value(prop['exclusiveMinimum'])}")
    if "maximum" in prop:
        parts.append(f"<= {_value(prop['maximum'])}")
    elif "exclusiveMaximum" in prop:
        parts.append(f"< {_value(prop['exclusiveMaximum'])}")
    if "minLength" in prop:
        parts.append(f"{prop['minLength']} to {prop.get('maxLength', 'any')} characters")
    if "minItems" in prop:
        parts.append(f"at least {prop['minItems']} items")
    if "maxItems" in prop:
        parts.append(f"at most {prop['maxItems']} items")
    if not parts and prop.get("type") == "array":
        return _range(prop.get("items", {}))
    return ", ".join(parts)


def _default(prop: dict) -> str:
    if "default" not in prop:  # a default factory: an empty list
        return "`[]`"
    value = prop["default"]
    if isinstance(value, dict) and len(json.dumps(value)) > 40:
        return "its defaults"
    return f"`{json.dumps(value)}`" if not isinstance(value, int | float) else _value(value)


def _value(value: Any) -> str:
    """A number as written in the tables: powers of ten as 10^k."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"`{json.dumps(value)}`"
    if value > 0:
        exponent = round(math.log10(value))
        if abs(exponent) >= 6 and value == 10.0**exponent:
            return f"10^{exponent}"
    if isinstance(value, int) and value >= 10**6:
        return f"{value:,}"
    return f"{value:g}"


if __name__ == "__main__":  # pragma: no cover - writes the reference to stdout
    print(render(), end="")
