"""Draw an order book from a scenario's demand (``plant.shipping.demand``) as CSV.

Each demand stream (one per product) places orders at exponential (or any
distribution's) interarrival times with its quantity distribution; an order
is released when it is placed and due its lead time later (the demand's, else
``plant.shipping.lead_time``).
Quantities are rounded to whole thousands of parts (at least 1,000). The
reference quarter ``scenarios/maracay-orders.csv`` is::

    .venv/bin/python bench/order_book.py scenarios/maracay.yaml --weeks 13 --seed 2025 \\
        --out scenarios/maracay-orders.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from lotflow import load_scenario
from lotflow.calendar import UNIT_PER_HOUR

ROUND = 1000  # parts


def draw(dist, rng: np.random.Generator) -> float:
    """One draw of a scenario distribution with a mean and cv (or none: deterministic)."""
    if dist.dist == "deterministic":
        return dist.mean
    if dist.dist == "exponential":
        return rng.exponential(dist.mean)
    if dist.dist == "gamma":
        shape = 1.0 / dist.cv**2
        return rng.gamma(shape, dist.mean / shape)
    raise SystemExit(f"order_book.py draws deterministic, exponential or gamma, not {dist.dist}")


def order_book(scenario, weeks: float, seed: int) -> list[dict]:
    """Orders placed in the first ``weeks`` weeks, sorted by release, ids ``Q001``..."""
    shipping = scenario.plant.shipping
    end = weeks * 168.0 * UNIT_PER_HOUR[scenario.time_unit]
    rng = np.random.default_rng(seed)
    rows = []
    for demand in shipping.demand:
        lead = shipping.lead_time if demand.lead_time is None else demand.lead_time
        t = draw(demand.interarrival, rng)
        while t < end:
            quantity = max(ROUND, round(draw(demand.quantity, rng) / ROUND) * ROUND)
            release = round(t)
            rows.append(
                {"product": demand.product, "quantity": quantity, "release": release,
                 "due": release + round(lead)}
            )  # fmt: skip
            t += draw(demand.interarrival, rng)
    rows.sort(key=lambda r: r["release"])
    return [{"order": f"Q{i:03d}", **row} for i, row in enumerate(rows, start=1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", type=Path)
    parser.add_argument("--weeks", type=float, default=13.0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    rows = order_book(load_scenario(args.scenario), args.weeks, args.seed)
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["order", "product", "quantity", "due", "release"])
        writer.writeheader()
        writer.writerows({k: row[k] for k in writer.fieldnames} for row in rows)
    print(f"{len(rows)} orders written to {args.out}")


if __name__ == "__main__":
    main()
