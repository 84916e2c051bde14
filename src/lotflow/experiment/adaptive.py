"""One scenario run whose warm-up (MSER-5) or replication count (precision) is found as it goes.

Order of work: pilot replications with no warm-up -> warm-up by MSER-5
(:mod:`lotflow.experiment.warmup`) -> the requested replications at that
warm-up -> more replications while the precision target is missed
(:mod:`lotflow.experiment.precision`). When MSER-5 keeps everything (warm-up
0) the pilots are exactly the first replications and are reused.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from lotflow.experiment import precision as prec
from lotflow.experiment.replication import ReplicationResult, RunSpec
from lotflow.experiment.runner import build_results, resolve_options, run_replications
from lotflow.experiment.warmup import (
    PILOT_REPLICATIONS,
    check_auto_warmup,
    choose_warmup,
    pilot_spec,
)
from lotflow.results import Results


def run_adaptive(
    scenario,
    seed: int | None,
    replications: int | None,
    horizon: float | None,
    warmup: float | str | None,
    workers: int,
    on_done: Callable[[ReplicationResult], None] | None,
    precision: float | None,
    max_replications: int,
    on_plan: Callable[[int, str], None] | None,
) -> Results:
    """See :func:`lotflow.experiment.api.run` (``warmup="auto"`` / ``precision``)."""
    auto = warmup == "auto"
    seed, replications, horizon, warmup = resolve_options(
        scenario, seed, replications, horizon, None if auto else warmup
    )
    if precision is not None:
        prec.check_cap(replications, max_replications)
        replications = max(replications, prec.MIN_REPLICATIONS)
    plan = on_plan or (lambda n, what: None)
    started = time.perf_counter()
    done: dict[int, ReplicationResult] = {}
    choice = None
    if auto:
        check_auto_warmup(scenario, horizon)
        pilot = pilot_spec(scenario, horizon, seed)
        plan(PILOT_REPLICATIONS, "pilot replications (warm-up)")
        pilots = run_replications(pilot, list(range(PILOT_REPLICATIONS)), workers, on_done)
        choice = choose_warmup(pilot, pilots)
        warmup = choice.warmup
        if warmup == 0.0:
            done = {r.index: r for r in pilots}
    spec = RunSpec(scenario, horizon, warmup, seed)
    target = replications
    while True:
        missing = [i for i in range(target) if i not in done]
        if missing:
            plan(len(missing), "replications")
            done.update((r.index, r) for r in run_replications(spec, missing, workers, on_done))
        reps = [done[i] for i in range(target)]
        if precision is None:
            break
        wanted = prec.next_count(reps, precision, max_replications)
        if wanted == target:
            break
        target = wanted
    results = build_results(spec, reps, time.perf_counter() - started)
    extra = {}
    if choice is not None:
        extra = {"warmup_method": choice.method, "warmup_detail": choice.detail}
    if precision is not None:
        extra["precision"] = prec.report(reps, precision, max_replications)
    results.data = _after(results.data, "warmup", extra)
    return results


def _after(data: dict, key: str, extra: dict) -> dict:
    """``data`` with ``extra``'s items inserted right after ``key``."""
    out = {}
    for k, v in data.items():
        out[k] = v
        if k == key:
            out.update(extra)
    return out
