"""The flat window metrics of one plant replication (keys are dotted paths of the
results' ``plant`` block, e.g. ``range.wait`` -> plant.range.wait)."""

from __future__ import annotations

from collections import Counter

from lotflow.engine import layout as kernel
from lotflow.plant.model import LOT_EVENTS, UNIT_EVENTS, PlantModel
from lotflow.plant.servers import Servers


def plant_metrics(model: PlantModel) -> dict[str, float]:
    """Window statistics of a finished :class:`PlantModel` run."""
    m = model
    out: dict[str, float] = {}
    out.update(lot_and_unit_counts(m))
    out["quality.incoming"] = 100.0 * m.incoming.mean()
    bad, units = m.outgoing
    out["quality.outgoing"] = 100.0 * bad / units if units else 0.0
    if m.range is not None:
        out.update(server_metrics("range", m.range))
        tests = sum(m.severity.values())
        for severity in ("normal", "tightened", "reduced"):
            out[f"range.severity.{severity}"] = m.severity[severity] / tests if tests else 0.0
        out["range.discontinuations"] = m.discontinuations
    if m.screening is not None:
        out.update(server_metrics("screening", m.screening))
    out["staging.mean_lots"] = m.staging.occupancy.mean()
    out["staging.max_lots"] = m.staging.occupancy.max()
    out["staging.time"] = m.staging_time.mean()
    out.update(storage_metrics(m))
    if m.shipping is not None:
        for key, value in m.shipping.metrics().items():
            out[f"shipping.{key}"] = value
    for run in m.runs:
        name = run.arrays.name
        out[f"backpressure.{name}"] = float(run.state["acc"][-1, kernel.BLOCKED])
        out[f"backpressure_lots.{name}"] = m.blocked_lots[name]
    return {key: float(value) for key, value in out.items()}


def lot_and_unit_counts(m: PlantModel) -> dict[str, float]:
    """Lots and units of each event in the window, in total and per product."""
    t0, t1 = m.t0, m.t1
    products = m.spec.products
    out: dict[str, float] = {}
    shipped = Counter(
        lot.product
        for lot in m.lots
        if lot.info.get("shipped_at") is not None and t0 <= lot.info["shipped_at"] < t1
    )
    for event in LOT_EVENTS:
        per = {p: shipped[p] if event == "shipped" else m.counts[event, p] for p in products}
        out[f"lots.{event}"] = sum(per.values())
        for p in products:
            out[f"lots.by_product.{p}.{event}"] = per[p]
    for event in UNIT_EVENTS:
        if event == "shipped":
            per = dict(m.shipping.shipped) if m.shipping else dict.fromkeys(products, 0)
        else:
            per = {p: m.units[event, p] for p in products}
        out[f"units.{event}"] = sum(per.values())
        for p in products:
            out[f"units.by_product.{p}.{event}"] = per[p]
    return out


def storage_metrics(m: PlantModel) -> dict[str, float]:
    """Pallets, lots, units, wait and dwell of the storage."""
    s = m.storage
    products = m.spec.products
    out: dict[str, float] = {}
    out["storage.mean_pallets"] = s.pallets.mean()
    out["storage.max_pallets"] = s.pallets.max()
    if s.places is not None:
        out["storage.utilisation"] = out["storage.mean_pallets"] / s.places
    out["storage.mean_lots"] = s.lots.mean()
    out["storage.max_lots"] = s.lots.max()
    out["storage.mean_units"] = sum(s.units[p].mean() for p in products)
    out["storage.wait"] = s.wait.mean()
    out["storage.dwell"] = s.dwell.mean()
    for p in products:
        out[f"storage.by_product.{p}.mean_units"] = s.units[p].mean()
    return out


def server_metrics(prefix: str, servers: Servers) -> dict[str, float]:
    """Utilisation, mean wait, time-average queue, P(wait > 0), tests, mean service."""
    return {
        f"{prefix}.utilisation": servers.utilisation(),
        f"{prefix}.wait": servers.waits.mean(),
        f"{prefix}.queue_length": servers.waiting.mean(),
        f"{prefix}.p_wait": servers.waits.fraction_positive(),
        f"{prefix}.tests" if prefix == "range" else f"{prefix}.jobs": servers.waits.n,
        f"{prefix}.service_time": servers.service.mean(),
    }
