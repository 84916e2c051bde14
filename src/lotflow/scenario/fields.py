"""Building blocks shared by every scenario model: the immutable base model and
the bounded number types.

Every bound here keeps a value inside what the engine, the plant model and the
analytic formulas compute without overflow, division by zero or a run that
never ends. Durations are in the scenario's ``time_unit``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# A duration (a distribution's mean, bounds or values, a lead time, an order
# time) lies in [0, MAX_TIME]; a positive one is at least MIN_TIME. 1e12 time
# units are 31,700 years in seconds; 1e-9 keeps 1 / mean and mean^2 finite.
MAX_TIME = 1e12
MIN_TIME = 1e-9
# The run horizon may be longer than one duration (it is bounded by the number
# of parts it would simulate, see lotflow.scenario.budget).
MAX_HORIZON = 1e15
# Coefficients of variation (gamma, lognormal): gamma's shape is 1 / cv^2.
MIN_CV = 1e-6
MAX_CV = 10.0
# Counts the engine holds in int64 and in memory.
MAX_BUFFER = 10_000_000
MAX_LOT_SIZE = 10**12
MAX_LOTS = 1_000_000
MAX_COUNT = 1_000_000
MAX_QUANTITY = 10**15
MAX_REPLICATIONS = 1_000_000
MAX_SEED = 2**63 - 1
MAX_WORKERS = 1024


def at_least(smallest: float):
    """Positive values below ``smallest`` are too small to compute with (a validator,
    and the bound in the JSON Schema)."""

    def check(value: float) -> float:
        if value < smallest:
            raise ValueError(f"must be at least {smallest:g} (too small to compute with)")
        return value

    return AfterValidator(check), Field(json_schema_extra={"minimum": smallest})


# Numbers are strict: YAML's true/yes/on or a quoted "2" is an error, not 1 or 2.
TIME = "time_unit"
Duration = Annotated[
    float,
    Field(gt=0, le=MAX_TIME, allow_inf_nan=False, strict=True, description=TIME),
    *at_least(MIN_TIME),
]
NonNegativeDuration = Annotated[
    float, Field(ge=0, le=MAX_TIME, allow_inf_nan=False, strict=True, description=TIME)
]
Probability = Annotated[
    float, Field(ge=0, le=1, allow_inf_nan=False, strict=True, description="probability")
]
CoefficientOfVariation = Annotated[
    float,
    Field(
        gt=0, le=MAX_CV, allow_inf_nan=False, strict=True, description="standard deviation / mean"
    ),
    *at_least(MIN_CV),
]
# A positive rate (units per time unit) or size, finite and away from 0 and infinity.
PositiveFloat = Annotated[
    float, Field(gt=0, le=MAX_TIME, allow_inf_nan=False, strict=True), *at_least(1 / MAX_TIME)
]
Count = Annotated[int, Field(ge=1, le=MAX_COUNT, strict=True)]


def _printable(text: str) -> str:
    if not text.isprintable():
        raise ValueError("a name is printable text on one line (no tabs, newlines or escapes)")
    return text


MAX_NAME = 100
# A name (of a scenario, line, station, product): shown in tables and reports.
Name = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NAME, description="printable text"),
    AfterValidator(_printable),
]


class Model(BaseModel):
    """Base: immutable, unknown keys are errors.

    Validators are built when a model is first validated (``defer_build``),
    not when its class is defined: validating a scenario builds one validator
    for the whole tree, instead of one per model class at import (about 30 ms
    of every command's start)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
