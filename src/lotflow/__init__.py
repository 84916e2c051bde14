"""lotflow: fast, exact simulation of lot-based multi-line plants.

``load_scenario(path)`` reads a scenario, ``run(scenario, **options)`` simulates
it and returns :class:`~lotflow.results.Results` (``.to_json()``). Heavy
modules (numba, scipy) load on first use, so the CLI starts fast.
"""

from importlib import import_module

__version__ = "0.1.0"  # the package version (pyproject.toml reads it from here)

_EXPORTS = {
    "run": "lotflow.experiment.api",
    "Results": "lotflow.results",
    "Scenario": "lotflow.scenario",
    "ScenarioError": "lotflow.scenario",
    "load_scenario": "lotflow.scenario",
}
__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lotflow' has no attribute {name!r}")
