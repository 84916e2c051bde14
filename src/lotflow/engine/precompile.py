"""Compile the engine at set-up, so no user run compiles or even loads the compiler.

The set-up step (``make setup``, run by ``make run`` and ``make test``) calls
``python -m lotflow.engine.precompile``. It does two things:

* it fills numba's cache by simulating two tiny scenarios that reach every
  compiled function: a two-station line with busy-time and per-cycle
  failures, scrap, two products (changeovers) and a plant, and a standalone
  range (the buffered samplers). The kernel's argument types do not depend on
  the line (:mod:`lotflow.streams`), so this one compile serves every line
  length and mix of stations;
* it builds the ahead-of-time module of the same code (:mod:`lotflow.native`),
  which runs use instead, without importing numba, when it is current.

With both current it takes about a second. :func:`load_engine` loads the
compiled kernel into a process before it forks its workers.
:func:`engine_compiled` tells whether a run would find compiled code, so the
CLI can say "compiling the engine once" before a run that would compile.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

from lotflow.native import ENGINE_VARIABLE

COMPILE_SECONDS = 60  # about what a cold compile of the kernel takes on 2 cores

_LINE = {
    "name": "precompile-line",
    "time_unit": "s",
    "run": {"horizon": 2000.0, "replications": 1, "seed": 1},
    "products": [{"name": "a", "lot_size": 50}, {"name": "b", "lot_size": 50}],
    "lines": [
        {
            "name": "L1",
            "campaigns": [{"product": "a", "lots": 1}, {"product": "b", "lots": 1}],
            "changeover": {"dist": "deterministic", "mean": 5.0},
            "buffers": [3],
            "stations": [
                {
                    "name": "M1",
                    "process": {"dist": "exponential", "mean": 1.0},
                    "failure": {"busy_time": {"dist": "exponential", "mean": 50.0}},
                    "repair": {"dist": "lognormal", "mean": 3.0, "cv": 1.0},
                },
                {
                    "name": "M2",
                    "process": {"dist": "deterministic", "mean": 1.0},
                    "failure": {"per_cycle": 0.02},
                    "repair": {"dist": "geometric", "mean": 3.0},
                    "scrap": 0.01,
                },
            ],
        }
    ],
    "plant": {
        "range": {
            "lanes": 1,
            "sampling": {"standard": "MIL-STD-105E", "level": "S-4", "aql": 0.65},
            "test_time": {
                "setup": {"dist": "deterministic", "mean": 10.0},
                "per_round": {"dist": "deterministic", "mean": 1.0},
            },
        }
    },
}

_RANGE = {
    "name": "precompile-range",
    "time_unit": "h",
    "run": {"horizon": 200.0, "replications": 1, "seed": 1},
    "plant": {
        "range": {
            "lanes": 2,
            "arrivals": {"dist": "exponential", "mean": 1.0},
            "test_time": {"dist": "gamma", "mean": 1.5, "cv": 0.5},
        }
    },
}


def engine_compiled() -> bool:
    """True when a run finds the kernel compiled from its current source: in the
    ahead-of-time module, or in numba's cache (read from numba's cache index,
    a private part of numba, which is pinned). Without the JIT there is
    nothing to compile."""
    from lotflow.native import jit_disabled, native_ready

    if jit_disabled() or native_ready():
        return True
    from lotflow.engine import line

    index = line.advance._cache._cache_file  # numba's IndexDataCacheFile
    return bool(index._load_index())


def _line_run(seed: int = 0):
    """A :class:`LineRun` of the tiny line, and its scenario."""
    import numpy as np

    from lotflow.engine.compiled import compile_line
    from lotflow.engine.line_run import LineRun, spawn_generators
    from lotflow.scenario import scenario_from_dict

    scenario = scenario_from_dict(_LINE)
    arrays = compile_line(scenario.lines[0], scenario.products)
    gens = spawn_generators(np.random.SeedSequence(seed), arrays.n_streams)
    return LineRun(arrays, gens, 0.0, 10.0, 10.0), scenario


def load_engine() -> None:
    """Load the kernel's compiled code into this process (the ahead-of-time
    module in milliseconds, or from numba's cache in about a second, numba's
    start-up included) by simulating a few parts. Worker processes forked
    afterwards inherit it instead of each loading it again."""
    _line_run()[0].run()


def samples() -> dict[str, tuple]:
    """Arguments of the tiny line's calls of every entry point of
    :mod:`lotflow.native`, whose types the ahead-of-time module is built for.
    Only their types are of use: the Generators behind their stream handles
    are gone once this returns."""
    import numpy as np

    from lotflow.analysis.bottleneck import episode_work_space
    from lotflow.dists import compile_dist
    from lotflow.samplers import BufferedSampler

    run, scenario = _line_run()
    dist = compile_dist(scenario.lines[0].stations[0].process)
    return {
        "advance": run.kernel_args(False),
        "init_state": run.init_args(),
        "fill": BufferedSampler(dist, np.random.default_rng(0)).args,
        # one station with one period
        "bottleneck_episodes": (
            np.zeros(1),
            np.ones(1),
            np.array([0, 1]),
            np.empty(1, dtype=np.int64),
            *episode_work_space(1),
        ),
    }


def precompile() -> float:
    """Simulate the two tiny scenarios through numba's JIT (so filling its
    cache, whatever the ahead-of-time module); returns the seconds it took."""
    from lotflow.experiment.api import run
    from lotflow.scenario import scenario_from_dict

    started = time.perf_counter()
    with _jit_only():
        for data in (_LINE, _RANGE):
            run(scenario_from_dict(data))
    return time.perf_counter() - started


@contextmanager
def _jit_only():
    """Runs inside use numba's JIT, not the ahead-of-time module."""
    before = os.environ.get(ENGINE_VARIABLE)
    os.environ[ENGINE_VARIABLE] = "jit"
    try:
        yield
    finally:
        if before is None:
            del os.environ[ENGINE_VARIABLE]
        else:
            os.environ[ENGINE_VARIABLE] = before


def build_native() -> str:
    """Build the ahead-of-time module unless it is current; says what it did."""
    from lotflow import native

    if native.jit_disabled():
        return "JIT disabled: no ahead-of-time module"
    if native.native_ready():
        return "ahead-of-time engine current"
    started = time.perf_counter()
    try:
        path = native.build(samples())
    except Exception as error:  # a missing C compiler, a read-only package folder
        return f"ahead-of-time engine not built ({error}); runs load numba's JIT cache"
    return f"ahead-of-time engine built in {time.perf_counter() - started:.0f} s: {path.name}"


def main() -> None:
    with _jit_only():
        warm = engine_compiled()
    if not warm:
        print(f"lotflow: compiling the engine once (about {COMPILE_SECONDS} s) ...", flush=True)
    seconds = precompile()
    print(f"lotflow: engine ready ({seconds:.1f} s)", file=sys.stderr if warm else sys.stdout)
    print(f"lotflow: {build_native()}", file=sys.stderr if warm else sys.stdout)


if __name__ == "__main__":
    main()
