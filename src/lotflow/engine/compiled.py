"""A scenario line compiled to plain arrays for the engine (no pydantic past this point)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lotflow.dists import DistTable, compile_dist

NO_FAILURE, BUSY_TIME, PER_CYCLE = 0, 1, 2
STREAMS_PER_STATION = 4
PROCESS_STREAM, FAILURE_STREAM, REPAIR_STREAM, SCRAP_STREAM = range(STREAMS_PER_STATION)
INFINITE = -1


@dataclass(frozen=True)
class LineArrays:
    """One flow line as the kernel sees it.

    Per station ``i``: ``proc_d[i]``, ``ttf_d[i]``, ``rep_d[i]`` are rows of the
    distribution table (``-1`` when absent), ``fail_mode[i]`` one of
    NO_FAILURE / BUSY_TIME / PER_CYCLE with ``fail_p[i]`` the per-cycle
    probability, ``scrap_q[i]`` the scrap probability. ``buffers[i]`` is the
    number of physical slots between station i and i+1.

    Campaigns are merged runs of one product: ``camp_target[c]`` good parts
    (``INFINITE`` for a line that never changes product), ``camp_lots[c]``
    lots of ``camp_lot_size[c]`` parts, ``camp_product[c]`` an index into
    ``products``, and ``camp_changeover[c]`` whether a run-empty changeover
    precedes campaign ``c``; ``camp_release[c]`` the earliest working time
    station 1 may release the campaign's first part (0 for a scenario's own
    campaigns; a plan's release dates). No campaigns at all: a bare line
    without lots.
    """

    name: str
    station_names: tuple[str, ...]
    buffers: np.ndarray
    proc_d: np.ndarray
    fail_mode: np.ndarray
    fail_p: np.ndarray
    ttf_d: np.ndarray
    rep_d: np.ndarray
    scrap_q: np.ndarray
    dist_kinds: np.ndarray
    dist_params: np.ndarray
    dist_values: np.ndarray
    ideal_cycle: np.ndarray
    camp_target: np.ndarray
    camp_lots: np.ndarray
    camp_lot_size: np.ndarray
    camp_product: np.ndarray
    camp_changeover: np.ndarray
    camp_release: np.ndarray
    changeover_d: int
    products: tuple[str, ...]

    @property
    def n_stations(self) -> int:
        return len(self.station_names)

    @property
    def n_streams(self) -> int:
        """Random streams: four per station (process, failure, repair, scrap) + changeover."""
        return STREAMS_PER_STATION * self.n_stations + 1


def compile_line(line, products) -> LineArrays:
    """Compile a scenario ``Line`` (pydantic) given the scenario's product list."""
    table = DistTable()
    proc, mode, p, ttf, rep, scrap, ideal = [], [], [], [], [], [], []
    for station in line.stations:
        compiled = compile_dist(station.process)
        proc.append(table.add(compiled))
        ideal.append(compiled.mean)
        failure = station.failure
        if failure is None:
            mode.append(NO_FAILURE)
            p.append(0.0)
            ttf.append(-1)
        elif failure.per_cycle is not None:
            mode.append(PER_CYCLE if failure.per_cycle > 0 else NO_FAILURE)
            p.append(failure.per_cycle)
            ttf.append(-1)
        else:
            mode.append(BUSY_TIME)
            p.append(0.0)
            ttf.append(table.add(compile_dist(failure.busy_time)))
        rep.append(table.add(compile_dist(station.repair)) if station.repair else -1)
        scrap.append(station.scrap)
    changeover_d = table.add(compile_dist(line.changeover)) if line.changeover else -1
    kinds, params, values = table.arrays()
    product_names = tuple(prod.name for prod in products)
    lot_size = {prod.name: prod.lot_size for prod in products}
    runs = _merge_campaigns(line.campaigns)
    single_product = len({prod for prod, _ in runs}) == 1
    return LineArrays(
        name=line.name,
        station_names=tuple(s.name for s in line.stations),
        buffers=np.array(line.buffers, dtype=np.int64),
        proc_d=np.array(proc, dtype=np.int64),
        fail_mode=np.array(mode, dtype=np.int64),
        fail_p=np.array(p, dtype=np.float64),
        ttf_d=np.array(ttf, dtype=np.int64),
        rep_d=np.array(rep, dtype=np.int64),
        scrap_q=np.array(scrap, dtype=np.float64),
        dist_kinds=kinds,
        dist_params=params,
        dist_values=values,
        ideal_cycle=np.array(ideal, dtype=np.float64),
        camp_target=np.array(
            [INFINITE if single_product else lots * lot_size[prod] for prod, lots in runs],
            dtype=np.int64,
        ),
        camp_lots=np.array(
            [INFINITE if single_product else lots for _, lots in runs], dtype=np.int64
        ),
        camp_lot_size=np.array([lot_size[prod] for prod, _ in runs], dtype=np.int64),
        camp_product=np.array([product_names.index(prod) for prod, _ in runs], dtype=np.int64),
        camp_changeover=np.array(
            [runs[c][0] != runs[c - 1][0] for c in range(len(runs))], dtype=np.bool_
        ),
        camp_release=np.zeros(len(runs)),
        changeover_d=changeover_d,
        products=product_names,
    )


def _merge_campaigns(campaigns) -> list[tuple[str, int]]:
    """Runs of one product: consecutive entries of the same product merge (no
    changeover between them). The list is cycled; a changeover precedes a run
    only when its product differs from the run before it (cyclically)."""
    runs: list[tuple[str, int]] = []
    for campaign in campaigns:
        if runs and runs[-1][0] == campaign.product:
            runs[-1] = (campaign.product, runs[-1][1] + campaign.lots)
        else:
            runs.append((campaign.product, campaign.lots))
    return runs
