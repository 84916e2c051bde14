"""Cross-field checks that pydantic models cannot express locally."""

from __future__ import annotations

from lotflow.scenario.errors import ScenarioError
from lotflow.scenario.models import Scenario
from lotflow.scenario.plant_models import check_plant


def check_scenario(scenario: Scenario) -> None:
    """Raise :class:`ScenarioError` (with a field path) for the first inconsistency."""
    if not scenario.lines and not _has_standalone_range(scenario):
        raise ScenarioError(
            "a scenario needs at least one line, or a standalone range "
            "(plant.range with arrivals and test_time)",
            path="lines",
        )
    if scenario.calendar is not None and scenario.time_unit == "cycle":
        raise ScenarioError(
            "a calendar needs a time unit that is a time (s, min or h), not 'cycle'",
            path="calendar",
        )
    if scenario.run.warmup >= scenario.run.horizon:
        raise ScenarioError(
            f"must be smaller than run.horizon ({scenario.run.horizon:g})", path="run.warmup"
        )
    _check_unique([p.name for p in scenario.products], "products")
    _check_unique([line.name for line in scenario.lines], "lines")
    products = {p.name for p in scenario.products}
    for i, line in enumerate(scenario.lines):
        _check_line(line, f"lines[{i}]", products)
    check_plant(scenario)


def _has_standalone_range(scenario: Scenario) -> bool:
    plant_range = scenario.plant.range if scenario.plant else None
    return plant_range is not None and plant_range.arrivals is not None


def _check_unique(names: list[str], path: str) -> None:
    """Names are unique and free of '.', which separates parts of metric paths."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if "." in name or not name:
            raise ScenarioError(
                f"name {name!r} must be non-empty and must not contain '.'",
                path=f"{path}[{i}].name",
            )
        if name in seen:
            raise ScenarioError(
                f"duplicate name {name!r}; names must be unique", path=f"{path}[{i}].name"
            )
        seen.add(name)


def _check_line(line, path: str, products: set[str]) -> None:
    expected = len(line.stations) - 1
    if len(line.buffers) != expected:
        raise ScenarioError(
            f"needs {expected} buffer sizes (one between each pair of the "
            f"{len(line.stations)} stations), got {len(line.buffers)}",
            path=f"{path}.buffers",
        )
    _check_unique([s.name for s in line.stations], f"{path}.stations")
    for j, station in enumerate(line.stations):
        if station.failure is not None and station.repair is None:
            raise ScenarioError(
                "a station with failure needs a repair distribution",
                path=f"{path}.stations[{j}].repair",
            )
    for j, campaign in enumerate(line.campaigns):
        if campaign.product not in products:
            allowed = ", ".join(sorted(products)) or "none defined under 'products'"
            raise ScenarioError(
                f"unknown product {campaign.product!r}; known products: {allowed}",
                path=f"{path}.campaigns[{j}].product",
            )
    for j, product in enumerate(line.products or []):
        if product not in products:
            allowed = ", ".join(sorted(products)) or "none defined under 'products'"
            raise ScenarioError(
                f"unknown product {product!r}; known products: {allowed}",
                path=f"{path}.products[{j}]",
            )
    if len({c.product for c in line.campaigns}) > 1 and line.changeover is None:
        raise ScenarioError(
            "a line whose campaigns make more than one product needs a changeover distribution",
            path=f"{path}.changeover",
        )
