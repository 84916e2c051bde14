"""Fill numba's cache for every compiled entry point, so no user run compiles.

The set-up step (``make setup``, run by ``make run`` and ``make test``) calls
``python -m lotflow.engine.precompile``. It simulates two tiny scenarios that
reach every compiled function: a two-station line with busy-time and
per-cycle failures, scrap, two products (changeovers) and a plant, and a
standalone range (the buffered samplers). The kernel's argument types do not
depend on the line (:mod:`lotflow.streams`), so this one compile serves every
line length and mix of stations. With a warm cache it takes about a second.

:func:`load_engine` loads the compiled kernel into a process before it forks
its workers. :func:`engine_compiled` tells whether the kernel's cache exists, so the CLI can
say "compiling the engine once" before a run that would compile.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

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
    """True when numba's cache holds the kernel (a run will not compile it)."""
    from lotflow.engine import line

    cache = getattr(line.advance, "_cache", None)
    index = getattr(cache, "_index_path", None)
    return index is None or Path(index).exists()


def load_engine() -> None:
    """Load the kernel's compiled code into this process (from numba's cache,
    a few tenths of a second, numba's own start-up included) by simulating a
    few parts. Worker processes forked afterwards inherit it instead of each
    loading it again."""
    import numpy as np

    from lotflow.engine.compiled import compile_line
    from lotflow.engine.line_run import LineRun, spawn_generators
    from lotflow.scenario import scenario_from_dict

    scenario = scenario_from_dict(_LINE)
    arrays = compile_line(scenario.lines[0], scenario.products)
    gens = spawn_generators(np.random.SeedSequence(0), arrays.n_streams)
    LineRun(arrays, gens, 0.0, 10.0, 10.0).run()


def precompile() -> float:
    """Simulate the two tiny scenarios; returns the seconds it took."""
    from lotflow.experiment.api import run
    from lotflow.scenario import scenario_from_dict

    started = time.perf_counter()
    for data in (_LINE, _RANGE):
        run(scenario_from_dict(data))
    return time.perf_counter() - started


def main() -> None:
    warm = engine_compiled()
    if not warm:
        print(f"lotflow: compiling the engine once (about {COMPILE_SECONDS} s) ...", flush=True)
    seconds = precompile()
    print(f"lotflow: engine ready ({seconds:.1f} s)", file=sys.stderr if warm else sys.stdout)


if __name__ == "__main__":
    main()
