"""Random streams from one master seed (numpy ``SeedSequence`` spawning).

Replication ``r`` of master seed ``s`` always gets ``SeedSequence(s, spawn_key=(r,))``
- exactly the child ``SeedSequence(s).spawn(R)[r]`` - whatever R and whatever
the number of workers; line ``j`` of that replication gets its child ``j``
and the plant the child after the last line. Within a line, each random
source has its own stream (see :mod:`lotflow.engine.line`).
"""

from __future__ import annotations

import numpy as np


def replication_seed(master_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication."""
    return np.random.SeedSequence(master_seed, spawn_key=(replication,))


def component_seeds(
    replication: np.random.SeedSequence, n_lines: int
) -> tuple[list[np.random.SeedSequence], np.random.SeedSequence]:
    """Per-line seed sequences and the plant's, for one replication."""
    children = replication.spawn(n_lines + 1)
    return children[:n_lines], children[n_lines]
