"""Distributions: the eight kinds of model.md compiled to codes, and one sampler.

A distribution spec from a scenario is compiled to an integer ``kind`` and three
float parameters in the form the samplers need (e.g. lognormal ``mean, cv`` ->
``mu, sigma`` of the underlying normal). Every draw in lotflow, in the fast
engine, in the SimPy oracle and in the plant model, goes through
:func:`draw`, a numba function on a numpy ``Generator``, so two models fed the
same streams see the same numbers bit for bit.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numba
import numpy as np
from numba import types
from numba.core.extending import overload
from numba.np.random.distributions import (
    random_exponential,
    random_gamma,
    random_geometric,
    random_lognormal,
    random_triangular,
    random_uniform,
)
from numba.np.random.generator_core import next_double

import lotflow.streams  # noqa: F401  (registers the kernel streams' bit-generator calls)

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


def bits_of(source):
    """The bit generator behind ``source``: a numpy Generator's, or ``source``
    itself (a numpy BitGenerator or a kernel stream, :mod:`lotflow.streams`)."""
    return getattr(source, "bit_generator", source)


@overload(bits_of)
def _bits_of_compiled(source):
    if isinstance(source, types.NumPyRandomGeneratorType):
        return lambda source: source.bit_generator
    return lambda source: source


@numba.njit(cache=True)
def draw(source, kind, params, values):
    """One draw of the distribution ``(kind, params)`` from ``source``: a numpy
    Generator, its bit generator or a kernel stream. Numba's implementations of
    numpy's algorithms, so each gives the numbers ``Generator.exponential`` and
    the others would, bit for bit."""
    bits = bits_of(source)
    if kind == DETERMINISTIC:
        return params[0]
    if kind == EXPONENTIAL:
        return random_exponential(bits, params[0])
    if kind == LOGNORMAL:
        return random_lognormal(bits, params[0], params[1])
    if kind == GAMMA:
        return random_gamma(bits, params[0], params[1])
    if kind == UNIFORM:
        return random_uniform(bits, params[0], params[1] - params[0])
    if kind == TRIANGULAR:
        return random_triangular(bits, params[0], params[1], params[2])
    if kind == GEOMETRIC:
        return float(random_geometric(bits, params[0]))
    count = int(params[1])
    # A uniform index from next_double: numba's integers() allocates an array,
    # which the engine's kernel (compiled without reference counting) cannot.
    return values[int(params[0]) + min(int(next_double(bits) * count), count - 1)]


@numba.njit(cache=True)
def draw_geometric_count(source, p):
    """Number of trials up to and including the first success, on {1, 2, ...}."""
    return np.int64(random_geometric(bits_of(source), p))


def compiled_overload(dispatcher, args: tuple):
    """The code ``dispatcher`` (a numba function) compiled for the types of
    ``args``, callable directly: calling the dispatcher itself would type every
    argument at every call (a numpy Generator takes tens of microseconds).
    With the JIT disabled (``NUMBA_DISABLE_JIT=1``) it is the plain function."""
    if numba.config.DISABLE_JIT:
        return dispatcher
    return dispatcher.compile(tuple(numba.typeof(arg) for arg in args))


class Sampler:
    """A compiled distribution bound to one Generator: ``sampler()`` draws once.

    Every Sampler calls :func:`draw` with the same argument types, so the
    compiled code is looked up once (``_draw``, :func:`compiled_overload`)."""

    _draw: ClassVar[Callable[..., Any] | None] = None

    def __init__(self, dist: CompiledDist, rng: np.random.Generator) -> None:
        table = DistTable()
        table.add(dist)
        kinds, params, values = table.arrays()
        self._kind = int(kinds[0])
        self._params = params[0]
        self._values = values
        self._rng = rng
        self.mean = dist.mean

    def __call__(self) -> float:
        args = (self._rng, self._kind, self._params, self._values)
        if Sampler._draw is None:
            Sampler._draw = compiled_overload(draw, args)
        return float(Sampler._draw(*args))
