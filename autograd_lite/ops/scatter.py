"""Moving values along a dimension by index, the ops: gather, scatter, scatter_add, masked_fill
(their public functions, in-place variants and PyTorch's argument checks: ``scatter_api.py``).

Each op is linear in the values it moves, so each backward is another op of this file: gather's
gradient is scatter-added into zeros, scatter_add's is gathered, the places that scatter and
masked_fill overwrite get zero. Recorded under ``create_graph``, derivatives of any order follow.
A 0-d tensor counts as one element along dimension 0, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module
from ..function import _NOGRAD_CTX, Function
from ..tensor import Tensor
from . import formula as F
from .index import IndexScatter
from .shape import data


# --- the array work: open-grid coordinates, then NumPy/CuPy advanced indexing -----------------
def _nd(a: Any) -> Any:
    return a.reshape(1) if a.ndim == 0 else a


def _coords(index: Any, dim: int) -> tuple:
    """Where each entry of ``index`` points: ``index`` along ``dim``, its own place elsewhere."""
    xp, idx = array_module(index), _nd(index)
    n = idx.ndim
    return tuple(idx if d == dim else xp.arange(s).reshape((1,) * d + (s,) + (1,) * (n - d - 1))
                 for d, s in enumerate(idx.shape))


def _gather_array(x: Any, dim: int, index: Any) -> Any:
    if index.size == 0:
        return array_module(x).empty(index.shape, x.dtype)
    return _nd(x)[_coords(index, dim)].reshape(index.shape)


def _scatter_array(x: Any, dim: int, index: Any, src: Any, how: str | None) -> Any:
    """A copy of ``x`` with ``src`` (an array or a number) written at ``index``; ``how``: None
    (the last write wins, as on PyTorch's CPU), "add" or "multiply" (repeats accumulate)."""
    out = x.copy()
    if index.size == 0:
        return out
    view, at = _nd(out), _coords(index, dim)  # (a view: writing to it writes to out)
    if hasattr(src, "shape"):  # src may be larger than index: its leading block is used
        src = _nd(src)[tuple(slice(0, s) for s in _nd(index).shape)]
    xp = array_module(out)
    if how is None:
        view[at] = src
    elif how == "add" and xp is not np:
        import cupyx
        cupyx.scatter_add(view, at, src)
    else:  # ufunc.at applies every repeated index, where ``view[at] += src`` would apply one
        getattr(xp, how).at(view, at, src)
    return out


def _call(op: type, grad: Any, *args: Any) -> Any:
    """``op`` inside a backward formula: recorded when ``grad`` is a tensor (create_graph),
    computed on arrays otherwise."""
    args = tuple(Tensor._make(a) if hasattr(a, "dtype") and not isinstance(a, Tensor) else a
                 for a in args)
    return op.apply(*args) if isinstance(grad, Tensor) else op.forward(_NOGRAD_CTX, *args)


def _gathered(grad: Any, dim: int, index: Any, shape: tuple) -> Any:
    """``grad.gather(dim, index)``, the gradient of a ``src`` of ``shape``; zeros where src is
    larger than index (entries never read; PyTorch raises there instead)."""
    g = _call(Gather, grad, grad, dim, index)
    if tuple(g.shape) == tuple(shape) or not shape:
        return g
    return _call(IndexScatter, g, g, shape, tuple(slice(0, s) for s in g.shape), False)


# --- the ops -------------------------------------------------------------------------------------
class Gather(Function):
    """``out[i][j] = x[index[i][j]][j]`` for dim 0; repeated picks add up in the gradient."""

    builtin, grad_fn_name = True, "GatherBackward0"
    edge_args = (0,)  # PyTorch's next_functions: not the index

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, index: Tensor) -> Any:
        ctx.save_for_backward(index)  # as PyTorch: changing it before backward is an error
        ctx.dim, ctx.shape = dim, x._data.shape
        return _gather_array(x._data, dim, index._data)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (index,) = ctx.saved_tensors
        zeros = array_module(data(grad)).zeros(ctx.shape, data(grad).dtype)
        return _call(ScatterAdd, grad, zeros, ctx.dim, index, grad), None, None


class Scatter(Function):
    """``x`` with ``src`` written at ``index`` along ``dim``: the overwritten places of x get
    no gradient, src gets the gradient of the places it went to."""

    builtin, grad_fn_name = True, "ScatterBackward0"
    edge_args = (0, 3)
    how: str | None = None  # "add": scatter_add

    @classmethod
    def forward(cls, ctx: Any, x: Tensor, dim: int, index: Tensor, src: Any) -> Any:
        ctx.save_for_backward(index)
        ctx.dim, ctx.src_shape = dim, getattr(data(src), "shape", ())
        return _scatter_array(x._data, dim, index._data, data(src), cls.how)

    @classmethod
    def backward(cls, ctx: Any, grad: Any) -> tuple:
        (index,) = ctx.saved_tensors
        need = ctx.needs_input_grad
        g_x = grad if cls.how else _call(ScatterValue, grad, grad, ctx.dim, index, 0) \
            if need[0] else None
        g_src = _gathered(grad, ctx.dim, index, ctx.src_shape) if need[3] else None
        return g_x, None, None, g_src


class ScatterValue(Scatter):
    """``scatter`` of a number."""

    grad_fn_name, edge_args = "ScatterBackward1", (0,)


class ScatterAdd(Scatter):
    """``x`` with ``src`` added at ``index`` along ``dim`` (repeated places add up)."""

    grad_fn_name, how = "ScatterAddBackward0", "add"


class ScatterReduce(Function):
    """``scatter(..., reduce="add" | "multiply")``: computed, but without a derivative in
    PyTorch (its grad_fn is ``NotImplemented``)."""

    builtin, grad_fn_name = True, "NotImplemented"

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, index: Tensor, src: Any, how: str) -> Any:
        return _scatter_array(x._data, dim, index._data, data(src), how)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        raise RuntimeError("derivative for aten::scatter is not implemented")


class MaskedFill(Function):
    """``x`` with the number ``value`` where ``mask`` is True (mask and x broadcast)."""

    builtin, grad_fn_name = True, "MaskedFillBackward0"
    edge_args = (0,)

    @staticmethod
    def forward(ctx: Any, x: Tensor, mask: Tensor, value: Any) -> Any:
        ctx.save_for_backward(mask)
        a = x._data
        return array_module(a).where(mask._data, data(value), a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (mask,) = ctx.saved_tensors
        need = ctx.needs_input_grad
        g_x = _call(MaskedFill, grad, grad, mask, 0) if need[0] else None
        g_v = F.sum(F.where(data(mask), grad, 0.0)) if need[2] else None
        return g_x, None, g_v


class MaskedFillTensor(MaskedFill):
    """``masked_fill`` with a 0-d tensor value: it gets the gradients of the filled places."""

    grad_fn_name, edge_args = "MaskedFillBackward1", (0, 2)


def _linear_rule(op: type, positions: tuple) -> Any:
    """Forward-mode AD rule: each op is linear in its input and src/value (a number is a
    constant), so the output's tangent is the same op on the tangents (zeros where none)."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        if all(tans[p] is None for p in positions):
            return None
        new = list(args)
        for p in positions:
            a = args[p]
            new[p] = Tensor._make(array_module(a._data).zeros_like(a._data) if tans[p] is None
                                  else tans[p]) if isinstance(a, Tensor) else 0
        return op.forward(_NOGRAD_CTX, *new)
    return rule


def _register_forward_rules() -> None:
    from ..autograd.forward_rules import RULES
    for op, positions in ((Gather, (0,)), (ScatterAdd, (0, 3)), (Scatter, (0, 3)),
                          (ScatterValue, (0, 3)), (MaskedFill, (0, 2)), (MaskedFillTensor, (0, 2))):
        RULES[op] = _linear_rule(op, positions)


_register_forward_rules()
