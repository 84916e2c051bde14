"""A plan: which orders each line makes, in which sequence, and when; ``plan.json``.

``plan.json`` (interface.md)::

    {"status": "optimal" | "feasible",
     "objective": {"weighted_tardiness", "tardiness", "changeovers", "bound", "gap"},
     "lines": {L: [{"product", "orders": [ids], "start", "end", "quantity"}]},
     "orders": {id: {"line", "completion", "tardiness", "start", "product",
                     "quantity", "release", "due", "weight"}},
     "scenario", "time_unit", "rate", "solver": {...}}

Times are wall-clock times in the scenario's time unit from its start. A
campaign is a run of consecutive orders of one product on one line; its
``start`` is its first order's start and its ``end`` the completion of its
last order (the last part leaves the line); ``quantity`` is its good parts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from lotflow.plan.lines import Clock
from lotflow.plan.model import Solution
from lotflow.plan.orders import Order
from lotflow.scenario import ScenarioError


@dataclass(frozen=True)
class PlannedOrder:
    """An order with its place in the plan (wall-clock times)."""

    line: str
    completion: float
    tardiness: float
    start: float
    product: str
    quantity: int
    release: float
    due: float
    weight: int


@dataclass(frozen=True)
class Plan:
    """``sequence`` maps each line to its order ids in production order."""

    scenario: str
    time_unit: str
    status: str
    rate: str
    objective: dict
    solver: dict
    sequence: dict[str, list[str]]
    orders: dict[str, PlannedOrder]

    def campaigns(self, line: str) -> list[dict]:
        """The line's campaigns: runs of consecutive orders of one product."""
        out: list[dict] = []
        for order_id in self.sequence[line]:
            order = self.orders[order_id]
            if out and out[-1]["product"] == order.product:
                out[-1]["orders"].append(order_id)
                out[-1]["end"] = order.completion
                out[-1]["quantity"] += order.quantity
            else:
                out.append(
                    {
                        "product": order.product,
                        "orders": [order_id],
                        "start": order.start,
                        "end": order.completion,
                        "quantity": order.quantity,
                    }
                )
        return out

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "time_unit": self.time_unit,
            "status": self.status,
            "rate": self.rate,
            "objective": self.objective,
            "solver": self.solver,
            "lines": {line: self.campaigns(line) for line in self.sequence},
            "orders": {oid: asdict(order) for oid, order in self.orders.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"


def build_plan(
    scenario, orders: list[Order], solution: Solution, clock: Clock, rate: str, solver: dict
) -> Plan:
    """The plan of ``solution``: wall-clock times, per-order tardiness, campaigns."""
    planned = {}
    for order in orders:
        place = solution.placements[order.id]
        completion = clock.to_wall(place.completion)
        planned[order.id] = PlannedOrder(
            line=place.line,
            completion=completion,
            tardiness=max(0.0, completion - order.due),
            start=clock.to_wall_start(place.start),
            product=order.product,
            quantity=order.quantity,
            release=order.release,
            due=order.due,
            weight=order.weight,
        )
    sequence = {}
    for line in scenario.lines:
        mine = [o.id for o in orders if solution.placements[o.id].line == line.name]
        sequence[line.name] = sorted(mine, key=lambda oid: solution.placements[oid].start)
    objective = {
        "weighted_tardiness": solution.weighted_tardiness,
        "tardiness": sum(p.tardiness for p in planned.values()),
        "changeovers": solution.changeovers,
        "bound": solution.bound,
        "gap": solution.gap,
    }
    return Plan(
        scenario.name, scenario.time_unit, solution.status, rate, objective, solver,
        sequence, planned,
    )  # fmt: skip


def load_plan(path: str | Path, scenario) -> Plan:
    """Read ``plan.json`` for ``scenario``; ScenarioError naming the file if it does not fit."""
    file = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"not a plan JSON ({exc})", file=file) from None
    try:
        orders = {oid: PlannedOrder(**fields) for oid, fields in data["orders"].items()}
        sequence = {
            line: [oid for campaign in campaigns for oid in campaign["orders"]]
            for line, campaigns in data["lines"].items()
        }
        plan = Plan(
            data["scenario"], data["time_unit"], data["status"], data["rate"],
            data["objective"], data["solver"], sequence, orders,
        )  # fmt: skip
    except (KeyError, TypeError, AttributeError) as exc:
        raise ScenarioError(f"not a plan JSON of lotflow plan ({exc!r})", file=file) from None
    names = {line.name for line in scenario.lines}
    if not set(plan.sequence) <= names:
        unknown = sorted(set(plan.sequence) - names)
        raise ScenarioError(
            f"plan for lines {unknown} the scenario does not have", file=file, path="lines"
        )
    products = {p.name for p in scenario.products}
    for oid, order in plan.orders.items():
        if order.product not in products:
            raise ScenarioError(
                f"unknown product {order.product!r}", file=file, path=f"orders.{oid}.product"
            )
    if plan.time_unit != scenario.time_unit:
        raise ScenarioError(
            f"plan in {plan.time_unit!r}, the scenario in {scenario.time_unit!r}",
            file=file,
            path="time_unit",
        )
    return plan
