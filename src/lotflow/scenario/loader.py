"""Reading scenarios from YAML: every failure becomes one :class:`ScenarioError`
that lists every problem found, each with its field path."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lotflow.scenario.checks import check_scenario
from lotflow.scenario.distributions import DIST_NAMES
from lotflow.scenario.errors import Problem, ScenarioError, clip, format_path, quote
from lotflow.scenario.known_fields import known_fields
from lotflow.scenario.models import Scenario
from lotflow.scenario.plain_data import check_plain_data
from lotflow.scenario.yaml_reader import read_yaml_file

MAX_DESCRIBED = 100  # problems described one by one; the message shows the first few


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate the scenario at ``path``."""
    data = read_yaml_file(path)
    try:
        if data is None:
            raise ScenarioError("the file holds no data; a scenario is a mapping of fields")
        return scenario_from_dict(data)
    except ScenarioError as exc:
        raise exc.in_file(str(path)) from None


def scenario_from_dict(data: Any) -> Scenario:
    """Validate plain data (as parsed from YAML) into a :class:`Scenario`.

    Top-level keys starting with ``x-`` are ignored: they hold YAML anchors
    shared by several stations (as in docker-compose files)."""
    if not isinstance(data, dict):
        raise ScenarioError("the scenario must be a mapping of fields (name, lines, ...)")
    check_plain_data(data)
    data = {
        key: value
        for key, value in data.items()
        if not (isinstance(key, str) and key.startswith("x-"))
    }
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        described = [_problem(e) for e in errors[:MAX_DESCRIBED]]
        raise ScenarioError.of(described, count=len(errors)) from None
    check_scenario(scenario)
    return scenario


def _problem(error: dict) -> Problem:
    loc = tuple(_loc_item(item) for item in error["loc"])
    loc = tuple(item for item in loc if item not in DIST_NAMES and "[" not in str(item))
    return Problem(format_path(loc) or None, _describe(error))


def _loc_item(item: object) -> str | int:
    """A location item as a short name or a list position (a key may be anything)."""
    if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 10**9:
        return item
    return clip(item if isinstance(item, str) else quote(item), 40)


def _describe(error: dict) -> str:
    kind = error["type"]
    found = error.get("input")
    if kind == "union_tag_invalid":
        tag = found.get("dist") if isinstance(found, dict) else None
        return f"unknown distribution {quote(tag)}; allowed: {', '.join(DIST_NAMES)}"
    if kind == "union_tag_not_found":
        return f"missing 'dist'; allowed: {', '.join(DIST_NAMES)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return _unknown_field(error["loc"])
    message = clip(str(error["msg"]).removeprefix("Value error, "), 120)
    return f"{message} (got {quote(found)})" if "input" in error else message


def _unknown_field(loc: tuple) -> str:
    """'unknown field', with the closest known field name at that place if any."""
    known = known_fields(loc[:-1])
    close = difflib.get_close_matches(_loc_item(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"unknown field; did you mean {close[0]!r}?"
    if known:
        return f"unknown field; allowed here: {clip(', '.join(known), 100)}"
    return "unknown field (check the spelling; `lotflow schema` lists the fields)"
