"""The decision space of a spec on a scenario: candidates, their scenarios and costs,
the linear constraints, and the analytic screen.

A candidate is one value per variable. Its scenario is the base scenario with
the ``length`` variables applied first (so ``lines[*]`` paths also reach added
lines), then the others in the spec's order, validated like any scenario.
Its cost is the sum over variables of ``rate * (value - base value)`` for a
per-unit cost (the base value is the scenario's, so the levers as given cost
nothing) or ``costs[name][value]`` for a cost table (missing values cost 0).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lotflow.analysis.capacity import capacity
from lotflow.calendar import HOURS_PER_YEAR, UNIT_PER_HOUR
from lotflow.experiment.paths import ALL, apply_assignment, parse_path
from lotflow.optimize.spec import Spec, Variable, value_key
from lotflow.scenario import ScenarioError, scenario_from_dict

Values = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, eq=False)
class Candidate:
    """One value per variable, in the spec's variable order. Candidates compare and
    hash by their values' canonical JSON, so values may be blocks (dicts, lists)."""

    values: Values

    @property
    def key(self) -> str:
        return json.dumps(self.values, sort_keys=True, separators=(",", ":"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Candidate) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.values)

    @property
    def label(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.values)


def read_path(data: Any, path: str) -> Any:
    """The value at a field path of plain data (the first item for ``[*]``)."""
    node = data
    for item in parse_path(path):
        node = node[0] if item == ALL else node[item]
    return node


def resize(data: dict, path: str, length: int, copy_of: int) -> dict:
    """``data`` with the list at ``path`` cut to ``length`` items, or grown with
    copies of item ``copy_of`` whose ``name`` gets the suffix ``_copy<k>``."""
    items = list(read_path(data, path))
    if copy_of >= len(items):
        raise ScenarioError(f"copy_of {copy_of}: the list has {len(items)} items")
    grown = items[:length]
    for k in range(1, length - len(items) + 1):
        item = copy.deepcopy(items[copy_of])
        if isinstance(item, dict) and "name" in item:
            item["name"] = f"{item['name']}_copy{k}"
        grown.append(item)
    return apply_assignment(data, path, grown)


class Space:
    """Candidates of ``spec`` on ``base`` (a validated scenario)."""

    def __init__(self, spec: Spec, base):
        self.spec = spec
        self.base = base
        self.data = base.model_dump(mode="json")
        self.names = list(spec.variables)
        self._order = sorted(self.names, key=lambda n: spec.variables[n].length is None)
        self.base_values: dict[str, Any] = {}
        self._check_paths()
        self._check_metrics()

    # -- checks -----------------------------------------------------------------------
    def _check_paths(self) -> None:
        """Every path exists and every value of every variable (the ends of an
        integer range) gives a valid scenario on its own."""
        for name, var in self.spec.variables.items():
            where = f"variables.{name}"
            try:
                apply_assignment(self.data, var.path, None)  # the path exists
            except ScenarioError as exc:
                raise self.spec.error(_plain(exc.message), f"{where}.path") from None
            current = read_path(self.data, var.path)
            if var.length is not None and not isinstance(current, list):
                raise self.spec.error(f"{var.path!r} is not a list", f"{where}.path")
            self.base_values[name] = len(current) if var.length is not None else current
            kind = "integers" if var.integers is not None else "choices"
            kind = "length" if var.length is not None else kind
            values = var.values
            for value in (values[0], values[-1]) if kind == "integers" else values:
                try:
                    scenario_from_dict(self._apply(self.data, name, value))
                except ScenarioError as exc:
                    raise self.spec.error(
                        f"value {value!r} gives an invalid scenario: {exc}", f"{where}.{kind}"
                    ) from None

    def _check_metrics(self) -> None:
        """Metric paths name a line of the scenario (or one a ``length`` variable adds),
        or the plant of a scenario that has one."""
        lines = [line.name for line in self.base.lines]
        for var in self.spec.variables.values():
            if var.length is not None and var.path == "lines":
                source = lines[var.copy_of] if var.copy_of < len(lines) else ""
                lines += [f"{source}_copy{k}" for k in range(1, max(var.length) - len(lines) + 1)]
        for metric, where in self.spec.metric_fields().items():
            root, name = metric.split(".")[:2]
            if root == "lines" and name not in lines:
                raise self.spec.error(f"{metric!r}: no line {name!r} (lines: {lines})", where)
            if root == "plant" and self.base.plant is None:
                raise self.spec.error(f"{metric!r}: the scenario has no plant block", where)

    def _apply(self, data: dict, name: str, value: Any) -> dict:
        var: Variable = self.spec.variables[name]
        if var.length is not None:
            return resize(data, var.path, int(value), var.copy_of)
        return apply_assignment(data, var.path, var.setting(value))

    # -- candidates ---------------------------------------------------------------------
    def candidate(self, values: dict[str, Any]) -> Candidate:
        return Candidate(tuple((name, values[name]) for name in self.names))

    def size(self) -> int:
        """Candidates before the constraints (the product of the value counts)."""
        return math.prod(len(v.values) for v in self.spec.variables.values())

    def feasible(self, candidate: Candidate) -> bool:
        """The linear constraints hold."""
        values = candidate.as_dict()
        return all(c.holds(values) for c in self.spec.constraints)

    def enumerate(self) -> Iterator[Candidate]:
        """Every candidate that meets the linear constraints, in lexicographic order."""
        lists = [self.spec.variables[n].values for n in self.names]
        for combo in itertools.product(*lists):
            candidate = Candidate(tuple(zip(self.names, combo, strict=True)))
            if self.feasible(candidate):
                yield candidate

    def check_constraints(self, limit: int = 1_000_000) -> None:
        """Error unless some candidate meets the linear constraints (checked when
        the space has at most ``limit`` candidates)."""
        if self.spec.constraints and self.size() <= limit and next(self.enumerate(), None) is None:
            raise self.spec.error("no candidate meets all the constraints", "constraints")

    def scenario(self, candidate: Candidate):
        """The validated scenario of a candidate (:class:`ScenarioError` if invalid)."""
        data = self.data
        values = candidate.as_dict()
        for name in self._order:
            data = self._apply(data, name, values[name])
        return scenario_from_dict(data)

    def cost(self, candidate: Candidate) -> float:
        """The cost of the levers (see the module docstring)."""
        total = 0.0
        for name, value in candidate.values:
            cost = self.spec.model.costs.get(name)
            if cost is None:
                continue
            if isinstance(cost, dict):
                table = {value_key(k): v for k, v in cost.items()}
                total += table.get(value_key(value), 0.0)
            else:
                total += cost * (float(value) - float(self.base_values[name]))
        return total


def screen(scenario, spec: Spec, horizon: float, warmup: float) -> str | None:
    """Why ``scenario`` cannot meet a requirement, by an analytic upper bound, or None.

    The bound is each line's isolated-efficiency capacity (``availability`` in
    :mod:`lotflow.analysis.capacity`: no blocking, starving or variability
    losses, so never below the simulated mean; the DDX ``flow`` estimate errs
    low and cannot screen). It covers ``at_least`` requirements on
    ``lines.L.throughput`` (parts per wall time unit), ``lines.L.good_parts``
    and ``plant.units.{made,accepted,shipped}`` (parts in the window; only
    without warm-up, since parts made in a warm-up can be accepted after it).
    """
    reqs = [r for r in spec.model.requirements if r.at_least is not None]
    if not reqs or not scenario.lines:
        return None
    cap = capacity(scenario)
    per_hour = UNIT_PER_HOUR.get(scenario.time_unit)
    working_share = 1.0
    if scenario.calendar is not None and per_hour is not None and cap.working_per_year:
        working_share = cap.working_per_year / (HOURS_PER_YEAR * per_hour)
    window = horizon - warmup
    rates = {line.name: line.availability.good_rate * working_share for line in cap.lines}
    for req in reqs:
        limit = req.bound
        parts = req.metric.split(".")
        bound = None
        if parts[0] == "lines" and len(parts) == 3 and parts[1] in rates:
            rate = rates[parts[1]]
            bound = {"throughput": rate, "good_parts": rate * window}.get(parts[2])
        elif parts[:2] == ["plant", "units"] and len(parts) == 3 and warmup == 0:
            if parts[2] in ("made", "accepted", "shipped"):
                bound = sum(rates.values()) * window
        if bound is not None and bound < limit:
            return f"{req.metric} <= {bound:.6g} < {limit:.6g} (analytic upper bound)"
    return None


def _plain(message: str) -> str:
    """A ``--set`` path message without its ``--set PATH:`` prefix."""
    head, sep, rest = message.partition(": ")
    return rest if sep and head.startswith("--set") else message
