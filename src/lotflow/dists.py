"""Distributions: the eight kinds of model.md compiled to codes and parameter tables.

A distribution spec from a scenario is compiled to an integer ``kind`` and three
float parameters in the form the samplers need (e.g. lognormal ``mean, cv`` ->
``mu, sigma`` of the underlying normal). Every draw in lotflow, in the fast
engine, in the SimPy oracle and in the plant model, goes through
:func:`lotflow.draws.draw` on these codes, so two models fed the same streams
see the same numbers bit for bit. This module is plain Python (no numba).

Semantics (all values in the scenario's time unit):

- ``deterministic(mean)``: always ``mean``.
- ``exponential(mean)``.
- ``lognormal(mean, cv)``: sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2.
- ``gamma(mean, cv)``: shape = 1 / cv^2, scale = mean * cv^2.
- ``uniform(low, high)``, ``triangular(low, mode, high)``.
- ``geometric(mean)``: whole time units on {1, 2, ...}, success probability
  1 / mean (mean >= 1).
- ``empirical(values)``: one of the observed values, each equally likely
  (bootstrap resampling).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DETERMINISTIC, EXPONENTIAL, LOGNORMAL, GAMMA, UNIFORM, TRIANGULAR, GEOMETRIC, EMPIRICAL = range(8)

KIND_CODES: dict[str, int] = {
    "deterministic": DETERMINISTIC,
    "exponential": EXPONENTIAL,
    "lognormal": LOGNORMAL,
    "gamma": GAMMA,
    "uniform": UNIFORM,
    "triangular": TRIANGULAR,
    "geometric": GEOMETRIC,
    "empirical": EMPIRICAL,
}


@dataclass(frozen=True)
class CompiledDist:
    """A distribution as the samplers take it.

    ``params`` holds three floats whose meaning depends on ``kind`` (see the
    module docstring); for ``empirical`` they are (offset, count, 0) into the
    shared ``values`` table that :class:`DistTable` builds. ``mean`` is the
    distribution's mean in the scenario's time unit.
    """

    kind: int
    params: tuple[float, float, float]
    mean: float
    values: tuple[float, ...] = ()


def compile_dist(spec) -> CompiledDist:
    """Turn a scenario distribution spec (pydantic model) into sampler codes."""
    name = spec.dist
    kind = KIND_CODES[name]
    if kind == DETERMINISTIC:
        return CompiledDist(kind, (spec.mean, 0.0, 0.0), spec.mean)
    if kind == EXPONENTIAL:
        return CompiledDist(kind, (spec.mean, 0.0, 0.0), spec.mean)
    if kind == LOGNORMAL:
        sigma2 = math.log1p(spec.cv**2)
        return CompiledDist(
            kind, (math.log(spec.mean) - sigma2 / 2.0, math.sqrt(sigma2), 0.0), spec.mean
        )
    if kind == GAMMA:
        return CompiledDist(kind, (1.0 / spec.cv**2, spec.mean * spec.cv**2, 0.0), spec.mean)
    if kind == UNIFORM:
        return CompiledDist(kind, (spec.low, spec.high, 0.0), (spec.low + spec.high) / 2.0)
    if kind == TRIANGULAR:
        mean = (spec.low + spec.mode + spec.high) / 3.0
        return CompiledDist(kind, (spec.low, spec.mode, spec.high), mean)
    if kind == GEOMETRIC:
        return CompiledDist(kind, (1.0 / spec.mean, 0.0, 0.0), spec.mean)
    values = tuple(float(v) for v in spec.values)
    return CompiledDist(kind, (0.0, float(len(values)), 0.0), sum(values) / len(values), values)


class DistTable:
    """Collects compiled distributions into the flat arrays the engine takes.

    ``add`` returns the row index of a distribution; ``arrays()`` gives
    ``(kinds int64[n], params float64[n, 3], values float64[m])``.
    """

    def __init__(self) -> None:
        self._kinds: list[int] = []
        self._params: list[tuple[float, float, float]] = []
        self._values: list[float] = []

    def add(self, dist: CompiledDist) -> int:
        params = dist.params
        if dist.kind == EMPIRICAL:
            params = (float(len(self._values)), float(len(dist.values)), 0.0)
            self._values.extend(dist.values)
        self._kinds.append(dist.kind)
        self._params.append(params)
        return len(self._kinds) - 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        kinds = np.array(self._kinds, dtype=np.int64)
        params = np.array(self._params, dtype=np.float64).reshape(len(self._kinds), 3)
        values = np.array(self._values or [0.0], dtype=np.float64)
        return kinds, params, values
