"""Random streams as the compiled kernel takes them: one array for any number.

A numpy ``Generator`` passed to numba is unboxed into a struct, and a tuple of
them types the kernel by its length, so numba would compile the kernel again
for every number of stations. The kernel instead takes one ``uint64`` array
of *stream handles*, one row per stream: the address of the bit generator's
state and of its ``next_uint64`` and ``next_double`` functions (numpy's
documented ``BitGenerator.ctypes`` interface). The kernel's type no longer
depends on the line, so one compiled kernel serves every line.

:func:`stream` turns a row into a triple of machine words, which numba's own
distribution algorithms (``numba.np.random.distributions``, the code behind
``Generator.exponential`` and the rest) take as a bit generator through the
overloads below. Draws from a handle are therefore the same numbers, bit for
bit, as draws from the Generator itself, and they advance the Generator's
state in place: ``bit_generator.state`` sees every draw.

The Generators must outlive their handles (:class:`lotflow.engine.line_run.LineRun`
keeps them). With ``NUMBA_DISABLE_JIT=1`` the handles are the numpy bit
generators themselves and everything runs as plain Python, the same numbers
again (numba's algorithms are then Python functions on ``BitGenerator.ctypes``).

This leans on two numba internals, ``generator_core.next_uint64/next_double``
and the functions of ``numba.np.random.distributions``; numba is pinned.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic, overload
from numba.np.random import generator_core

STATE, NEXT_UINT64, NEXT_DOUBLE = range(3)
HANDLE_WORDS = 3


def stream_handles(generators: Sequence[np.random.Generator]):
    """The handles of ``generators`` for the kernel: a ``uint64[n, 3]`` array of
    (state address, ``next_uint64`` address, ``next_double`` address), or, with
    the JIT disabled, the tuple of their bit generators."""
    if numba.config.DISABLE_JIT:
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


def stream(handles, index):
    """Stream ``index`` of ``handles`` as a bit generator for the draws."""
    return handles[index]


@overload(stream)
def _stream_compiled(handles, index):
    if isinstance(handles, types.Array):

        def impl(handles, index):
            return (handles[index, STATE], handles[index, NEXT_UINT64], handles[index, NEXT_DOUBLE])

        return impl
    return None


def _is_handle(bits) -> bool:
    return (
        isinstance(bits, types.UniTuple)
        and bits.count == HANDLE_WORDS
        and bits.dtype == types.uint64
    )


def _call_intrinsic(result: types.Type, ll_result: ir.Type):
    """An intrinsic that calls the C function at address ``fn`` with ``state``."""

    @intrinsic
    def call(typingctx, fn, state):
        signature = result(types.uint64, types.uint64)

        def codegen(context, builder, sig, args):
            fn_type = ir.FunctionType(ll_result, (ir.IntType(64),))
            return builder.call(builder.inttoptr(args[0], fn_type.as_pointer()), (args[1],))

        return signature, codegen

    return call


_call_uint64 = _call_intrinsic(types.uint64, ir.IntType(64))
_call_double = _call_intrinsic(types.float64, ir.DoubleType())


@overload(generator_core.next_uint64)
def _next_uint64(bits):
    if _is_handle(bits):
        return lambda bits: _call_uint64(bits[NEXT_UINT64], bits[STATE])
    return None


@overload(generator_core.next_double)
def _next_double(bits):
    if _is_handle(bits):
        return lambda bits: _call_double(bits[NEXT_DOUBLE], bits[STATE])
    return None
