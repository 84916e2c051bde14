"""OEE, loss tree and bottleneck block as they arrive in the results JSON.

One short run of a two-line scenario with a shift calendar, a changeover,
scrap and busy-time failures, so every loss category is non-zero somewhere.
"""

from __future__ import annotations

import pytest

import lotflow
from lotflow.scenario import scenario_from_dict

FAIL = {"busy_time": {"dist": "exponential", "mean": 60.0}}
REPAIR = {"dist": "lognormal", "mean": 5.0, "cv": 1.0}
CYCLES = {"A": (0.1, 0.12, 0.11), "B": (0.1, 0.1)}
LOSSES = (
    "off_shift", "changeover", "breakdowns", "starved", "blocked", "speed_loss", "scrap",
    "value_adding",
)  # fmt: skip
STATE_OF_LOSS = {
    "off_shift": "off_shift",
    "changeover": "setup",
    "breakdowns": "down",
    "starved": "starved",
    "blocked": "blocked",
}


def station(name: str, cycle: float, scrap: float = 0.0) -> dict:
    return {
        "name": name,
        "process": {"dist": "deterministic", "mean": cycle},
        "failure": FAIL,
        "repair": REPAIR,
        "scrap": scrap,
    }


SCENARIO = {
    "name": "oee-identities",
    "time_unit": "min",
    "run": {"horizon": 10080.0, "warmup": 1440.0, "replications": 3, "seed": 11},
    "calendar": {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5},
    "products": [{"name": "ball", "lot_size": 1500}, {"name": "tracer", "lot_size": 1500}],
    "lines": [
        {
            "name": "A",
            "campaigns": [{"product": "ball", "lots": 2}, {"product": "tracer", "lots": 1}],
            "changeover": {"dist": "deterministic", "mean": 30.0},
            "buffers": [20, 20],
            "stations": [
                station("s1", 0.1),
                station("s2", 0.12, scrap=0.01),
                station("s3", 0.11, scrap=0.005),
            ],
        },
        {
            "name": "B",
            "campaigns": [{"product": "ball", "lots": 1}],
            "buffers": [5],
            "stations": [station("s1", 0.1), station("s2", 0.1)],
        },
    ],
}


@pytest.fixture(scope="module")
def data() -> dict:
    return lotflow.run(scenario_from_dict(SCENARIO)).data


def blocks(data):
    """(label, state fractions or None, oee, loss tree) of every station and line."""
    for name, line in data["lines"].items():
        for st, values in line["stations"].items():
            yield f"{name}/{st}", values, values["oee"], values["loss_tree"]
        yield name, None, line["oee"], line["loss_tree"]


def m(stat) -> float:
    return stat["mean"]


def test_both_conventions_give_the_same_oee(data):
    for label, _, oee, _ in blocks(data):
        iso, nak = oee["iso22400"], oee["nakajima"]
        assert m(iso["oee"]) == pytest.approx(m(nak["oee"]), abs=1e-12), label
        assert m(iso["quality"]) == pytest.approx(m(nak["quality"]), abs=1e-12), label
        assert 0.0 < m(iso["oee"]) < 1.0, label


def test_loss_tree_sums_to_the_window_and_reproduces_oee(data):
    for label, _, oee, tree in blocks(data):
        assert set(tree) == set(LOSSES), label
        assert sum(m(tree[k]) for k in LOSSES) == pytest.approx(1.0, abs=1e-9), label
        planned = 1.0 - m(tree["off_shift"])
        assert m(tree["value_adding"]) / planned == pytest.approx(
            m(oee["iso22400"]["oee"]), rel=1e-9
        ), label


def test_loss_tree_time_losses_are_the_state_fractions(data):
    for label, states, _, tree in blocks(data):
        if states is None:
            continue
        for loss, state in STATE_OF_LOSS.items():
            assert m(tree[loss]) == pytest.approx(m(states[state]), abs=1e-12), label


def test_splits_differ_by_starved_and_blocked_time(data):
    """ISO availability = busy / planned; Nakajima availability = (busy + starved
    + blocked) / planned; so Nakajima's is larger and its performance smaller."""
    for label, states, oee, _ in blocks(data):
        if states is None:
            continue
        planned = 1.0 - m(states["off_shift"])
        iso, nak = oee["iso22400"], oee["nakajima"]
        assert m(iso["availability"]) == pytest.approx(m(states["busy"]) / planned, rel=1e-9)
        running = m(states["busy"]) + m(states["starved"]) + m(states["blocked"])
        assert m(nak["availability"]) == pytest.approx(running / planned, rel=1e-9), label
        if m(states["starved"]) + m(states["blocked"]) > 0:
            assert m(nak["availability"]) > m(iso["availability"]), label
            assert m(nak["performance"]) < m(iso["effectiveness"]), label


def test_loss_categories_all_appear(data):
    a = data["lines"]["A"]
    assert m(a["loss_tree"]["changeover"]) > 0
    assert m(a["loss_tree"]["scrap"]) > 0
    assert m(a["stations"]["s1"]["loss_tree"]["blocked"]) > 0
    assert m(a["stations"]["s3"]["loss_tree"]["starved"]) > 0
    assert m(a["loss_tree"]["off_shift"]) > 0.5


def test_line_oee_is_good_output_over_nameplate(data):
    wall = data["horizon"] - data["warmup"]
    for name, line in data["lines"].items():
        planned = wall * (1.0 - m(line["loss_tree"]["off_shift"]))
        nameplate = planned / max(CYCLES[name])
        assert m(line["oee"]["nakajima"]["oee"]) == pytest.approx(
            m(line["good_parts"]) / nameplate, rel=1e-9
        ), name


def test_bottleneck_block_is_complete(data):
    for name, line in data["lines"].items():
        block = line["bottleneck"]
        stations = list(line["stations"])
        assert block["active_period"] in stations
        assert block["blocked_starved"] in stations
        assert set(block["stations"]) == set(stations)
        for shares in block["stations"].values():
            for kind in ("sole", "shifting"):
                assert 0.0 <= m(shares[kind]) <= 1.0
        assert 0.0 < m(block["traced_fraction"]) <= 1.0, name
    # the slowest station of line A is its bottleneck by both methods
    assert data["lines"]["A"]["bottleneck"]["active_period"] == "s2"
    assert data["lines"]["A"]["bottleneck"]["blocked_starved"] == "s2"
