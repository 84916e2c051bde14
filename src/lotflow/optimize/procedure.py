"""One optimization from start to ``best.json``: search, selection, fresh re-estimate.

The document returned (written as ``best.json``) is described in
docs/optimize.md. Everything in it except the ``run`` block (wall time,
replications run now or found in the store) depends only on the scenario, the
spec and the seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from lotflow.experiment.runner import resolve_options
from lotflow.optimize.evaluate import SIMULATED, Evaluation, Evaluator
from lotflow.optimize.search import Search, SearchResult, requirement_slack, score
from lotflow.optimize.selection import confirm, select
from lotflow.optimize.space import Space
from lotflow.optimize.spec import Spec


@dataclass
class Progress:
    """Callbacks for a screen: ``plan(n)`` more replications, ``done()`` one
    finished, ``status(text)`` the state of the search in one line."""

    plan: Callable[[int], None] = lambda n: None
    done: Callable[[], None] = lambda: None
    status: Callable[[str], None] = lambda text: None


def optimize(scenario, spec: Spec, store, backend, seed: int | None = None, progress=None) -> dict:
    """Optimize ``spec`` on ``scenario``, replications on ``backend`` into ``store``."""
    progress = progress or Progress()
    started = time.perf_counter()
    space = Space(spec, scenario)
    run_seed, run_reps, horizon, warmup = resolve_options(scenario)
    if seed is None:
        seed = spec.model.seed if spec.model.seed is not None else run_seed
    replications = spec.model.replications or max(run_reps, 2)
    evaluator = Evaluator(
        space, store, backend, horizon, warmup, spec.metrics(), progress.done, progress.plan
    )

    def on_evaluated(result: SearchResult) -> None:
        best = _best_so_far(spec, result.evaluations)
        budget = spec.model.budget
        of = f"/{budget.evaluations}" if budget.evaluations else ""
        text = f"{len(result.evaluations)}{of} evaluated"
        if best is not None:
            text += f"; best so far {_describe(spec, best)}"
        if budget.seconds is not None:
            left = max(0.0, budget.seconds - (time.perf_counter() - started))
            text += f"; {left:.0f} s left"
        progress.status(text)

    search = Search(spec, space, evaluator, replications, seed, on_evaluated).run()
    progress.status(f"selection among the best ({search.method} search: {search.stopped})")
    choice = select(spec, evaluator, search.evaluations, replications, seed)
    best = None
    if choice.best is not None:
        progress.status("fresh replications of the chosen candidate")
        checked = confirm(spec, evaluator, choice.best, seed)
        best = {
            "values": choice.best.candidate.as_dict(),
            "objective": checked["objective"],
            "cost": choice.best.cost,
            "requirements": checked["requirements"],
            "search_estimate": _estimate(spec, choice.best),
        }
        confirmation = {k: checked[k] for k in ("seed", "replications")}
    else:
        confirmation = None
    return {
        "scenario": scenario.name,
        "spec": spec.file,
        "seed": seed,
        "objective": spec.model.objective.model_dump(exclude_none=True),
        "best": best,
        "selection": {"procedure": choice.procedure, **choice.info},
        "confirmation": confirmation,
        "search": _search_block(search, replications, spec),
        "evaluated": len(search.evaluations),
        "front": front(spec, search.evaluations),
        "history": history(spec, search.evaluations),
        "run": {
            "wall_s": round(time.perf_counter() - started, 3),
            "replications_run": evaluator.run_now,
            "records_in_store": store.count(),
        },
    }


def _search_block(search: SearchResult, replications: int, spec: Spec) -> dict:
    rejected = {"infeasible": 0, "screened": 0, "invalid": 0}
    for ev in search.rejected:
        rejected[ev.status] += 1
    return {
        "method": search.method,
        "stopped": search.stopped,
        "space_size": search.space_size,
        "replications": replications,
        "batch": spec.model.batch,
        "rejected": rejected,
        "screened": [
            {"values": ev.candidate.as_dict(), "reason": ev.reason}
            for ev in search.rejected
            if ev.status == "screened"
        ],
    }


def front_metric(spec: Spec) -> str | None:
    """The metric plotted against cost: the objective's, or the first requirement's."""
    objective = spec.model.objective
    if not objective.is_cost:
        return objective.metric
    return spec.model.requirements[0].metric if spec.model.requirements else None


def _estimate(spec: Spec, ev: Evaluation) -> dict | None:
    """Mean and 95 % half-width of the front metric over the candidate's search and
    selection replications (biased upwards for the chosen one)."""
    metric = front_metric(spec)
    if metric is None:
        return None
    return {"metric": metric, **ev.summary(metric)}


def front(spec: Spec, evaluations: list[Evaluation]) -> list[dict]:
    """Candidates no other beats on both cost (lower) and the front metric (better)."""
    metric = front_metric(spec)
    if metric is None:
        return []
    objective = spec.model.objective
    sense = spec.model.requirements[0].sense if objective.is_cost else objective.sense
    points = [(ev.cost, sense * ev.mean(metric), ev) for ev in evaluations if ev.simulated]
    out: list[tuple[float, float, Evaluation]] = []
    for cost, value, ev in sorted(points, key=lambda p: (p[0], -p[1])):
        if out and value <= out[-1][1]:
            continue
        out.append((cost, value, ev))
    return [
        {"values": ev.candidate.as_dict(), "objective": _estimate(spec, ev), "cost": cost}
        for cost, _, ev in out
    ]


def history(spec: Spec, evaluations: list[Evaluation]) -> list[dict]:
    """Every evaluation in search order, with the best score so far (convergence)."""
    out = []
    best = None
    for ev in evaluations:
        feasible = _feasible(spec, ev)
        if feasible and (best is None or score(spec, ev) > score(spec, best)):
            best = ev
        metric = front_metric(spec)
        out.append(
            {
                "values": ev.candidate.as_dict(),
                "cost": ev.cost,
                "value": None if metric is None else ev.mean(metric),
                "feasible": feasible,
                "best_so_far": None if best is None else _value(spec, best),
            }
        )
    return out


def _feasible(spec: Spec, ev: Evaluation) -> bool:
    return ev.status == SIMULATED and (
        not spec.model.requirements or max(requirement_slack(spec, ev)) <= 0
    )


def _best_so_far(spec: Spec, evaluations: list[Evaluation]) -> Evaluation | None:
    feasible = [ev for ev in evaluations if _feasible(spec, ev)]
    return max(feasible, key=lambda ev: score(spec, ev)) if feasible else None


def _value(spec: Spec, ev: Evaluation) -> float:
    objective = spec.model.objective
    return ev.cost if objective.is_cost else ev.mean(objective.metric)


def _describe(spec: Spec, ev: Evaluation) -> str:
    objective = spec.model.objective
    what = f"cost {ev.cost:,.6g}" if objective.is_cost else f"{ev.mean(objective.metric):.6g}"
    return f"{what} at {ev.candidate.label}"
