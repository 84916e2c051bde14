"""Scenarios: the YAML format users write, validated into immutable models."""

from lotflow.scenario.errors import ScenarioError
from lotflow.scenario.loader import load_scenario, scenario_from_dict
from lotflow.scenario.models import Scenario

__all__ = ["Scenario", "ScenarioError", "load_scenario", "scenario_from_dict"]
