"""Run options (``--seed``, ``--replications``, ``--horizon``, ``--warmup``,
``--workers``) checked by the same rules as the scenario's ``run:`` block."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from lotflow.scenario.errors import Problem, ScenarioError, quote
from lotflow.scenario.fields import MAX_WORKERS
from lotflow.scenario.loader import scenario_from_dict
from lotflow.scenario.models import Scenario

RUN_OPTIONS = ("seed", "replications", "horizon", "warmup")
AUTO = "auto"
_WORKERS = TypeAdapter(Annotated[int, Field(ge=1, le=MAX_WORKERS, strict=True)])


def apply_run_options(
    scenario: Scenario,
    *,
    seed: Any = None,
    replications: Any = None,
    horizon: Any = None,
    warmup: Any = None,
    workers: Any = None,
) -> Scenario:
    """``scenario`` with the given options written into its ``run`` block, validated
    as if the scenario file had said so (bounds, warm-up below the horizon,
    working time in the window, the run budget). ``None`` leaves a value as it
    is; ``warmup="auto"`` leaves the warm-up to the caller (MSER-5). ``workers``
    (worker processes, 1..:data:`MAX_WORKERS`) is only checked: it is no part of
    a scenario. Raises :class:`ScenarioError` naming each option at fault
    (``--horizon 1e+308: ...``)."""
    given = {
        name: value
        for name, value in zip(RUN_OPTIONS, (seed, replications, horizon, warmup), strict=True)
        if value is not None and not (name == "warmup" and value == AUTO)
    }
    problems, hidden = [], 0
    if workers is not None:
        try:
            _WORKERS.validate_python(workers)
        except ValidationError as exc:
            message = exc.errors(include_url=False)[0]["msg"]
            problems.append(Problem(None, f"--workers {quote(workers)}: {message}"))
    if given:
        data = scenario.model_dump()
        data["run"].update(given)
        try:
            scenario = scenario_from_dict(data)
        except ScenarioError as exc:
            problems += [_as_option(p, given) for p in exc.problems]
            hidden = exc.count - len(exc.problems)
    if problems:
        raise ScenarioError.of(problems, count=len(problems) + hidden)
    return scenario


def _as_option(problem: Problem, given: dict[str, Any]) -> Problem:
    """A problem of ``run.<name>`` as one of the option ``--<name>``."""
    name = (problem.path or "").removeprefix("run.")
    if name in given:
        return Problem(None, f"--{name} {quote(given[name])}: {problem.message}")
    options = " ".join(f"--{key} {quote(value)}" for key, value in given.items())
    return Problem(problem.path, f"{problem.message} (with {options})")
