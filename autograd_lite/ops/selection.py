"""Elementwise ops that select or copy values: clamp, round, sign, maximum/minimum, where, clone,
and dtype/device conversion. Forward on arrays, backward as formulas (see elementwise.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from . import formula as F
from .common import binary, operands, result_dtype

_TORCH_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                     "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"}


class Clamp(Function):
    builtin, grad_fn_name = True, "ClampBackward1"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, a: Tensor, lo: Any, hi: Any) -> Any:
        if lo is None and hi is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        ctx.save_for_backward(a)
        ctx.bounds = (lo, hi)
        xp = array_module(a._data)
        out = a._data
        dt = out.dtype  # PyTorch's result type: an int tensor clamped to float bounds is float
        for bound in (lo, hi):
            if bound is not None:
                dt = result_dtype(np.empty((1,) if out.ndim else (), dt),
                                  bound._data if isinstance(bound, Tensor) else bound)
        if lo is not None:
            out = xp.maximum(out, lo._data if isinstance(lo, Tensor) else lo)
        if hi is not None:
            out = xp.minimum(out, hi._data if isinstance(hi, Tensor) else hi)
        return out.astype(dt, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        lo, hi = (F.like(v, grad) for v in ctx.bounds)
        mask = None
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            mask = (a <= hi) if mask is None else mask & (a <= hi)
        need = ctx.needs_input_grad
        g_lo = g_hi = None
        if need[1]:  # a tensor bound gets the gradient where it was the value taken
            took_lo = a < lo
            g_lo = grad * (took_lo if hi is None else took_lo & (lo <= hi))
        if need[2]:
            g_hi = grad * ((a > hi) if lo is None else (a > hi) | (lo > hi))
        return grad * mask, g_lo, g_hi


class ClampTensor(Clamp):
    """``clamp`` with tensor bounds, which are differentiable too (ClampBackward0)."""

    grad_fn_name = "ClampBackward0"
    edge_args = None  # PyTorch's next_functions


class Round(Function):
    """Rounding (half to even, as PyTorch); its derivative is zero almost everywhere."""

    builtin, grad_fn_name = True, "RoundBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, a: Tensor, decimals: int = 0) -> Any:
        return array_module(a._data).round(a._data, decimals)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad * 0, None


class RoundDecimals(Round):
    """``round(x, decimals=d)`` with ``d != 0`` (RoundBackward1)."""

    grad_fn_name = "RoundBackward1"


class Sign(Function):
    builtin, grad_fn_name = True, "SignBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        return array_module(a._data).sign(a._data)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad * 0


class Maximum(Function):
    """Elementwise maximum of two tensors; ties split the gradient evenly, as PyTorch does."""

    builtin, grad_fn_name = True, "MaximumBackward0"
    _pick = "maximum"

    @staticmethod
    def _wins(a: Any, b: Any) -> Any:
        return a > b

    @classmethod
    def forward(cls, ctx: Any, a: Tensor, b: Tensor) -> Any:
        ctx.save_for_backward(a, b)
        return binary(getattr(array_module(a._data), cls._pick), a, b)

    @classmethod
    def backward(cls, ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        w = cls._wins(a, b) + (a == b) * 0.5
        return grad * w, grad * (1 - w)


class Minimum(Maximum):
    """Elementwise minimum of two tensors (ties split the gradient evenly)."""

    grad_fn_name = "MinimumBackward0"
    _pick = "minimum"

    @staticmethod
    def _wins(a: Any, b: Any) -> Any:
        return a < b


class Where(Function):
    """``where(cond, x, y)``: x where cond is true, else y; the gradient follows the same choice."""

    builtin, grad_fn_name = True, "WhereBackward0"
    edge_args = (1, 2)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, cond: Any, a: Any, b: Any) -> Any:
        c = cond._data if isinstance(cond, Tensor) else cond
        if getattr(c, "dtype", None) is None or c.dtype.kind != "b":
            dt = str(getattr(c, "dtype", type(c).__name__))
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                               f"with dtype {_TORCH_TYPE_NAMES.get(dt, dt)}")
        ctx.cond = cond
        x, y = operands(a, b)
        xp = array_module(c)
        try:
            out = xp.where(c, x, y)
            if not hasattr(x, "dtype") and not hasattr(y, "dtype"):  # two Python numbers
                out = out.astype(result_dtype(x, y), copy=False)
            return out
        except ValueError:
            from .common import broadcast_error
            raise broadcast_error(c, xp.broadcast_arrays(x, y)[0]
                                  if hasattr(x, "shape") else y) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        c = ctx.cond
        need = ctx.needs_input_grad
        ga = F.where(c, grad, 0.0) if need[1] else None
        gb = F.where(c, 0.0, grad) if need[2] else None
        return None, ga, gb


class Clone(Function):
    builtin, grad_fn_name = True, "CloneBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        return a._data.copy()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad


class ToCopy(Function):
    """A change of dtype and/or device; the gradient goes back to the input's dtype and device."""

    builtin, grad_fn_name = True, "ToCopyBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, a: Tensor, np_dtype: Any, dev: Any) -> Any:
        from ..backend import to_device
        ctx.src = (a._data.dtype, a.device)
        out = a._data
        if dev is not None:
            out = to_device(out, dev)
        if np_dtype is not None and out.dtype != np_dtype:
            out = out.astype(np_dtype)
        return out.copy() if out is a._data else out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        dt, dev = ctx.src
        if F.is_tensor(grad):
            return ToCopy.apply(grad, dt, dev), None, None
        from ..backend import to_device
        return to_device(grad, dev).astype(dt, copy=False), None, None
