"""The scenario's ``plant`` block compiled to plain, immutable data for the plant model."""

from __future__ import annotations

from dataclasses import dataclass, field

from lotflow.dists import CompiledDist, compile_dist
from lotflow.plant.packaging import Packaging


@dataclass(frozen=True)
class SamplingConfig:
    level: str = "II"
    aql: float = 0.65
    reduced: bool = True
    discontinue_after: int = 5
    destructive: bool = True


@dataclass(frozen=True)
class RangeConfig:
    """``lanes`` test positions; test time ``setup + per_round x n`` or ``single``."""

    lanes: int
    on_shifts: bool
    sampling: SamplingConfig
    setup: CompiledDist | None = None
    per_round: CompiledDist | None = None
    single: CompiledDist | None = None


@dataclass(frozen=True)
class QualityConfig:
    """Beta(alpha, beta) lot fraction nonconforming with mean ``mean`` (a fraction);
    ``alpha == 0`` means every lot has exactly ``mean``."""

    mean: float = 0.0
    alpha: float = 0.0
    beta: float = 0.0


@dataclass(frozen=True)
class ReworkConfig:
    screen: bool = False
    rate: float = 1.0
    efficiency: float = 1.0
    stations: int = 1
    retest: str = "tightened"
    max_screenings: int = 1


@dataclass(frozen=True)
class OrderConfig:
    product: str
    quantity: int
    at: float
    due: float


@dataclass(frozen=True)
class DemandConfig:
    product: str
    interarrival: CompiledDist
    quantity: CompiledDist
    lead_time: float


@dataclass(frozen=True)
class ShippingConfig:
    partial: bool = True
    orders: tuple[OrderConfig, ...] = ()
    demand: tuple[DemandConfig, ...] = ()


@dataclass(frozen=True)
class PlantSpec:
    """Everything the plant model needs; ``range`` None = lots go untested to storage."""

    products: tuple[str, ...]
    range: RangeConfig | None
    staging_capacity: int | None = None
    quality: dict[str, QualityConfig] | None = None
    rework: ReworkConfig = ReworkConfig()
    pallet_places: int | None = None
    packaging: Packaging = field(default_factory=Packaging)
    shipping: ShippingConfig | None = None


@dataclass(frozen=True)
class StandaloneSpec:
    """A range fed by an arrival process: inter-arrival and test-time distributions."""

    lanes: int
    arrivals: CompiledDist
    test_time: CompiledDist


def quality_config(process_average_pct: float, cv: float) -> QualityConfig:
    """Beta parameters for a mean fraction ``process_average_pct / 100`` and a cv."""
    m = process_average_pct / 100.0
    if m <= 0.0 or cv <= 0.0:
        return QualityConfig(m)
    k = m * (1.0 - m) / (cv * m) ** 2 - 1.0
    return QualityConfig(m, m * k, (1.0 - m) * k)


def compile_plant(plant, scenario) -> PlantSpec:
    """Compile a scenario's ``plant`` block (pydantic :class:`Plant`)."""
    products = tuple(p.name for p in scenario.products)
    range_config = None
    if plant.range is not None:
        r = plant.range
        s = r.sampling
        sampling = (
            SamplingConfig()
            if s is None
            else SamplingConfig(s.level, s.aql, s.reduced, s.discontinue_after, s.destructive)
        )
        on_shifts = r.hours == "shifts"
        if r.test_time is None:
            raise ValueError("plant.range.test_time is required in a plant")
        if hasattr(r.test_time, "setup"):
            range_config = RangeConfig(
                r.lanes,
                on_shifts,
                sampling,
                setup=compile_dist(r.test_time.setup),
                per_round=compile_dist(r.test_time.per_round),
            )
        else:
            range_config = RangeConfig(
                r.lanes, on_shifts, sampling, single=compile_dist(r.test_time)
            )
    quality = {q.product: quality_config(q.process_average, q.lot_to_lot_cv) for q in plant.quality}
    rej = plant.rejected
    rework = ReworkConfig(
        rej.action == "screen",
        rej.rate or 1.0,
        rej.efficiency,
        rej.stations,
        rej.retest,
        rej.max_screenings,
    )
    shipping = None
    if plant.shipping is not None:
        sh = plant.shipping
        orders = tuple(
            OrderConfig(
                o.product, o.quantity, o.at, o.due if o.due is not None else o.at + sh.lead_time
            )
            for o in sh.orders
        )
        demand = tuple(
            DemandConfig(
                d.product,
                compile_dist(d.interarrival),
                compile_dist(d.quantity),
                d.lead_time if d.lead_time is not None else sh.lead_time,
            )
            for d in sh.demand
        )
        shipping = ShippingConfig(sh.partial, orders, demand)
    return PlantSpec(
        products=products,
        range=range_config,
        staging_capacity=plant.staging.capacity_lots,
        quality=quality,
        rework=rework,
        pallet_places=plant.storage.pallet_places,
        packaging=plant.storage.packaging.packaging(),
        shipping=shipping,
    )


def compile_standalone(range_spec) -> StandaloneSpec:
    """Compile a standalone ``plant.range`` (arrivals and one test-time distribution)."""
    if range_spec.arrivals is None or range_spec.test_time is None:
        raise ValueError("a standalone range needs arrivals and test_time")
    if hasattr(range_spec.test_time, "setup"):
        raise ValueError("a standalone range needs one test-time distribution")
    return StandaloneSpec(
        range_spec.lanes, compile_dist(range_spec.arrivals), compile_dist(range_spec.test_time)
    )
