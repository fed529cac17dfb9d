"""Ops that pick elements out of a tensor: ``diagonal`` (a view) and ``quantile``.

Both backwards put the gradient back where the elements came from, with an op whose own
backward picks them out again, so derivatives of any order go through (DESIGN principle 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from .shape import run, view_of, wrap_dim


def _diagonal_view(x: Any, offset: int, dim1: int, dim2: int) -> Any:
    """The diagonal as a view of ``x`` that can be written to (NumPy's is read-only)."""
    d = array_module(x).diagonal(x, offset, dim1, dim2)
    if not d.flags.writeable and x.flags.writeable:
        d.setflags(write=True)
    return d


class Diagonal(Function):
    """The ``offset`` diagonal of dims ``dim1``/``dim2``, appended as the last dimension."""

    builtin, grad_fn_name = True, "DiagonalBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, offset: int, dim1: int, dim2: int) -> Any:
        ctx.args = (x._data.shape, offset, dim1, dim2)
        return _diagonal_view(x._data, offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(DiagonalScatter, grad, *ctx.args), None, None, None


class DiagonalScatter(Function):
    """Zeros of ``shape`` with ``v`` written on a diagonal: the backward of ``diagonal``."""

    builtin, grad_fn_name = True, "DiagonalBackwardBackward0"
    edge_args = (0,)

    @staticmethod
    def forward(ctx: Any, v: Tensor, shape: tuple, offset: int, dim1: int, dim2: int) -> Any:
        ctx.args = (offset, dim1, dim2)
        z = array_module(v._data).zeros(shape, v._data.dtype)
        _diagonal_view(z, offset, dim1, dim2)[...] = v._data
        return z

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(Diagonal, grad, *ctx.args), None, None, None, None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal with respect to ``dim1`` and ``dim2`` (a view), as its last dimension."""
    n = input._data.ndim
    if n < 2:
        raise RuntimeError(f"diagonal dimensions requires ndim larger than 1, but got {n}")
    d1, d2 = wrap_dim(dim1, n), wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return view_of(Diagonal.apply(input, int(offset), d1, d2), input)


# --- quantile -----------------------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class Quantile(Function):
    """Quantiles by sorting, as PyTorch computes them: each result is ``lerp`` of the sorted
    values at ranks ``floor(r)`` and ``ceil(r)``, ``r = q * (n - 1)``; the gradient goes to
    those two elements with weights ``1 - w`` and ``w``. A row with a NaN gives NaN."""

    builtin, grad_fn_name = True, "SqueezeBackward4"  # PyTorch's last op of quantile
    edge_args = (0,)

    @staticmethod
    def forward(ctx: Any, x: Tensor, q: Any, dim: int | None, out_shape: tuple,
                interpolation: str) -> Any:
        a = x._data
        xp = array_module(a)
        moved = a.reshape(-1) if dim is None else xp.moveaxis(a, dim, -1)
        n = moved.shape[-1]
        order = xp.argsort(moved, axis=-1, kind="stable")  # NaN sorts last, as in PyTorch
        srt = xp.take_along_axis(moved, order, -1)
        qs = xp.asarray(q, dtype=a.dtype).reshape(-1)  # (Q,)
        rows = moved.shape[:-1]
        ranks = xp.broadcast_to(qs.reshape((-1,) + (1,) * len(rows)) * (n - 1),
                                qs.shape + rows)
        ranks = xp.where(xp.isnan(moved).any(-1), n - 1, ranks).astype(a.dtype)
        below = xp.floor(ranks)
        if interpolation == "higher":
            below = xp.ceil(ranks)
        elif interpolation == "nearest":
            below = xp.round(ranks)  # half to even, like PyTorch's round
        above = xp.ceil(ranks) if interpolation in ("linear", "midpoint") else below
        w = ranks - below if interpolation == "linear" else xp.full_like(ranks, 0.5)
        if interpolation not in ("linear", "midpoint"):
            w = xp.zeros_like(ranks)
        below, above = below.astype(np.int64), above.astype(np.int64)

        def pick(idx: Any) -> tuple:
            """Values at sorted rank ``idx`` (Q, *rows) and their flat positions in ``a``."""
            i = idx[..., None]
            val = xp.take_along_axis(xp.broadcast_to(srt, (len(qs),) + srt.shape), i, -1)
            pos = xp.take_along_axis(xp.broadcast_to(order, (len(qs),) + order.shape), i, -1)
            val, pos = val[..., 0], pos[..., 0]
            if dim is None:
                return val, pos
            grid = [g[None] for g in xp.indices(rows, sparse=True)]
            full = grid[:dim] + [pos] + grid[dim:]
            return val, xp.ravel_multi_index(tuple(xp.broadcast_to(g, pos.shape) for g in full),
                                             a.shape)

        lo, lo_pos = pick(below)
        hi, hi_pos = pick(above)
        # torch.lerp's two formulas, for the same rounding as PyTorch
        out = xp.where(w < 0.5, lo + w * (hi - lo), hi - (hi - lo) * (1 - w)).astype(a.dtype)
        ctx.saved = (lo_pos, hi_pos, w, a.size, a.shape, out_shape)
        return out.reshape(out_shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        from .index import IndexScatter  # index.py imports shape.py, which imports index.py

        lo_pos, hi_pos, w, size, shape, _ = ctx.saved
        g = grad.reshape(w.shape)
        w = w if not isinstance(g, Tensor) else Tensor._make(w)
        gx = run(IndexScatter, g * (1 - w), (size,), (lo_pos,), True) + \
            run(IndexScatter, g * w, (size,), (hi_pos,), True)
        return gx.reshape(shape), None, None, None, None


def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles (q a float or a 1-D tensor in [0, 1]) over ``dim`` (all elements
    when None); with a 1-D ``q`` the result gets a leading dimension of ``len(q)``."""
    a = input._data
    if a.dtype.kind != "f":
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q._data.ndim > 1:
            raise RuntimeError("quantile() q must be a scalar or 1D tensor")
        if q._data.dtype != a.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        qv = q._host()
        if not ((qv >= 0) & (qv <= 1)).all():
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
        q_shape = tuple(q._data.shape)
    else:
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
        qv, q_shape = float(q), ()
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if a.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if dim is None:
        rest = (1,) * a.ndim if keepdim else ()
    else:
        dim = wrap_dim(dim, max(a.ndim, 1))
        if a.ndim == 0:
            dim, rest = None, ()
        else:
            rest = tuple(1 if i == dim else s for i, s in enumerate(a.shape)
                         if keepdim or i != dim)
    return Quantile.apply(input, qv, dim, q_shape + rest, interpolation)


FUNCTIONS = {"diagonal": diagonal, "quantile": quantile}
TENSOR_METHODS = dict(FUNCTIONS)
