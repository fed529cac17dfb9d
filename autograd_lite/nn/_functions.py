"""Differentiable primitives used only by ``nn``: leaky_relu, gelu (and the erf it needs).

As everywhere in the library, ``forward`` works on arrays through the array module and
``backward`` is one formula (``ops/formula.py``) that runs on arrays in a plain backward and on
tensors under ``create_graph=True``, so second derivatives follow.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import array_module
from ..function import Function
from ..ops import formula
from ..ops.gate import gate, gate_op
from ..tensor import Tensor

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_TWO_INV_SQRT_PI = 2 / math.sqrt(math.pi)
_TANH_K = math.sqrt(2 / math.pi)
_TANH_C = 0.044715
_np_erf = np.frompyfunc(math.erf, 1, 1)


def erf_array(x: Any) -> Any:
    """The error function of an array (NumPy: math.erf per element; CuPy: its own kernel)."""
    xp = array_module(x)
    if xp is not np:
        from cupyx.scipy.special import erf
        return erf(x)
    return _np_erf(x).astype(x.dtype) if x.size else x.copy()


def _erf(x: Any) -> Any:
    return Erf.apply(x) if formula.is_tensor(x) else erf_array(x)


class Erf(Function):
    builtin, grad_fn_name = True, "ErfBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        ctx.save_for_backward(a)
        return erf_array(a._data)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (a,) = ctx.saved_tensors
        return grad * (formula.exp(-(a * a)) * _TWO_INV_SQRT_PI)


class LeakyRelu(Function):
    """``x`` where ``x > 0``, else ``negative_slope * x``."""

    builtin, grad_fn_name = True, "LeakyReluBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, a: Tensor, negative_slope: float) -> Any:
        ctx.save_for_backward(a)
        ctx.negative_slope = negative_slope
        x = a._data
        return array_module(x).where(x > 0, x, x * negative_slope).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (a,) = ctx.saved_tensors
        x = formula.value(a._data if isinstance(a, Tensor) else a)
        slope = array_module(x).where(x > 0, 1, ctx.negative_slope).astype(x.dtype)
        return gate(grad, a, slope, _LEAKY), None


_LEAKY = gate_op("LeakyReluBackwardBackward0")  # its formula, recorded (see ops/gate.py)


class Gelu(Function):
    """``x * Phi(x)`` (``approximate='none'``) or its tanh approximation."""

    builtin, grad_fn_name = True, "GeluBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, a: Tensor, approximate: str) -> Any:
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        x = a._data
        xp = array_module(x)
        if approximate == "tanh":
            inner = _TANH_K * (x + _TANH_C * x * x * x)
            return (0.5 * x * (1 + xp.tanh(inner))).astype(x.dtype, copy=False)
        return (x * 0.5 * (1 + erf_array(x * _SQRT1_2))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            x2 = x * x
            t = formula.tanh(_TANH_K * (x + _TANH_C * x2 * x))
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (_TANH_K * (1 + 3 * _TANH_C * x2))
            return grad * d, None
        cdf = 0.5 * (1 + _erf(x * _SQRT1_2))
        pdf = formula.exp(-0.5 * (x * x)) * _INV_SQRT_2PI
        return grad * (cdf + x * pdf), None


def _register_forward_rules() -> None:
    """Forward-mode AD (``autograd.forward_ad``) for these ops, from their backward formulas."""
    from ..autograd import forward_ad
    for op in (Erf, LeakyRelu, Gelu):
        forward_ad._RULES[op] = forward_ad._by_double_backward(op)


_register_forward_rules()
