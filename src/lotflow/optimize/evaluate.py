"""Simulating candidates: replications into the results store, with common random numbers.

Every candidate runs replications ``0 .. R-1`` of one master seed (the seeding
of :mod:`lotflow.experiment.seeding`), so replication ``r`` of every candidate
sees the same luck and the differences between candidates are paired. Records
go to a :class:`~lotflow.experiment.store.Store` as soon as they come back
from the backend; a record already stored (a resumed run) is read, never run
again. What a candidate scores depends only on its records, hence only on the
seed, never on the worker count or on interruptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lotflow.analysis.statistics import summarize
from lotflow.experiment.backends import Task
from lotflow.experiment.replication import RunSpec
from lotflow.experiment.store import Store, point_key
from lotflow.optimize.space import Candidate, Space, screen
from lotflow.scenario import ScenarioError

SIMULATED, INFEASIBLE, SCREENED, INVALID = "simulated", "infeasible", "screened", "invalid"


def metric_key(metric: str) -> tuple:
    """``"lines.L1.buffers.0.mean_level"`` -> ``("lines", "L1", "buffers", 0, "mean_level")``."""
    return tuple(int(p) if p.isdigit() else p for p in metric.split("."))


@dataclass
class Evaluation:
    """A candidate and what is known of it: ``status`` says whether it was
    simulated or rejected before (``infeasible``: linear constraints;
    ``screened``: analytic bound; ``invalid``: the scenario does not validate).
    ``samples[metric]`` holds per-replication values by replication index."""

    candidate: Candidate
    cost: float
    status: str
    reason: str = ""
    key: str | None = None
    samples: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        return self.status == SIMULATED

    def mean(self, metric: str) -> float:
        return float(np.mean(self.samples[metric]))

    def summary(self, metric: str) -> dict:
        """Mean, 95 % half-width and replications of ``metric``."""
        s = summarize(list(self.samples[metric]))
        return {"mean": s["mean"], "ci95": s["ci95"], "replications": len(self.samples[metric])}


class Evaluator:
    """Runs candidates of ``space`` on ``backend`` into ``store``.

    ``metrics`` are the results paths the spec reads; ``on_replication()`` is
    called for each replication that finishes now (not for stored ones).
    """

    def __init__(
        self,
        space: Space,
        store: Store,
        backend,
        horizon: float,
        warmup: float,
        metrics: list[str],
        on_replication: Callable[[], None] | None = None,
        on_plan: Callable[[int], None] | None = None,
    ):
        self.space = space
        self.store = store
        self.backend = backend
        self.horizon = horizon
        self.warmup = warmup
        self.metrics = metrics
        self.on_replication = on_replication or (lambda: None)
        self.on_plan = on_plan or (lambda n: None)
        self.run_now = 0
        self._scenarios: dict[Candidate, object] = {}

    def prepare(self, candidate: Candidate) -> Evaluation:
        """Constraints, validation and the analytic screen: no simulation."""
        cost = self.space.cost(candidate)
        if not self.space.feasible(candidate):
            return Evaluation(candidate, cost, INFEASIBLE, "linear constraints")
        try:
            scenario = self._scenario(candidate)
        except ScenarioError as exc:
            return Evaluation(candidate, cost, INVALID, exc.message)
        why = screen(scenario, self.space.spec, self.horizon, self.warmup)
        if why is not None:
            return Evaluation(candidate, cost, SCREENED, why)
        return Evaluation(candidate, cost, SIMULATED)

    def _scenario(self, candidate: Candidate):
        if candidate not in self._scenarios:
            self._scenarios[candidate] = self.space.scenario(candidate)
        return self._scenarios[candidate]

    def simulate(self, evaluations: list[Evaluation], replications: int, seed: int) -> None:
        """Give each (simulated-status) evaluation replications ``0 .. replications-1``
        of ``seed``: the missing ones run on the backend, all are read back."""
        plans = []
        for ev in evaluations:
            scenario = self._scenario(ev.candidate)
            key = point_key(scenario, self.horizon, self.warmup, seed)
            self.store.add_point(
                key, list(ev.candidate.values), scenario, self.horizon, self.warmup, seed, "given"
            )
            plans.append((ev, key, RunSpec(scenario, self.horizon, self.warmup, seed)))
        tasks = []
        for _, key, spec in plans:
            done = self.store.done(key)
            missing = [i for i in range(replications) if i not in done]
            tasks += [Task(spec, i, tag=key) for i in missing]
        if tasks:
            self.on_plan(len(tasks))
            self.backend.run(tasks, self._keep)
        for ev, key, _ in plans:
            ev.samples = self._read(key, replications)
            ev.key = key

    def _keep(self, task: Task, result) -> None:
        self.store.put(task.tag, result)
        self.run_now += 1
        self.on_replication()

    def _read(self, key: str, replications: int) -> dict[str, np.ndarray]:
        records = self.store.records(key, list(range(replications)))
        out = {}
        for metric in self.metrics:
            path = metric_key(metric)
            if path not in records[0].metrics:
                raise self.space.spec.error(
                    f"no metric {metric!r} in the results (metric paths are the results "
                    "JSON keys with dots, e.g. lines.L1.throughput, plant.units.accepted)",
                    self.space.spec.metric_fields()[metric],
                )
            out[metric] = np.array([r.metrics[path] for r in records], dtype=float)
        return out
