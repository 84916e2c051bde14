"""lotflow: fast, exact simulation of lot-based multi-line plants.

``load_scenario(path)`` reads a scenario, ``run(scenario, **options)`` simulates
it and returns :class:`~lotflow.results.Results` (``.to_json()``).
"""

from importlib.metadata import version as _version

__version__ = _version("lotflow")

from lotflow.experiment.runner import run
from lotflow.results import Results
from lotflow.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["Results", "Scenario", "ScenarioError", "__version__", "load_scenario", "run"]
