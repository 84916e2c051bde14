"""The HTML report of a run: one self-contained file (plotly.js inlined, no network).

``write_report(scenario, results, path)`` renders the Jinja2 template
``templates/report.html.j2`` with the Plotly figures of
:mod:`lotflow.report.figures_line` and :mod:`lotflow.report.figures_plant`
and writes it atomically. The report reads the results only; it never runs
a simulation (the analytic capacity is a closed form / decomposition).
"""

from __future__ import annotations

from pathlib import Path

from lotflow.io import write_atomic
from lotflow.report.render import render_report

__all__ = ["render_report", "write_report"]


def write_report(scenario, results, path: str | Path, claim: float | None = None) -> None:
    """Write the HTML report of ``results`` (a :class:`~lotflow.results.Results`) of
    ``scenario`` to ``path`` atomically; ``claim`` is the claimed good parts a year
    (None: the scenario's own claim; a scenario without one gets no claim check)."""
    write_atomic(path, render_report(scenario, results, claim))
