"""Random streams as the compiled kernel takes them: one array for any number.

A numpy ``Generator`` passed to numba is unboxed into a struct, and a tuple of
them types the kernel by its length, so numba would compile the kernel again
for every number of stations. The kernel instead takes one ``uint64`` array
of *stream handles*, one row per stream: the address of the bit generator's
state and of its ``next_uint64`` and ``next_double`` functions (numpy's
documented ``BitGenerator.ctypes`` interface). The kernel's type does not
depend on the line, so one compiled kernel serves every line.

:func:`lotflow.draws.stream` turns a row into a bit generator for numba's own
distribution algorithms, so draws from a handle are the same numbers, bit for
bit, as draws from the Generator itself, and they advance the Generator's
state in place: ``bit_generator.state`` sees every draw.

The Generators must outlive their handles (:class:`lotflow.engine.line_run.LineRun`
keeps them). With ``NUMBA_DISABLE_JIT=1`` the handles are the numpy bit
generators themselves and everything runs as plain Python, the same numbers
again. This module is plain Python: building handles does not load numba.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import numpy as np

from lotflow.native import jit_disabled

STATE, NEXT_UINT64, NEXT_DOUBLE = range(3)
HANDLE_WORDS = 3


def stream_handles(generators: Sequence[np.random.Generator]):
    """The handles of ``generators`` for the kernel: a ``uint64[n, 3]`` array of
    (state address, ``next_uint64`` address, ``next_double`` address), or, with
    the JIT disabled, the tuple of their bit generators."""
    if jit_disabled():
        return tuple(gen.bit_generator for gen in generators)
    handles = np.zeros((len(generators), HANDLE_WORDS), dtype=np.uint64)
    for row, gen in enumerate(generators):
        face = gen.bit_generator.ctypes
        handles[row, STATE] = face.state_address
        handles[row, NEXT_UINT64] = _address(face.next_uint64)
        handles[row, NEXT_DOUBLE] = _address(face.next_double)
    return handles


def _address(function) -> int:
    return int(ctypes.cast(function, ctypes.c_void_p).value or 0)
