"""One replication of a scenario: lines (and plant, when there is one) -> flat metrics."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from lotflow.analysis.line_metrics import line_metrics
from lotflow.calendar import UNIT_PER_HOUR
from lotflow.engine.compiled import LineArrays, compile_line
from lotflow.engine.line_run import LineRun, Trace, spawn_generators
from lotflow.engine.lookahead import LookaheadLine
from lotflow.experiment.seeding import component_seeds, replication_seed
from lotflow.experiment.window import Window, make_window

if TYPE_CHECKING:
    from lotflow.scenario.models import Scenario

ACTIVE_TRACE_PERIODS = 20_000


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for any replication: plain, picklable data."""

    scenario: Scenario
    horizon: float
    warmup: float
    seed: int

    def window(self) -> Window:
        return make_window(self.scenario, self.horizon, self.warmup)

    def compiled_lines(self) -> list[LineArrays]:
        return [compile_line(line, self.scenario.products) for line in self.scenario.lines]


@dataclass
class ReplicationResult:
    """Flat metrics (path tuple -> value) of one replication, plus records.

    ``labels`` holds non-numeric verdicts (e.g. the bottleneck station of each
    line); ``lots`` the plant's lot records; ``series`` time series for reports.
    """

    index: int
    metrics: dict[tuple, float]
    labels: dict[tuple, str] = field(default_factory=dict)
    lots: list[dict] = field(default_factory=list)
    series: dict[str, Any] = field(default_factory=dict)


def run_replication(spec: RunSpec, index: int, line_threads: int = 1) -> ReplicationResult:
    """Simulate replication ``index`` of ``spec``; deterministic in (seed, index)."""
    scenario = spec.scenario
    window = spec.window()
    arrays = spec.compiled_lines()
    line_seeds, plant_seed = component_seeds(replication_seed(spec.seed, index), len(arrays))
    runs = [
        LineRun(
            a,
            spawn_generators(seed, a.n_streams),
            window.w0,
            window.w1,
            window.bin_width,
            Trace(active_periods=ACTIVE_TRACE_PERIODS),
        )
        for a, seed in zip(arrays, line_seeds, strict=True)
    ]
    result = ReplicationResult(index, {})
    plant = scenario.plant
    if plant is not None and has_plant_flow(scenario):
        from lotflow.plant.simulate import simulate_plant, simulate_standalone_range

        if runs:
            with ThreadPoolExecutor(max_workers=line_threads) as pool:
                driven = [LookaheadLine(run, pool) for run in runs] if line_threads > 1 else runs
                plant_raw = simulate_plant(
                    plant, scenario, driven, window.calendar, plant_seed, window.t0, window.t1
                )
                raws = [run.raw() for run in driven]
        else:
            plant_raw = simulate_standalone_range(plant.range, plant_seed, window.t0, window.t1)
        for key, value in plant_raw.metrics.items():
            result.metrics[("plant", *key.split("."))] = float(value)
        result.lots = plant_raw.lots
        result.series["plant"] = plant_raw.series
        if not runs:
            raws = []
    elif line_threads > 1 and len(runs) > 1:
        with ThreadPoolExecutor(max_workers=line_threads) as pool:
            raws = list(pool.map(LineRun.run, runs))
    else:
        raws = [run.run() for run in runs]
    per_hour = UNIT_PER_HOUR.get(scenario.time_unit)
    for raw, a in zip(raws, arrays, strict=True):
        metrics, verdicts = line_metrics(raw, a, window, per_hour)
        for key, value in metrics.items():
            result.metrics[("lines", a.name, *key)] = value
        result.labels[("lines", a.name, "bottleneck", "active_period")] = verdicts["active_period"]
        result.labels[("lines", a.name, "bottleneck", "blocked_starved")] = str(
            verdicts["blocked_starved"]
        )
        result.series.setdefault("output", {})[a.name] = raw.output_bins
        result.series.setdefault("wip_hist", {}).update(_wip_histograms(raw, a, window))
        if not result.lots:
            result.series.setdefault("line_lots", {})[a.name] = _lot_rows(raw.lots, a, window)
    return result


WIP_BUCKETS = 40


def wip_bucket_edges(capacity: int) -> np.ndarray:
    """Histogram edges for the parts between two stations (0 .. ``capacity + 1``:
    buffer slots plus the downstream station's work position), at most
    ``WIP_BUCKETS`` buckets of whole parts."""
    width = max(1, -(-(capacity + 2) // WIP_BUCKETS))
    return np.arange(0, capacity + 2 + width, width, dtype=float)


def _wip_histograms(raw, arrays: LineArrays, window: Window) -> dict[str, np.ndarray]:
    """Per buffer ``"line/b"``: fractions of the window's bin edges at which the WIP
    between station b and b+1 (``LineRaw.wip_between``) fell in each bucket."""
    edges_t = (np.arange(raw.departure_bins.shape[1]) + 1) * window.bin_width
    inside = (edges_t >= window.w0) & (edges_t <= window.w1 + window.bin_width)
    out = {}
    for b, capacity in enumerate(arrays.buffers):
        wip = raw.wip_between(b)[inside]
        counts, _ = np.histogram(wip, bins=wip_bucket_edges(int(capacity)))
        out[f"{arrays.name}/{b}"] = counts / max(len(wip), 1)
    return out


def has_plant_flow(scenario) -> bool:
    """A plant block with lines (lots flow to staging, storage, shipping) or a
    standalone range (lots arrive from outside)."""
    plant = scenario.plant
    if plant is None:
        return False
    return bool(scenario.lines) or plant.range is not None


def _lot_rows(lots: np.ndarray, arrays: LineArrays, window: Window) -> list[dict]:
    """Lots a line completed before the horizon (warm-up included), in wall time,
    when no plant model follows them."""
    to_wall = window.calendar.work_to_wall if window.calendar else (lambda t: t)
    rows = []
    for start, end, run in lots[lots[:, 1] < window.w1]:
        rows.append(
            {
                "line": arrays.name,
                "product": arrays.products[int(arrays.camp_product[int(run)])],
                "start": float(to_wall(start)),
                "end": float(to_wall(end)),
            }
        )
    return rows
