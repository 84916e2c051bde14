"""The plant model: conservation of lots, backpressure from staging and storage,
sampling plans and switching in the flow, the shift calendar, shipping."""

from __future__ import annotations

import copy
from collections import Counter

import numpy as np
import pytest

from lotflow import run
from lotflow.calendar import build_calendar
from lotflow.engine.compiled import compile_line
from lotflow.engine.line_run import LineRun, spawn_generators
from lotflow.plant.clock import Clock
from lotflow.plant.lots import STATES
from lotflow.plant.sampling import plan_for
from lotflow.plant.simulate import simulate_plant
from lotflow.scenario.loader import scenario_from_dict

TWO_STATION_LINE = {
    "buffers": [3],
    "stations": [
        {"name": "a", "process": {"dist": "deterministic", "mean": 1.0}},
        {"name": "b", "process": {"dist": "deterministic", "mean": 1.0}},
    ],
}


def _line(name: str, campaigns: list[dict], **extra) -> dict:
    return {"name": name, "campaigns": campaigns, **copy.deepcopy(TWO_STATION_LINE), **extra}


def _simulate(data: dict, seed: int = 1, index: int = 0):
    """Lines + plant of one replication, through the public entry point; returns
    (PlantRaw, raw results of each line)."""
    scenario = scenario_from_dict(data)
    calendar = build_calendar(scenario.calendar, scenario.time_unit) if scenario.calendar else None
    t0, t1 = scenario.run.warmup, scenario.run.horizon
    w0, w1 = (
        (t0, t1) if calendar is None else (calendar.wall_to_work(t0), calendar.wall_to_work(t1))
    )
    root = np.random.SeedSequence(seed, spawn_key=(index,))
    children = root.spawn(len(scenario.lines) + 1)
    runs = []
    for line, child in zip(scenario.lines, children, strict=False):
        arrays = compile_line(line, scenario.products)
        runs.append(LineRun(arrays, spawn_generators(child, arrays.n_streams), w0, w1, 1.0))
    raw = simulate_plant(scenario.plant, scenario, runs, calendar, children[-1], t0, t1)
    return raw, [r.raw() for r in runs]


# --- backpressure ------------------------------------------------------------------


def _backpressure_scenario(capacity: int | None, test: float) -> dict:
    return {
        "time_unit": "cycle",
        "run": {"horizon": 30_000, "warmup": 3_000},
        "products": [{"name": "p", "lot_size": 100}],
        "lines": [_line("L1", [{"product": "p", "lots": 1}])],
        "plant": {
            "range": {
                "lanes": 1,
                "sampling": {"level": "S-1", "aql": 0.65},
                "test_time": {"dist": "deterministic", "mean": test},
            },
            "staging": {"capacity_lots": capacity},
        },
    }


def test_one_lot_staging_with_a_slow_range_paces_the_line_at_the_test_time() -> None:
    """A lot of 100 parts takes 100 on the line, its test 150, staging holds one lot
    from delivery to verdict. Then the line delivers exactly one lot per 150: its
    last station works 100 and is blocked 50 of every 150 (1/3 of the window)."""
    raw, (line,) = _simulate(_backpressure_scenario(capacity=1, test=150.0))
    window = 27_000.0
    m = raw.metrics
    assert m["lots.completed"] == pytest.approx(window / 150.0, abs=1)
    assert line.good == pytest.approx(window * 100 / 150, abs=100)
    assert m["backpressure.L1"] == pytest.approx(window / 3, abs=150)
    assert m["backpressure.L1"] == pytest.approx(line.state_time[-1, 2])  # last station blocked
    assert m["range.utilisation"] == pytest.approx(1.0, abs=0.01)
    assert m["staging.mean_lots"] == pytest.approx(1.0, abs=0.01)
    assert m["backpressure_lots.L1"] == pytest.approx(m["lots.completed"], abs=1)


def test_roomy_staging_does_not_slow_the_line() -> None:
    raw, (line,) = _simulate(_backpressure_scenario(capacity=None, test=90.0))
    assert line.good == pytest.approx(27_000, abs=10)
    assert raw.metrics["backpressure.L1"] == 0.0
    assert raw.metrics["range.utilisation"] == pytest.approx(0.9, abs=0.01)
    assert raw.metrics["range.wait"] == 0.0


def test_full_storage_backs_up_into_staging_and_stops_the_line() -> None:
    """Three pallet places, one pallet per lot, nothing ships: three lots are stored,
    two wait in staging (capacity 2) for places, the sixth is held at the line, and
    the line stands still from then on."""
    data = _backpressure_scenario(capacity=2, test=10.0)
    data["plant"]["storage"] = {"pallet_places": 3}
    raw, (line,) = _simulate(data)
    states = Counter(lot["state"] for lot in raw.lots)
    assert states == {"stored": 3, "awaiting_storage": 2, "held_at_line": 1}
    # Parts made: 6 lots, plus the part the last station holds and the line's WIP
    # behind it (3 buffer slots and the first station), all within the warm-up.
    assert line.good == 0
    assert raw.metrics["backpressure.L1"] == pytest.approx(27_000.0)
    assert raw.metrics["storage.max_pallets"] == 3


# --- conservation and the flow of a small plant ---------------------------------------

PLANT = {
    "name": "small-plant",
    "time_unit": "min",
    "run": {"horizon": 60 * 24 * 7 * 6, "warmup": 60 * 24 * 7},
    "calendar": {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5},
    "products": [
        {"name": "ball", "lot_size": 2000},
        {"name": "tracer", "lot_size": 1000},
        {"name": "blank", "lot_size": 1000},
    ],
    "lines": [
        {
            "name": "L1",
            "campaigns": [{"product": "ball", "lots": 1}],
            "buffers": [5],
            "stations": [
                {"name": "a", "process": {"dist": "exponential", "mean": 0.2}},
                {
                    "name": "b",
                    "process": {"dist": "deterministic", "mean": 0.2},
                    "failure": {"busy_time": {"dist": "exponential", "mean": 60}},
                    "repair": {"dist": "exponential", "mean": 5},
                },
            ],
        },
        {
            "name": "L2",
            "campaigns": [{"product": "tracer", "lots": 2}, {"product": "blank", "lots": 1}],
            "changeover": {"dist": "deterministic", "mean": 30},
            "buffers": [5],
            "stations": [
                {"name": "a", "process": {"dist": "exponential", "mean": 0.2}},
                {"name": "b", "process": {"dist": "deterministic", "mean": 0.2}},
            ],
        },
    ],
    "plant": {
        "range": {
            "lanes": 1,
            "sampling": {"level": "II", "aql": 0.65},
            "test_time": {
                "setup": {"dist": "lognormal", "mean": 60, "cv": 0.5},
                "per_round": {"dist": "deterministic", "mean": 0.4},
            },
        },
        "staging": {"capacity_lots": 2},
        "quality": [
            {"product": "ball", "process_average": 0.4, "lot_to_lot_cv": 0.8},
            {"product": "tracer", "process_average": 1.5, "lot_to_lot_cv": 0.5},
        ],
        "rejected": {"action": "screen", "rate": 20, "efficiency": 0.9, "max_screenings": 1},
        "storage": {
            "pallet_places": 12,
            "packaging": {"boxes_per_can": 10, "cans_per_crate": 2, "crates_per_pallet": 5},
        },
        "shipping": {
            "lead_time": 2880,
            "orders": [{"product": "blank", "quantity": 5000, "at": 20000}],
            "demand": [
                {
                    "product": "ball",
                    "interarrival": {"dist": "exponential", "mean": 500},
                    "quantity": {"dist": "gamma", "mean": 1500, "cv": 0.5},
                },
                {
                    "product": "tracer",
                    "interarrival": {"dist": "exponential", "mean": 1500},
                    "quantity": {"dist": "deterministic", "mean": 1000},
                },
            ],
        },
    },
}


@pytest.fixture(scope="module")
def small_plant():
    return _simulate(PLANT, seed=11)


def test_every_lot_made_is_in_exactly_one_place_at_the_end(small_plant) -> None:
    raw, _lines = small_plant
    lots = raw.lots
    assert len(lots) > 40
    assert [lot["number"] for lot in lots] == list(range(1, len(lots) + 1))
    assert all(lot["state"] in STATES for lot in lots)
    states = Counter(lot["state"] for lot in lots)
    assert sum(states.values()) == len(lots)
    assert states["held_at_line"] <= 2  # at most one per line
    # Units: what was made is sampled (fired), removed by screening, destroyed,
    # shipped, or still in the lot.
    for lot in lots:
        fired = (lot["sample_size"] or 0) + (lot["retest_sample_size"] or 0)
        shipped = lot["shipped_units"] or 0
        removed = lot["removed"] or 0
        assert lot["units_made"] == lot["units"] + fired + removed + shipped
        if lot["state"] == "shipped":
            assert lot["units"] == 0 and lot["shipped_at"] >= lot["stored_at"]
        if lot["state"] == "destroyed":
            assert lot["destroyed_at"] is not None
    # Staging occupancy at the end is the lots that hold a place.
    in_staging = states["staged"] + states["on_test"]
    in_staging += sum(
        1 for lot in lots if lot["state"] == "awaiting_storage" and lot["screenings"] == 0
    )
    assert in_staging <= 2


def test_window_counts_agree_with_the_lot_records(small_plant) -> None:
    raw, lines = small_plant
    m = raw.metrics
    t0, t1 = PLANT["run"]["warmup"], PLANT["run"]["horizon"]

    def inside(key):
        return sum(1 for lot in raw.lots if lot[key] is not None and t0 <= lot[key] < t1)

    assert m["lots.completed"] == inside("end")
    assert m["lots.tested"] == inside("tested_end")
    assert m["lots.retested"] == inside("retest_end")
    assert m["lots.screened"] == inside("screened_end")
    assert m["lots.stored"] == inside("stored_at")
    assert m["lots.shipped"] == inside("shipped_at")
    assert m["lots.destroyed"] == inside("destroyed_at")
    assert m["lots.rejected"] == sum(
        1 for lot in raw.lots if lot["verdict"] == "reject" and t0 <= lot["tested_end"] < t1
    )
    assert m["lots.completed"] == sum(
        m[f"lots.by_product.{p}.completed"] for p in ("ball", "tracer", "blank")
    )
    assert m["lots.rejected"] >= 1 and m["lots.screened"] >= 1
    # Every lot a line completed in time is in the plant's table (wall times).
    made = sum(len(line.lots) for line in lines)
    assert len(raw.lots) <= made


def test_plant_lots_use_the_standard_plans_and_switch_per_product(small_plant) -> None:
    raw, _ = small_plant
    for lot in raw.lots:
        if lot["severity"] is None:
            continue
        plan = plan_for(lot["units_made"], "II", 0.65, lot["severity"])
        assert (lot["sample_size"], lot["accept"], lot["reject"]) == (
            plan.sample_size,
            plan.accept,
            plan.reject,
        )
        if lot["verdict"] is not None:
            assert (lot["verdict"] == "reject") == (lot["defects"] >= lot["reject"])
    tracer = [lot for lot in raw.lots if lot["product"] == "tracer" and lot["verdict"]]
    # Tracer runs at 1.5 % against an AQL of 0.65 %: it ends up on tightened inspection.
    assert any(lot["severity"] == "tightened" for lot in tracer)
    # Blank is perfect: ten accepted lots with no defects on normal, then reduced.
    blank = [lot for lot in raw.lots if lot["product"] == "blank" and lot["severity"]]
    blank.sort(key=lambda lot: lot["tested_start"])
    assert len(blank) > 10
    assert [lot["severity"] for lot in blank] == ["normal"] * 10 + ["reduced"] * (len(blank) - 10)


def test_range_tests_run_in_shifts(small_plant) -> None:
    raw, _ = small_plant
    calendar = build_calendar(scenario_from_dict(PLANT).calendar, "min")
    clock = Clock(calendar)
    for lot in raw.lots:
        if lot["tested_start"] is not None:
            start = lot["tested_start"]
            assert clock.next_on(start) == start  # starts on shift
            assert lot["tested_start"] >= lot["staged_at"] >= lot["end"]


def test_shipping_takes_the_oldest_lot_first(small_plant) -> None:
    raw, _ = small_plant
    for product in ("ball", "tracer"):
        shipped = [lot for lot in raw.lots if lot["product"] == product and lot["shipped_at"]]
        shipped.sort(key=lambda lot: lot["end"])
        firsts = [lot["first_shipped_at"] for lot in shipped]
        assert firsts == sorted(firsts)
    m = raw.metrics
    assert 0.0 <= m["shipping.fill_rate"] <= 1.0
    assert m["shipping.shipped"] == sum(
        m[f"shipping.by_product.{p}.shipped"] for p in ("ball", "tracer", "blank")
    )
    assert m["storage.max_pallets"] <= 12
    assert set(raw.series) >= {"t", "staging", "storage_pallets", "inventory.ball"}
    assert len(raw.series["t"]) <= 1001


def test_plant_run_is_reproducible_and_reported_by_the_experiment_layer() -> None:
    scenario = scenario_from_dict({**PLANT, "run": {"horizon": 20_000, "warmup": 2_000}})
    a = run(scenario, seed=3, replications=2)
    b = run(scenario, seed=3, replications=2)
    assert a.data["plant"] == b.data["plant"]
    assert a.lots == b.lots
    plant = a.data["plant"]
    assert set(plant) >= {"lots", "range", "staging", "storage", "shipping", "backpressure"}
    assert plant["range"]["wait"]["mean"] >= 0.0
    assert len(a.lots) > 0 and {"state", "replication"} <= set(a.lots[0])
    # The same records as a DataFrame (docs/plant.md): one row per lot and
    # replication, a column for every field any lot has.
    frame = a.lots_frame()
    assert len(frame) == len(a.lots)
    assert set(frame.columns) == set().union(*a.lots)
    assert frame["number"].tolist() == [lot["number"] for lot in a.lots]
    assert sorted(set(frame["replication"])) == [0, 1]


# --- shipping against a table of orders ------------------------------------------------


def test_complete_shipments_serve_orders_in_order_from_the_oldest_lots() -> None:
    """Lots of 100 leave the line at 101, 201, 301, ... and are stored 10 later.
    Order 1 (250 units, due 500) is placed before order 2 (50 units, due 100);
    shipping complete orders first come, first served, both ship at 311 when the
    third lot is stored: order 1 on time, order 2 late by 211."""
    data = _backpressure_scenario(capacity=None, test=10.0)
    data["run"] = {"horizon": 1_000, "warmup": 0}
    data["plant"]["range"]["sampling"]["destructive"] = False
    data["plant"]["shipping"] = {
        "partial": False,
        "orders": [
            {"product": "p", "quantity": 250, "at": 0, "due": 500},
            {"product": "p", "quantity": 50, "at": 0, "due": 100},
        ],
    }
    raw, _ = _simulate(data)
    m = raw.metrics
    lots = {lot["number"]: lot for lot in raw.lots}
    assert [lots[n]["stored_at"] for n in (1, 2, 3)] == [111.0, 211.0, 311.0]
    assert [lots[n]["shipped_at"] for n in (1, 2, 3)] == [311.0, 311.0, 311.0]
    assert lots[4]["state"] == "stored" and lots[4]["shipped_units"] is None
    assert m["shipping.shipped"] == 300
    assert m["shipping.fill_rate"] == pytest.approx(250 / 300)
    assert m["shipping.on_time"] == 0.5
    assert m["shipping.lateness"] == pytest.approx(211 / 2)
    assert m["shipping.backorders"] == pytest.approx(50 * 211 / 1_000)


def test_without_a_range_lots_go_untested_to_storage() -> None:
    data = _backpressure_scenario(capacity=None, test=10.0)
    del data["plant"]["range"]
    data["plant"]["storage"] = {"pallet_places": 1000}
    raw, (line,) = _simulate(data)
    assert raw.metrics["lots.completed"] == raw.metrics["lots.stored"] == 270
    assert raw.metrics["lots.tested"] == 0
    assert all(lot["state"] == "stored" for lot in raw.lots)
    assert line.good == 27_000
