"""``lotflow.run``: one scenario run, with fixed options or adaptive ones.

Fixed warm-up and replication count go to :func:`lotflow.experiment.runner.run_fixed`;
``warmup="auto"`` (MSER-5) or a ``precision`` target go to
:func:`lotflow.experiment.adaptive.run_adaptive`, which itself uses the runner.
This module sits above both, so neither imports the other in a circle.
"""

from __future__ import annotations

from collections.abc import Callable

from lotflow.experiment.replication import ReplicationResult
from lotflow.results import Results


def run(
    scenario,
    *,
    seed: int | None = None,
    replications: int | None = None,
    horizon: float | None = None,
    warmup: float | str | None = None,
    workers: int = 1,
    on_done: Callable[[ReplicationResult], None] | None = None,
    precision: float | None = None,
    max_replications: int = 200,
    on_plan: Callable[[int, str], None] | None = None,
) -> Results:
    """Simulate ``scenario``; options override its ``run`` block. Returns :class:`Results`.

    ``warmup="auto"`` picks the warm-up by MSER-5 and ``precision`` (a share,
    e.g. 0.01) adds replications up to ``max_replications`` until each line's
    throughput CI half-width is within it (:mod:`lotflow.experiment.adaptive`);
    ``on_plan(n, what)`` then announces each batch of ``n`` replications.
    """
    if warmup == "auto" or precision is not None:
        from lotflow.experiment.adaptive import run_adaptive

        return run_adaptive(
            scenario, seed, replications, horizon, warmup, workers, on_done,
            precision, max_replications, on_plan,
        )  # fmt: skip
    from lotflow.experiment.runner import run_fixed

    return run_fixed(scenario, seed, replications, horizon, warmup, workers, on_done)
