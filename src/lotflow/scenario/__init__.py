"""Scenarios: the YAML format users write, validated into immutable models.

The names below load their modules on first use: ``ScenarioError`` alone (what
every command needs for its messages) does not import pydantic and the models,
so ``lotflow --version`` and ``-h`` start fast.
"""

from importlib import import_module
from typing import TYPE_CHECKING

_EXPORTS = {
    "Scenario": "lotflow.scenario.models",
    "ScenarioError": "lotflow.scenario.errors",
    "apply_run_options": "lotflow.scenario.options",
    "load_scenario": "lotflow.scenario.loader",
    "scenario_from_dict": "lotflow.scenario.loader",
}
__all__ = ["Scenario", "ScenarioError", "apply_run_options", "load_scenario", "scenario_from_dict"]

if TYPE_CHECKING:
    from lotflow.scenario.errors import ScenarioError
    from lotflow.scenario.loader import load_scenario, scenario_from_dict
    from lotflow.scenario.models import Scenario
    from lotflow.scenario.options import apply_run_options


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lotflow.scenario' has no attribute {name!r}")
