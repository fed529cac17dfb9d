"""More reductions: var/std, prod (exact with zeros), vector norms, logsumexp, cumsum.

Backward formulas are written once for arrays (a plain backward) and tensors (``create_graph``),
with ``formula`` and ``run``, as in ``reduce.py``.
"""

from __future__ import annotations

import builtins
import math
import warnings
from typing import Any

import numpy as np

from .. import dtypes
from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from . import formula as F
from .arrange import Flip
from .reduce import _count, dims_arg, type_name, unreduce
from .shape import data, run, wrap_dim


class Var(Function):
    builtin, grad_fn_name = True, "VarBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: Any, correction: float, keepdim: bool) -> Any:
        a = x._data
        n = _count(a.shape, dims)
        dof = builtins.max(0, n - correction)
        ctx.save_for_backward(x)
        ctx.meta, ctx.dof = (a.shape, dims, keepdim), dof
        d = a - a.sum(axis=dims, keepdims=True) / n
        return (d * d).sum(axis=dims, keepdims=keepdim) / dof

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        return unreduce(grad, ctx.meta) * (2.0 / ctx.dof) * _centered(x, ctx), None, None, None


def _centered(x: Any, ctx: Any) -> Any:
    """``x - mean(x, dims)`` (tensor or array)."""
    shape, dims, _ = ctx.meta
    return x - F.sum(x, dims, True) / _count(shape, dims)


class Std(Function):
    builtin, grad_fn_name, save_output = True, "StdBackward0", True
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: Any, correction: float, keepdim: bool) -> Any:
        v = Var.forward(ctx, x, dims, correction, keepdim)
        return array_module(v).sqrt(v)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        s = unreduce(out, ctx.meta)
        zero = data(s) == 0  # a constant std has gradient 0 (not nan), as in PyTorch
        coef = F.where(zero, 0.0, unreduce(grad, ctx.meta) / (F.where(zero, 1.0, s) * ctx.dof))
        return coef * _centered(x, ctx), None, None, None


def moment_args(name: str, dtype_msg: str, input: Tensor, dim: Any, unbiased: Any,
                correction: Any) -> tuple:
    """``(dims, correction)`` of var/std (and var_mean/std_mean), checked as PyTorch does."""
    if isinstance(dim, bool):  # var(x, False): the unbiased flag in first position
        dim, unbiased = None, dim
    if correction is None:
        correction = 0 if unbiased is False else 1
    if input._data.dtype.kind != "f":
        raise RuntimeError(dtype_msg)
    dims = dims_arg(dim, input._data.ndim)
    if _count(input._data.shape, dims) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    return dims, correction


def _var_std(op: type, name: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool,
             correction: Any) -> Tensor:
    dims, correction = moment_args(name, "std and var only support floating point and complex "
                                   "dtypes", input, dim, unbiased, correction)
    return op.apply(input, dims, correction, keepdim)


def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance over ``dim`` (all by default), with Bessel's correction unless unbiased=False."""
    return _var_std(Var, "var", input, dim, unbiased, keepdim, correction)


def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation over ``dim`` (all by default); unbiased unless unbiased=False."""
    return _var_std(Std, "std", input, dim, unbiased, keepdim, correction)


class Prod(Function):
    """Product; the gradient is the product of the other elements, exact with zeros."""

    builtin, grad_fn_name, save_output = True, "ProdBackward0", True
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: Any, keepdim: bool, dtype: Any) -> Any:
        a = x._data
        if dtype is None and a.dtype.kind in "biu":
            dtype = np.int64
        ctx.save_for_backward(x)
        ctx.meta = (a.shape, dims, keepdim)
        return a.prod(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        dims = ctx.meta[1]
        g = unreduce(grad, ctx.meta)
        zero = data(x) == 0
        if not zero.any():
            return g * unreduce(out, ctx.meta) / x, None, None, None
        # Product of the others = (product of the non-zero others) * q, where q accounts for
        # the zeros, written so that its first derivative is right too (second derivatives).
        nz = zero.sum(axis=dims, keepdims=True)
        x_safe = F.where(zero, 1.0, x)
        nonzero_others = run(Prod, x_safe, dims, True, None) / x_safe
        s = F.sum(x * zero, dims, True)  # the single zero, as a differentiable value
        q = F.where(nz == 0, 1.0, F.where(nz == 1, F.where(zero, 1.0, s),
                                          F.where((nz == 2) & zero, s - x, 0.0)))
        return g * nonzero_others * q, None, None, None


class ProdDim(Prod):
    grad_fn_name = "ProdBackward1"


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """Product of all elements, or along the int ``dim``."""
    dt = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    if dim is None:
        return Prod.apply(input, None, keepdim, dt)
    return ProdDim.apply(input, (wrap_dim(dim, input._data.ndim),), keepdim, dt)


class VectorNorm(Function):
    """p-norm over dims (p = 2, 1, inf, -inf, 0 or any number); the gradient at 0 is 0."""

    builtin, grad_fn_name, save_output = True, "LinalgVectorNormBackward0", True
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, ord: float, dims: Any, keepdim: bool) -> Any:
        a = x._data
        xp = array_module(a)
        ctx.save_for_backward(x)
        ctx.meta, ctx.ord = (a.shape, dims, keepdim), ord
        if ord == 2:
            return xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        ab = xp.abs(a)
        if ord == 1:
            return ab.sum(axis=dims, keepdims=keepdim)
        if ord == math.inf:
            return ab.max(axis=dims, keepdims=keepdim)
        if ord == -math.inf:
            return ab.min(axis=dims, keepdims=keepdim)
        if ord == 0:
            return (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
        return (ab ** ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        p, dims = ctx.ord, ctx.meta[1]
        g, n = unreduce(grad, ctx.meta), unreduce(out, ctx.meta)
        if p == 0:
            return g * x * 0, None, None, None
        if p == 1:
            return g * F.sign(x), None, None, None
        if p in (math.inf, -math.inf):  # ties share the gradient
            xd = data(x)
            xp = array_module(xd)
            m = xp.abs(xd) == data(n)
            w = xp.sign(xd) * m / m.sum(axis=dims, keepdims=True)
            return g * w.astype(xd.dtype), None, None, None
        safe = F.where(data(n) == 0, 1.0, n)  # the gradient at 0 is 0, not nan
        if p == 2:
            return g * x / safe, None, None, None
        zero = data(x) == 0
        term = F.where(zero, 0.0, x * F.where(zero, 1.0, abs(x)) ** (p - 2))
        return g * term / safe ** (p - 1), None, None, None


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The vector p-norm of ``x`` over ``dim`` (all elements by default)."""
    if x._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {type_name(x._data.dtype)}")
    return VectorNorm.apply(x, float(ord), dims_arg(dim, x._data.ndim), keepdim)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """The p-norm (2, 1, inf, 'fro', any number) over ``dim`` or all elements."""
    if p == "fro" or p is None:
        p = 2
    elif isinstance(p, str):
        raise NotImplementedError(f"norm(p={p!r}) is not supported by autograd_lite; p = 'fro' "
                                  "or a number")
    if dtype is not None:
        input = input.to(dtype)
    return vector_norm(input, p, dim, keepdim)


class Logsumexp(Function):
    builtin, grad_fn_name, save_output = True, "LogsumexpBackward0", True
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: Any, keepdim: bool) -> Any:
        a = x._data if x._data.dtype.kind == "f" else x._data.astype(np.float32)
        xp = array_module(a)
        m = a.max(axis=dims, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(a - m).sum(axis=dims, keepdims=True)) + m
        ctx.save_for_backward(x)
        ctx.meta = (a.shape, dims, keepdim)
        if not keepdim:
            out = out.reshape(()) if dims is None else xp.squeeze(out, axis=dims)
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        return unreduce(grad, ctx.meta) * F.exp(x - unreduce(out, ctx.meta)), None, None


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed without overflow."""
    return Logsumexp.apply(input, dims_arg(dim, input._data.ndim), keepdim)


class Cumsum(Function):
    builtin, grad_fn_name = True, "CumsumBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, dtype: Any) -> Any:
        a = x._data
        if dtype is None and a.dtype.kind in "biu":
            dtype = np.int64
        ctx.dim = dim
        return a.cumsum(axis=dim, dtype=dtype) if a.ndim else a.astype(dtype or a.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        d = (ctx.dim,)
        if grad.ndim == 0:
            return grad, None, None
        return run(Flip, run(Cumsum, run(Flip, grad, d), ctx.dim, None), d), None, None


def cumsum(input: Tensor, dim: int, dtype: Any = None) -> Tensor:
    """Running sums along ``dim``."""
    dt = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    return Cumsum.apply(input, wrap_dim(dim, input._data.ndim), dt)


FUNCTIONS = {f.__name__: f for f in (var, std, prod, norm, logsumexp, cumsum)}
TENSOR_METHODS = dict(FUNCTIONS)
