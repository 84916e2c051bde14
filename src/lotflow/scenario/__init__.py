"""Scenarios: the YAML format users write, validated into immutable models."""

from lotflow.scenario.errors import ScenarioError
from lotflow.scenario.loader import load_scenario, scenario_from_dict
from lotflow.scenario.models import Scenario
from lotflow.scenario.options import apply_run_options

__all__ = ["Scenario", "ScenarioError", "apply_run_options", "load_scenario", "scenario_from_dict"]
