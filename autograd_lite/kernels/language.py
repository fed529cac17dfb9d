"""The names a kernel may use, reached through ``jit.<name>`` (the kernel language).

A kernel is a Python function in the style of ``cupyx.jit.rawkernel``::

    @kernel
    def scale(x, y, a, n):
        i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
        if i < n:
            y[i] = a * x[i]

Inside a kernel, ``jit`` is replaced by the backend running it: CuPy's ``cupyx.jit`` (plus CuPy's
math ufuncs) on a GPU, the grid simulator's namespace on the CPU. Outside a kernel, ``jit`` only
says what it is for. The names (the same on both backends):

* ``threadIdx, blockIdx, blockDim, gridDim`` (``.x/.y/.z``), ``warpsize``
* ``syncthreads()`` (a statement of the kernel body), ``shared_memory(dtype, size)`` (1-D, per
  block), ``atomic_add(array, index, value)``
* math on scalars: ``exp, log, log1p, sqrt, tanh, abs``; Python's ``min``/``max``/``range``
* types for casts and shared memory: ``float32, float64, int32``
"""

from __future__ import annotations

import math
import types
from typing import Any

import numpy as np

NAMES = ("threadIdx", "blockIdx", "blockDim", "gridDim", "warpsize", "syncthreads",
         "shared_memory", "atomic_add", "exp", "log", "log1p", "sqrt", "tanh", "abs",
         "float32", "float64", "int32")


class _Placeholder:
    """``jit`` outside a kernel: every name exists only while a kernel runs."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name in NAMES:
            raise RuntimeError(f"jit.{name} only exists inside a kernel: decorate the function "
                               "with @kernel and launch it, e.g. k.simulate(grid, block, args) "
                               "on the CPU or k(grid, block, args) with CuPy arrays on a GPU.")
        raise AttributeError(f"the kernel language has no jit.{name}; it has: "
                             + ", ".join(NAMES))

    def __repr__(self) -> str:
        return "<kernel language: jit.threadIdx, jit.syncthreads(), ... (see kernels.language)>"


jit = _Placeholder()


# --- math for the simulator: Python floats, with IEEE results instead of Python's exceptions ----
def _exp(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _log(v: float) -> float:
    if v > 0:
        return math.log(v)
    return -math.inf if v == 0 else math.nan


def _log1p(v: float) -> float:
    if v > -1:
        return math.log1p(v)
    return -math.inf if v == -1 else math.nan


def _sqrt(v: float) -> float:
    return math.sqrt(v) if v >= 0 else math.nan


SIM_MATH = {"exp": _exp, "log": _log, "log1p": _log1p, "sqrt": _sqrt, "tanh": math.tanh,
            "abs": abs, "float32": float, "float64": float, "int32": int, "warpsize": 32}
SIM_DTYPES = {float: np.float32}  # jit.float32 is `float` in the simulator; shared memory dtype


def gpu_namespace() -> types.SimpleNamespace:
    """``jit`` for CuPy: cupyx.jit's built-ins and CuPy's math ufuncs (needs CuPy)."""
    import warnings

    import cupy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cupyx import jit as cj
    return types.SimpleNamespace(
        threadIdx=cj.threadIdx, blockIdx=cj.blockIdx, blockDim=cj.blockDim,
        gridDim=cj.gridDim, warpsize=cj.warpsize, syncthreads=cj.syncthreads,
        shared_memory=cj.shared_memory, atomic_add=cj.atomic_add, exp=cupy.exp, log=cupy.log,
        log1p=cupy.log1p, sqrt=cupy.sqrt, tanh=cupy.tanh, abs=cupy.absolute,
        float32=np.float32, float64=np.float64, int32=np.int32)
