"""Distributions bound to a numpy Generator, for the plant's Python processes.

:class:`Sampler` draws one value per call; :class:`BufferedSampler` yields
exactly the values that successive calls of a Sampler on the same Generator
would, but fills a block of them per call into compiled code, which spreads
the cost of a call into compiled code (a few microseconds) over the block,
for high-volume sources (the standalone range). Both go through
:func:`lotflow.draws.fill` (entry point ``fill`` of :mod:`lotflow.native`)
on the Generator's stream handle, so they see the numbers the Generator
itself would give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lotflow.dists import CompiledDist, DistTable
from lotflow.native import entry
from lotflow.streams import stream_handles

BLOCK = 4096


class BufferedSampler:
    """A compiled distribution bound to one Generator; ``sampler()`` gives the
    next value, drawn ``block`` at a time."""

    def __init__(self, dist: CompiledDist, rng: np.random.Generator, block: int = BLOCK) -> None:
        table = DistTable()
        table.add(dist)
        kinds, params, values = table.arrays()
        self._rng = rng  # outlives its handle
        # the arguments of the compiled fill
        self.args = (stream_handles([rng]), int(kinds[0]), params[0], values, np.empty(block))
        self._fill: Callable[..., Any] | None = None
        self._items: list[float] = []
        self._next = 0
        self.mean = dist.mean

    def __call__(self) -> float:
        if self._next == len(self._items):
            if self._fill is None:
                self._fill = entry("fill", self.args)
            self._fill(*self.args)
            self._items = self.args[-1].tolist()
            self._next = 0
        value = self._items[self._next]
        self._next += 1
        return value


class Sampler(BufferedSampler):
    """A compiled distribution bound to one Generator: ``sampler()`` draws once
    (the Generator's state moves by exactly one draw per call)."""

    def __init__(self, dist: CompiledDist, rng: np.random.Generator) -> None:
        super().__init__(dist, rng, block=1)
