"""Host code around the kernels: pick grid and block, allocate outputs, launch; and the NumPy
references every kernel is tested against.

Arrays may be NumPy (the kernel runs in the simulator) or CuPy (it runs on the GPU); outputs are
on the inputs' device.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module
from . import library as lib
from .gridsim import blocks_for


def _float(x: Any) -> Any:
    """A contiguous float32/float64 array (ints become float32, like PyTorch's promotion)."""
    xp = array_module(x)
    x = xp.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float32)
    return xp.ascontiguousarray(x)


# --- sigmoid -------------------------------------------------------------------------------------
def sigmoid(x: Any, block: int = 128) -> Any:
    """sigmoid(x) with the ``sigmoid_forward`` kernel, one thread per element."""
    x = _float(x)
    y = array_module(x).empty_like(x)
    n = x.size
    lib.sigmoid_forward(blocks_for(n, block), block, (x.reshape(-1), y.reshape(-1), n))
    return y


def sigmoid_backward(y: Any, gy: Any, block: int = 128) -> Any:
    """The gradient of sigmoid from its saved output ``y`` and the incoming gradient ``gy``."""
    y, gy = _float(y), _float(gy).astype(y.dtype, copy=False)
    gx = array_module(y).empty_like(y)
    n = y.size
    lib.sigmoid_backward(blocks_for(n, block), block,
                         (y.reshape(-1), gy.reshape(-1), gx.reshape(-1), n))
    return gx


# --- fused sigmoid + binary cross-entropy --------------------------------------------------------
def sigmoid_bce(z: Any, t: Any, block: int = 128) -> Any:
    """mean(BCE(sigmoid(z), t)) in one kernel launch; a 0-d array."""
    z = _float(z)
    t = _float(t).astype(z.dtype, copy=False)
    if z.shape != t.shape:
        raise ValueError(f"Using a target size ({tuple(t.shape)}) that is different to the "
                         f"input size ({tuple(z.shape)}) is deprecated. Please ensure they "
                         "have the same size.")
    xp = array_module(z)
    total = xp.zeros(1, dtype=z.dtype)
    n = z.size
    lib.sigmoid_bce_forward(block, z.dtype)(blocks_for(n, block), block,
                                            (z.reshape(-1), t.reshape(-1), total, n))
    return (total[0] / max(n, 1)).astype(z.dtype)


def sigmoid_bce_backward(z: Any, t: Any, grad: float, block: int = 128) -> Any:
    """d mean(BCE(sigmoid(z), t)) / dz times ``grad``, in one kernel launch."""
    z = _float(z)
    t = _float(t).astype(z.dtype, copy=False)
    gz = array_module(z).empty_like(z)
    n = z.size
    lib.sigmoid_bce_backward(blocks_for(n, block), block,
                             (z.reshape(-1), t.reshape(-1), gz.reshape(-1),
                              float(grad) / max(n, 1), n))
    return gz


# --- reduction: the backward of broadcasting ------------------------------------------------------
def sum_rows(g: Any, block: int = 128) -> Any:
    """Column sums of a 2-D array with the shared-memory ``sum_rows`` kernel."""
    g = _float(g)
    if g.ndim != 2:
        raise ValueError(f"sum_rows needs a 2-D array, got shape {tuple(g.shape)}")
    rows, cols = g.shape
    out = array_module(g).zeros(cols, dtype=g.dtype)
    if rows and cols:
        lib.sum_rows(block, g.dtype)(cols, block, (g, out, rows, cols))
    return out


def sum_to(g: Any, shape: tuple, block: int = 128) -> Any:
    """Sum ``g`` down to ``shape`` (which broadcasts to ``g.shape``): the gradient of a
    broadcast input. The summed dimensions are moved first, so one ``sum_rows`` launch does it."""
    g = _float(g)
    shape = tuple(shape)
    lead = g.ndim - len(shape)
    if lead < 0 or any(s not in (1, d) for s, d in zip(shape, g.shape[lead:])):
        raise RuntimeError(f"size {list(shape)} is not expandable to size {list(g.shape)}")
    summed = list(range(lead)) + [lead + i for i, s in enumerate(shape)
                                  if s == 1 and g.shape[lead + i] != 1]
    if not summed:
        return g.reshape(shape)
    kept = [d for d in range(g.ndim) if d not in summed]
    xp = array_module(g)
    moved = xp.ascontiguousarray(xp.transpose(g, summed + kept))
    rows = int(np.prod([g.shape[d] for d in summed]))
    out = sum_rows(moved.reshape(rows, -1), block)
    return out.reshape(shape)


# --- tiled matmul ---------------------------------------------------------------------------------
def matmul(a: Any, b: Any, tile: int = 16) -> Any:
    """a @ b for 2-D arrays with the shared-memory tiled kernel."""
    a, b = _float(a), _float(b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"matmul kernel needs 2-D arrays, got {tuple(a.shape)} and "
                         f"{tuple(b.shape)}")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    dt = np.promote_types(a.dtype, b.dtype)
    a, b = a.astype(dt, copy=False), b.astype(dt, copy=False)
    (m, k), n = a.shape, b.shape[1]
    c = array_module(a).zeros((m, n), dtype=dt)
    grid = (blocks_for(n, tile), blocks_for(m, tile))
    lib.matmul_tiled(tile, dt)(grid, (tile, tile), (a, b, c, m, k, n))
    return c


# --- NumPy references (array_module: they run on CuPy arrays too) ---------------------------------
def sigmoid_ref(x: Any) -> Any:
    xp = array_module(x)
    return 1 / (1 + xp.exp(-x))


def sigmoid_backward_ref(y: Any, gy: Any) -> Any:
    return gy * y * (1 - y)


def sigmoid_bce_ref(z: Any, t: Any) -> Any:
    xp = array_module(z)
    return xp.mean(xp.maximum(z, 0) - z * t + xp.log1p(xp.exp(-xp.abs(z))))


def sigmoid_bce_backward_ref(z: Any, t: Any, grad: float = 1.0) -> Any:
    return grad * (sigmoid_ref(z) - t) / z.size


def sum_to_ref(g: Any, shape: tuple) -> Any:
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape)
                                      if s == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def matmul_ref(a: Any, b: Any) -> Any:
    return a @ b
