"""The scenario format of interface.md as immutable pydantic models.

Every duration is in the scenario's ``time_unit``. Structural checks live on
the models; cross-references (a campaign naming a product, a calendar with a
time unit that is not a time) are checked in :mod:`lotflow.scenario.checks`
so that their errors carry exact field paths.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Numbers are strict: YAML's true/yes/on or a quoted "2" is an error, not 1 or 2.
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
NonNegativeFloat = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)]
# Upper bounds keep counts within what the engine can hold (int64, memory).
MAX_BUFFER = 10_000_000
MAX_LOT_SIZE = 10**12
MAX_LOTS = 1_000_000


class Model(BaseModel):
    """Base: immutable, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Deterministic(Model):
    dist: Literal["deterministic"]
    mean: PositiveFloat


class Exponential(Model):
    dist: Literal["exponential"]
    mean: PositiveFloat


class Lognormal(Model):
    dist: Literal["lognormal"]
    mean: PositiveFloat
    cv: PositiveFloat


class Gamma(Model):
    dist: Literal["gamma"]
    mean: PositiveFloat
    cv: PositiveFloat


class Uniform(Model):
    dist: Literal["uniform"]
    low: NonNegativeFloat
    high: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError("needs low < high")
        return self


class Triangular(Model):
    dist: Literal["triangular"]
    low: NonNegativeFloat
    mode: NonNegativeFloat
    high: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("needs low <= mode <= high and low < high")
        return self


class Geometric(Model):
    dist: Literal["geometric"]
    mean: Annotated[float, Field(ge=1, allow_inf_nan=False)]


class Empirical(Model):
    dist: Literal["empirical"]
    values: Annotated[list[NonNegativeFloat], Field(min_length=1)]

    @model_validator(mode="after")
    def _positive_mean(self) -> Empirical:
        if sum(self.values) <= 0:
            raise ValueError("needs at least one positive value")
        return self


Dist = Annotated[
    Deterministic | Exponential | Lognormal | Gamma | Uniform | Triangular | Geometric | Empirical,
    Field(discriminator="dist"),
]
DIST_NAMES = (
    "deterministic",
    "exponential",
    "lognormal",
    "gamma",
    "uniform",
    "triangular",
    "geometric",
    "empirical",
)


class Failure(Model):
    """Operation-dependent failures: exactly one of the two modes of model.md."""

    per_cycle: Probability | None = None
    busy_time: Dist | None = None

    @model_validator(mode="after")
    def _one_mode(self) -> Failure:
        if (self.per_cycle is None) == (self.busy_time is None):
            raise ValueError("give exactly one of per_cycle (a probability) or busy_time (a dist)")
        return self


class Station(Model):
    name: str
    process: Dist
    failure: Failure | None = None
    repair: Dist | None = None
    scrap: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False, strict=True)] = 0.0


class Campaign(Model):
    product: str
    lots: Annotated[int, Field(ge=1, le=MAX_LOTS, strict=True)]


class Line(Model):
    """A flow line. ``products`` names the products the line may make (for
    ``lotflow plan``); absent means any product of the scenario."""

    name: str
    stations: Annotated[list[Station], Field(min_length=1)]
    buffers: list[Annotated[int, Field(ge=0, le=MAX_BUFFER, strict=True)]] = []
    campaigns: list[Campaign] = []
    changeover: Dist | None = None
    products: Annotated[list[str], Field(min_length=1)] | None = None


class Product(Model):
    name: str
    lot_size: Annotated[int, Field(ge=1, le=MAX_LOT_SIZE, strict=True)]


class Calendar(Model):
    """A weekly shift pattern: shifts back to back from ``day_start_hour``."""

    shifts_per_day: Annotated[int, Field(ge=1, le=24)]
    hours_per_shift: Annotated[float, Field(gt=0, le=24)]
    days_per_week: Annotated[int, Field(ge=1, le=7)]
    weeks_per_year: Annotated[int, Field(ge=1, le=52)] = 52
    day_start_hour: Annotated[float, Field(ge=0, lt=24)] = 6.0

    @model_validator(mode="after")
    def _fits_in_day(self) -> Calendar:
        if self.day_start_hour + self.shifts_per_day * self.hours_per_shift > 24:
            raise ValueError("day_start_hour + shifts_per_day x hours_per_shift must be <= 24")
        return self


class RunBlock(Model):
    horizon: PositiveFloat = 100_000.0
    warmup: NonNegativeFloat = 0.0
    replications: Annotated[int, Field(ge=1, le=1_000_000, strict=True)] = 1
    seed: Annotated[int, Field(ge=0, lt=2**63, strict=True)] = 1


# The plant block (staging, range, quality, rework, storage, shipping) lives in
# plant_models; it needs Model and Dist from above, hence the late import.
from lotflow.scenario import plant_models  # noqa: E402

Plant = plant_models.Plant
RangeSpec = plant_models.RangeSpec
SamplingSpec = plant_models.SamplingSpec
TestTime = plant_models.TestTime


class Scenario(Model):
    name: str = "scenario"
    time_unit: Literal["s", "min", "h", "cycle"] = "cycle"
    run: RunBlock = RunBlock()
    calendar: Calendar | None = None
    products: list[Product] = []
    lines: list[Line] = []
    plant: Plant | None = None
