"""Elementwise ops: arithmetic, powers, exp/log, trigonometry, activations, clamp, round.

Each op is a Function: ``forward`` computes the array with the array module of its input (NumPy or
CuPy), ``backward`` is the derivative written with Tensor operations, so that under
``create_graph=True`` it is itself differentiated. Gradients may come back broadcast: the engine
sums them to the input's shape.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from . import formula as F
from .common import binary, broadcast_error, operands, result_dtype
from .gate import gate, gate_op


def _scalars(a: Any, b: Any) -> tuple:
    """The number operands of a binary op, kept on ctx; tensors go through save_for_backward
    only, so that backward without retain_graph frees them."""
    return (None if isinstance(a, Tensor) else a, None if isinstance(b, Tensor) else b)


def _number_shortcut(op: Any, backward: Any) -> staticmethod:
    """The engine's formula for Mul/Div (``engine_backward``): ``backward``, except that for
    ``x * c`` or ``x / c`` recorded by ``apply.scalar_op`` (which keeps only ``c``) a plain
    backward computes ``op(grad, c)`` directly."""
    def engine_backward(ctx: Any, grad: Any) -> Any:
        s = ctx._saved
        if s.__class__ is tuple and len(s) == 2 and s[0] is None and s[1].__class__ is float \
                and grad.__class__ is np.ndarray:
            return op(grad, s[1]), None
        return backward(ctx, grad)
    return staticmethod(engine_backward)


# Add, Sub, Mul, Div are the most frequent ops: their forward calls NumPy directly (``binary``
# does the same through one more call).

class Add(Function):
    builtin, grad_fn_name = True, "AddBackward0"
    ufunc = np.add

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        x, y = operands(a, b)
        try:
            return x + y
        except ValueError:
            raise broadcast_error(x, y) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad, grad


class Sub(Function):
    builtin, grad_fn_name = True, "SubBackward0"
    ufunc = np.subtract

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        x, y = operands(a, b)
        try:
            return x - y
        except ValueError:
            raise broadcast_error(x, y) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class RSub(Sub):
    """``c - x`` with a number on the left: PyTorch records it as RsubBackward1."""

    grad_fn_name = "RsubBackward1"
    edge_args = (1,)  # PyTorch's next_functions


class AddAlpha(Function):
    """``a + alpha * b`` (``add(a, b, alpha=...)``): one AddBackward0 node, as in PyTorch."""

    builtin, grad_fn_name, edge_args = True, "AddBackward0", (0, 1)
    sign = 1

    @classmethod
    def forward(cls, ctx: Any, a: Any, b: Any, alpha: Any) -> Any:
        ctx.alpha = alpha = cls.sign * alpha
        x, y = operands(a, b)
        try:
            return x + y * alpha
        except ValueError:
            raise broadcast_error(x, y) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad, (grad * ctx.alpha if ctx.needs_input_grad[1] else None), None


class SubAlpha(AddAlpha):
    """``a - alpha * b`` (SubBackward0)."""

    grad_fn_name, sign = "SubBackward0", -1


class Mul(Function):
    builtin, grad_fn_name, keeps_number = True, "MulBackward0", True
    ufunc = np.multiply

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        need = ctx.needs_input_grad
        if need[0] or need[1]:  # as PyTorch: a factor is kept only for the other's gradient
            ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        x, y = operands(a, b)
        try:
            return x * y
        except ValueError:
            raise broadcast_error(x, y) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (grad * b if need[0] else None), (grad * a if need[1] else None)

    engine_backward = _number_shortcut(np.multiply, backward)


class Div(Function):
    builtin, grad_fn_name, keeps_number = True, "DivBackward0", True
    ufunc = np.true_divide

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        need = ctx.needs_input_grad
        if need[0] or need[1]:  # as PyTorch: the dividend only for the divisor's gradient
            ctx.save_for_backward(a if need[1] else None, b)
        x, y = operands(a, b)
        if result_dtype(x, y).kind != "f":
            # true division of integers (also 3 / int_tensor) gives float32, as in PyTorch
            x = x.astype("float32") if hasattr(x, "dtype") else float(x)
            y = y.astype("float32") if hasattr(y, "dtype") else float(y)
        try:
            return x / y
        except ValueError:
            raise broadcast_error(x, y) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        ga = grad / b if need[0] else None
        gb = -grad * a / (b * b) if need[1] else None
        return ga, gb

    engine_backward = _number_shortcut(np.true_divide, backward)


class Neg(Function):
    builtin, grad_fn_name, elementwise = True, "NegBackward0", True

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        return -a._data

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return -grad


class Pow(Function):
    """``x ** c`` for a number ``c`` (PowBackward0)."""

    builtin, grad_fn_name = True, "PowBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, a: Tensor, exponent: Any) -> Any:
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        x, e = operands(a, exponent)
        try:
            return x ** e
        except ValueError as err:  # integers to negative integer powers
            raise RuntimeError(str(err)) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return grad * 0, None
        # on arrays x ** 1 is x exactly; a recorded formula keeps PowBackward0 (x ** 1) as
        # PyTorch does, so that higher derivatives go on through it
        p = a if e == 2 and a.__class__ is not Tensor else a ** (e - 1)
        return grad * (e * p), None


class PowTensor(Function):
    """``x ** y`` with a tensor exponent (PowBackward1); ``c ** y`` is PowBackward2."""

    builtin, grad_fn_name = True, "PowBackward1"

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = binary(_pow, a, b)
        ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                              b if isinstance(b, Tensor) else None)
        ctx.scalars = _scalars(a, b)
        return out

    save_output = True

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b, out = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        need = ctx.needs_input_grad
        ga = None
        if need[0]:
            ga = grad * b * a ** (b - 1)
            if hasattr(b, "shape"):
                ga = F.where(b == 0, 0.0, ga)  # d/dx x**0 is 0, also at x = 0 (not 0 * inf)
        gb = None
        if need[1]:
            if hasattr(a, "shape"):
                zero_base = (a == 0) & (b >= 0)  # d/dy 0**y is 0 there, not nan
                safe_log = F.log(F.where(zero_base, 1.0, a))
                gb = F.where(zero_base, 0.0, grad * out * safe_log)
            else:
                gb = grad * out * (math.log(a) if a > 0 else (0.0 if a == 0 else math.nan))
        return ga, gb


class RPowScalar(PowTensor):
    grad_fn_name = "PowBackward2"
    edge_args = (1,)  # PyTorch's next_functions


def _unary(name: str, np_name: str, derivative: Any, save_output: bool = False,
           keep_int: bool = False, grad_fn_name: str | None = None) -> type:
    """Build a one-input op whose backward is ``grad * derivative(x_or_output)``."""

    np_fn = getattr(np, np_name)

    def forward(ctx: Any, a: Tensor) -> Any:
        x = a._data
        if x.__class__ is np.ndarray and x.dtype.kind == "f":  # the common case, directly
            return np_fn(x)
        return getattr(array_module(x), np_name)(x if keep_int else _float(x))

    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (saved,) = ctx.saved_tensors
        return grad * derivative(saved)

    def engine_backward(ctx: Any, grad: Any) -> Any:
        """``backward`` with an unchanged saved array read directly (a plain backward)."""
        if grad.__class__ is np.ndarray:
            s = ctx._saved[0]
            if s.__class__ is tuple:  # the op's output
                if s[0] is None and s[3][0] == s[1]:
                    return grad * derivative(s[2])
            elif s.__class__ is Tensor and (s._vc is None or s._vc[0] == 0):  # its input
                return grad * derivative(s._data)
        return backward(ctx, grad)

    return type(name, (Function,), {
        "builtin": True, "grad_fn_name": grad_fn_name or f"{name}Backward0",
        "save_output": save_output, "save_inputs": not save_output, "elementwise": True,
        "ufunc": np_fn,
        "forward": staticmethod(forward), "backward": staticmethod(backward),
        "engine_backward": staticmethod(engine_backward),
        "__doc__": f"Elementwise {np_name} (forward and backward)."})


def _float(x: Any) -> Any:
    """Integer inputs to exp/sin/... give float32, as in PyTorch."""
    return x if x.dtype.kind == "f" else x.astype("float32")


Exp = _unary("Exp", "exp", lambda y: y, save_output=True)
Log = _unary("Log", "log", lambda x: 1 / x)
Sqrt = _unary("Sqrt", "sqrt", lambda y: 0.5 / y, save_output=True)
Sin = _unary("Sin", "sin", F.cos)
Cos = _unary("Cos", "cos", lambda x: -F.sin(x))
Tan = _unary("Tan", "tan", lambda y: 1 + y * y, save_output=True)
Tanh = _unary("Tanh", "tanh", lambda y: 1 - y * y, save_output=True)
Log1p = _unary("Log1p", "log1p", lambda x: 1 / (x + 1), grad_fn_name="Log1PBackward0")
Reciprocal = _unary("Reciprocal", "reciprocal", lambda y: -y * y, save_output=True)


class Rsqrt(Function):
    """``1 / sqrt(x)``; derivative ``-y**3 / 2``."""

    builtin, grad_fn_name, save_output, elementwise = True, "RsqrtBackward0", True, True

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        x = _float(a._data)
        return 1 / array_module(x).sqrt(x)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return grad * (-0.5 * y * y * y)
Expm1 = _unary("Expm1", "expm1", lambda y: y + 1, save_output=True)
Abs = _unary("Abs", "abs", F.sign, keep_int=True)  # abs of an int tensor stays int


class Sigmoid(Function):
    """Logistic function, computed without overflow for large |x|."""

    builtin, grad_fn_name, save_output, elementwise = True, "SigmoidBackward0", True, True

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        x = _float(a._data)
        xp = array_module(x)
        e = xp.exp(-xp.abs(x))  # in (0, 1]: never overflows
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return grad * (y * (1 - y))


class Relu(Function):
    builtin, grad_fn_name, save_output, elementwise = True, "ReluBackward0", True, True

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        return array_module(a._data).maximum(a._data, 0).astype(a._data.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        mask = (y._data if isinstance(y, Tensor) else y) > 0
        return gate(grad, y, mask, _THRESHOLD)


_THRESHOLD = gate_op("ThresholdBackwardBackward0")  # relu's formula, recorded (see gate.py)


def _pow(x: Any, y: Any) -> Any:
    return x ** y


# Value-selecting ops live in selection.py; re-exported so every op is importable from here.
from .selection import (  # noqa: E402,F401
    Clamp,
    ClampTensor,
    Clone,
    Maximum,
    Minimum,
    Round,
    RoundDecimals,
    Sign,
    ToCopy,
    Where,
)
