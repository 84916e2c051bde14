"""The claim check: what a yearly claim takes and what a scenario gives, with CI."""

from __future__ import annotations

from pathlib import Path

import pytest

import lotflow
from lotflow.analysis.claim import claim_check
from lotflow.scenario import scenario_from_dict
from lotflow.summary import claim_table

ROOT = Path(__file__).resolve().parents[1]
YEAR_S = 8760 * 3600.0


@pytest.fixture(scope="module")
def reference():
    return lotflow.load_scenario(ROOT / "scenarios" / "maracay.yaml")


def fake_results(per_line_reps: list[list[float]]) -> dict:
    """A results document for the reference plant's four lines over one year."""
    lines = {
        f"L{i + 1}": {"good_parts": {"per_replication": reps}}
        for i, reps in enumerate(per_line_reps)
    }
    return {"horizon": YEAR_S, "warmup": 0.0, "lines": lines}


def test_what_the_claim_takes_on_the_reference_calendar(reference):
    check = claim_check(reference)
    assert check.claim == 70e6  # the scenario's claim
    assert check.hours_per_year == pytest.approx(4000.0)
    assert check.nameplate == pytest.approx(72e6)
    assert check.hours_at_nameplate == pytest.approx(70e6 / 72e6 * 4000.0)
    assert check.share_needed == pytest.approx(70 / 72)
    assert check.share_needed < check.availability_needed < 1.0
    assert check.bottleneck_availability == pytest.approx(7200 / 7800)
    assert check.analytic < check.availability_bound < check.nameplate
    assert check.simulated is None
    assert check.verdict == "fails"  # the decomposition gives about 55.6 M


@pytest.mark.parametrize(
    ("per_line", "verdict"),
    [
        ([18.0e6, 18.1e6, 17.9e6], "holds"),
        ([14.0e6, 14.1e6, 13.9e6], "fails"),
        ([17.0e6, 18.5e6, 17.3e6], "undecided"),
    ],
)
def test_simulated_figures_and_verdict(reference, per_line, verdict):
    check = claim_check(reference, fake_results([per_line] * 4))
    total = [4 * x for x in per_line]
    mean = sum(total) / 3
    assert check.simulated["mean"] == pytest.approx(mean)
    assert check.simulated["ci95"] > 0
    assert check.simulated_share["mean"] == pytest.approx(mean / 70e6)
    hours = [70e6 / t * 4000.0 for t in total]
    assert check.simulated_hours["mean"] == pytest.approx(sum(hours) / 3)
    assert check.verdict == verdict
    assert verdict.upper() in check.one_line()
    text = check.paragraph()
    assert "95 % CI" in text and "70.0 M" in text


def test_a_replication_without_good_parts_leaves_the_hours_unbounded(reference):
    # a window too short for a part: the claim would take unbounded hours
    check = claim_check(reference, fake_results([[0.0, 1.0e6]] * 4))
    assert check.simulated_hours is None
    assert check.simulated["mean"] == pytest.approx(2.0e6)
    assert check.verdict == "fails"
    assert "simulated 2.00 ±" in check.one_line() and "at that rate" not in check.one_line()
    assert "95 % CI" in check.paragraph() and "at that rate" not in check.paragraph()


def test_claim_is_a_parameter_not_a_constant(reference):
    small = claim_check(reference, claim=10e6)
    assert small.claim == 10e6 and small.verdict == "holds"
    assert small.hours_at_nameplate == pytest.approx(10 / 72 * 4000.0)


def test_no_claim_check_without_a_claim(reference):
    unclaimed = reference.model_copy(update={"claim": None})
    assert claim_check(unclaimed) is None
    assert claim_check(unclaimed, claim=10e6).claim == 10e6


def test_no_claim_check_without_a_year():
    spec = {
        "time_unit": "cycle",
        "lines": [
            {
                "name": "L",
                "stations": [{"name": "M", "process": {"dist": "deterministic", "mean": 1}}],
            }
        ],
    }
    scenario = scenario_from_dict({**spec, "claim": {"good_per_year": 1e6}})
    assert claim_check(scenario) is None
    assert claim_table(scenario, {"lines": {}}) is None


def test_summary_has_the_claim_line(reference):
    table = claim_table(reference, fake_results([[14.0e6, 14.1e6]] * 4))
    line = table.columns[0]._cells[0]
    assert line.startswith("Claim 70.0 M a year") and "FAILS" in line
