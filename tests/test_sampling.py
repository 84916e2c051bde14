"""MIL-STD-105E single sampling: tables, switching rules, OC and defect draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lotflow.plant.sampling import (
    AQLS,
    CODE_LETTERS,
    LEVELS,
    SEVERITIES,
    SamplingPlan,
    SwitchingState,
    code_letter,
    draw_defects,
    plan_for,
    probability_of_acceptance,
    reduced_limit_number,
    table_plan,
)

# --- Table I ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot_size", "level", "letter"),
    [
        (2, "S-1", "A"),
        (8, "III", "B"),
        (9, "II", "B"),
        (50, "II", "D"),
        (51, "II", "E"),
        (1200, "II", "J"),
        (3200, "II", "K"),
        (3201, "II", "L"),
        (35001, "S-3", "G"),
        (150000, "S-4", "J"),
        (250000, "II", "P"),
        (250000, "S-4", "J"),
        (250000, "I", "M"),
        (500001, "III", "R"),
        (10**9, "S-1", "D"),
    ],
)
def test_code_letters(lot_size: int, level: str, letter: str) -> None:
    assert code_letter(lot_size, level) == letter


def test_code_letters_grow_with_lot_size_and_general_level() -> None:
    sizes = [2, 8, 9, 15, 16, 25, 26, 50, 51, 90, 91, 150, 151, 280, 281, 500, 501, 1200]
    sizes += [1201, 3200, 3201, 10000, 10001, 35000, 35001, 150000, 150001, 500000, 500001]
    for level in LEVELS:
        idx = [CODE_LETTERS.index(code_letter(n, level)) for n in sizes]
        assert idx == sorted(idx)
    for n in sizes:
        idx = [CODE_LETTERS.index(code_letter(n, lv)) for lv in ("I", "II", "III")]
        assert idx == sorted(idx)


# --- master tables ------------------------------------------------------------------

# (severity, table letter, AQL) -> (letter of the plan used, n, Ac, Re)
SPOT_CHECKS = [
    # Table II-A, normal
    ("normal", "L", 0.65, ("L", 200, 3, 4)),
    ("normal", "J", 0.65, ("J", 80, 1, 2)),
    ("normal", "K", 0.65, ("K", 125, 2, 3)),
    ("normal", "N", 0.65, ("N", 500, 7, 8)),
    ("normal", "R", 0.65, ("R", 2000, 21, 22)),
    ("normal", "K", 2.5, ("K", 125, 7, 8)),
    ("normal", "F", 0.65, ("F", 20, 0, 1)),
    ("normal", "G", 0.65, ("F", 20, 0, 1)),  # up arrow
    ("normal", "H", 0.65, ("J", 80, 1, 2)),  # down arrow
    ("normal", "A", 0.010, ("Q", 1250, 0, 1)),  # long down arrow
    ("normal", "L", 10, ("K", 125, 21, 22)),  # up arrow, right side
    ("normal", "E", 150, ("E", 13, 30, 31)),
    ("normal", "B", 1000, ("B", 3, 44, 45)),
    ("normal", "F", 250, ("E", 13, 44, 45)),  # up arrow to the 44/45 corner
    ("normal", "A", 10, ("C", 5, 1, 2)),  # arrow off the top: first plan below
    ("normal", "R", 0.015, ("P", 800, 0, 1)),  # arrow off the bottom: plan above
    # Table II-B, tightened
    ("tightened", "N", 0.65, ("N", 500, 5, 6)),
    ("tightened", "K", 1.0, ("K", 125, 2, 3)),
    ("tightened", "P", 0.65, ("P", 800, 8, 9)),
    ("tightened", "L", 6.5, ("L", 200, 18, 19)),
    ("tightened", "K", 6.5, ("K", 125, 12, 13)),
    ("tightened", "H", 1.0, ("J", 80, 1, 2)),  # down arrow past two cells
    ("tightened", "G", 0.65, ("G", 32, 0, 1)),
    ("tightened", "R", 0.025, ("S", 3150, 1, 2)),  # row S exists only here
    ("tightened", "A", 10, ("D", 8, 1, 2)),
    ("tightened", "B", 1000, ("B", 3, 41, 42)),
    # Table II-C, reduced (Re > Ac + 1)
    ("reduced", "H", 1.0, ("H", 20, 0, 2)),
    ("reduced", "J", 1.0, ("J", 32, 1, 3)),
    ("reduced", "K", 1.0, ("K", 50, 1, 4)),
    ("reduced", "L", 1.0, ("L", 80, 2, 5)),
    ("reduced", "M", 1.0, ("M", 125, 3, 6)),
    ("reduced", "P", 0.65, ("P", 315, 5, 8)),
    ("reduced", "Q", 0.65, ("Q", 500, 7, 10)),
    ("reduced", "R", 0.65, ("R", 800, 10, 13)),
    ("reduced", "E", 150, ("E", 5, 14, 17)),
    ("reduced", "F", 0.65, ("F", 8, 0, 1)),
    ("reduced", "G", 0.65, ("F", 8, 0, 1)),  # up arrow
]


@pytest.mark.parametrize(("severity", "letter", "aql", "expected"), SPOT_CHECKS)
def test_master_table_entries(
    severity: str, letter: str, aql: float, expected: tuple[str, int, int, int]
) -> None:
    plan = table_plan(letter, aql, severity)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected
    assert plan.severity == severity


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_cell_resolves_to_a_plan(severity: str) -> None:
    for letter in CODE_LETTERS:
        for aql in AQLS:
            plan = table_plan(letter, aql, severity)
            assert 0 <= plan.accept < plan.reject
            if severity != "reduced":
                assert plan.reject == plan.accept + 1


def test_plan_for_the_reference_plant_lot() -> None:
    plan = plan_for(250_000, "II", 0.65, "normal")
    assert plan == SamplingPlan("P", 800, 10, 11, "normal", False, "P")
    special = plan_for(250_000, "S-3", 0.65, "normal")
    assert (special.lot_code_letter, special.code_letter, special.sample_size) == ("G", "F", 20)
    assert (special.accept, special.reject) == (0, 1)


def test_full_inspection_when_sample_reaches_lot_size() -> None:
    plan = plan_for(5, "II", 0.65, "normal")  # A -> arrow down to F (n = 20)
    assert plan.full_inspection
    assert plan.sample_size == 5
    assert (plan.code_letter, plan.accept, plan.reject) == ("F", 0, 1)
    exact = plan_for(20, "III", 0.65, "normal")  # D -> F, n = 20 = lot size
    assert exact.full_inspection and exact.sample_size == 20
    assert not plan_for(21, "III", 0.65, "normal").full_inspection


def test_plan_verdicts() -> None:
    plan = table_plan("P", 0.65, "reduced")  # 315, Ac 5, Re 8
    assert [plan.verdict(d) for d in (0, 5, 6, 7, 8)] == [
        "accept",
        "accept",
        "accept_resume_normal",
        "accept_resume_normal",
        "reject",
    ]
    assert plan.accepts(7) and not plan.accepts(8)


# --- invalid inputs ----------------------------------------------------------------


@pytest.mark.parametrize("lot_size", [1, 0, -5, 2.5, 100.0, "100", True, None])
def test_invalid_lot_size(lot_size: object) -> None:
    with pytest.raises(ValueError, match=r"integer >= 2"):
        plan_for(lot_size, "II", 0.65, "normal")  # type: ignore[arg-type]


def test_invalid_level_lists_allowed() -> None:
    with pytest.raises(ValueError, match=r"'IV'.*S-1, S-2, S-3, S-4, I, II, III"):
        plan_for(100, "IV", 0.65, "normal")
    assert plan_for(100, " ii ", 0.65, "normal") == plan_for(100, "II", 0.65, "normal")


@pytest.mark.parametrize("aql", [0.5, 0.0, -1.0, 2000.0, "0.65", None])
def test_invalid_aql_lists_allowed(aql: object) -> None:
    with pytest.raises(ValueError, match=r"unknown AQL.*0\.01, 0\.015.*0\.65.*1000"):
        plan_for(100, "II", aql, "normal")  # type: ignore[arg-type]


def test_aql_spellings_are_tolerant() -> None:
    assert plan_for(1000, "II", 1, "normal") == plan_for(1000, "II", 1.0, "normal")
    assert plan_for(1000, "II", 0.1, "normal") == plan_for(1000, "II", 0.10, "normal")


def test_invalid_severity_lists_allowed() -> None:
    with pytest.raises(ValueError, match=r"normal, tightened, reduced"):
        plan_for(100, "II", 0.65, "strict")
    with pytest.raises(ValueError, match=r"allowed: A, B"):
        table_plan("S", 0.65, "tightened")


# --- Table VIII -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aql", "units", "limit"),
    [
        (0.65, 8000, 42),
        (0.65, 12499, 42),
        (0.65, 12500, 69),
        (0.65, 2000, 8),
        (0.65, 320, 0),
        (0.65, 319, None),  # "*": not enough sample units
        (10, 20, 0),
        (1000, 20, 181),
        (2.5, 130, 0),
        (4.0, 3150, 111),
        (0.010, 50000, 2),
        (0.010, 10**6, 2),
        (0.65, 19, None),  # below the table
        (100, 320, None),  # not tabulated
    ],
)
def test_limit_numbers(aql: float, units: int, limit: int | None) -> None:
    assert reduced_limit_number(aql, units) == limit


# --- operating characteristic --------------------------------------------------------


def binomial_accept(n: int, c: int, p: float) -> float:
    return sum(math.comb(n, d) * p**d * (1 - p) ** (n - d) for d in range(c + 1))


def hypergeometric_accept(lot: int, defectives: int, n: int, c: int) -> float:
    total = math.comb(lot, n)
    return (
        sum(math.comb(defectives, d) * math.comb(lot - defectives, n - d) for d in range(c + 1))
        / total
    )


@pytest.mark.parametrize(
    ("plan", "c"),
    [
        (table_plan("L", 0.65, "normal"), 3),  # 200, 3/4
        (table_plan("N", 0.65, "tightened"), 5),  # 500, 5/6
        (table_plan("P", 0.65, "reduced"), 7),  # 315, 5/8: accepted while d < 8
        (table_plan("F", 0.65, "normal"), 0),  # 20, 0/1
    ],
)
@pytest.mark.parametrize("p", [0.0, 0.001, 0.0065, 0.02, 0.1])
def test_oc_binomial_matches_closed_form(plan: SamplingPlan, c: int, p: float) -> None:
    expected = binomial_accept(plan.sample_size, c, p)
    assert probability_of_acceptance(plan, p) == pytest.approx(expected, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("lot", "p"), [(1000, 0.01), (1000, 0.03), (250, 0.02), (200, 0.5)])
def test_oc_hypergeometric_matches_closed_form(lot: int, p: float) -> None:
    plan = table_plan("L", 0.65, "normal")  # n = 200, Ac = 3
    expected = hypergeometric_accept(lot, round(p * lot), 200, 3)
    got = probability_of_acceptance(plan, p, lot_size=lot, model="hypergeometric")
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_oc_vectorised_and_monotone() -> None:
    plan = table_plan("P", 0.65, "normal")
    ps = np.linspace(0.0, 0.05, 26)
    oc = probability_of_acceptance(plan, ps)
    assert isinstance(oc, np.ndarray) and oc.shape == ps.shape
    assert oc[0] == 1.0 and np.all(np.diff(oc) <= 0)


def test_oc_invalid_inputs() -> None:
    plan = table_plan("L", 0.65, "normal")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        probability_of_acceptance(plan, 1.5)
    with pytest.raises(ValueError, match="needs lot_size"):
        probability_of_acceptance(plan, 0.01, model="hypergeometric")
    with pytest.raises(ValueError, match="exceeds lot size"):
        probability_of_acceptance(plan, 0.01, lot_size=100, model="hypergeometric")
    with pytest.raises(ValueError, match="binomial, hypergeometric"):
        probability_of_acceptance(plan, 0.01, model="poisson")


# --- switching rules ----------------------------------------------------------------

LOT = 250_000  # level II -> P: normal 800 10/11, tightened 800 8/9, reduced 315 5/8


def run(state: SwitchingState, outcomes: list[int], lot_size: int = LOT) -> list[str]:
    """Feed lots with the given defect counts; return the severity before each lot."""
    seen = []
    for d in outcomes:
        seen.append(state.severity)
        plan = state.plan(lot_size)
        state.record(plan.accepts(d), d)
    return seen


def test_two_rejections_in_five_lots_tighten() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [11, 0, 0, 0])
    assert state.severity == "normal"
    run(state, [11])  # lots 1 and 5 rejected: 2 out of 5
    assert state.severity == "tightened"


def test_two_rejections_six_lots_apart_stay_normal() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [11, 0, 0, 0, 0, 11])
    assert state.severity == "normal"
    run(state, [11])  # 2 out of 2
    assert state.severity == "tightened"


def test_five_accepted_on_tightened_return_to_normal() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [11, 11])
    assert state.plan(LOT).accept == 8
    run(state, [0, 0, 0, 9, 0, 0, 0, 0])  # a rejection restarts the count
    assert state.severity == "tightened"
    run(state, [8])
    assert state.severity == "normal"


def test_ten_good_lots_switch_to_reduced() -> None:
    state = SwitchingState("II", 0.65)
    seen = run(state, [4] * 10)  # 8000 units, 40 defects <= limit 42
    assert seen == ["normal"] * 10
    assert state.severity == "reduced"
    plan = state.plan(LOT)
    assert (plan.sample_size, plan.accept, plan.reject) == (315, 5, 8)


def test_ten_lots_over_the_limit_number_stay_normal() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [5] * 10)  # 50 > 42
    assert state.severity == "normal"
    run(state, [0])  # the window slides: last 10 lots hold 45 defects
    assert state.severity == "normal"
    run(state, [0])  # 40 defects
    assert state.severity == "reduced"


def test_reduced_needs_authority_and_enough_sample_units() -> None:
    state = SwitchingState("II", 0.65, authority_approves_reduced=False)
    run(state, [0] * 20)
    assert state.severity == "normal"
    small = SwitchingState("II", 0.65)  # lots of 50: F, n = 20; 200 units -> "*"
    run(small, [0] * 30, lot_size=50)
    assert small.severity == "normal"
    unsteady = SwitchingState("II", 0.65, steady_production=False)
    run(unsteady, [0] * 10)
    assert unsteady.severity == "normal"


def test_rejection_on_reduced_returns_to_normal() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [0] * 10 + [5, 0])
    assert state.severity == "reduced"
    run(state, [8])  # d >= Re = 8
    assert state.severity == "normal"
    run(state, [0] * 9)  # the count of 10 lots starts again on normal
    assert state.severity == "normal"
    run(state, [0])
    assert state.severity == "reduced"


def test_accepted_between_ac_and_re_on_reduced_returns_to_normal() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [0] * 10)
    plan = state.plan(LOT)
    assert plan.verdict(6) == "accept_resume_normal"
    state.record(True, 6)
    assert state.severity == "normal"


def test_irregular_production_ends_reduced() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [0] * 10)
    state.set_steady_production(False)
    assert state.severity == "normal"


def test_five_lots_not_accepted_on_tightened_discontinue() -> None:
    state = SwitchingState("II", 0.65)
    run(state, [11, 11])
    assert state.severity == "tightened"
    run(state, [9, 0, 9, 9, 0, 0, 0, 9])
    assert not state.discontinued
    run(state, [9])  # 5th lot not accepted in this spell of tightened inspection
    assert state.discontinued
    with pytest.raises(RuntimeError, match="discontinued"):
        state.plan(LOT)
    state.resume()
    assert not state.discontinued and state.severity == "tightened"
    run(state, [0] * 5)
    assert state.severity == "normal"


def test_record_is_checked() -> None:
    state = SwitchingState("II", 0.65)
    with pytest.raises(RuntimeError, match="plan"):
        state.record(True, 0)
    with pytest.raises(RuntimeError, match="discontinued"):
        state.resume()
    state.plan(LOT)
    with pytest.raises(ValueError, match="contradicts"):
        state.record(True, 11)
    with pytest.raises(ValueError, match="contradicts"):
        state.record(False, 0)
    with pytest.raises(ValueError, match="integer >= 0"):
        state.record(True, -1)
    with pytest.raises(ValueError, match="allowed"):
        SwitchingState("X", 0.65)
    with pytest.raises(ValueError, match="allowed"):
        SwitchingState("II", 0.7)


# --- defect draws ---------------------------------------------------------------------


def test_draw_defects_matches_hypergeometric_moments() -> None:
    rng = np.random.default_rng(20240531)
    lot, n, fraction = 1000, 200, 0.03  # D = 30
    draws = np.array([draw_defects(rng, n, fraction, lot) for _ in range(20_000)])
    d = 30
    mean = n * d / lot
    var = n * (d / lot) * (1 - d / lot) * (lot - n) / (lot - 1)
    se_mean = math.sqrt(var / draws.size)
    assert abs(draws.mean() - mean) < 4 * se_mean
    # sample variance: SE ~ var * sqrt(2 / N) for a near-normal count
    assert abs(draws.var(ddof=1) - var) < 4 * var * math.sqrt(2 / draws.size) * 1.5
    # the finite-lot variance is clearly below the binomial one (factor 0.8)
    assert draws.var(ddof=1) < 0.9 * n * (d / lot) * (1 - d / lot)


def test_draw_defects_edge_cases() -> None:
    rng = np.random.default_rng(7)
    assert draw_defects(rng, 50, 0.0, 500) == 0
    assert draw_defects(rng, 500, 0.1, 500) == 50  # 100 % inspection finds all
    assert draw_defects(rng, 10, 1.0, 10) == 10
    with pytest.raises(ValueError, match="sample size"):
        draw_defects(rng, 600, 0.1, 500)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        draw_defects(rng, 10, 1.2, 500)
    with pytest.raises(ValueError, match="Generator"):
        draw_defects(np.random.RandomState(1), 10, 0.1, 500)  # type: ignore[arg-type]


def test_draw_defects_is_reproducible() -> None:
    a = [draw_defects(np.random.default_rng(3), 800, 0.0065, 250_000) for _ in range(3)]
    rng = np.random.default_rng(3)
    b = draw_defects(rng, 800, 0.0065, 250_000)
    assert a == [b, b, b]
