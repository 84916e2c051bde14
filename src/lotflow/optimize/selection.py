"""The final choice: ranking and selection among the search's best, then an honest
re-estimate of the chosen candidate on fresh replications.

Metric objective: the procedure KN of Kim & Nelson (2001), fully sequential,
valid under common random numbers (it works on the variances of paired
differences). The ``top`` best feasible candidates of the search start with
their ``n0`` search replications; replications are added ``step`` at a time
to the survivors; candidate ``i`` is eliminated at stage ``r`` when its mean
falls below another's by more than ``W_il(r) = max(0, delta/(2r) (h^2 S_il^2 /
delta^2 - r))``, with ``h^2 = (n0-1) ((2 alpha/(k-1))^(-2/(n0-1)) - 1)``.
It stops when one survives (the best is *separated*), when ``r`` passes every
``h^2 S_il^2 / delta^2`` (the survivors lie within the indifference zone
``delta`` of each other: the best mean is taken), or at ``max_replications``.
With probability at least ``1 - alpha`` the chosen candidate is within
``delta`` of the best of the ``top``.

Cost objective: the candidates that may meet the requirements (by the mean of
the search) are checked cheapest first; replications are added until every
requirement's one-sided bound at its confidence is met (chosen), or one of
them is violated with that confidence (dropped), or ``max_replications`` is
reached (undecided: the mean lies within the indifference zone of the bound).

The reported estimate of the chosen candidate comes from ``confirm`` fresh
replications with an independent master seed: selecting the maximum of
noisy estimates biases it upwards, fresh replications do not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lotflow.optimize.evaluate import Evaluation, Evaluator
from lotflow.optimize.search import requirement_slack, score
from lotflow.optimize.spec import Spec, one_sided_t

FRESH_STREAM = 0x5EED  # spawn key that derives the fresh master seed from the search seed


def fresh_seed(seed: int) -> int:
    """An independent master seed for the re-estimate, fixed by ``seed``."""
    return int(np.random.SeedSequence([seed, FRESH_STREAM]).generate_state(1)[0])


@dataclass
class Choice:
    """The selected evaluation and how it was selected."""

    best: Evaluation | None
    procedure: str
    info: dict = field(default_factory=dict)


def select(
    spec: Spec, evaluator: Evaluator, evaluations: list[Evaluation], n0: int, seed: int
) -> Choice:
    """The final choice among the simulated ``evaluations`` (see the module docstring)."""
    if spec.model.objective.is_cost:
        return _cheapest_feasible(spec, evaluator, evaluations, n0, seed)
    return _kn(spec, evaluator, evaluations, n0, seed)


def _kn(spec: Spec, evaluator: Evaluator, evaluations: list[Evaluation], n0: int, seed: int):
    sel = spec.model.selection
    pool = [
        ev
        for ev in evaluations
        if not spec.model.requirements or max(requirement_slack(spec, ev)) <= 0
    ]
    if not pool:
        return Choice(None, "KN", {"reason": "no candidate meets the requirements by its mean"})
    pool.sort(key=lambda ev: -score(spec, ev))  # stable: ties keep search order
    top = pool[: sel.top]
    metric = spec.model.objective.metric
    sense = spec.model.objective.sense
    delta = sel.indifference_for(top[0].mean(metric))
    alpha = 1.0 - sel.confidence
    k = len(top)
    info: dict[str, Any] = {
        "indifference": delta,
        "confidence": sel.confidence,
        "candidates": k,
        "initial_replications": n0,
    }
    if k == 1:
        return Choice(top[0], "KN", {**info, "separated": True, "stages": 0})
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    h2 = 2.0 * eta * (n0 - 1)
    first = np.array([sense * ev.samples[metric][:n0] for ev in top])
    diffs = first[:, None, :] - first[None, :, :]
    s2 = diffs.var(axis=2, ddof=1)
    n_max = math.floor(h2 * s2.max() / delta**2) if s2.max() > 0 else 0
    alive = list(range(k))
    r = n0
    stages = 0
    while len(alive) > 1 and r <= n_max and r < sel.max_replications:
        r = min(r + sel.step, sel.max_replications)
        evaluator.simulate([top[i] for i in alive], r, seed)
        stages += 1
        means = {i: sense * float(np.mean(top[i].samples[metric][:r])) for i in alive}
        keep = []
        for i in alive:
            w = [
                max(0.0, delta / (2 * r) * (h2 * s2[i, j] / delta**2 - r)) for j in alive if j != i
            ]
            others = [means[j] for j in alive if j != i]
            if all(means[i] >= m - wij for m, wij in zip(others, w, strict=True)):
                keep.append(i)
        alive = keep or alive
    means = {i: sense * float(np.mean(top[i].samples[metric])) for i in alive}
    best = max(alive, key=lambda i: (means[i], -i))
    separated = len(alive) == 1
    info.update(
        {
            "separated": separated,
            "within_indifference": not separated and r > n_max,
            "stages": stages,
            "h2": h2,
            "survivors": [top[i].candidate.as_dict() for i in alive],
            "replications": {top[i].candidate.label: len(top[i].samples[metric]) for i in alive},
        }
    )
    return Choice(top[best], "KN", info)


def _cheapest_feasible(
    spec: Spec, evaluator: Evaluator, evaluations: list[Evaluation], n0: int, seed: int
):
    sel = spec.model.selection
    deltas = [
        sel.indifference_for(req.bound) if req.bound else sel.indifference_for(1.0)
        for req in spec.model.requirements
    ]
    plausible = [
        ev
        for ev in evaluations
        if all(s <= d for s, d in zip(requirement_slack(spec, ev), deltas, strict=True))
    ]
    plausible.sort(key=lambda ev: ev.cost)
    checked: list[dict] = []
    info: dict[str, Any] = {
        "indifference": {r.metric: d for r, d in zip(spec.model.requirements, deltas, strict=True)},
        "checked": checked,
    }
    for ev in plausible:
        r = len(next(iter(ev.samples.values())))
        while True:
            low = requirement_slack(spec, ev, confidence=True)
            high = _upper_slack(spec, ev)
            verdict = "feasible" if max(low) <= 0 else "infeasible" if max(high) > 0 else ""
            if verdict or r >= sel.max_replications:
                break
            r = min(r + sel.step, sel.max_replications)
            evaluator.simulate([ev], r, seed)
        checked.append(
            {"values": ev.candidate.as_dict(), "cost": ev.cost, "replications": r,
             "verdict": verdict or "undecided (within the indifference zone)"}
        )  # fmt: skip
        if verdict == "feasible":
            return Choice(ev, "sequential feasibility", info)
    info["reason"] = "no candidate met the requirements with their confidence"
    return Choice(None, "sequential feasibility", info)


def _upper_slack(spec: Spec, ev: Evaluation) -> list[float]:
    """Like :func:`requirement_slack` with the bound on the favourable side: > 0
    means the requirement fails with its confidence."""
    out = []
    for req in spec.model.requirements:
        values = ev.samples[req.metric]
        n = len(values)
        half = one_sided_t(req.confidence, n - 1) * float(np.std(values, ddof=1)) / math.sqrt(n)
        out.append(req.sense * (req.bound - float(np.mean(values))) - half)
    return out


def confirm(spec: Spec, evaluator: Evaluator, best: Evaluation, seed: int) -> dict:
    """Fresh replications of ``best`` (independent seed): its objective and
    requirements as reported in ``best.json``."""
    fresh = Evaluation(best.candidate, best.cost, best.status)
    replications = spec.model.selection.confirm
    evaluator.simulate([fresh], replications, fresh_seed(seed))
    objective = spec.model.objective
    if objective.is_cost:
        estimate = {"metric": "cost", "mean": best.cost, "ci95": 0.0}
    else:
        estimate = {"metric": objective.metric, **fresh.summary(objective.metric)}
    requirements = []
    slack = requirement_slack(spec, fresh, confidence=True) if spec.model.requirements else []
    for req, s in zip(spec.model.requirements, slack, strict=True):
        values = fresh.samples[req.metric]
        side = "at_least" if req.at_least is not None else "at_most"
        n = len(values)
        half = one_sided_t(req.confidence, n - 1) * float(np.std(values, ddof=1)) / math.sqrt(n)
        requirements.append(
            {
                "metric": req.metric,
                side: req.bound,
                "confidence": req.confidence,
                **fresh.summary(req.metric),
                "one_sided_bound": float(np.mean(values)) - req.sense * half,
                "met": bool(s <= 0),
            }
        )
    return {
        "objective": estimate,
        "requirements": requirements,
        "seed": fresh_seed(seed),
        "replications": replications,
    }
