"""Reading scenarios from YAML: every failure becomes one :class:`ScenarioError`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lotflow.scenario.checks import check_scenario
from lotflow.scenario.errors import ScenarioError, format_path
from lotflow.scenario.models import DIST_NAMES, Scenario


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate the scenario at ``path``."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read file ({exc})", file=file) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"YAML syntax error at {where}{problem}", file=file) from None
    try:
        return scenario_from_dict(data)
    except ScenarioError as exc:
        raise exc.in_file(file) from None


def scenario_from_dict(data: Any) -> Scenario:
    """Validate plain data (as parsed from YAML) into a :class:`Scenario`.

    Top-level keys starting with ``x-`` are ignored: they hold YAML anchors
    shared by several stations (as in docker-compose files)."""
    if not isinstance(data, dict):
        raise ScenarioError("the scenario must be a mapping of fields (name, lines, ...)")
    data = {key: value for key, value in data.items() if not str(key).startswith("x-")}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _first_error(exc) from None
    check_scenario(scenario)
    return scenario


def _first_error(exc: ValidationError) -> ScenarioError:
    error = exc.errors(include_url=False)[0]
    loc = tuple(item for item in error["loc"] if item not in DIST_NAMES and "[" not in str(item))
    return ScenarioError(_describe(error), path=format_path(loc) or None)


def _describe(error: dict) -> str:
    kind = error["type"]
    if kind == "union_tag_invalid":
        found = error.get("input", {}).get("dist") if isinstance(error.get("input"), dict) else None
        return f"unknown distribution {found!r}; allowed: {', '.join(DIST_NAMES)}"
    if kind == "union_tag_not_found":
        return f"missing 'dist'; allowed: {', '.join(DIST_NAMES)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; `lotflow schema` lists the fields)"
    message = error["msg"]
    message = message.removeprefix("Value error, ")
    return f"{message} (got {error.get('input')!r})" if "input" in error else message
