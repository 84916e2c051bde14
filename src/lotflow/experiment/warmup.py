"""``--warmup auto``: the warm-up chosen by MSER-5 on pilot replications' output.

Pilot replications are replications ``0 .. PILOT_REPLICATIONS-1`` of the run
with no warm-up (the same seeds the real replications use). For each line,
the good output per working-time bin (``spec.window().bin_width``: an hour
when the time unit is a time), averaged over the pilots, goes through MSER-5
(:func:`lotflow.analysis.statistics.mser5`); the warm-up is the largest
truncation over the lines, converted to wall-clock time through the calendar.
Only complete bins inside the horizon are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lotflow.analysis.statistics import mser5
from lotflow.experiment.replication import ReplicationResult, RunSpec
from lotflow.scenario.errors import ScenarioError

METHOD = "mser5"
PILOT_REPLICATIONS = 5
MIN_BINS = 20


@dataclass(frozen=True)
class WarmupChoice:
    """The chosen warm-up (wall-clock, scenario time unit) and how it was found."""

    warmup: float
    method: str = METHOD
    detail: dict = field(default_factory=dict)


def pilot_spec(scenario, horizon: float, seed: int) -> RunSpec:
    """The run spec of the pilot replications: no warm-up."""
    return RunSpec(scenario, horizon, 0.0, seed)


def check_auto_warmup(scenario, horizon: float) -> None:
    """Fail early (as invalid input) when MSER-5 cannot work on this scenario."""
    if not scenario.lines:
        raise ScenarioError(
            "--warmup auto needs at least one line (MSER-5 runs on the lines' output "
            "over time); give a number instead",
            path="run.warmup",
        )
    window = pilot_spec(scenario, horizon, 0).window()
    bins = math.floor(window.w1 / window.bin_width)
    if bins < MIN_BINS:
        raise ScenarioError(
            f"--warmup auto needs a horizon of at least {MIN_BINS} output bins of "
            f"{window.bin_width:g} working time, got {bins}",
            path="run.horizon",
        )


def choose_warmup(spec: RunSpec, pilots: list[ReplicationResult]) -> WarmupChoice:
    """MSER-5 warm-up from pilot replications of ``spec`` (run with ``series``)."""
    window = spec.window()
    width = window.bin_width
    bins = math.floor(window.w1 / width + 1e-9)
    ordered = sorted(pilots, key=lambda r: r.index)
    lines: dict[str, dict] = {}
    cut = 0
    for name in ordered[0].series["output"]:
        series = np.mean([np.asarray(r.series["output"][name])[:bins] for r in ordered], axis=0)
        found = mser5(series)
        lines[name] = {
            "truncation_bins": found.truncation_index,
            "at_boundary": found.at_boundary,
            "truncated_mean": found.truncated_mean,
        }
        cut = max(cut, found.truncation_index)
    working = cut * width
    if working == 0.0:
        warmup = 0.0
    elif window.calendar is not None:
        warmup = float(window.calendar.work_to_wall(working))
    else:
        warmup = float(working)
    detail = {
        "pilot_replications": [r.index for r in ordered],
        "bin_width": width,
        "bins": bins,
        "truncation_bins": cut,
        "warmup_working_time": working,
        "lines": lines,
    }
    return WarmupChoice(warmup, METHOD, detail)
