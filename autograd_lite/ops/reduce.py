"""Reductions: sum, mean, max/min, amax/amin, argmax/argmin, all/any, sum_to_size.

Each backward first puts the reduced dimensions back (size 1) and then broadcasts against the
input. Formulas are written once, for arrays (a plain backward) and tensors (``create_graph``,
where they are recorded and can be differentiated again), with ``formula`` and ``run``.
``sum_to_size`` is here too: it brings broadcast gradients back to an input's shape. var/std,
prod, norms, logsumexp and cumsum are in ``reduce_more.py``.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

import numpy as np

from .. import dtypes
from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from .elementwise import Maximum, Minimum
from .shape import Expand, View, data, run, sizes_arg, wrap_dim

_TYPE_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
               "uint8": "Byte", "bool": "Bool", "float16": "Half", "float32": "Float",
               "float64": "Double"}


def type_name(dt: Any) -> str:
    """PyTorch's short name of a dtype: Float, Double, Long..."""
    return _TYPE_NAMES.get(str(dt), str(dt))


def return_type(name: str, fields: tuple) -> type:
    """A named tuple that prints as ``torch.return_types.<name>(...)``, as PyTorch's do."""
    base = namedtuple(name, fields)

    def __repr__(self: Any) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__})


max_return = return_type("max", ("values", "indices"))
min_return = return_type("min", ("values", "indices"))


def dims_arg(dim: Any, ndim: int) -> tuple | None:
    """``dim`` (None, an int, or a tuple/list; empty means all) as sorted wrapped dims or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if not dim:
            return None
        ds = tuple(wrap_dim(d, ndim) for d in dim)
        seen = set()
        for d in ds:
            if d in seen:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
            seen.add(d)
        return tuple(sorted(ds))
    return (wrap_dim(dim, ndim),)


def _count(shape: tuple, dims: tuple | None) -> int:
    if dims is None:
        return math.prod(shape)
    return math.prod(shape[d] for d in dims)


def unreduce(g: Any, meta: tuple) -> Any:
    """A reduced tensor (or array) with its reduced dimensions put back as size 1."""
    shape, dims, keepdim = meta
    if dims is None or keepdim:
        return g
    return run(View, g, tuple(1 if i in dims else s for i, s in enumerate(shape)))


class Sum(Function):
    builtin, grad_fn_name = True, "SumBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: Any, keepdim: bool, dtype: Any) -> Any:
        a = x._data
        ctx.meta = (a.shape, dims, keepdim)
        if dtype is None and a.dtype.kind in "biu":
            dtype = np.int64
        return a.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(Expand, unreduce(grad, ctx.meta), ctx.meta[0]), None, None, None


class SumDim(Sum):
    grad_fn_name = "SumBackward1"


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum of all elements, or over ``dim`` (an int or a tuple); integers sum to int64."""
    dims = dims_arg(dim, input._data.ndim)
    dt = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    return (Sum if dim is None else SumDim).apply(input, dims, keepdim, dt)


class Mean(Function):
    builtin, grad_fn_name = True, "MeanBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: Any, keepdim: bool, dtype: Any) -> Any:
        a = x._data if dtype is None else x._data.astype(dtype)
        n = _count(a.shape, dims)
        ctx.meta, ctx.n = (a.shape, dims, keepdim), n
        return a.sum(axis=dims, keepdims=keepdim) / n

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(Expand, unreduce(grad, ctx.meta) / ctx.n, ctx.meta[0]), None, None, None


class MeanDim(Mean):
    grad_fn_name = "MeanBackward1"


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """Mean of all elements, or over ``dim``; needs a floating tensor (or ``dtype``)."""
    dt = None if dtype is None else dtypes.to_numpy_dtype(dtype)
    if (input._data.dtype if dt is None else dt).kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: "
                           f"{type_name(input._data.dtype)}")
    dims = dims_arg(dim, input._data.ndim)
    return (Mean if dim is None else MeanDim).apply(input, dims, keepdim, dt)


class MaxAll(Function):
    """max() of all elements; ties share the gradient evenly (MaxBackward1)."""

    builtin, grad_fn_name, save_output = True, "MaxBackward1", True
    fn = "max"

    @classmethod
    def forward(cls, ctx: Any, x: Tensor) -> Any:
        a = x._data
        if a.size == 0:
            raise RuntimeError(f"{cls.fn}(): Expected reduction dim to be specified for input."
                               "numel() == 0. Specify the reduction dim with the 'dim' argument.")
        ctx.save_for_backward(x)
        return a.max() if cls.fn == "max" else a.min()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        m = data(x) == data(out)
        return grad * (m / m.sum()).astype(data(x).dtype)


class MinAll(MaxAll):
    grad_fn_name, fn = "MinBackward1", "min"


class MaxDim(Function):
    """max(dim): values and indices; the gradient goes to the index (MaxBackward0)."""

    builtin, grad_fn_name = True, "MaxBackward0"
    edge_args = (0,)  # PyTorch's next_functions
    fn = "max"

    @classmethod
    def forward(cls, ctx: Any, x: Tensor, dim: int, keepdim: bool) -> Any:
        a = x._data
        xp = array_module(a)
        if a.ndim == 0:
            a = a.reshape(1)
        if a.shape[dim] == 0:
            raise IndexError(f"{cls.fn}(): Expected reduction dim {dim} to have non-zero size.")
        idx = (a.argmax if cls.fn == "max" else a.argmin)(axis=dim, keepdims=True)
        vals = xp.take_along_axis(a, idx, dim)
        ctx.meta, ctx.idx = (x._data.shape, (dim,), keepdim), idx
        if not keepdim or x._data.ndim == 0:
            idx, vals = idx.reshape(vals.shape[:dim] + vals.shape[dim + 1:]), \
                vals.reshape(vals.shape[:dim] + vals.shape[dim + 1:])
        return vals, idx.astype(np.int64, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor, grad_idx: Any) -> tuple:
        shape, (dim,), keepdim = ctx.meta
        idx = ctx.idx
        xp = array_module(idx)
        n = shape[dim] if shape else 1
        pos = xp.arange(n).reshape((n,) + (1,) * (idx.ndim - dim - 1))
        mask = (pos == idx).astype(data(grad).dtype).reshape(shape)
        return unreduce(grad, ctx.meta) * mask, None, None


class MinDim(MaxDim):
    grad_fn_name, fn = "MinBackward0", "min"


def _max_min(all_op: type, dim_op: type, pair_op: type, ret: type, input: Tensor, dim: Any,
             keepdim: bool) -> Any:
    if isinstance(dim, Tensor):
        return pair_op.apply(input, dim)
    if dim is None:
        return all_op.apply(input)
    values, indices = dim_op.apply(input, wrap_dim(dim, input._data.ndim), keepdim)
    return ret(values, indices)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """Largest element; with ``dim``, (values, indices); with a tensor, the elementwise max."""
    return _max_min(MaxAll, MaxDim, Maximum, max_return, input, dim, keepdim)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """Smallest element; with ``dim``, (values, indices); with a tensor, the elementwise min."""
    return _max_min(MinAll, MinDim, Minimum, min_return, input, dim, keepdim)


class Amax(Function):
    """amax over dims; ties share the gradient evenly."""

    builtin, grad_fn_name, save_output = True, "AmaxBackward0", True
    edge_args = (0,)  # PyTorch's next_functions
    fn = "amax"

    @classmethod
    def forward(cls, ctx: Any, x: Tensor, dims: Any, keepdim: bool) -> Any:
        a = x._data
        if a.size == 0:
            raise IndexError(f"{cls.fn}(): Expected reduction dim to be specified for "
                             "input.numel() == 0. Specify the reduction dim with the 'dim' "
                             "argument.")
        ctx.save_for_backward(x)
        ctx.meta = (a.shape, dims, keepdim)
        return (a.max if cls.fn == "amax" else a.min)(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        shape, dims, keepdim = ctx.meta
        m = data(x) == data(unreduce(out, ctx.meta))
        w = (m / m.sum(axis=dims, keepdims=True)).astype(data(x).dtype)
        return unreduce(grad, ctx.meta) * w, None, None


class Amin(Amax):
    grad_fn_name, fn = "AminBackward0", "amin"


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Largest values over ``dim`` (all dims by default); ties share the gradient."""
    return Amax.apply(input, dims_arg(dim, input._data.ndim), keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Smallest values over ``dim`` (all dims by default); ties share the gradient."""
    return Amin.apply(input, dims_arg(dim, input._data.ndim), keepdim)


def _arg(fn: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    a = input._data
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{fn}(): Expected reduction dim to be specified for input.numel() "
                             "== 0.")
        r = getattr(a, fn)()
        if keepdim:
            r = r.reshape((1,) * a.ndim)
        return Tensor._make(array_module(a).asarray(r, dtype=np.int64))
    d = wrap_dim(dim, a.ndim)
    if a.ndim == 0:
        return Tensor._make(array_module(a).zeros((), np.int64))
    return Tensor._make(getattr(a, fn)(axis=d, keepdims=keepdim).astype(np.int64, copy=False))


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    return _arg("argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    return _arg("argmin", input, dim, keepdim)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element (over ``dim``) is non-zero."""
    a = input._data
    return Tensor._make(a.all(axis=dims_arg(dim, a.ndim), keepdims=keepdim))


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element (over ``dim``) is non-zero."""
    a = input._data
    return Tensor._make(a.any(axis=dims_arg(dim, a.ndim), keepdims=keepdim))


class SumToSize(Function):
    """Sum a broadcast tensor down to ``size``; its backward expands back (SumBackward1)."""

    builtin, grad_fn_name = True, "SumBackward1"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, size: tuple) -> Any:
        a = x._data
        shape = a.shape
        lead = a.ndim - len(size)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                          if s == 1 and shape[lead + i] != 1)
        ctx.in_shape = shape
        return (a.sum(axis=axes, keepdims=True) if axes else a).reshape(size)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(Expand, grad, ctx.in_shape), None


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum this tensor down to ``size`` (a shape it broadcasts from)."""
    size = sizes_arg(size)
    shape = self._data.shape
    if size == shape:
        return self
    lead = len(shape) - len(size)
    if lead < 0 or builtins.any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    return SumToSize.apply(self, size)


FUNCTIONS = {f.__name__: f for f in (sum, mean, max, min, amax, amin, argmax, argmin, all, any)}
TENSOR_METHODS = dict(FUNCTIONS)
TENSOR_METHODS.update(sum_to_size=sum_to_size)

from . import reduce_more as _more  # noqa: E402 - var/std, prod, norms... build on the above
from .reduce_more import vector_norm  # noqa: E402,F401 - used by autograd_lite.linalg

FUNCTIONS.update(_more.FUNCTIONS)
TENSOR_METHODS.update(_more.TENSOR_METHODS)
