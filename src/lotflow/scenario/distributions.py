"""The eight distribution kinds of model.md as scenario models (``dist: <kind>``).

Every parameter is bounded (:mod:`lotflow.scenario.fields`) so that
:func:`lotflow.dists.compile_dist` and the analytic formulas never meet a value
they cannot compute with. Values are in the scenario's ``time_unit``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from lotflow.scenario.fields import (
    MAX_TIME,
    CoefficientOfVariation,
    Duration,
    Model,
    NonNegativeDuration,
)

MAX_EMPIRICAL_VALUES = 10_000


class Deterministic(Model):
    """Always ``mean``."""

    dist: Literal["deterministic"]
    mean: Duration


class Exponential(Model):
    """Exponential with mean ``mean``."""

    dist: Literal["exponential"]
    mean: Duration


class Lognormal(Model):
    """Lognormal with mean ``mean`` and coefficient of variation ``cv``."""

    dist: Literal["lognormal"]
    mean: Duration
    cv: CoefficientOfVariation


class Gamma(Model):
    """Gamma with mean ``mean`` and coefficient of variation ``cv`` (shape 1 / cv^2)."""

    dist: Literal["gamma"]
    mean: Duration
    cv: CoefficientOfVariation


class Uniform(Model):
    """Uniform on [``low``, ``high``]."""

    dist: Literal["uniform"]
    low: NonNegativeDuration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError("needs low < high")
        return self


class Triangular(Model):
    """Triangular on [``low``, ``high``] with mode ``mode``."""

    dist: Literal["triangular"]
    low: NonNegativeDuration
    mode: NonNegativeDuration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError("needs low <= mode <= high and low < high")
        return self


class Geometric(Model):
    """Whole time units on {1, 2, ...} with mean ``mean`` (>= 1)."""

    dist: Literal["geometric"]
    mean: Annotated[float, Field(ge=1, le=MAX_TIME, allow_inf_nan=False, strict=True)]


class Empirical(Model):
    """One of the observed ``values``, each equally likely."""

    dist: Literal["empirical"]
    values: Annotated[
        list[NonNegativeDuration], Field(min_length=1, max_length=MAX_EMPIRICAL_VALUES)
    ]

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


def dist_mean(spec) -> float:
    """The mean of a distribution model, in the scenario's time unit."""
    if isinstance(spec, Uniform):
        return (spec.low + spec.high) / 2.0
    if isinstance(spec, Triangular):
        return (spec.low + spec.mode + spec.high) / 3.0
    if isinstance(spec, Empirical):
        return sum(spec.values) / len(spec.values)
    return spec.mean
