"""Analytic capacity of the lines of a scenario, without simulating.

For each line, in good parts per time unit of *working* time (the lines live
in working time, model.md):

``ideal``
    The nameplate: ``1 / c_b`` with ``c_b`` the largest mean processing time
    (the ideal bottleneck). No failures, no scrap, no changeovers.
``availability``
    Each station alone, with its isolated efficiency ``e_i``: busy-time
    failures ``e = MTTF / (MTTF + MTTR)`` (MTTF in busy time); per-cycle
    failures ``e = r / (r + p)`` with ``r = c_i / MTTR`` (repair probability
    per cycle of the station). Rate ``min_i e_i / c_i``: an upper bound that
    ignores blocking and starvation.
``flow``
    The line with its buffers, in the discrete per-cycle model of Gershwin
    (1994, ch. 3): one time step = the bottleneck cycle ``T = c_b``; station
    ``i`` fails with probability ``p_i`` per part it begins and is repaired
    with probability ``r_i = T / MTTR_i`` per step. Busy-time failures map to
    ``p_i = c_i / MTTF_i`` (the expected failures per part: a part costs
    ``c_i`` of busy time); per-cycle failures keep their ``p_i``. Buffers keep
    their slot counts (``N = B + 2``). Two stations: Gershwin's exact
    two-machine line (:func:`~lotflow.analysis.flowline.throughput_two_machine_deterministic`),
    exact for unit deterministic cycles, per-cycle failures and geometric
    repairs; longer lines: the DDX decomposition
    (:func:`~lotflow.analysis.flowline.decomposition`). Approximations: every
    station runs at the bottleneck's pace (faster stations' spare speed, which
    refills buffers sooner, is ignored, so the estimate errs low), busy-time
    failures (any distribution) and non-geometric repairs become geometric
    ones with the same means.

Every estimate's ``rate`` is scaled to good parts by the line's scrap yield
``prod_i (1 - q_i)`` and, for lines with changeovers, by the time the
changeovers of one campaign cycle take (``good_rate``); ``per_year`` scales
``good_rate`` by the working time of a year (the calendar's, or 8,760 h when
the scenario has no calendar; ``None`` when the time unit is ``cycle``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from lotflow.analysis.flowline import (
    decomposition,
    isolated_efficiency_busy_time,
    throughput_two_machine_deterministic,
)
from lotflow.calendar import HOURS_PER_YEAR, UNIT_PER_HOUR, build_calendar
from lotflow.dists import compile_dist

RELIABLE_P = 1e-9  # stands in for p = 0 in the decomposition, which needs 0 < p < 1


@dataclass(frozen=True)
class StationCapacity:
    """One station: mean cycle, isolated efficiency and its discrete-model ``p``, ``r``."""

    name: str
    cycle: float
    efficiency: float
    failure: str  # "none" | "busy_time" | "per_cycle"
    scrap: float
    p: float
    r: float


@dataclass(frozen=True)
class Estimate:
    """Parts per time unit of working time; ``per_year`` good parts a year."""

    rate: float
    good_rate: float
    per_year: float | None
    method: str
    exact: bool = False


@dataclass(frozen=True)
class LineCapacity:
    name: str
    stations: list[StationCapacity]
    bottleneck: str
    step: float
    scrap_yield: float
    changeover_per_cycle: float
    parts_per_cycle: float
    ideal: Estimate
    availability: Estimate
    flow: Estimate
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Capacity:
    """Analytic capacity of every line; ``working_per_year`` in the time unit."""

    scenario: str
    time_unit: str
    working_hours_per_year: float | None
    working_per_year: float | None
    lines: list[LineCapacity]

    @property
    def nameplate(self) -> float | None:
        """Parts a year of all lines at their ideal rate (no scrap, no changeovers)."""
        if self.working_per_year is None:
            return None
        return float(sum(line.ideal.rate for line in self.lines) * self.working_per_year)

    def plant(self, estimate: str) -> float | None:
        """Good parts a year of all lines for ``ideal``/``availability``/``flow``."""
        values = [getattr(line, estimate).per_year for line in self.lines]
        return None if not values or None in values else float(sum(values))

    def to_dict(self) -> dict:
        out = asdict(self)
        out["plant"] = {k: self.plant(k) for k in ("ideal", "availability", "flow")}
        out["plant"]["nameplate"] = self.nameplate
        return out


def working_per_year(scenario) -> tuple[float | None, float | None]:
    """(working hours a year, the same in the time unit); ``(None, None)`` for ``cycle``."""
    unit = UNIT_PER_HOUR.get(scenario.time_unit)
    if unit is None:
        return None, None
    if scenario.calendar is None:
        return HOURS_PER_YEAR, HOURS_PER_YEAR * unit
    work = build_calendar(scenario.calendar, scenario.time_unit).working_per_period
    return work / unit, work


def line_capacity(line, products, per_year: float | None) -> LineCapacity:
    """Capacity of one scenario line (see the module docstring)."""
    cycles = [compile_dist(s.process).mean for s in line.stations]
    b = int(np.argmax(cycles))
    step = cycles[b]
    stations = [_station(s, c, step) for s, c in zip(line.stations, cycles, strict=True)]
    scrap_yield = math.prod(1.0 - s.scrap for s in line.stations)
    setup, parts = _changeovers(line, products)
    notes: list[str] = []

    def estimate(rate: float, method: str, exact: bool = False) -> Estimate:
        good = rate * scrap_yield
        if setup > 0 and parts > 0:
            good = good / (1.0 + good * setup / parts)
        return Estimate(rate, good, None if per_year is None else good * per_year, method, exact)

    ideal = estimate(1.0 / step, "bottleneck cycle")
    avail = estimate(min(s.efficiency / s.cycle for s in stations), "isolated efficiency")
    flow = estimate(*_flow(line, stations, step, notes))
    if setup > 0:
        notes.append("changeovers: run-empty and refill time ignored, only the changeover time")
    return LineCapacity(
        line.name, stations, stations[b].name, step, scrap_yield, setup, parts,
        ideal, avail, flow, notes,
    )  # fmt: skip


def capacity(scenario) -> Capacity:
    """Analytic capacity of every line of ``scenario`` (no simulation)."""
    hours, work = working_per_year(scenario)
    lines = [line_capacity(line, scenario.products, work) for line in scenario.lines]
    return Capacity(scenario.name, scenario.time_unit, hours, work, lines)


def _station(station, cycle: float, step: float) -> StationCapacity:
    failure = station.failure
    if failure is None or failure.per_cycle == 0:
        return StationCapacity(station.name, cycle, 1.0, "none", station.scrap, 0.0, 1.0)
    mttr = compile_dist(station.repair).mean
    r = min(step / mttr, 1.0)
    if failure.per_cycle is not None:
        p = float(failure.per_cycle)
        eff = 1.0 / (1.0 + p * mttr / cycle)  # r / (r + p) with r = cycle / MTTR
        return StationCapacity(station.name, cycle, eff, "per_cycle", station.scrap, p, r)
    mttf = compile_dist(failure.busy_time).mean
    eff = isolated_efficiency_busy_time(mttf, mttr)
    return StationCapacity(station.name, cycle, eff, "busy_time", station.scrap, cycle / mttf, r)


def _changeovers(line, products) -> tuple[float, float]:
    """(changeover time, good parts) of one cycle through the line's campaigns."""
    if not line.campaigns or line.changeover is None:
        return 0.0, 0.0
    runs: list[list] = []
    for campaign in line.campaigns:
        if runs and runs[-1][0] == campaign.product:
            runs[-1][1] += campaign.lots
        else:
            runs.append([campaign.product, campaign.lots])
    if len(runs) > 1 and runs[0][0] == runs[-1][0]:
        runs[0][1] += runs.pop()[1]
    if len(runs) < 2:
        return 0.0, 0.0
    size = {p.name: p.lot_size for p in products}
    parts = sum(lots * size[product] for product, lots in runs)
    return len(runs) * compile_dist(line.changeover).mean, float(parts)


def _flow(line, stations: list[StationCapacity], step: float, notes: list[str]):
    """(rate, method, exact) of the line with its buffers in the discrete model."""
    if len(stations) == 1:
        s = stations[0]
        return s.efficiency / s.cycle, "single station", True
    if all(s.failure == "none" for s in stations):
        return 1.0 / step, "reliable stations: bottleneck cycle", True
    p = [min(s.p, 1.0 - 1e-9) for s in stations]
    r = [s.r for s in stations]
    unequal = len({s.cycle for s in stations}) > 1
    if any(s.r >= 1.0 for s in stations if s.failure != "none"):
        notes.append("a mean repair of at most one bottleneck cycle is modelled as one step")
    if unequal:
        notes.append(
            "stations faster than the bottleneck are modelled at its pace (estimate errs low)"
        )
    try:
        if len(stations) == 2:
            buffer = int(line.buffers[0])
            rate = throughput_two_machine_deterministic(p[0], r[0], p[1], r[1], buffer)
            return rate / step, "Gershwin two-machine line", _exact_two(line, stations, step)
        result = decomposition([max(x, RELIABLE_P) for x in p], r, [int(b) for b in line.buffers])
    except (ValueError, ZeroDivisionError, OverflowError):
        # Extreme failure parameters (a failure at nearly every cycle, repairs of
        # astronomic length) leave the formulas' domain: say so, give the bound.
        notes.append("decomposition not applicable to these failures; isolated efficiency shown")
        return min(s.efficiency / s.cycle for s in stations), "isolated efficiency", False
    if not result.converged:
        notes.append("decomposition did not converge; its last iterate is shown")
    return result.throughput / step, "DDX decomposition", False


def _exact_two(line, stations: list[StationCapacity], step: float) -> bool:
    """Gershwin's two-machine formula is exact for the simulator's model here."""
    unit_cycles = all(s.process.dist == "deterministic" for s in line.stations) and all(
        st.cycle == step for st in stations
    )
    geometric = all(s.repair is None or s.repair.dist == "geometric" for s in line.stations)
    per_cycle = all(st.failure in ("none", "per_cycle") for st in stations)
    plain = all(st.scrap == 0 for st in stations) and not _has_changeover(line)
    return unit_cycles and step == 1.0 and geometric and per_cycle and plain


def _has_changeover(line) -> bool:
    return line.changeover is not None and len({c.product for c in line.campaigns}) > 1
