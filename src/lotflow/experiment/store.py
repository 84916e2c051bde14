"""The results store: one SQLite database in a directory, one row per (point, replication).

Layout of ``DIR/lotflow-store.sqlite`` (WAL journal, ``synchronous=FULL``):

* ``meta``: ``format``, ``base_hash`` (hash of the base scenario without its
  ``run`` block), ``base_name``, ``base_scenario`` (JSON), ``created_by``.
* ``points``: ``key`` (hash of the point's scenario without ``run``, plus
  horizon, warm-up, seed and engine), ``assignments`` (the ``--set`` values
  that made it, JSON), ``scenario`` (JSON), ``horizon``, ``warmup``, ``seed``,
  ``warmup_method``; ``rowid`` gives the order points were first seen.
* ``records``: primary key ``(point, replication)``; ``metrics`` and ``labels``
  as JSON lists of ``[path, value]`` (floats round-trip exactly), ``wall_s``,
  ``version``.
* ``warmups``: warm-up decisions (MSER-5) by a hash of the point without its
  warm-up, so a restarted sweep does not run its pilot replications again.
* ``claims``: records a running sweep has taken on (``owner`` = host, process
  id and a random tag; ``expires`` = claim time + lease). Sweeps started at once
  on one store claim records in transactions, so each record is run by one of
  them; a claim whose process is gone (same host) or whose lease ran out is
  taken over, so a killed sweep leaves nothing locked.

Every write is one transaction: a process killed at any moment leaves each
record either wholly present or absent, and the primary key makes a record
impossible to store twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from lotflow import __version__
from lotflow.experiment.replication import ReplicationResult
from lotflow.experiment.runner import ENGINE_NAME as ENGINE
from lotflow.scenario.errors import ScenarioError

DB_NAME = "lotflow-store.sqlite"
FORMAT = "lotflow-store/1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY, assignments TEXT NOT NULL, scenario TEXT NOT NULL,
    horizon REAL NOT NULL, warmup REAL NOT NULL, seed INTEGER NOT NULL,
    warmup_method TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    point TEXT NOT NULL, replication INTEGER NOT NULL, metrics TEXT NOT NULL,
    labels TEXT NOT NULL, wall_s REAL NOT NULL, version TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (point, replication));
CREATE TABLE IF NOT EXISTS warmups (
    key TEXT PRIMARY KEY, warmup REAL NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (
    point TEXT NOT NULL, replication INTEGER NOT NULL, owner TEXT NOT NULL,
    host TEXT NOT NULL, pid INTEGER NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (point, replication));
"""
LEASE_S = 6 * 3600.0  # a claim older than this is taken over even if its process lives


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def canonical(data) -> str:
    """Deterministic JSON of plain data (sorted keys, exact float repr)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)


def digest(data) -> str:
    return hashlib.sha256(canonical(data).encode()).hexdigest()


def scenario_doc(scenario) -> dict:
    """The scenario as plain data, without its ``run`` block (which options override)."""
    doc = scenario.model_dump(mode="json")
    doc.pop("run", None)
    return doc


def base_hash(scenario) -> str:
    """Identity of the system a store is about."""
    return digest(scenario_doc(scenario))


def point_key(scenario, horizon: float, warmup: float, seed: int) -> str:
    """Identity of one sweep point: everything that determines its replications."""
    return digest(
        {
            "scenario": scenario_doc(scenario),
            "horizon": float(horizon),
            "warmup": float(warmup),
            "seed": int(seed),
            "engine": ENGINE,
        }
    )


def warmup_key(scenario, horizon: float, seed: int, method: str, pilot: int) -> str:
    """Identity of a warm-up decision (the point without its warm-up)."""
    return digest(
        {
            "scenario": scenario_doc(scenario),
            "horizon": float(horizon),
            "seed": int(seed),
            "method": method,
            "pilot": int(pilot),
            "engine": ENGINE,
        }
    )


@dataclass(frozen=True)
class PointRow:
    """A point as stored: its key, how it was made and its run settings."""

    ordinal: int
    key: str
    assignments: list[tuple[str, object]]
    horizon: float
    warmup: float
    seed: int
    warmup_method: str
    scenario: dict


class Store:
    """A results store directory. Use :meth:`open` (creates) or :meth:`existing`."""

    def __init__(self, directory: Path, conn: sqlite3.Connection):
        self.directory = directory
        self.conn = conn
        self.host = socket.gethostname()
        self.owner = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.claimed = False  # whether this connection ever claimed records

    # -- opening ---------------------------------------------------------------
    @classmethod
    def check(cls, directory: str | Path, scenario) -> None:
        """Raise :class:`ScenarioError` unless ``directory`` is new, empty or a
        store of ``scenario``'s base system. Creates nothing."""
        directory = Path(directory)
        if directory.exists() and not directory.is_dir():
            raise ScenarioError(f"--store {directory}: not a directory")
        if not (directory / DB_NAME).exists():
            if directory.is_dir() and any(directory.iterdir()):
                raise ScenarioError(
                    f"--store {directory}: the directory is not empty and holds no lotflow "
                    "store; give a new or empty directory"
                )
            return
        store = cls._connect(directory)
        meta = store.meta()
        store.close()
        wanted = base_hash(scenario)
        if meta.get("base_hash") not in (None, wanted):
            raise ScenarioError(
                f"--store {directory}: store made by a different scenario "
                f"({meta.get('base_name')!r}, {meta['base_hash'][:12]}); this scenario "
                f"({scenario.name!r}) hashes to {wanted[:12]}. Use another store directory."
            )

    @classmethod
    def open(cls, directory: str | Path, scenario) -> Store:
        """Open (or create) the store for ``scenario``'s base system.

        Raises :class:`ScenarioError` when the directory holds a store of another
        scenario or other files (:meth:`check`); nothing is written then.
        """
        directory = Path(directory)
        cls.check(directory, scenario)
        directory.mkdir(parents=True, exist_ok=True)
        store = cls._connect(directory)
        wanted = base_hash(scenario)
        if store.meta().get("base_hash") == wanted:
            return store
        with store.conn:
            store.conn.executemany(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                [
                    ("format", FORMAT),
                    ("base_hash", wanted),
                    ("base_name", scenario.name),
                    ("base_scenario", canonical(scenario_doc(scenario))),
                    ("created_by", f"lotflow {__version__}"),
                ],
            )
        return store

    @classmethod
    def existing(cls, directory: str | Path) -> Store:
        """Open a store that must already exist (for reading)."""
        directory = Path(directory)
        if not (directory / DB_NAME).is_file():
            raise ScenarioError(f"{directory}: not a lotflow store (no {DB_NAME} inside)")
        store = cls._connect(directory)
        if "base_hash" not in store.meta():
            store.close()
            raise ScenarioError(f"{directory}: the store is empty (no sweep finished creating it)")
        return store

    @classmethod
    def _connect(cls, directory: Path) -> Store:
        try:
            conn = sqlite3.connect(directory / DB_NAME, timeout=60.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            with conn:
                conn.executescript(_SCHEMA)
            fmt = conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ScenarioError(f"{directory}: cannot read the store ({exc})") from None
        if fmt is not None and fmt[0] != FORMAT:
            conn.close()
            raise ScenarioError(f"{directory}: store format {fmt[0]!r}, expected {FORMAT!r}")
        return cls(directory, conn)

    def close(self) -> None:
        if self.claimed:  # release what this sweep claimed and did not finish
            with self.conn:
                self.conn.execute("DELETE FROM claims WHERE owner=?", (self.owner,))
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def meta(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM meta"))

    # -- points ----------------------------------------------------------------
    def add_point(
        self,
        key: str,
        assignments: list[tuple[str, object]],
        scenario,
        horizon: float,
        warmup: float,
        seed: int,
        warmup_method: str,
    ) -> None:
        """Remember a point (first description wins when it is already known)."""
        with self.conn:
            self.conn.execute(
                "INSERT OR IGNORE INTO points VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    json.dumps([list(a) for a in assignments]),
                    canonical(scenario.model_dump(mode="json")),
                    float(horizon),
                    float(warmup),
                    int(seed),
                    warmup_method,
                    time.time(),
                ),
            )

    def points(self) -> list[PointRow]:
        """Every point, in the order first seen."""
        rows = self.conn.execute(
            "SELECT key, assignments, horizon, warmup, seed, warmup_method, scenario "
            "FROM points ORDER BY rowid"
        ).fetchall()
        return [
            PointRow(
                i + 1, key, [tuple(a) for a in json.loads(assign)], h, w, s, m, json.loads(doc)
            )
            for i, (key, assign, h, w, s, m, doc) in enumerate(rows)
        ]

    def find_point(self, ref: str) -> PointRow:
        """A point by its number in ``lotflow results`` or a prefix of its key."""
        points = self.points()
        if ref.isdigit() and 1 <= int(ref) <= len(points):
            return points[int(ref) - 1]
        found = [p for p in points if p.key.startswith(ref.lower())] if len(ref) >= 4 else []
        if len(found) != 1:
            what = "matches several points" if found else "is not a point of this store"
            raise ScenarioError(
                f"{self.directory}: {ref!r} {what} (give its number 1..{len(points)} "
                "or at least 4 characters of its key, as `lotflow results` shows)"
            )
        return found[0]

    # -- records ---------------------------------------------------------------
    def done(self, point: str) -> set[int]:
        """Replication indices stored for ``point``."""
        rows = self.conn.execute("SELECT replication FROM records WHERE point=?", (point,))
        return {r[0] for r in rows}

    def put(self, point: str, result: ReplicationResult, wall_s: float = 0.0) -> bool:
        """Store one replication atomically; ``False`` if it was already there."""
        metrics = json.dumps(
            [[list(k), float(v)] for k, v in result.metrics.items()], allow_nan=True
        )
        labels = json.dumps([[list(k), v] for k, v in result.labels.items()])
        with self.conn:
            cursor = self.conn.execute(
                "INSERT OR IGNORE INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
                (point, int(result.index), metrics, labels, wall_s, __version__, time.time()),
            )
            self.conn.execute(
                "DELETE FROM claims WHERE point=? AND replication=?", (point, int(result.index))
            )
        return cursor.rowcount == 1

    # -- claims (sweeps sharing a store) -----------------------------------------
    def claim(self, wanted: list[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
        """Claim up to ``limit`` of the ``(point, replication)`` records in ``wanted``
        that are neither stored nor claimed by a live sweep; one transaction."""
        now = time.time()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            stale = [
                (owner,)
                for owner, host, pid, expires in self.conn.execute(
                    "SELECT DISTINCT owner, host, pid, expires FROM claims WHERE owner != ?",
                    (self.owner,),
                )
                if expires < now or (host == self.host and not _alive(pid))
            ]
            self.conn.executemany("DELETE FROM claims WHERE owner=?", stale)
            taken = set(self.conn.execute("SELECT point, replication FROM claims"))
            taken |= set(self.conn.execute("SELECT point, replication FROM records"))
            got = [item for item in wanted if item not in taken][:limit]
            self.conn.executemany(
                "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?)",
                [(p, i, self.owner, self.host, os.getpid(), now + LEASE_S) for p, i in got],
            )
            self.conn.execute("COMMIT")
            self.claimed = True
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return got

    def records(self, point: str, indices: list[int] | None = None) -> list[ReplicationResult]:
        """Stored replications of ``point`` (all, or the given indices), by index."""
        rows = self.conn.execute(
            "SELECT replication, metrics, labels FROM records WHERE point=? ORDER BY replication",
            (point,),
        ).fetchall()
        wanted = None if indices is None else set(indices)
        return [
            ReplicationResult(
                index,
                {tuple(k): v for k, v in json.loads(metrics)},
                {tuple(k): v for k, v in json.loads(labels)},
            )
            for index, metrics, labels in rows
            if wanted is None or index in wanted
        ]

    def count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]

    # -- warm-up decisions -----------------------------------------------------
    def warmup(self, key: str) -> tuple[float, dict] | None:
        row = self.conn.execute("SELECT warmup, detail FROM warmups WHERE key=?", (key,)).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def put_warmup(self, key: str, warmup: float, detail: dict) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR IGNORE INTO warmups VALUES (?, ?, ?)",
                (key, float(warmup), json.dumps(detail)),
            )
