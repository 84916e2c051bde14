"""Student's t quantile in plain Python (lotflow.analysis.student_t) against scipy."""

from __future__ import annotations

import math

import pytest
from scipy.special import stdtrit

from lotflow.analysis.student_t import t_quantile, two_sided

DEGREES = [*range(1, 121), 150, 200, 499, 1000, 5000, 20000]
PROBABILITIES = [1e-6, 0.001, 0.025, 0.3, 0.5000001, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9999]


@pytest.mark.parametrize("df", DEGREES)
def test_quantiles_agree_with_scipy(df):
    for p in PROBABILITIES:
        expected = float(stdtrit(df, p))
        assert t_quantile(p, df) == pytest.approx(expected, rel=1e-9), (df, p)


@pytest.mark.parametrize("t", [0.0, 0.1, 1.0, 3.0, 50.0])
def test_closed_forms_for_one_and_two_degrees(t):
    assert two_sided(t, 1) == pytest.approx(2.0 / math.pi * math.atan(t), rel=1e-15, abs=1e-300)
    assert two_sided(t, 2) == pytest.approx(t / math.sqrt(2.0 + t * t), rel=1e-15, abs=1e-300)


def test_symmetry_and_the_median():
    assert t_quantile(0.5, 7) == 0.0
    for df in (1, 2, 3, 30):
        assert t_quantile(0.1, df) == -t_quantile(0.9, df)


@pytest.mark.parametrize(("p", "df"), [(0.0, 3), (1.0, 3), (0.5, 0), (0.5, 2.5), (float("nan"), 3)])
def test_outside_the_domain_is_an_error(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)
