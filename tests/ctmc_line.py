"""Exact throughput of a serial line with exponential stations and finite buffers,
blocking after service (BAS), from its continuous-time Markov chain.

The test oracle of ``tests/test_optimize*.py``: independent of lotflow. A state
is (station states, buffer levels). A station is idle (0, starved), working (1)
or blocked (2: holding a finished part because the next buffer is full and the
next station is busy). The first station is never starved, the last never
blocked. Buffer ``i`` holds at most ``buffers[i]`` parts between stations
``i`` and ``i + 1``. Throughput = rate of the last station x P(it works).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import spsolve

IDLE, WORKING, BLOCKED = 0, 1, 2


def _pull(stations: list[int], levels: list[int], i: int) -> None:
    """Station ``i`` is free: it takes its next part (from outside, its buffer, or
    a blocked predecessor), and what that frees upstream moves on in turn."""
    while True:
        if i == 0:
            stations[0] = WORKING
            return
        if levels[i - 1] > 0:
            levels[i - 1] -= 1
            stations[i] = WORKING
            if stations[i - 1] != BLOCKED:
                return
            levels[i - 1] += 1  # the blocked part moves into the freed slot
        elif stations[i - 1] == BLOCKED:  # zero slots: the part passes directly
            stations[i] = WORKING
        else:
            stations[i] = IDLE
            return
        i -= 1


def _complete(state: tuple, i: int, buffers: list[int]) -> tuple:
    """The state after station ``i`` (working) finishes its part."""
    n = len(buffers) + 1
    stations, levels = list(state[:n]), list(state[n:])
    last = i == n - 1
    if not last:
        if stations[i + 1] == IDLE:
            stations[i + 1] = WORKING
        elif levels[i] < buffers[i]:
            levels[i] += 1
        else:
            stations[i] = BLOCKED
            return (*stations, *levels)
    _pull(stations, levels, i)
    return (*stations, *levels)


def throughput(rates: list[float], buffers: list[int]) -> float:
    """Exact long-run parts per time unit of the line (``rates`` = 1 / mean process time)."""
    n = len(rates)
    assert len(buffers) == n - 1
    start = (WORKING, *([IDLE] * (n - 1)), *([0] * (n - 1)))
    index = {start: 0}
    frontier = [start]
    rows, cols, vals = [], [], []
    while frontier:
        state = frontier.pop()
        for i in range(n):
            if state[i] != WORKING:
                continue
            nxt = _complete(state, i, buffers)
            if nxt not in index:
                index[nxt] = len(index)
                frontier.append(nxt)
            rows.append(index[state])
            cols.append(index[nxt])
            vals.append(rates[i])
    size = len(index)
    q = coo_matrix((vals, (rows, cols)), shape=(size, size)).tocsr()
    q = q - coo_matrix((np.asarray(q.sum(axis=1)).ravel(), (range(size), range(size))))
    a = q.T.tolil()
    a[0, :] = 1.0  # replace one balance equation by the normalisation
    b = np.zeros(size)
    b[0] = 1.0
    pi = spsolve(a.tocsc(), b)
    working_last = np.array([s[n - 1] == WORKING for s in sorted(index, key=index.get)])
    return float(rates[-1] * pi[working_last].sum())


def two_station_closed_form(mu1: float, mu2: float, slots: int) -> float:
    """Two exponential stations and ``slots`` buffer places: a birth-death chain
    on the parts past station 1 (0 .. slots + 2), rates mu1 up and mu2 down."""
    k = slots + 2
    rho = mu1 / mu2
    if abs(rho - 1.0) < 1e-12:
        return mu2 * k / (k + 1)
    return mu2 * (1.0 - (1.0 - rho) / (1.0 - rho ** (k + 1)))
