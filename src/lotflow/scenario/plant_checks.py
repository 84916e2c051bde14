"""Cross-field checks of the ``plant:`` block (products named, ranges usable,
storage big enough for a lot)."""

from __future__ import annotations

from collections.abc import Iterator

from lotflow.scenario.errors import Problem
from lotflow.scenario.plant_models import RangeSpec, TestTime


def plant_problems(scenario) -> Iterator[Problem]:
    """Every inconsistency of the scenario's ``plant`` block, with field paths."""
    plant = scenario.plant
    if plant is None:
        return
    products = {p.name: p for p in scenario.products}
    made = {c.product for line in scenario.lines for c in line.campaigns}
    if plant.range is not None:
        yield from _range_problems(plant.range, bool(scenario.lines))
    if plant.range is not None and scenario.lines:
        for i, product in enumerate(scenario.products):
            if product.name in made and product.lot_size < 2:
                yield Problem(
                    f"products[{i}].lot_size",
                    "lot acceptance sampling needs lots of at least 2 units "
                    "(MIL-STD-105E Table I starts at 2)",
                )
    seen: set[str] = set()
    for i, quality in enumerate(plant.quality):
        yield from _product_problems(quality.product, products, f"plant.quality[{i}].product")
        if quality.product in seen:
            yield Problem(
                f"plant.quality[{i}].product",
                f"duplicate product {quality.product!r}; one quality entry per product",
            )
        seen.add(quality.product)
    if plant.shipping is not None:
        for i, order in enumerate(plant.shipping.orders):
            yield from _product_problems(
                order.product, products, f"plant.shipping.orders[{i}].product"
            )
        for i, demand in enumerate(plant.shipping.demand):
            yield from _product_problems(
                demand.product, products, f"plant.shipping.demand[{i}].product"
            )
    places = plant.storage.pallet_places
    made_known = made & set(products)
    if places is not None and made_known:
        packaging = plant.storage.packaging.packaging()
        biggest = max(products[name].lot_size for name in made_known)
        need = packaging.pallets_for(biggest)
        if need > places:
            yield Problem(
                "plant.storage.pallet_places",
                f"a lot of {biggest} units needs {need} pallet places; storage has only "
                f"{places}, so no lot could ever be stored",
            )


def _range_problems(spec: RangeSpec, has_lines: bool) -> Iterator[Problem]:
    if has_lines:
        if spec.arrivals is not None:
            yield Problem(
                "plant.range.arrivals",
                "arrivals are for a standalone range (a scenario without lines); "
                "in a plant the lots come from the lines",
            )
        if spec.test_time is None:
            yield Problem(
                "plant.range.test_time",
                "required: {setup: <dist>, per_round: <dist>} or one distribution",
            )
        return
    if spec.arrivals is None:
        return
    if spec.test_time is None or isinstance(spec.test_time, TestTime):
        yield Problem(
            "plant.range.test_time",
            "a standalone range needs one test-time distribution, e.g. "
            "{dist: exponential, mean: 1} (setup + per_round needs sampled lots from lines)",
        )


def _product_problems(name: str, products: dict, path: str) -> Iterator[Problem]:
    if name not in products:
        allowed = ", ".join(sorted(products)) or "none defined under 'products'"
        yield Problem(path, f"unknown product {name!r}; known products: {allowed}")
