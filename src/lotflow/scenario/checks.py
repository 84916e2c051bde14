"""Cross-field checks that pydantic models cannot express locally.

Every check yields :class:`Problem` records, so that one message lists every
mistake of a scenario at once.
"""

from __future__ import annotations

from collections.abc import Iterator

from lotflow.scenario.budget import budget_problems
from lotflow.scenario.errors import Problem, ScenarioError
from lotflow.scenario.models import Scenario
from lotflow.scenario.plant_checks import plant_problems


def check_scenario(scenario: Scenario) -> None:
    """Raise :class:`ScenarioError` (with field paths) listing every inconsistency."""
    problems = list(scenario_problems(scenario))
    if problems:
        raise ScenarioError.of(problems)


def scenario_problems(scenario: Scenario) -> Iterator[Problem]:
    """Every inconsistency of a scenario that passed its models' own checks."""
    if not scenario.lines and not _has_standalone_range(scenario):
        yield Problem(
            "lines",
            "a scenario needs at least one line, or a standalone range "
            "(plant.range with arrivals and test_time)",
        )
    if scenario.calendar is not None and scenario.time_unit == "cycle":
        yield Problem(
            "calendar", "a calendar needs a time unit that is a time (s, min or h), not 'cycle'"
        )
    yield from _unique_problems([p.name for p in scenario.products], "products")
    yield from _unique_problems([line.name for line in scenario.lines], "lines")
    products = {p.name for p in scenario.products}
    for i, line in enumerate(scenario.lines):
        yield from _line_problems(line, f"lines[{i}]", products)
    yield from plant_problems(scenario)
    yield from budget_problems(scenario)


def _has_standalone_range(scenario: Scenario) -> bool:
    plant_range = scenario.plant.range if scenario.plant else None
    return plant_range is not None and plant_range.arrivals is not None


def _unique_problems(names: list[str], path: str) -> Iterator[Problem]:
    """Names are unique and free of '.', which separates parts of metric paths."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if "." in name or not name:
            yield Problem(
                f"{path}[{i}].name", f"name {name!r} must be non-empty and must not contain '.'"
            )
        elif name in seen:
            yield Problem(f"{path}[{i}].name", f"duplicate name {name!r}; names must be unique")
        seen.add(name)


def _line_problems(line, path: str, products: set[str]) -> Iterator[Problem]:
    expected = len(line.stations) - 1
    if len(line.buffers) != expected:
        yield Problem(
            f"{path}.buffers",
            f"needs {expected} buffer sizes (one between each pair of the "
            f"{len(line.stations)} stations), got {len(line.buffers)}",
        )
    yield from _unique_problems([s.name for s in line.stations], f"{path}.stations")
    for j, station in enumerate(line.stations):
        if station.failure is not None and station.repair is None:
            yield Problem(
                f"{path}.stations[{j}].repair", "a station with failure needs a repair distribution"
            )
    for j, campaign in enumerate(line.campaigns):
        if campaign.product not in products:
            allowed = ", ".join(sorted(products)) or "none defined under 'products'"
            yield Problem(
                f"{path}.campaigns[{j}].product",
                f"unknown product {campaign.product!r}; known products: {allowed}",
            )
    if len({c.product for c in line.campaigns}) > 1 and line.changeover is None:
        yield Problem(
            f"{path}.changeover",
            "a line whose campaigns make more than one product needs a changeover distribution",
        )
