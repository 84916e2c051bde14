"""Lot acceptance on the range: lot quality, MIL-STD-105E plans, switching, verdicts.

- A lot's nonconforming fraction p is drawn when it is made, from its
  product's beta distribution (process average and lot-to-lot variation); the
  lot then holds D = round(p x N) nonconforming units of its N.
- The plan of an original test is that of the product's switching state
  (normal / tightened / reduced, MIL-STD-105E 4.7) when the test starts, for
  the lot size N. Re-tests of screened (resubmitted) lots use the severity
  the scenario names and are not counted by the switching rules (4.10).
- The number found in the sample is hypergeometric (n drawn without
  replacement from N units of which D are nonconforming:
  :func:`lotflow.plant.sampling.draw_defects`).
- Switching follows results in the order the tests end. With several lanes,
  a test that ends after its product switched severity (because a later-started
  test ended first) is not recorded: the new severity starts with fresh counters
  anyway.
- When the switching rules discontinue inspection (too many lots rejected on
  tightened), the product resumes at once on tightened inspection and the
  discontinuation is counted (the model does not stop the lines).
"""

from __future__ import annotations

import numpy as np

from lotflow.plant.sampling import SamplingPlan, SwitchingState, draw_defects, plan_for
from lotflow.plant.spec import QualityConfig, SamplingConfig


def draw_fraction(quality: QualityConfig, rng: np.random.Generator) -> float:
    """Nonconforming fraction of one lot."""
    if quality.alpha <= 0.0:
        return quality.mean
    return float(rng.beta(quality.alpha, quality.beta))


class Acceptance:
    """Sampling plans and verdicts for every product (one switching state each)."""

    def __init__(
        self, config: SamplingConfig, products: tuple[str, ...], rng: np.random.Generator
    ) -> None:
        self.config = config
        self.rng = rng
        self.states = {
            p: SwitchingState(
                config.level,
                config.aql,
                authority_approves_reduced=config.reduced,
                discontinue_after=config.discontinue_after,
            )
            for p in products
        }

    def original_plan(self, product: str, lot_size: int) -> tuple[SamplingPlan, bool]:
        """Plan for a lot's first test, and whether inspection had to be resumed
        after a discontinuation first."""
        state = self.states[product]
        resumed = state.discontinued
        if resumed:
            state.resume()
        return plan_for(lot_size, self.config.level, self.config.aql, state.severity), resumed

    def retest_plan(self, lot_size: int, severity: str) -> SamplingPlan:
        """Plan for a resubmitted lot (not part of the switching record)."""
        return plan_for(lot_size, self.config.level, self.config.aql, severity)

    def judge(
        self, product: str, plan: SamplingPlan, units: int, defective: int, original: bool
    ) -> tuple[int, str]:
        """Inspect a sample of a lot of ``units`` holding ``defective`` nonconforming
        units: returns (defects found, verdict). Original tests update the
        product's switching state (see the module docstring)."""
        d = draw_defects(self.rng, plan.sample_size, defective / units, units)
        verdict = plan.verdict(d)
        if original:
            state = self.states[product]
            if not state.discontinued and state.severity == plan.severity:
                state.plan(units)
                state.record(plan.accepts(d), d)
        return d, verdict
