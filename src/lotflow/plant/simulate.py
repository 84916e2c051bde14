"""Entry points of the plant model for the experiment layer.

Both return a :class:`PlantRaw`: flat window metrics whose keys are dotted
paths into the results' ``plant`` block, the lot records (wall time of the
scenario's unit) and small time series for reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lotflow.calendar import Calendar
from lotflow.plant.metrics import plant_metrics, server_metrics
from lotflow.plant.model import PlantModel
from lotflow.plant.spec import PlantSpec, compile_plant, compile_standalone
from lotflow.plant.standalone import StandaloneRange


@dataclass
class PlantRaw:
    """What one replication of the plant produced.

    ``metrics``: e.g. ``"lots.completed"``, ``"range.wait"``,
    ``"backpressure.L1"`` (see docs/plant.md for the full list);
    ``lots``: one record per lot (:meth:`lotflow.plant.lots.Lot.record`);
    ``series``: equally spaced samples over [0, t1) (key ``"t"`` holds the times).
    """

    metrics: dict[str, float]
    lots: list[dict] = field(default_factory=list)
    series: dict[str, list] = field(default_factory=dict)


def simulate_plant(
    plant,
    scenario,
    line_runs: list,
    calendar: Calendar | None,
    seed: np.random.SeedSequence,
    t0: float,
    t1: float,
) -> PlantRaw:
    """Simulate lines and plant together over wall time [0, t1); statistics over [t0, t1).

    Args:
        plant: the scenario's ``plant`` block (pydantic) or a compiled :class:`PlantSpec`.
        scenario: the scenario (for its products).
        line_runs: fresh :class:`~lotflow.engine.line_run.LineRun` objects, one per
            line; they are run to the end of their window here (gated by the
            plant's backpressure), so ``run.raw()`` is complete afterwards.
        calendar: the shift calendar (None: working time = wall time).
        seed: the plant's seed sequence; one stream per random source is spawned.
        t0, t1: the observation window in wall time (warm-up end, horizon).
    """
    spec = plant if isinstance(plant, PlantSpec) else compile_plant(plant, scenario)
    model = PlantModel(spec, line_runs, calendar, seed, t0, t1)
    model.run()
    return PlantRaw(
        metrics=plant_metrics(model),
        lots=[lot.record() for lot in model.lots],
        series=model.series,
    )


def simulate_standalone_range(
    range_spec, seed: np.random.SeedSequence, t0: float, t1: float
) -> PlantRaw:
    """Simulate a range fed by its arrival process over [0, t1); statistics over [t0, t1).

    ``range_spec`` is the scenario's ``plant.range`` (with ``arrivals`` and one
    ``test_time`` distribution). Lot records are kept for the first 10,000 lots.
    """
    model = StandaloneRange(compile_standalone(range_spec), seed, t0, t1)
    model.run()
    metrics: dict[str, float] = {"lots.completed": model.arrived, "lots.tested": model.tested}
    metrics.update(server_metrics("range", model.range))
    return PlantRaw({k: float(v) for k, v in metrics.items()}, model.records, {})
