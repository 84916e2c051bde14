"""Overall equipment effectiveness (OEE) of a station, in two conventions.

Inputs (all over one observation window, in the scenario's time unit)
----------------------------------------------------------------------
``states``
    Time the station spent in each state of the model (``docs/model.md``,
    "Station states"): ``busy`` (processing), ``starved``, ``blocked``,
    ``down`` (failed, in repair), ``setup`` (line changeover) and
    ``off_shift``. Missing keys count as 0. They partition the window.
``good``, ``scrap``
    Parts the station completed in the window and passed on, resp. scrapped.
    The processed (ISO: *produced*) quantity is ``good + scrap``.
``ideal_cycle``
    The station's ideal cycle time: the mean of its processing-time
    distribution (ISO 22400: *planned runtime per item*, PRI).

Both conventions use the same planned time base, ``window - off_shift``:
off-shift time is outside the calendar's planned operation time, and the
model has no other planned downtime (no planned maintenance, no breaks).
Hence both OEE values equal ``ideal_cycle * good / (window - off_shift)``;
they differ only in how the losses are split between availability and
performance/effectiveness.

ISO 22400-2:2014 (Automation systems and integration - KPIs for manufacturing
operations management, Part 2), our reading
-------------------------------------------------------------------------
* POT (planned operation time) = ``window - off_shift``.
* PBT (planned busy time) = POT - PDT. PDT (planned down time) is planned
  time in which the unit is not scheduled to work (planned maintenance, no
  order). The model has none, so PBT = POT. A line changeover between
  campaigns is *order-related setup* (AUST, actual unit setup time), which
  ISO places inside the unit busy time (AUBT) and therefore inside PBT; it is
  **not** planned downtime. So changeover lowers ISO availability.
* APT (actual production time) = time spent producing, value-adding
  functions only = ``busy``. Setup (AUST), down time (ADOT) and delays
  (ADET: starved, blocked) are not APT.
* Availability A = APT / PBT.
* Effectiveness E = PRI x PQ / APT (PQ = produced quantity = good + scrap).
* Quality ratio QR = GQ / PQ (GQ = good quantity).
* OEE index = A x E x QR = PRI x GQ / PBT.

Nakajima (1988), *Introduction to TPM* (six big losses)
-------------------------------------------------------
* Loading time = total time - planned downtime = ``window - off_shift``.
* Operating time = loading time - downtime losses (breakdowns and
  setup/adjustment) = loading - ``down`` - ``setup`` = busy + starved +
  blocked.
* Availability = operating time / loading time.
* Performance efficiency = ideal cycle x processed amount / operating time;
  it carries the idling and minor stoppage loss (here ``starved`` and
  ``blocked``) and the speed loss.
* Quality rate = good / processed.
* OEE = availability x performance x quality = ideal x good / loading time.

So the splits differ exactly by the starved+blocked time: ISO counts it in
availability (A_iso = busy / PBT, E = ideal*processed / busy), Nakajima in
performance (A_nak = (busy + starved + blocked) / loading,
P = ideal*processed / (busy + starved + blocked)).

A ratio whose denominator is 0 (e.g. no planned time, or no production time)
is reported as ``0.0`` so results stay valid JSON. With random processing
times effectiveness/performance can exceed 1 slightly (parts faster than the
mean, parts straddling the window's edges); values are not clipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "STATES",
    "Iso22400OEE",
    "NakajimaOEE",
    "StationOEE",
    "loss_tree",
    "station_oee",
]

#: The station states of the model, in reporting order.
STATES: tuple[str, ...] = ("busy", "starved", "blocked", "down", "setup", "off_shift")

_REL_TOL = 1e-6


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0.0 else 0.0


@dataclass(frozen=True)
class _Inputs:
    busy: float
    starved: float
    blocked: float
    down: float
    setup: float
    off_shift: float
    window: float
    good: float
    scrap: float
    ideal_cycle: float

    @property
    def processed(self) -> float:
        return self.good + self.scrap

    @property
    def planned(self) -> float:
        return max(self.window - self.off_shift, 0.0)


def _nonneg(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def _inputs(
    states: Mapping[str, float],
    good: float,
    scrap: float,
    ideal_cycle: float,
    window: float | None,
) -> _Inputs:
    unknown = set(states) - set(STATES)
    if unknown:
        raise ValueError(
            f"unknown station state(s) {sorted(unknown)}; allowed: {', '.join(STATES)}"
        )
    t = {s: _nonneg(s, states.get(s, 0.0)) for s in STATES}
    total = math.fsum(t.values())
    if window is None:
        w = total
    else:
        w = _nonneg("window", window)
        if abs(total - w) > _REL_TOL * max(w, 1.0):
            raise ValueError(
                f"station state times sum to {total!r}, not to the window {w!r}; "
                "the states must partition the observation window"
            )
    ic = float(ideal_cycle)
    if not math.isfinite(ic) or ic <= 0.0:
        raise ValueError(f"ideal_cycle must be a finite number > 0, got {ideal_cycle!r}")
    return _Inputs(
        window=w,
        good=_nonneg("good", good),
        scrap=_nonneg("scrap", scrap),
        ideal_cycle=ic,
        **t,
    )


@dataclass(frozen=True)
class Iso22400OEE:
    """OEE index per ISO 22400-2 with its time elements (see module docstring)."""

    availability: float
    effectiveness: float
    quality: float
    oee: float
    planned_busy_time: float
    actual_production_time: float

    def to_dict(self) -> dict[str, float]:
        return {
            "availability": self.availability,
            "effectiveness": self.effectiveness,
            "quality": self.quality,
            "oee": self.oee,
        }


@dataclass(frozen=True)
class NakajimaOEE:
    """OEE per Nakajima's TPM definition with its time elements."""

    availability: float
    performance: float
    quality: float
    oee: float
    loading_time: float
    operating_time: float

    def to_dict(self) -> dict[str, float]:
        return {
            "availability": self.availability,
            "performance": self.performance,
            "quality": self.quality,
            "oee": self.oee,
        }


@dataclass(frozen=True)
class StationOEE:
    """Both OEE conventions for one station; ``to_dict()`` is the results shape."""

    iso22400: Iso22400OEE
    nakajima: NakajimaOEE

    def to_dict(self) -> dict[str, dict[str, float]]:
        return {"iso22400": self.iso22400.to_dict(), "nakajima": self.nakajima.to_dict()}


def station_oee(
    states: Mapping[str, float],
    good: float,
    scrap: float,
    ideal_cycle: float,
    window: float | None = None,
) -> StationOEE:
    """OEE of one station in the ISO 22400-2 and Nakajima conventions.

    Parameters
    ----------
    states
        Time in each state over the window (keys from :data:`STATES`,
        missing = 0).
    good, scrap
        Parts completed good / scrapped by the station in the window.
    ideal_cycle
        Ideal cycle time = mean processing time of the station (> 0).
    window
        Length of the observation window; defaults to the sum of ``states``.
        If given, the states must sum to it (relative tolerance 1e-6).

    Returns
    -------
    StationOEE
        ``.to_dict()`` gives ``{"iso22400": {"availability", "effectiveness",
        "quality", "oee"}, "nakajima": {"availability", "performance",
        "quality", "oee"}}``. Both ``oee`` values equal
        ``ideal_cycle * good / (window - off_shift)`` (0 when no time was
        planned).
    """
    x = _inputs(states, good, scrap, ideal_cycle, window)
    planned = x.planned
    quality = _ratio(x.good, x.processed)
    ideal_processed = x.ideal_cycle * x.processed

    # ISO 22400-2
    pbt = planned  # PBT = POT - PDT, PDT = 0 in the model
    apt = x.busy
    iso_a = _ratio(apt, pbt)
    iso_e = _ratio(ideal_processed, apt)
    iso = Iso22400OEE(
        availability=iso_a,
        effectiveness=iso_e,
        quality=quality,
        oee=float(iso_a * iso_e * quality),
        planned_busy_time=float(pbt),
        actual_production_time=float(apt),
    )

    # Nakajima
    loading = planned
    operating = max(loading - x.down - x.setup, 0.0)
    nak_a = _ratio(operating, loading)
    nak_p = _ratio(ideal_processed, operating)
    nak = NakajimaOEE(
        availability=nak_a,
        performance=nak_p,
        quality=quality,
        oee=float(nak_a * nak_p * quality),
        loading_time=float(loading),
        operating_time=float(operating),
    )
    return StationOEE(iso22400=iso, nakajima=nak)


def loss_tree(
    states: Mapping[str, float],
    good: float,
    scrap: float,
    ideal_cycle: float,
    window: float | None = None,
) -> dict[str, float]:
    """Split the observation window into losses and value-adding time.

    Same inputs as :func:`station_oee`. Returns, in time units::

        {"off_shift":    off_shift time (not planned),
         "changeover":   setup time,
         "breakdowns":   down time,
         "starved":      starved time,
         "blocked":      blocked time,
         "speed_loss":   busy - ideal_cycle * (good + scrap),
         "scrap":        ideal_cycle * scrap   (ideal time spent on scrapped parts),
         "value_adding": ideal_cycle * good    (ideal time of good parts)}

    The parts sum to the window (up to rounding). ``speed_loss`` is not
    clipped: with random processing times or parts straddling the window's
    edges it can be slightly negative, which keeps the sum exact.
    ``value_adding / (window - off_shift)`` is the OEE of both conventions.
    """
    x = _inputs(states, good, scrap, ideal_cycle, window)
    value_adding = x.ideal_cycle * x.good
    scrap_time = x.ideal_cycle * x.scrap
    return {
        "off_shift": x.off_shift,
        "changeover": x.setup,
        "breakdowns": x.down,
        "starved": x.starved,
        "blocked": x.blocked,
        "speed_loss": float(x.busy - value_adding - scrap_time),
        "scrap": float(scrap_time),
        "value_adding": float(value_adding),
    }
