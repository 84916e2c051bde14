"""The search: which candidates to simulate, in batches of a fixed size.

Three modes (docs/decisions.md says why):

``enumerate``
    When every candidate meeting the linear constraints fits in the budget of
    evaluations, all are simulated (cost objective: cheapest first, stopping
    once a candidate meets every requirement with its confidence, since no
    costlier one can be the answer).
``tpe``
    A metric objective on a larger space: Optuna's TPE sampler (multivariate,
    seeded) through ask-and-tell. Requirements are Optuna constraints (the
    mean's distance to the bound). Candidates breaking a linear constraint,
    screened by the analytic bound or invalid are told without simulation;
    proposals already evaluated are told their known value and cost no
    evaluation. After half the budget, the neighbours of the incumbent (one
    step up or down of a variable, or a step moved between two variables) are
    enqueued as trials, so the end of the search polishes the best region.
``nsga2``
    Cost against a requirement's metric: Optuna's NSGA-II (seeded), the same
    way, which spreads evaluations along the cost/metric front.

A batch of ``batch`` proposals is asked, its new candidates simulated
together (in parallel), then told in the order asked: the proposals depend
on the seed and the batch size only, never on the number of workers.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lotflow.optimize.evaluate import SIMULATED, Evaluation, Evaluator
from lotflow.optimize.space import Candidate, Space
from lotflow.optimize.spec import Spec, one_sided_t

MAX_PROPOSALS_PER_EVALUATION = 50  # an Optuna search stops after this many idle proposals
POLISH_SHARE = 0.5  # share of the evaluation budget before neighbours are enqueued


@dataclass
class SearchResult:
    """Everything evaluated (in order) and how."""

    method: str
    evaluations: list[Evaluation] = field(default_factory=list)
    rejected: list[Evaluation] = field(default_factory=list)
    space_size: int = 0
    stopped: str = ""


def requirement_slack(spec: Spec, ev: Evaluation, confidence: bool = False) -> list[float]:
    """Per requirement, how far the mean (or, with ``confidence``, its one-sided
    bound) is on the wrong side of the bound: <= 0 means met."""
    out = []
    for req in spec.model.requirements:
        values = ev.samples[req.metric]
        mean = float(np.mean(values))
        if confidence:
            n = len(values)
            half = one_sided_t(req.confidence, n - 1) * float(np.std(values, ddof=1)) / np.sqrt(n)
            mean -= req.sense * half
        out.append(req.sense * (req.bound - mean))
    return out


def score(spec: Spec, ev: Evaluation) -> float:
    """The value the search maximizes: the objective metric's mean (sign-adjusted),
    or minus the cost."""
    objective = spec.model.objective
    if objective.is_cost:
        return -ev.cost
    return objective.sense * ev.mean(objective.metric)


class Search:
    """Runs one search of ``spec`` over ``space`` with ``evaluator``."""

    def __init__(
        self,
        spec: Spec,
        space: Space,
        evaluator: Evaluator,
        replications: int,
        seed: int,
        on_evaluated: Callable[[SearchResult], None] | None = None,
    ):
        self.spec = spec
        self.space = space
        self.evaluator = evaluator
        self.replications = replications
        self.seed = seed
        self.on_evaluated = on_evaluated or (lambda result: None)
        budget = spec.model.budget
        self.max_evaluations = budget.evaluations
        self.deadline = None if budget.seconds is None else time.monotonic() + budget.seconds
        self.known: dict[Candidate, Evaluation] = {}

    # -- budget -------------------------------------------------------------------------
    def _left(self, result: SearchResult) -> int | None:
        if self.max_evaluations is None:
            return None
        return self.max_evaluations - len(result.evaluations)

    def _over(self, result: SearchResult) -> str:
        left = self._left(result)
        if left is not None and left <= 0:
            return "evaluation budget used"
        deadline = self.deadline
        if deadline is not None and result.evaluations and time.monotonic() >= deadline:
            return "time budget used"  # (after at least one batch)
        return ""

    # -- running ------------------------------------------------------------------------
    def run(self) -> SearchResult:
        candidates = self._small_space()
        if candidates is not None:
            return self._enumerate(candidates)
        return self._optuna()

    def _small_space(self) -> list[Candidate] | None:
        """All candidates meeting the constraints, when they fit the evaluation budget."""
        if not self.spec.model.exhaustive or self.max_evaluations is None:
            return None
        out = []
        for candidate in self.space.enumerate():
            out.append(candidate)
            if len(out) > self.max_evaluations:
                return None
        return out

    def _evaluate(
        self, result: SearchResult, candidates: list[Candidate]
    ) -> dict[Candidate, Evaluation]:
        """Prepare and simulate new candidates (up to the budget left); known ones are
        reused. Candidates over the budget are left out of the answer."""
        fresh: list[Evaluation] = []
        out: dict[Candidate, Evaluation] = {}
        for candidate in candidates:
            ev = self.known.get(candidate)
            if ev is None:
                ev = self.evaluator.prepare(candidate)
                self.known[candidate] = ev
                if ev.status == SIMULATED:
                    left = self._left(result)
                    if left is not None and len(fresh) >= left:
                        self.known.pop(candidate)
                        continue
                    fresh.append(ev)
                else:
                    result.rejected.append(ev)
            out[candidate] = ev
        if fresh:
            self.evaluator.simulate(fresh, self.replications, self.seed)
            result.evaluations += fresh
            self.on_evaluated(result)
        return out

    def _enumerate(self, candidates: list[Candidate]) -> SearchResult:
        result = SearchResult("enumerate", space_size=len(candidates))
        is_cost = self.spec.model.objective.is_cost
        if is_cost:
            candidates = sorted(candidates, key=self.space.cost)  # stable: ties keep order
        batch = self.spec.model.batch
        for start in range(0, len(candidates), batch):
            result.stopped = self._over(result)
            if result.stopped:
                return result
            self._evaluate(result, candidates[start : start + batch])
            if is_cost and any(
                max(requirement_slack(self.spec, ev, confidence=True)) <= 0
                for ev in result.evaluations
            ):
                result.stopped = "a candidate meets the requirements; costlier ones cannot win"
                return result
        result.stopped = "every candidate evaluated"
        return result

    def _optuna(self) -> SearchResult:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
        spec = self.spec
        is_cost = spec.model.objective.is_cost

        def constraints(trial) -> list[float]:
            return trial.user_attrs["constraints"]

        sampler: optuna.samplers.BaseSampler
        if is_cost:
            sampler = optuna.samplers.NSGAIISampler(
                population_size=max(spec.model.batch, 4), seed=self.seed,
                constraints_func=constraints,
            )  # fmt: skip
            study = optuna.create_study(directions=["minimize", "maximize"], sampler=sampler)
            method = "nsga2"
        else:
            sampler = optuna.samplers.TPESampler(
                seed=self.seed, multivariate=True, constraints_func=constraints,
                n_startup_trials=max(10, spec.model.batch),
            )  # fmt: skip
            study = optuna.create_study(direction="maximize", sampler=sampler)
            method = "tpe"
        result = SearchResult(method, space_size=self.space.size())
        idle = 0
        polished: set[Candidate] = set()
        while not (stop := self._over(result)):
            if method == "tpe":
                self._polish(study, result, polished)
            trials = [study.ask() for _ in range(spec.model.batch)]
            candidates = [self._suggest(trial) for trial in trials]
            before = len(result.evaluations)
            told = self._evaluate(result, candidates)
            for trial, candidate in zip(trials, candidates, strict=True):
                ev = told.get(candidate)
                if ev is None:  # over the budget: never simulated
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    continue
                self._tell(study, trial, ev, is_cost)
            idle = 0 if len(result.evaluations) > before else idle + len(trials)
            if idle >= MAX_PROPOSALS_PER_EVALUATION:
                stop = "the sampler proposes nothing new"
                break
        result.stopped = stop
        return result

    def _suggest(self, trial) -> Candidate:
        values = {}
        for name, var in self.spec.variables.items():
            if var.integers is not None:
                lo, hi = var.integers
                values[name] = trial.suggest_int(name, lo, hi, step=var.step)
            else:
                options = var.values
                index = trial.suggest_categorical(name, list(range(len(options))))
                values[name] = options[index]
        return self.space.candidate(values)

    def _tell(self, study, trial, ev: Evaluation, is_cost: bool) -> None:
        """Tell Optuna a candidate's value; rejected ones get a violated constraint."""
        n_req = len(self.spec.model.requirements)
        if ev.status != SIMULATED:
            trial.set_user_attr("constraints", [1.0] * (n_req + 1))
            worst = self._worst(study, is_cost)
            study.tell(trial, worst)
            return
        slack = requirement_slack(self.spec, ev) if n_req else []
        trial.set_user_attr("constraints", [*slack, 0.0])
        if is_cost:
            req = self.spec.model.requirements[0]
            study.tell(trial, [ev.cost, req.sense * ev.mean(req.metric)])
        else:
            study.tell(trial, score(self.spec, ev))

    def _worst(self, study, is_cost: bool):
        """The worst values told so far (what a rejected candidate is told)."""
        from optuna.trial import TrialState

        done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        values = [t.values for t in done]
        if not values:
            return [0.0, 0.0] if is_cost else 0.0
        if is_cost:
            return [max(v[0] for v in values), min(v[1] for v in values)]
        return min(v[0] for v in values)

    def _polish(self, study, result: SearchResult, polished: set[Candidate]) -> None:
        """After ``POLISH_SHARE`` of the budget, enqueue the unevaluated neighbours of
        the incumbent (once per incumbent)."""
        budget = self.max_evaluations
        if budget is None or len(result.evaluations) < POLISH_SHARE * budget:
            return
        feasible = [
            ev
            for ev in result.evaluations
            if not self.spec.model.requirements or max(requirement_slack(self.spec, ev)) <= 0
        ]
        if not feasible:
            return
        best = max(feasible, key=lambda ev: score(self.spec, ev))
        if best.candidate in polished:
            return
        polished.add(best.candidate)
        for values in self._neighbours(best.candidate):
            candidate = self.space.candidate(values)
            if candidate not in self.known and self.space.feasible(candidate):
                study.enqueue_trial(self._params(values))

    def _neighbours(self, candidate: Candidate) -> list[dict]:
        """One step of one variable, and one step moved from one variable to another."""
        base = candidate.as_dict()
        moves = []
        names = list(base)
        for name in names:
            for d in (-1, 1):
                moves.append({name: d})
        for a in names:
            for b in names:
                if a != b:
                    moves.append({a: 1, b: -1})
        out = []
        for move in moves:
            values = dict(base)
            ok = True
            for name, d in move.items():
                options = self.spec.variables[name].values
                i = options.index(values[name]) + d
                if not 0 <= i < len(options):
                    ok = False
                    break
                values[name] = options[i]
            if ok:
                out.append(values)
        return out

    def _params(self, values: dict) -> dict:
        """Optuna parameters of a candidate (choice variables by index)."""
        out = {}
        for name, var in self.spec.variables.items():
            out[name] = values[name] if var.integers is not None else var.values.index(values[name])
        return out
