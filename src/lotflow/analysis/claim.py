"""The claim check: can the plant make ``claim`` good parts a year?

The reference plant is said to make "up to 70 million cartridges a year"
(shared/reference/plant.md) and its scenario states so:
``claim: {good_per_year: 70000000}``. :func:`claim_check` sets the scenario's
claim, or one given instead (a number of good parts a year), against

* what it takes: the working hours a year the lines would need at their
  nameplate rate and at the simulated rate, and the share of nameplate
  (line OEE) and the station availability they would need on the
  scenario's own hours;
* what the scenario gives: the analytic capacity (:mod:`lotflow.analysis.capacity`)
  and, with results, the simulated good parts a year with a 95 % Student-t
  interval over replications.

A year is the calendar's working time a year (8,760 h without a calendar);
simulated output is scaled from the observation window's working time to
that year. Scenarios in ``cycle`` time have no year: no check.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lotflow.analysis.capacity import Capacity, capacity
from lotflow.analysis.statistics import summarize
from lotflow.experiment.window import make_window

# No claim given: the scenario's own ``claim.good_per_year`` (none = no check).
DEFAULT_CLAIM = None


@dataclass(frozen=True)
class ClaimCheck:
    """All figures in good parts a year, hours a year, or fractions.

    ``simulated``, ``simulated_hours`` and ``simulated_share`` are
    ``{"mean", "ci95"}`` (None without results; ``simulated_hours`` also None
    when a replication made no good parts, for the hours would be unbounded);
    ``verdict`` is ``"holds"``
    when the whole interval reaches the claim, ``"fails"`` when it lies below,
    ``"undecided"`` otherwise; without results it follows the analytic ``flow``
    figure. ``nameplate`` is the lines' ideal output (no scrap, no changeovers).
    """

    claim: float
    lines: int
    hours_per_year: float
    nameplate: float
    analytic: float
    availability_bound: float
    hours_at_nameplate: float
    share_needed: float
    availability_needed: float
    bottleneck_availability: float
    simulated: dict | None
    simulated_hours: dict | None
    simulated_share: dict | None
    verdict: str

    def to_dict(self) -> dict:
        return asdict(self)

    def one_line(self) -> str:
        """One line for the CLI summary."""
        head = f"Claim {_m(self.claim)} a year:"
        need = (
            f"needs {self.hours_at_nameplate:,.0f} h at nameplate "
            f"({self.share_needed:.1%} of nameplate on {self.hours_per_year:,.0f} h)"
        )
        s, h = self.simulated, self.simulated_hours
        gives = f"analytic {_m(self.analytic)}"
        if s is not None:
            gives = f"simulated {_pm(s)} ({gives})"
        if h is not None:
            gives += f", {h['mean']:,.0f} ± {h['ci95']:,.0f} h at that rate"
        return f"{head} {need}; {gives} -> {self.verdict.upper()}"

    def paragraph(self) -> str:
        """A short paragraph for the report (plain text)."""
        text = (
            f"The claim of {_m(self.claim)} good parts a year needs, over the "
            f"{self.lines} lines, {self.hours_at_nameplate:,.0f} working hours a year at "
            f"the nameplate rate"
        )
        if self.share_needed <= 1.0:
            text += (
                f", or {self.share_needed:.1%} of nameplate on the scenario's "
                f"{self.hours_per_year:,.0f} h ({_m(self.nameplate)} at nameplate): the time "
                f"lost to failures, blocking, starving, scrap and changeovers must stay under "
                f"{1 - self.share_needed:.1%}"
            )
            if self.availability_needed <= 1.0:
                text += (
                    f"; the bottleneck would have to be up {self.availability_needed:.1%} of "
                    f"the time (it is up {self.bottleneck_availability:.1%} in isolation)."
                )
            else:
                text += ", which scrap and changeovers alone exceed."
        else:
            text += (
                f": more than the scenario's {self.hours_per_year:,.0f} h a year give even at "
                f"nameplate ({_m(self.nameplate)})."
            )
        text += (
            f" Analytically the lines give {_m(self.availability_bound)} a year with "
            f"availability alone and {_m(self.analytic)} with their buffers."
        )
        s, h, sh = self.simulated, self.simulated_hours, self.simulated_share
        if s is not None and sh is not None:
            text += (
                f" The simulation gives {_pm(s)} a year (95 % CI), "
                f"{sh['mean']:.1%} ± {sh['ci95']:.1%} of the claim"
            )
            text += (
                "."
                if h is None
                else f"; at that rate the claim would take {h['mean']:,.0f} ± "
                f"{h['ci95']:,.0f} working hours a year."
            )
        verdicts = {
            "holds": "The claim holds for this scenario.",
            "fails": "The claim does not hold for this scenario.",
            "undecided": "The check cannot decide either way.",
        }
        return f"{text} {verdicts[self.verdict]}"


def _m(value: float) -> str:
    return f"{value / 1e6:,.1f} M" if abs(value) >= 1e5 else f"{value:,.0f}"


def _pm(stat: dict) -> str:
    """Mean ± half-width of a parts figure, both in the mean's unit."""
    m, c = stat["mean"], stat["ci95"]
    return f"{m / 1e6:,.2f} ± {c / 1e6:,.2f} M" if abs(m) >= 1e5 else f"{m:,.0f} ± {c:,.0f}"


def simulated_per_year(scenario, data: dict, cap: Capacity) -> dict[str, np.ndarray]:
    """Good parts a year per line and replication (window scaled to the working year)."""
    if cap.working_per_year is None:
        raise ValueError(f"{cap.scenario}: no working year in {cap.time_unit} time")
    window = make_window(scenario, float(data["horizon"]), float(data["warmup"]))
    scale = cap.working_per_year / window.working_length
    return {
        name: np.asarray(line["good_parts"]["per_replication"], dtype=float) * scale
        for name, line in data["lines"].items()
    }


def working_length(scenario, data: dict) -> float:
    """Working time of the results' observation window (0 when it holds none)."""
    return make_window(scenario, float(data["horizon"]), float(data["warmup"])).working_length


def simulated_rates(scenario, data: dict, cap: Capacity) -> dict[str, dict] | None:
    """Per line: simulated good parts per time unit of working time (and a year), 95 % CI;
    None when the window holds no working time (no rate to give)."""
    if working_length(scenario, data) <= 0:
        return None
    if cap.working_per_year is None:
        window = make_window(scenario, float(data["horizon"]), float(data["warmup"]))
        rates = {
            n: np.asarray(line["good_parts"]["per_replication"], float) / window.working_length
            for n, line in data["lines"].items()
        }
        return {n: {"good_rate": _stat(v), "per_year": None} for n, v in rates.items()}
    years = simulated_per_year(scenario, data, cap)
    return {
        n: {"good_rate": _stat(v / cap.working_per_year), "per_year": _stat(v)}
        for n, v in years.items()
    }


def _stat(values) -> dict:
    out = summarize(values)
    return {"mean": out["mean"], "ci95": out["ci95"]}


def claim_check(
    scenario,
    data: dict | None = None,
    claim: float | None = DEFAULT_CLAIM,
    cap: Capacity | None = None,
) -> ClaimCheck | None:
    """Check ``claim`` (good parts a year; default the scenario's
    ``claim.good_per_year``) against ``scenario`` and, if given, its results
    JSON ``data``. ``None`` when there is no claim, or the scenario has no year
    (``cycle`` time) or no lines."""
    if claim is None:
        claim = scenario.claim.good_per_year if scenario.claim is not None else None
    if claim is None:
        return None
    cap = cap or capacity(scenario)
    if cap.working_per_year is None or not cap.lines or claim <= 0:
        return None
    hours, nameplate = cap.working_hours_per_year, cap.nameplate
    analytic, availability = cap.plant("flow"), cap.plant("availability")
    if hours is None or nameplate is None or analytic is None or availability is None:
        return None  # all known whenever the working year is
    share = claim / nameplate
    loss_free = sum(line.ideal.good_rate for line in cap.lines) / sum(
        line.ideal.rate for line in cap.lines
    )
    worst = max(cap.lines, key=lambda line: line.step)
    bottleneck = next(s for s in worst.stations if s.name == worst.bottleneck)
    simulated = sim_hours = sim_share = None
    verdict = "holds" if analytic >= claim else "fails"
    if data is not None and data.get("lines") and working_length(scenario, data) > 0:
        per_line = simulated_per_year(scenario, data, cap)
        total = np.sum(list(per_line.values()), axis=0)
        simulated = _stat(total)
        # unbounded when a replication made no good parts
        sim_hours = _stat(claim / total * hours) if np.all(total > 0) else None
        sim_share = _stat(total / claim)
        low, high = simulated["mean"] - simulated["ci95"], simulated["mean"] + simulated["ci95"]
        verdict = "holds" if low >= claim else "fails" if high < claim else "undecided"
    return ClaimCheck(
        claim=float(claim),
        lines=len(cap.lines),
        hours_per_year=float(hours),
        nameplate=float(nameplate),
        analytic=float(analytic),
        availability_bound=float(availability),
        hours_at_nameplate=float(claim / nameplate * hours),
        share_needed=float(share),
        availability_needed=float(share / loss_free),
        bottleneck_availability=float(bottleneck.efficiency),
        simulated=simulated,
        simulated_hours=sim_hours,
        simulated_share=sim_share,
        verdict=verdict,
    )
