"""The standalone firing range is a FIFO c-server queue: M/M/c (Erlang C) and M/D/c
(Crommelin) exactly, within a few standard errors of the replication mean."""

from __future__ import annotations

import math

import numpy as np

from lotflow.analysis.queueing import erlang_c, md_c
from lotflow.dists import compile_dist
from lotflow.plant.simulate import simulate_standalone_range
from lotflow.samplers import BufferedSampler, Sampler
from lotflow.scenario.plant_models import RangeSpec


def _replicate(spec: RangeSpec, reps: int, warmup: float, horizon: float) -> dict[str, tuple]:
    """(mean, standard error) of each metric over independent replications."""
    runs = [
        simulate_standalone_range(
            spec, np.random.SeedSequence(20251, spawn_key=(r,)), warmup, horizon
        )
        for r in range(reps)
    ]
    out = {}
    for key in runs[0].metrics:
        values = np.array([run.metrics[key] for run in runs])
        out[key] = (values.mean(), values.std(ddof=1) / math.sqrt(reps))
    return out


def _assert_close(stats: dict, key: str, theory: float, k: float = 4.0) -> None:
    mean, se = stats[key]
    assert abs(mean - theory) < k * se + 1e-12, f"{key}: {mean:.4f} +- {se:.4f} vs {theory:.4f}"


def test_standalone_range_matches_erlang_c_for_mm3_at_rho_0_8() -> None:
    lam, mu, c = 2.4, 1.0, 3
    spec = RangeSpec.model_validate(
        {
            "lanes": c,
            "arrivals": {"dist": "exponential", "mean": 1 / lam},
            "test_time": {"dist": "exponential", "mean": 1 / mu},
        }
    )
    stats = _replicate(spec, reps=10, warmup=1_000.0, horizon=11_000.0)
    theory = erlang_c(c, lam, mu)
    _assert_close(stats, "range.wait", theory.wq)
    _assert_close(stats, "range.queue_length", theory.lq)
    _assert_close(stats, "range.p_wait", theory.p_wait)
    _assert_close(stats, "range.utilisation", theory.rho)
    # The tolerance is tight enough to mean something: a few percent of the value.
    assert stats["range.wait"][1] < 0.05 * theory.wq


def test_standalone_range_matches_crommelin_for_md3_at_rho_0_9() -> None:
    lam, d, c = 2.7, 1.0, 3
    spec = RangeSpec.model_validate(
        {
            "lanes": c,
            "arrivals": {"dist": "exponential", "mean": 1 / lam},
            "test_time": {"dist": "deterministic", "mean": d},
        }
    )
    stats = _replicate(spec, reps=10, warmup=2_000.0, horizon=22_000.0)
    theory = md_c(c, lam, d)
    _assert_close(stats, "range.wait", theory.wq)
    _assert_close(stats, "range.queue_length", theory.lq)
    _assert_close(stats, "range.p_wait", theory.p_wait)
    _assert_close(stats, "range.utilisation", theory.rho)
    assert stats["range.wait"][1] < 0.08 * theory.wq
    # M/D/c waits clearly less than M/M/c at the same load: the test can tell them apart.
    assert stats["range.wait"][0] + 4 * stats["range.wait"][1] < erlang_c(c, lam, 1 / d).wq


def test_standalone_range_is_deterministic_in_the_seed() -> None:
    spec = RangeSpec.model_validate(
        {
            "lanes": 2,
            "arrivals": {"dist": "exponential", "mean": 1.0},
            "test_time": {"dist": "gamma", "mean": 1.5, "cv": 0.5},
        }
    )
    a = simulate_standalone_range(spec, np.random.SeedSequence(7), 10.0, 500.0)
    b = simulate_standalone_range(spec, np.random.SeedSequence(7), 10.0, 500.0)
    assert a.metrics == b.metrics
    assert a.lots == b.lots
    for lot in a.lots:
        assert lot["end"] <= lot["tested_start"] < lot["tested_end"]
        assert lot["lane"] in (0, 1)


def test_buffered_sampler_gives_the_same_draws_as_sampler() -> None:
    spec = RangeSpec.model_validate(
        {"arrivals": {"dist": "lognormal", "mean": 2.0, "cv": 0.7}, "test_time": None}
    )
    dist = compile_dist(spec.arrivals)
    one = Sampler(dist, np.random.default_rng(5))
    many = BufferedSampler(dist, np.random.default_rng(5), block=7)
    assert [many() for _ in range(20)] == [one() for _ in range(20)]
