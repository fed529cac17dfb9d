"""Ordering and running ops: sort/argsort/topk, cumprod, tril/triu, diff, count_nonzero,
var_mean/std_mean, broadcast_to, ravel.

sort and topk pick values: their gradient is scattered back to the places the values came from
(scatter_add of ``scatter.py``, whose own gradient is a gather, so second derivatives follow).
cumprod's gradient is exact with zeros. diff, broadcast_to and ravel are built from other ops,
as in PyTorch (their nodes are SubBackward0, ExpandBackward0, ViewBackward0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module
from ..function import _NOGRAD_CTX, Function
from ..tensor import Tensor
from . import formula as F
from .arrange import Flip, cat
from .index import narrow
from .reduce import _count, dims_arg, return_type, unreduce
from .reduce_more import Cumsum, _centered, moment_args
from .scatter import ScatterAdd
from .shape import Expand, contiguous, data, expand, run, view, wrap_dim

sort_return = return_type("sort", ("values", "indices"))
topk_return = return_type("topk", ("values", "indices"))


def _argsort(a: Any, dim: int, descending: bool) -> Any:
    """Stable sorting order along ``dim`` (ties keep their order; NaN counts as the largest)."""
    xp = array_module(a)
    kind = {"kind": "stable"} if xp is np else {}  # (CuPy's sort is always stable)
    if not descending:
        return xp.argsort(a, axis=dim, **kind)
    # stable descending: sort the reversed array, reverse the order, map back the positions
    n = a.shape[dim]
    idx = xp.flip(xp.argsort(xp.flip(a, axis=dim), axis=dim, **kind), axis=dim)
    return n - 1 - idx


def _scatter_back(grad: Any, shape: tuple, dim: int, index: Tensor) -> Any:
    """``zeros(shape).scatter_add(dim, index, grad)``: recorded when ``grad`` is a tensor."""
    zeros = Tensor._make(array_module(data(grad)).zeros(shape, data(grad).dtype))
    if isinstance(grad, Tensor):
        return ScatterAdd.apply(zeros, dim, index, grad)
    return ScatterAdd.forward(_NOGRAD_CTX, zeros, dim, index, grad)


class Sort(Function):
    """Values sorted along ``dim`` and where they came from (indices, int64)."""

    builtin, grad_fn_name, edge_args = True, "SortBackward0", (0,)

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, descending: bool, k: Any = None) -> Any:
        a = x._data
        a1 = a.reshape(1) if a.ndim == 0 else a
        idx = _argsort(a1, dim, descending)
        if k is not None:  # topk: the first k
            idx = idx[(slice(None),) * dim + (slice(0, k),)]
        vals = array_module(a).take_along_axis(a1, idx, dim)
        if a.ndim == 0:
            vals, idx = vals.reshape(()), idx.reshape(())
        ctx.shape, ctx.dim, ctx.index = a.shape, dim, Tensor._make(idx)
        return vals, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any, grad_indices: Any = None) -> tuple:
        return _scatter_back(grad, ctx.shape, ctx.dim, ctx.index), None, None, None


class SortStable(Sort):
    """``sort(..., stable=...)``: PyTorch's other overload (SortBackward1)."""

    grad_fn_name = "SortBackward1"


class Topk(Sort):
    grad_fn_name = "TopkBackward0"


def sort(input: Tensor, dim: int = -1, descending: bool = False, *,  # noqa: A002
         stable: Any = None) -> Any:
    """(values, indices) sorted along ``dim``; equal values keep their order."""
    op = Sort if stable is None else SortStable
    values, indices = op.apply(input, wrap_dim(dim, input._data.ndim), bool(descending))
    return sort_return(values, indices)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *,  # noqa: A002
            stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    a = input._data
    d = wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._make(array_module(a).zeros((), np.int64))
    return Tensor._make(_argsort(a, d, bool(descending)).astype(np.int64, copy=False))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, largest first."""
    a = input._data
    d = wrap_dim(dim, a.ndim)
    size = a.shape[d] if a.ndim else 1
    if a.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = Topk.apply(input, d, bool(largest), int(k))
    return topk_return(values, indices)


# --- running products ----------------------------------------------------------------------------
def _rev_cumsum(g: Any, dim: int) -> Any:
    """Sums from each place to the end along ``dim``."""
    d = (dim,)
    return run(Flip, run(Cumsum, run(Flip, g, d), dim, None), d)


class Cumprod(Function):
    builtin, grad_fn_name, edge_args, save_output = True, "CumprodBackward0", (0,), True

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, dtype: Any) -> Any:
        a = x._data
        if dtype is None and a.dtype.kind in "biu":
            dtype = np.int64
        ctx.save_for_backward(x)
        ctx.dim = dim
        return a.cumprod(axis=dim, dtype=dtype) if a.ndim else a.astype(dtype or a.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, out = ctx.saved_tensors
        d = ctx.dim
        if grad.ndim == 0:
            return grad, None, None
        zero = data(x) == 0
        if not zero.any():  # d out_j / d x_k = out_j / x_k for j >= k
            return _rev_cumsum(grad * out, d) / x, None, None
        # With zeros (along dim): before the first zero the formula above holds; at the first
        # zero the product of the others is the running product with that zero set to 1; after
        # it each product contains that zero z, so the gradient is z * c, c a constant: 0, but
        # with the right derivative (z and a_part, b_part are recorded under create_graph).
        nz = zero.cumsum(axis=d)
        before, first = nz == 0, zero & (nz == 1)
        a_part = _rev_cumsum(grad * out, d) / F.where(zero, 1.0, x)
        x1 = F.where(first, 1.0, x)
        b_part = _rev_cumsum(grad * run(Cumprod, x1, d, None), d)
        z = F.sum(x * first, (d,), True)
        after = z * _products_of_others(data(x1), data(grad), d)
        return F.where(before, a_part, F.where(first, b_part, after)), None, None


def _products_of_others(x: Any, g: Any, dim: int) -> Any:
    """``sum_{j >= k} g_j prod_{i <= j, i != k} x_i`` for each k along ``dim``, on arrays and
    without division (exact with zeros): the product of the x before k times the sum
    ``r_k = g_k + x_{k+1} r_{k+1}``, run from the end."""
    xp = array_module(x)
    xm, gm = xp.moveaxis(x, dim, -1), xp.moveaxis(g, dim, -1)
    before = xp.ones(xm.shape, xm.dtype)
    before[..., 1:] = xm[..., :-1].cumprod(axis=-1)
    r = xp.empty(gm.shape, gm.dtype)
    r[..., -1] = gm[..., -1]
    for k in range(xm.shape[-1] - 2, -1, -1):
        r[..., k] = gm[..., k] + xm[..., k + 1] * r[..., k + 1]
    return xp.moveaxis(before * r, -1, dim)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running products along ``dim``; integers give int64."""
    from .. import dtypes
    dt = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    return Cumprod.apply(input, wrap_dim(dim, input._data.ndim), dt)


# --- triangles, differences, counts --------------------------------------------------------------
class Tril(Function):
    """The lower triangle (of the last two dimensions) from ``diagonal`` down; zeros above."""

    builtin, grad_fn_name, edge_args = True, "TrilBackward0", (0,)
    upper = False

    @classmethod
    def forward(cls, ctx: Any, x: Tensor, diagonal: int) -> Any:
        ctx.diagonal = diagonal
        xp = array_module(x._data)
        return (xp.triu if cls.upper else xp.tril)(x._data, diagonal)

    @classmethod
    def backward(cls, ctx: Any, grad: Any) -> tuple:
        return run(cls, grad, ctx.diagonal), None


class Triu(Tril):
    """The upper triangle from ``diagonal`` up; zeros below."""

    grad_fn_name, upper = "TriuBackward0", True


def _triangle(op: type, name: str) -> Any:
    def fn(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
        if input._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return op.apply(input, int(diagonal))
    fn.__name__, fn.__doc__ = name, op.__doc__
    return fn


tril, triu = _triangle(Tril, "tril"), _triangle(Triu, "triu")


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Any = None,  # noqa: A002
         append: Any = None) -> Tensor:
    """``n``-th forward differences along ``dim`` (``x[1:] - x[:-1]``, n times)."""
    a = input._data
    if a.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, a.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    for p in parts:
        if p is not input:
            _check_edge(input, p, d)
    x = cat(parts, d) if len(parts) > 1 else input
    if n == 0:
        from ..creation import empty_like
        return empty_like(x).copy_(x)  # PyTorch's copy (CopyBackwards)
    for _ in range(min(n, x.shape[d])):
        m = x.shape[d] - 1
        hi, lo = narrow(x, d, 1, m), narrow(x, d, 0, m)
        x = hi ^ lo if x._data.dtype.kind == "b" else hi - lo
    return x


def _check_edge(input: Tensor, p: Any, d: int) -> None:
    if not isinstance(p, Tensor) or p._data.ndim != input._data.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i, (s, t) in enumerate(zip(input._data.shape, p._data.shape)):
        if i != d and s != t:
            raise RuntimeError("diff expects the shape of tensor to prepend or append to match "
                               "that of input except along the differencing dimension; "
                               f"input.size({i}) = {s}, but got tensor.size({i}) = {t}")


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """The number of non-zero elements (over ``dim``: an int or a tuple), as int64."""
    a = input._data
    dims = dims_arg(dim, a.ndim)
    if a.ndim == 0:
        dims = None
    return Tensor._make(array_module(a).asarray((a != 0).sum(axis=dims), dtype=np.int64))


# --- variance and mean together ------------------------------------------------------------------
class VarMean(Function):
    """(var, mean) over dims in one node, as PyTorch records them."""

    builtin, grad_fn_name, edge_args = True, "VarMeanBackward0", (0,)
    sqrt = False

    @classmethod
    def forward(cls, ctx: Any, x: Tensor, dims: Any, correction: float, keepdim: bool) -> Any:
        a = x._data
        n = _count(a.shape, dims)
        dof = max(0, n - correction)
        ctx.save_for_backward(x)
        ctx.meta, ctx.dof = (a.shape, dims, keepdim), dof
        m = a.sum(axis=dims, keepdims=True) / n
        c = a - m
        v = (c * c).sum(axis=dims, keepdims=keepdim) / dof
        if cls.sqrt:
            v = array_module(v).sqrt(v)
        return v, (m if keepdim else m.reshape(v.shape))

    @classmethod
    def backward(cls, ctx: Any, g_var: Any, g_mean: Any) -> tuple:
        (x,) = ctx.saved_tensors
        shape, dims, _ = ctx.meta
        gx = None
        if g_var is not None:
            c = _centered(x, ctx)
            coef = unreduce(g_var, ctx.meta) * (2.0 / ctx.dof)
            if cls.sqrt:  # d std = d var / (2 std); 0 where std is 0, as in PyTorch
                s = F.sqrt(F.sum(c * c, dims, True) / ctx.dof)
                zero = data(s) == 0
                coef = F.where(zero, 0.0, coef / (2 * F.where(zero, 1.0, s)))
            gx = coef * c
        if g_mean is not None:
            gm = run(Expand, unreduce(g_mean, ctx.meta) / _count(shape, dims), shape)
            gx = gm if gx is None else gx + gm
        return gx, None, None, None


class StdMean(VarMean):
    grad_fn_name, sqrt = "StdMeanBackward0", True


def _moments(op: type, name: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
             correction: Any) -> tuple:
    dims, correction = moment_args(name, f"{name} only support floating point and complex dtypes",
                                   input, dim, unbiased, correction)
    return tuple(op.apply(input, dims, correction, keepdim))


def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None) -> tuple:
    """(variance, mean) over ``dim``; Bessel's correction unless unbiased=False."""
    return _moments(VarMean, "var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None,  # noqa: A002
             keepdim: bool = False, *, correction: Any = None) -> tuple:
    """(standard deviation, mean) over ``dim``; unbiased unless unbiased=False."""
    return _moments(StdMean, "std_mean", input, dim, unbiased, keepdim, correction)


def broadcast_to(input: Tensor, size: Any) -> Tensor:  # noqa: A002
    """``input`` broadcast to ``size`` (a view, as ``expand``)."""
    return expand(input, tuple(size))


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    """The elements as one dimension (a view when the tensor is contiguous)."""
    return view(contiguous(input), -1)


FUNCTIONS = {f.__name__: f for f in (sort, argsort, topk, cumprod, tril, triu, diff,
                                     count_nonzero, var_mean, std_mean, broadcast_to, ravel)}
TENSOR_METHODS = {name: f for name, f in FUNCTIONS.items()
                  if name not in ("var_mean", "std_mean")}  # (not Tensor methods in PyTorch)


def _register_forward_rules() -> None:
    """Forward-mode AD: tril/triu are linear (the same op on the tangent); the others come
    from their backward formula."""
    from ..autograd.forward_rules import RULES, by_double_backward

    def linear(op: type) -> Any:
        def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
            t = tans[0]
            return None if t is None else op.forward(_NOGRAD_CTX, Tensor._make(t), *args[1:])
        return rule

    RULES[Tril], RULES[Triu] = linear(Tril), linear(Triu)
    for op in (Sort, SortStable, Topk, Cumprod, VarMean, StdMean):
        RULES[op] = by_double_backward(op)


_register_forward_rules()
