"""The ``plant:`` block of a scenario: staging, firing range, quality, rework,
storage and shipping (pydantic models), and the cross-field checks of the block.

Every duration is in the scenario's ``time_unit``; quantities of product are in
units (cartridges); nonconforming fractions and AQLs are in percent, as in
MIL-STD-105E. Every block is optional: a plant with only a ``range`` works.
See docs/plant.md for the semantics.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from lotflow.plant.packaging import Packaging
from lotflow.plant.sampling import AQLS
from lotflow.scenario.distributions import Dist
from lotflow.scenario.fields import (
    MAX_QUANTITY,
    Count,
    Model,
    Name,
    NonNegativeDuration,
    PositiveFloat,
    Probability,
)

__all__ = [
    "Demand",
    "Order",
    "PackagingSpec",
    "Plant",
    "QualitySpec",
    "RangeSpec",
    "RejectedSpec",
    "SamplingSpec",
    "ShippingSpec",
    "StagingSpec",
    "StorageSpec",
    "TestTime",
]

MAX_SERVERS = 1000
Servers = Annotated[int, Field(ge=1, le=MAX_SERVERS, strict=True)]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY, strict=True)]


class TestTime(Model):
    """Lot acceptance test time: ``setup + per_round x sample size`` (working time).

    ``setup`` is drawn once per test; ``per_round`` once per test too and
    multiplied by the sample size (the time per sampled unit of that test)."""

    __test__ = False  # not a pytest class

    setup: Dist
    per_round: Dist


def _test_time_tag(value) -> str:
    """Which form of ``test_time`` a value is. The tags contain '[' so that error
    paths skip them, like pydantic's own union tags."""
    if isinstance(value, TestTime) or (
        isinstance(value, dict)
        and "dist" not in value
        and ("setup" in value or "per_round" in value)
    ):
        return "[setup+per_round]"
    return "[dist]"


TestTimeField = Annotated[
    Annotated[TestTime, Tag("[setup+per_round]")] | Annotated[Dist, Tag("[dist]")],
    Discriminator(_test_time_tag),
]


class SamplingSpec(Model):
    """Single sampling by attributes, MIL-STD-105E, with switching per product.

    ``aql`` in percent (one of the standard's AQLs); ``reduced``: whether the
    responsible authority allows switching to reduced inspection;
    ``discontinue_after``: lots rejected on tightened inspection that
    discontinue inspection (the product then restarts on tightened and the
    event is counted); ``destructive``: the sampled units are used up by the
    test (firing) and leave the lot."""

    standard: Literal["MIL-STD-105E"] = "MIL-STD-105E"
    level: Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"] = "II"
    aql: Annotated[PositiveFloat, Field(description="percent nonconforming")] = 0.65
    reduced: bool = True
    discontinue_after: Count = 5
    destructive: bool = True

    @field_validator("aql")
    @classmethod
    def _standard_aql(cls, value: float) -> float:
        for aql in AQLS:
            if math.isclose(value, aql, rel_tol=1e-9):
                return aql
        allowed = ", ".join(f"{a:g}" for a in AQLS)
        raise ValueError(f"unknown AQL {value:g} (percent); MIL-STD-105E has {allowed}")


class RangeSpec(Model):
    """The firing range: ``lanes`` parallel test positions, one lot per lane.

    Standalone (no lines): ``arrivals`` (inter-arrival distribution of lots)
    and ``test_time`` as one distribution. In a plant: ``test_time`` as
    ``{setup, per_round}`` (or one distribution), ``sampling`` from the
    standard. ``hours``: ``shifts`` (the lanes work the scenario's calendar,
    like the lines; no effect without a calendar) or ``always``."""

    lanes: Servers = 1
    arrivals: Dist | None = None
    test_time: TestTimeField | None = None
    sampling: SamplingSpec | None = None
    hours: Literal["shifts", "always"] = "shifts"


class StagingSpec(Model):
    """Quarantine between the lines and the range; ``capacity_lots`` None = unlimited.

    A lot holds its place from the moment its line delivers it until it leaves
    quarantine: accepted and moved to storage, or rejected."""

    capacity_lots: Annotated[Count, Field(description="lots")] | None = None


class QualitySpec(Model):
    """Nonconforming fraction of one product's lots, in percent.

    Each lot's fraction is drawn from a beta distribution with mean
    ``process_average`` and coefficient of variation ``lot_to_lot_cv``
    (0 = every lot at the process average)."""

    product: Name
    process_average: Annotated[
        float, Field(ge=0, lt=100, allow_inf_nan=False, strict=True, description="percent")
    ]
    lot_to_lot_cv: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False, strict=True)] = 0.0

    @model_validator(mode="after")
    def _beta_exists(self) -> QualitySpec:
        m = self.process_average / 100.0
        if m > 0 and self.lot_to_lot_cv > 0 and self.lot_to_lot_cv**2 >= (1 - m) / m:
            limit = math.sqrt((1 - m) / m)
            raise ValueError(
                f"lot_to_lot_cv must be below {limit:.4g} for a process average of "
                f"{self.process_average:g} % (a beta distribution needs cv^2 < (1 - p) / p)"
            )
        return self


class RejectedSpec(Model):
    """What happens to a lot the range rejects.

    ``destroy``; or ``screen``: 100 % re-inspection at ``rate`` units per time
    unit on one of ``stations`` screening stations (working the range's hours),
    which finds each nonconforming unit with probability ``efficiency`` and
    removes it; then the lot is re-tested (resubmitted) on ``retest`` severity.
    A lot rejected again after ``max_screenings`` screenings is destroyed."""

    action: Literal["screen", "destroy"] = "destroy"
    rate: Annotated[PositiveFloat, Field(description="units per time_unit")] | None = None
    efficiency: Probability = 1.0
    stations: Servers = 1
    retest: Literal["normal", "tightened"] = "tightened"
    max_screenings: Count = 1

    @model_validator(mode="after")
    def _rate_for_screening(self) -> RejectedSpec:
        if self.action == "screen" and self.rate is None:
            raise ValueError("action 'screen' needs a rate (units re-inspected per time unit)")
        return self


class PackagingSpec(Model):
    """Units per box, boxes per sealed can, cans per crate, crates per pallet."""

    units_per_box: Count = 20
    boxes_per_can: Count = 33
    cans_per_crate: Count = 2
    crates_per_pallet: Count = 32

    def packaging(self) -> Packaging:
        return Packaging(
            self.units_per_box, self.boxes_per_can, self.cans_per_crate, self.crates_per_pallet
        )


class StorageSpec(Model):
    """Accepted stock, counted in pallet places (None = unlimited).

    A lot is packed on whole pallets of its own; it waits in staging (or
    rework) until enough places are free. Shipping takes the oldest lot first."""

    pallet_places: Annotated[Count, Field(description="pallet places")] | None = None
    packaging: PackagingSpec = PackagingSpec()


class Order(Model):
    """One order of the table: ``quantity`` units of ``product`` placed at time
    ``at``, due at ``due`` (default ``at`` + the shipping lead time)."""

    product: Name
    quantity: Annotated[Quantity, Field(description="units")]
    at: NonNegativeDuration = 0.0
    due: NonNegativeDuration | None = None

    @model_validator(mode="after")
    def _due_after_placing(self) -> Order:
        if self.due is not None and self.due < self.at:
            raise ValueError("due must not be before at")
        return self


class Demand(Model):
    """An arrival process of orders for one product: inter-arrival times and
    quantities (units, rounded, at least 1) from distributions; due ``lead_time``
    after placing (default: the shipping lead time)."""

    product: Name
    interarrival: Dist
    quantity: Dist
    lead_time: NonNegativeDuration | None = None


class ShippingSpec(Model):
    """Orders and how they are served: FIFO per product from the oldest stock.

    ``partial``: ship what is in stock and backorder the rest (else an order
    waits until it can ship complete)."""

    lead_time: NonNegativeDuration = 0.0
    partial: bool = True
    orders: list[Order] = Field(default_factory=list)
    demand: list[Demand] = Field(default_factory=list)


class Plant(Model):
    """The plant after the lines: staging (quarantine), the firing range, quality
    of the lots, what happens to rejected lots, storage and shipping (docs/plant.md)."""

    range: RangeSpec | None = None
    staging: StagingSpec = StagingSpec()
    quality: list[QualitySpec] = Field(default_factory=list)
    rejected: RejectedSpec = RejectedSpec()
    storage: StorageSpec = StorageSpec()
    shipping: ShippingSpec | None = None
