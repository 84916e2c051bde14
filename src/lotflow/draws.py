"""Draws in compiled code: numba functions on a Generator, a bit generator or a stream.

:func:`draw` gives one value of a distribution compiled by :mod:`lotflow.dists`
with numba's implementations of numpy's algorithms
(``numba.np.random.distributions``, the code behind ``Generator.exponential``
and the rest), so each gives the numbers the Generator itself would, bit for
bit. The source may be a numpy Generator, its bit generator, or a kernel
stream: a row of stream handles (:mod:`lotflow.streams`) that :func:`stream`
turns into a triple of machine words, which the overloads below let numba's
algorithms take as a bit generator, calling the C functions at the handle's
addresses.

This leans on two numba internals, ``generator_core.next_uint64/next_double``
and the functions of ``numba.np.random.distributions``; numba is pinned.
Processes that find the ahead-of-time engine (:mod:`lotflow.native`) never
import this module.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core.extending import intrinsic, overload
from numba.np.random import generator_core
from numba.np.random.distributions import (
    random_exponential,
    random_gamma,
    random_geometric,
    random_lognormal,
    random_triangular,
    random_uniform,
)
from numba.np.random.generator_core import next_double

from lotflow.dists import (
    DETERMINISTIC,
    EXPONENTIAL,
    GAMMA,
    GEOMETRIC,
    LOGNORMAL,
    TRIANGULAR,
    UNIFORM,
)
from lotflow.streams import HANDLE_WORDS, NEXT_DOUBLE, NEXT_UINT64, STATE


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


def bits_of(source):
    """The bit generator behind ``source``: a numpy Generator's, or ``source``
    itself (a numpy BitGenerator or a kernel stream)."""
    return getattr(source, "bit_generator", source)


@overload(bits_of)
def _bits_of_compiled(source):
    if isinstance(source, types.NumPyRandomGeneratorType):
        return lambda source: source.bit_generator
    return lambda source: source


@numba.njit(cache=True)
def draw(source, kind, params, values):
    """One draw of the distribution ``(kind, params)`` (:mod:`lotflow.dists`)
    from ``source``: a numpy Generator, its bit generator or a kernel stream."""
    bits = bits_of(source)
    if kind == DETERMINISTIC:
        return params[0]
    if kind == EXPONENTIAL:
        return random_exponential(bits, params[0])
    if kind == LOGNORMAL:
        return random_lognormal(bits, params[0], params[1])
    if kind == GAMMA:
        return random_gamma(bits, params[0], params[1])
    if kind == UNIFORM:
        return random_uniform(bits, params[0], params[1] - params[0])
    if kind == TRIANGULAR:
        return random_triangular(bits, params[0], params[1], params[2])
    if kind == GEOMETRIC:
        return float(random_geometric(bits, params[0]))
    count = int(params[1])
    # A uniform index from next_double: numba's integers() allocates an array,
    # which the engine's kernel (compiled without reference counting) cannot.
    return values[int(params[0]) + min(int(next_double(bits) * count), count - 1)]


@numba.njit(cache=True)
def draw_geometric_count(source, p):
    """Number of trials up to and including the first success, on {1, 2, ...}."""
    return np.int64(random_geometric(bits_of(source), p))


@numba.njit(cache=True)
def fill(handles, kind, params, values, out):
    """``out[:]`` = successive draws of ``(kind, params)`` from the first stream
    of ``handles`` (:func:`lotflow.streams.stream_handles`): the values as many
    calls of :func:`draw` on its Generator would give, in one call."""
    bits = stream(handles, 0)
    for i in range(out.shape[0]):
        out[i] = draw(bits, kind, params, values)
