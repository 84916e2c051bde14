"""The scenario format of interface.md as immutable pydantic models.

Every duration is in the scenario's ``time_unit``. Structural checks live on
the models; cross-references (a campaign naming a product, a calendar with a
time unit that is not a time) are checked in :mod:`lotflow.scenario.checks`
so that their errors carry exact field paths. The field types and their bounds
are in :mod:`lotflow.scenario.fields`, the distributions in
:mod:`lotflow.scenario.distributions`, the ``plant:`` block in
:mod:`lotflow.scenario.plant_models`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from lotflow.scenario.distributions import DIST_NAMES, Dist
from lotflow.scenario.fields import (
    MAX_BUFFER,
    MAX_HORIZON,
    MAX_LOT_SIZE,
    MAX_LOTS,
    MAX_REPLICATIONS,
    MAX_SEED,
    MIN_TIME,
    Model,
    Name,
    PositiveFloat,
    Probability,
    at_least,
)
from lotflow.scenario.plant_models import Plant, RangeSpec, SamplingSpec, TestTime

__all__ = [
    "DIST_NAMES",
    "Calendar",
    "Campaign",
    "Claim",
    "Dist",
    "Failure",
    "Line",
    "Plant",
    "Product",
    "RangeSpec",
    "RunBlock",
    "SamplingSpec",
    "Scenario",
    "Station",
    "TestTime",
]


class Failure(Model):
    """Operation-dependent failures: exactly one of the two modes of model.md.

    ``per_cycle``: probability of a failure per part begun; ``busy_time``: the
    busy time between failures (a distribution, in the time unit)."""

    per_cycle: Probability | None = None
    busy_time: Dist | None = None

    @model_validator(mode="after")
    def _one_mode(self) -> Failure:
        if (self.per_cycle is None) == (self.busy_time is None):
            raise ValueError("give exactly one of per_cycle (a probability) or busy_time (a dist)")
        return self


class Station(Model):
    """One station: ``process`` time per part, optional ``failure`` and ``repair``
    time, ``scrap``: the fraction of its parts scrapped (0 <= scrap < 1)."""

    name: Name
    process: Dist
    failure: Failure | None = None
    repair: Dist | None = None
    scrap: Annotated[
        float, Field(ge=0, lt=1, allow_inf_nan=False, strict=True, description="fraction of parts")
    ] = 0.0


class Campaign(Model):
    """``lots`` lots of ``product`` in a row; a line cycles through its campaigns."""

    product: Name
    lots: Annotated[int, Field(ge=1, le=MAX_LOTS, strict=True, description="lots")]


class Line(Model):
    """A flow line: ``stations`` in order, ``buffers`` (slots) between each pair,
    ``campaigns`` cycled, ``changeover`` time between campaigns of different products."""

    name: Name
    stations: Annotated[list[Station], Field(min_length=1)]
    buffers: list[Annotated[int, Field(ge=0, le=MAX_BUFFER, strict=True)]] = Field(
        default_factory=list, description="slots, one entry between each pair of stations"
    )
    campaigns: list[Campaign] = Field(default_factory=list)
    changeover: Dist | None = None


class Product(Model):
    """A product and its lot size (parts per lot)."""

    name: Name
    lot_size: Annotated[int, Field(ge=1, le=MAX_LOT_SIZE, strict=True, description="parts")]


DEFAULT_DAY_START_HOUR = 6.0


class Calendar(Model):
    """A weekly shift pattern: ``shifts_per_day`` shifts of ``hours_per_shift`` hours
    back to back from ``day_start_hour`` on the first ``days_per_week`` days of a
    week, ``weeks_per_year`` weeks a year.

    ``day_start_hour`` (hours after midnight) defaults to 6, or earlier when the
    day's shifts would not end by midnight: they then end at midnight (three
    8-hour shifts start at 0)."""

    shifts_per_day: Annotated[int, Field(ge=1, le=24, strict=True, description="shifts")]
    hours_per_shift: Annotated[
        float, Field(gt=0, le=24, allow_inf_nan=False, strict=True, description="h")
    ]
    days_per_week: Annotated[int, Field(ge=1, le=7, strict=True, description="days")]
    weeks_per_year: Annotated[int, Field(ge=1, le=52, strict=True, description="weeks")] = 52
    day_start_hour: (
        Annotated[float, Field(ge=0, lt=24, allow_inf_nan=False, strict=True)] | None
    ) = Field(
        default=None, description="h after midnight; default 6, or earlier to end by midnight"
    )

    @property
    def start_hour(self) -> float:
        """When the first shift of a working day starts (hours after midnight)."""
        if self.day_start_hour is not None:
            return self.day_start_hour
        return min(DEFAULT_DAY_START_HOUR, 24.0 - self.hours_per_day)

    @property
    def hours_per_day(self) -> float:
        return self.shifts_per_day * self.hours_per_shift

    @model_validator(mode="after")
    def _fits_in_day(self) -> Calendar:
        if self.hours_per_day > 24:
            raise ValueError(
                f"{self.shifts_per_day} shifts of {self.hours_per_shift:g} h make "
                f"{self.hours_per_day:g} h, more than a day: shorten hours_per_shift"
            )
        if self.start_hour + self.hours_per_day > 24:
            latest = 24 - self.hours_per_day
            raise ValueError(
                f"the shifts run from day_start_hour {self.start_hour:g} for "
                f"{self.hours_per_day:g} h, past midnight: set day_start_hour to at most "
                f"{latest:g} (or leave it out: it then defaults to fit)"
            )
        return self


class RunBlock(Model):
    """How one run simulates: ``horizon`` (wall-clock time, warm-up included),
    ``warmup`` (discarded from statistics), ``replications``, master ``seed``."""

    horizon: Annotated[
        float,
        Field(
            gt=0,
            le=MAX_HORIZON,
            allow_inf_nan=False,
            strict=True,
            description="time_unit, wall clock",
        ),
        *at_least(MIN_TIME),
    ] = 100_000.0
    warmup: Annotated[
        float,
        Field(
            ge=0,
            le=MAX_HORIZON,
            allow_inf_nan=False,
            strict=True,
            description="time_unit, < horizon",
        ),
    ] = 0.0
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS, strict=True)] = 1
    seed: Annotated[int, Field(ge=0, le=MAX_SEED, strict=True)] = 1


class Claim(Model):
    """A target the scenario states for itself, checked against capacity and results.

    ``good_per_year``: good parts a year (summed over all lines) over the
    calendar's working year (8,760 h without a calendar)."""

    good_per_year: Annotated[PositiveFloat, Field(description="good parts a year")]


class Scenario(Model):
    """A whole scenario: lines, products, calendar, plant, run settings, claim."""

    name: Name = "scenario"
    time_unit: Literal["s", "min", "h", "cycle"] = Field(
        default="cycle", description="unit of every duration"
    )
    run: RunBlock = RunBlock()
    calendar: Calendar | None = None
    products: list[Product] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    plant: Plant | None = None
    claim: Claim | None = None  # absent = no claim check
