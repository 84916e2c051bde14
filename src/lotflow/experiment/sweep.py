"""Sweeps: the grid of ``--set`` values, run into a store with common random numbers.

Every point runs replications ``0 .. R-1`` of the same master seed, so
replication ``r`` sees the same random streams at every point (common random
numbers): differences between points are then paired and sharp. A record is
stored as soon as its replication finishes; a sweep started again on the same
store runs only the records that are missing.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lotflow.experiment import precision as prec
from lotflow.experiment.backends import Task
from lotflow.experiment.paths import apply_assignment, parse_assignment, parse_path
from lotflow.experiment.replication import ReplicationResult, RunSpec
from lotflow.experiment.runner import resolve_options
from lotflow.experiment.store import Store, point_key, warmup_key
from lotflow.experiment.warmup import (
    METHOD,
    PILOT_REPLICATIONS,
    check_auto_warmup,
    choose_warmup,
    pilot_spec,
)
from lotflow.scenario import ScenarioError, scenario_from_dict
from lotflow.scenario.yaml_reader import read_yaml_file

FILE_KEYS = ("set", "replications", "seed", "horizon", "warmup", "precision", "max_replications")


@dataclass(frozen=True)
class Point:
    """One combination of ``--set`` values and the validated scenario it gives."""

    assignments: tuple[tuple[str, Any], ...]
    scenario: Any

    @property
    def label(self) -> str:
        return " ".join(f"{path}={value}" for path, value in self.assignments) or "(base)"


@dataclass
class SweepOptions:
    """Run options of a sweep; ``None`` leaves the scenario's ``run`` block value."""

    sets: list[tuple[str, list]] = field(default_factory=list)
    replications: int | None = None
    seed: int | None = None
    horizon: float | None = None
    warmup: float | str | None = None
    precision: float | None = None
    max_replications: int = 200


def load_sweep_file(path: str | Path) -> SweepOptions:
    """A sweep file: ``set:`` (a mapping of field path to a list of values) and,
    optionally, ``replications``, ``seed``, ``horizon``, ``warmup`` (a number or
    ``auto``), ``precision`` (e.g. ``1%``) and ``max_replications``."""
    file = str(path)
    data = read_yaml_file(path)  # bounded and safe like a scenario file
    if not isinstance(data, dict):
        raise ScenarioError("a sweep file is a mapping with a `set:` block", file=file)
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise ScenarioError(f"unknown keys {unknown}; allowed: {', '.join(FILE_KEYS)}", file=file)
    sets = data.get("set") or {}
    if not isinstance(sets, dict):
        raise ScenarioError("must map field paths to lists of values", file=file, path="set")
    options = SweepOptions()
    for key, values in sets.items():
        try:
            parse_path(str(key))
        except ScenarioError as exc:
            raise ScenarioError(exc.message, file=file, path=f"set.{key}") from None
        options.sets.append((str(key), values if isinstance(values, list) else [values]))
    for key in ("replications", "seed", "max_replications"):
        if key in data:
            setattr(options, key, _typed(data[key], int, file, key))
    if "horizon" in data:
        options.horizon = _typed(data["horizon"], float, file, "horizon")
    if "warmup" in data:
        warm = data["warmup"]
        options.warmup = "auto" if warm == "auto" else _typed(warm, float, file, "warmup")
    if data.get("precision") is not None:
        try:
            options.precision = prec.parse_precision(data["precision"])
        except ScenarioError as exc:
            raise ScenarioError(exc.message, file=file, path="precision") from None
    return options


def _typed(value, kind, file: str, key: str):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"must be a number (got {value!r})", file=file, path=key)
    if kind is int and value != int(value):
        raise ScenarioError(f"must be a whole number (got {value!r})", file=file, path=key)
    return kind(value)


def parse_sets(options: list[str]) -> list[tuple[str, list]]:
    """``--set`` options as (path, values) pairs."""
    return [parse_assignment(option) for option in options]


def build_points(base, options: SweepOptions) -> list[Point]:
    """Validate every point of the grid before anything runs.

    The run options (``--horizon`` ...) are written into the scenario's ``run``
    block first, so a ``--set run.horizon=...`` grid still overrides them.
    """
    seen = [path for path, _ in options.sets]
    for path in seen:
        if seen.count(path) > 1:
            raise ScenarioError(f"--set {path}: given twice; list all its values in one --set")
        if not options.sets[seen.index(path)][1]:
            raise ScenarioError(f"--set {path}: no values")
    data = base.model_dump(mode="json")
    for key in ("replications", "seed", "horizon"):
        if getattr(options, key) is not None:
            data["run"][key] = getattr(options, key)
    if options.warmup is not None and options.warmup != "auto":
        data["run"]["warmup"] = options.warmup
    points = []
    for values in itertools.product(*(vals for _, vals in options.sets)):
        assignments = tuple(zip(seen, values, strict=True))
        point = data
        for path, value in assignments:
            point = apply_assignment(point, path, value)
        try:
            scenario = scenario_from_dict(point)
        except ScenarioError as exc:
            made = " ".join(f"{p}={v!r}" for p, v in assignments)
            raise ScenarioError(
                f"{exc.message} (at the sweep point {made})", path=exc.path
            ) from None
        points.append(Point(assignments, scenario))
    return points


@dataclass
class PointRun:
    """A point ready to run: its spec and store key."""

    point: Point
    spec: RunSpec
    key: str
    replications: int
    warmup_method: str = "given"
    ran: int = 0  # records this sweep ran (others may run the rest of a shared store)


Progress = Callable[[int, str], None]


def run_sweep(
    points: list[Point],
    store: Store,
    backend,
    options: SweepOptions,
    on_plan: Progress | None = None,
    on_done: Callable[[], None] | None = None,
) -> list[PointRun]:
    """Run every missing record of the sweep into ``store``; returns the points run.

    ``on_plan(n, what)`` announces ``n`` more replications, ``on_done()`` one
    finished. Warm-up decisions (``warmup: auto``) and precision steps depend
    only on stored results, so a restarted sweep takes the same decisions.
    """
    plan = on_plan or (lambda n, what: None)
    tick = on_done or (lambda: None)
    auto = options.warmup == "auto"
    settings = [
        resolve_options(p.scenario) for p in points
    ]  # (seed, replications, horizon, warmup)
    if options.precision is not None:
        for _, reps, _, _ in settings:
            prec.check_cap(reps, options.max_replications)
    warmups: dict[int, tuple[float, list[ReplicationResult]]] = {}
    if auto:
        warmups = _choose_warmups(points, settings, store, backend, plan, tick)
    runs = _register_points(points, settings, warmups, store, options)
    active = list(runs)
    while active:
        missing = [
            (run, index)
            for run in active
            for index in sorted(set(range(run.replications)) - store.done(run.key))
        ]
        if missing:
            plan(len(missing), "records")
            run_claimed(missing, store, backend, tick)
        if options.precision is None:
            break
        active = _more_for_precision(active, store, options.precision, options.max_replications)
    return runs


def _register_points(
    points: list[Point],
    settings: list[tuple[int, int, float, float]],
    warmups: dict[int, tuple[float, list[ReplicationResult]]],
    store: Store,
    options: SweepOptions,
) -> list[PointRun]:
    """Each point's run (its warm-up, given or chosen), added to the store; the
    pilot replications at warm-up 0 of an MSER-5 choice are stored as the
    point's own first replications."""
    auto = options.warmup == "auto"
    runs = []
    for i, (point, (seed, reps, horizon, warmup)) in enumerate(zip(points, settings, strict=True)):
        method = "given"
        if auto:
            warmup, method = warmups[i][0], METHOD
        spec = RunSpec(point.scenario, horizon, warmup, seed)
        key = point_key(point.scenario, horizon, warmup, seed)
        store.add_point(key, list(point.assignments), point.scenario, horizon, warmup, seed, method)
        if options.precision is not None:
            reps = max(reps, prec.MIN_REPLICATIONS)
        runs.append(PointRun(point, spec, key, reps, method))
        if auto:
            for result in warmups[i][1]:
                if warmup == 0.0 and result.index < reps:
                    store.put(key, result)
    return runs


def _more_for_precision(
    active: list[PointRun], store: Store, precision: float, max_replications: int
) -> list[PointRun]:
    """The runs whose stored replications miss the ``precision`` target, each
    with its replication count raised to the next step."""
    still = []
    for run in active:
        stored = store.records(run.key, list(range(run.replications)))
        wanted = prec.next_count(stored, precision, max_replications)
        if wanted > run.replications:
            run.replications = wanted
            still.append(run)
    return still


CLAIM_POLL_S = 0.5  # how often to look again while other sweeps hold every missing record


def run_claimed(missing: list, store: Store, backend, tick: Callable[[], None]) -> None:
    """Run the ``(PointRun, index)`` records in ``missing`` until all are stored.

    Records are claimed in small batches (:meth:`Store.claim`), so sweeps
    started at once on one store share the work; records another sweep holds
    are waited for (``tick`` counts them too when they arrive).
    """
    batch = 2 * max(1, getattr(backend, "workers", None) or 1)
    runs = {run.key: run for run, _ in missing}
    order = [(run.key, index) for run, index in missing]
    pending, mine = set(order), set()

    def done(task: Task, result: ReplicationResult) -> None:
        store.put(task.tag, result)
        mine.add((task.tag, task.index))
        runs[task.tag].ran += 1
        tick()

    while pending:
        got = store.claim([item for item in order if item in pending], batch)
        if got:
            backend.run([Task(runs[key].spec, index, tag=key) for key, index in got], done)
        else:
            time.sleep(CLAIM_POLL_S)
        stored = {(key, i) for key in runs for i in store.done(key)}
        for _ in (pending & stored) - mine:  # finished by another sweep
            tick()
        pending -= stored


def _choose_warmups(points, settings, store, backend, plan, tick):
    """MSER-5 warm-up per point, from stored decisions or from pilot replications."""
    out: dict[int, tuple[float, list]] = {}
    pending: dict[int, tuple[str, RunSpec]] = {}
    for i, (point, (seed, _, horizon, _)) in enumerate(zip(points, settings, strict=True)):
        check_auto_warmup(point.scenario, horizon)
        key = warmup_key(point.scenario, horizon, seed, METHOD, PILOT_REPLICATIONS)
        known = store.warmup(key)
        if known is not None:
            out[i] = (known[0], [])
        else:
            pending[i] = (key, pilot_spec(point.scenario, horizon, seed))
    tasks = [
        Task(spec, index, tag=i, series=True)
        for i, (_, spec) in pending.items()
        for index in range(PILOT_REPLICATIONS)
    ]
    if tasks:
        plan(len(tasks), "pilot replications (warm-up)")
        pilots: dict[int, list] = {i: [] for i in pending}
        backend.run(tasks, lambda task, result: (pilots[task.tag].append(result), tick()))
        for i, (key, spec) in pending.items():
            choice = choose_warmup(spec, pilots[i])
            store.put_warmup(key, choice.warmup, choice.detail)
            for result in pilots[i]:
                result.series = {}
            out[i] = (choice.warmup, pilots[i])
    return out


def store_summary(store: Store, all_metrics: bool = False) -> list[dict]:
    """One row per (point, metric) of a store: the point's settings, the number of
    replications stored, and the metric's mean and 95 % half-width over them.

    Headline metrics only (paths of at most three items) unless ``all_metrics``.
    """
    from lotflow.analysis.statistics import summarize
    from lotflow.experiment.aggregate import HEADLINE_DEPTH

    paths = swept_paths(store)
    rows = []
    for p in store.points():
        reps = store.records(p.key)
        if not reps:
            continue
        settings = dict(p.assignments)
        head = {"point": p.ordinal, "key": p.key[:12]}
        head.update({path: settings.get(path) for path in paths})
        head.update(
            {
                "horizon": p.horizon,
                "warmup": p.warmup,
                "warmup_method": p.warmup_method,
                "seed": p.seed,
                "replications": len(reps),
            }
        )
        for key in reps[0].metrics:
            if not all_metrics and len(key) > HEADLINE_DEPTH:
                continue
            values = [r.metrics.get(key, float("nan")) for r in reps]
            summary = summarize(values) if all(v == v for v in values) else None
            rows.append(
                {
                    **head,
                    "metric": ".".join(map(str, key)),
                    "mean": summary["mean"] if summary else float("nan"),
                    "ci95": summary["ci95"] if summary else float("nan"),
                }
            )
    return rows


def swept_paths(store: Store) -> list[str]:
    """The ``--set`` paths of every point of a store, in first-seen order."""
    paths: list[str] = []
    for p in store.points():
        paths += [path for path, _ in p.assignments if path not in paths]
    return paths
