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
from .common import binary, operands


class Add(Function):
    builtin, grad_fn_name = True, "AddBackward0"

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return binary(_add, a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad, grad


class Sub(Function):
    builtin, grad_fn_name = True, "SubBackward0"

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        return binary(_sub, a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    builtin, grad_fn_name = True, "MulBackward0"

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                              b if isinstance(b, Tensor) else None)
        ctx.scalars = (a, b)
        return binary(_mul, a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        need = ctx.needs_input_grad
        return (grad * b if need[0] else None), (grad * a if need[1] else None)


class Div(Function):
    builtin, grad_fn_name = True, "DivBackward0"

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                              b if isinstance(b, Tensor) else None)
        ctx.scalars = (a, b)
        x, y = operands(a, b)
        if getattr(x, "dtype", None) is not None and x.dtype.kind != "f":
            x = x.astype("float32")  # true division of integers gives float32, as in PyTorch
        return binary(_div, x, y)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        need = ctx.needs_input_grad
        ga = grad / b if need[0] else None
        gb = -grad * a / (b * b) if need[1] else None
        return ga, gb


class Neg(Function):
    builtin, grad_fn_name = True, "NegBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        return -a._data

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return -grad


class Pow(Function):
    """``x ** c`` for a number ``c`` (PowBackward0)."""

    builtin, grad_fn_name = True, "PowBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor, exponent: Any) -> Any:
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        x, e = operands(a, exponent)
        return x ** e

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return grad * 0, None
        return grad * (e * a ** (e - 1)), None


class PowTensor(Function):
    """``x ** y`` with a tensor exponent (PowBackward1); ``c ** y`` is PowBackward2."""

    builtin, grad_fn_name = True, "PowBackward1"

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any) -> Any:
        out = binary(_pow, a, b)
        ctx.save_for_backward(a if isinstance(a, Tensor) else None,
                              b if isinstance(b, Tensor) else None)
        ctx.scalars = (a, b)
        return out

    save_output = True

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b, out = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        need = ctx.needs_input_grad
        ga = grad * b * a ** (b - 1) if need[0] else None
        gb = None
        if need[1]:
            if isinstance(a, Tensor):
                zero_base = (a == 0) & (b >= 0)  # d/dy 0**y is 0 there, not nan
                safe_log = Where.apply(zero_base, 1.0, a).log()
                gb = Where.apply(zero_base, 0.0, grad * out * safe_log)
            else:
                gb = grad * out * (math.log(a) if a > 0 else (0.0 if a == 0 else math.nan))
        return ga, gb


class RPowScalar(PowTensor):
    grad_fn_name = "PowBackward2"


def _unary(name: str, np_name: str, derivative: Any, save_output: bool = False) -> type:
    """Build a one-input op whose backward is ``grad * derivative(x_or_output)``."""

    def forward(ctx: Any, a: Tensor) -> Any:
        if not save_output:
            ctx.save_for_backward(a)
        return getattr(array_module(a._data), np_name)(_float(a._data))

    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (saved,) = ctx.saved_tensors
        return grad * derivative(saved)

    return type(name, (Function,), {
        "builtin": True, "grad_fn_name": f"{name}Backward0", "save_output": save_output,
        "forward": staticmethod(forward), "backward": staticmethod(backward),
        "__doc__": f"Elementwise {np_name} (forward and backward)."})


def _float(x: Any) -> Any:
    """Integer inputs to exp/sin/... give float32, as in PyTorch."""
    return x if x.dtype.kind == "f" else x.astype("float32")


Exp = _unary("Exp", "exp", lambda y: y, save_output=True)
Log = _unary("Log", "log", lambda x: 1 / x)
Sqrt = _unary("Sqrt", "sqrt", lambda y: 0.5 / y, save_output=True)
Sin = _unary("Sin", "sin", lambda x: x.cos())
Cos = _unary("Cos", "cos", lambda x: -x.sin())
Tan = _unary("Tan", "tan", lambda y: 1 + y * y, save_output=True)
Tanh = _unary("Tanh", "tanh", lambda y: 1 - y * y, save_output=True)
Log1p = _unary("Log1p", "log1p", lambda x: 1 / (x + 1))
Expm1 = _unary("Expm1", "expm1", lambda y: y + 1, save_output=True)
Abs = _unary("Abs", "abs", lambda x: x.sign())


class Sigmoid(Function):
    """Logistic function, computed without overflow for large |x|."""

    builtin, grad_fn_name, save_output = True, "SigmoidBackward0", True

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
    builtin, grad_fn_name, save_output = True, "ReluBackward0", True

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        return array_module(a._data).maximum(a._data, 0).astype(a._data.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return grad * (y > 0)


class Clamp(Function):
    builtin, grad_fn_name = True, "ClampBackward1"

    @staticmethod
    def forward(ctx: Any, a: Tensor, lo: Any, hi: Any) -> Any:
        if lo is None and hi is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        ctx.save_for_backward(a)
        ctx.bounds = (lo, hi)
        xp = array_module(a._data)
        out = a._data
        if lo is not None:
            out = xp.maximum(out, lo._data if isinstance(lo, Tensor) else lo)
        if hi is not None:
            out = xp.minimum(out, hi._data if isinstance(hi, Tensor) else hi)
        return out.astype(a._data.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        (a,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        mask = None
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            mask = (a <= hi) if mask is None else mask & (a <= hi)
        return grad * mask, None, None


class Round(Function):
    """Rounding (half to even, as PyTorch); its derivative is zero almost everywhere."""

    builtin, grad_fn_name = True, "RoundBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor, decimals: int = 0) -> Any:
        return array_module(a._data).round(a._data, decimals)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad * 0, None


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

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor) -> Any:
        ctx.save_for_backward(a, b)
        return binary(array_module(a._data).maximum, a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        w = (a > b) + (a == b) * 0.5
        return grad * w, grad * (1 - w)


class Minimum(Function):
    builtin, grad_fn_name = True, "MinimumBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor) -> Any:
        ctx.save_for_backward(a, b)
        return binary(array_module(a._data).minimum, a, b)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        w = (a < b) + (a == b) * 0.5
        return grad * w, grad * (1 - w)


def _add(x: Any, y: Any) -> Any:
    return x + y


def _sub(x: Any, y: Any) -> Any:
    return x - y


def _mul(x: Any, y: Any) -> Any:
    return x * y


def _div(x: Any, y: Any) -> Any:
    return x / y


def _pow(x: Any, y: Any) -> Any:
    return x ** y


class Where(Function):
    """``where(cond, x, y)``: x where cond is true, else y; the gradient follows the same choice."""

    builtin, grad_fn_name = True, "WhereBackward0"

    @staticmethod
    def forward(ctx: Any, cond: Any, a: Any, b: Any) -> Any:
        c = cond._data if isinstance(cond, Tensor) else cond
        if getattr(c, "dtype", None) is None or c.dtype.kind != "b":
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                               f"with dtype {getattr(c, 'dtype', type(c).__name__)}")
        ctx.cond = cond
        x, y = operands(a, b)
        xp = array_module(c)
        try:
            return xp.where(c, x, y)
        except ValueError:
            from .common import broadcast_error
            raise broadcast_error(c, xp.broadcast_arrays(x, y)[0]
                                  if hasattr(x, "shape") else y) from None

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        c = ctx.cond
        need = ctx.needs_input_grad
        ga = Where.apply(c, grad, 0.0) if need[1] else None
        gb = Where.apply(c, 0.0, grad) if need[2] else None
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
        return ToCopy.apply(grad, dt, dev), None, None


def _compare(fn: Any) -> Any:
    def op(a: Any, b: Any) -> Tensor:
        if not isinstance(b, (Tensor, int, float, bool, np.ndarray, np.generic)):
            return NotImplemented
        return Tensor._make(binary(fn, a, b))
    return op


eq, ne = _compare(np.equal), _compare(np.not_equal)
lt, le, gt, ge = _compare(np.less), _compare(np.less_equal), _compare(np.greater), \
    _compare(np.greater_equal)


def _logical(fn: Any, name: str) -> Any:
    def op(a: Any, b: Any) -> Tensor:
        x, y = operands(a, b)
        if getattr(x, "dtype", np.dtype(bool)).kind == "f" or isinstance(y, float) or \
                getattr(y, "dtype", np.dtype(bool)).kind == "f":
            raise RuntimeError(f'"{name}_cpu" not implemented for \'Float\'')
        return Tensor._make(fn(x, y))
    return op


bitwise_and = _logical(np.bitwise_and, "bitwise_and")
bitwise_or = _logical(np.bitwise_or, "bitwise_or")
bitwise_xor = _logical(np.bitwise_xor, "bitwise_xor")


def logical_not(a: Tensor) -> Tensor:
    return Tensor._make(array_module(a._data).logical_not(a._data))


def _invert(a: Tensor) -> Tensor:
    if a._data.dtype.kind == "f":
        raise TypeError("~ (bitwise_not) is only supported for integer and boolean tensors")
    return Tensor._make(~a._data)


# --- the public functions (autograd_lite.add, Tensor.add, ...) ---------------------------------

def _t(x: Any) -> Any:
    """Accept NumPy arrays where a tensor is expected."""
    if isinstance(x, np.ndarray):
        return Tensor._make(x)
    return x


def add(input: Any, other: Any, alpha: Any = 1) -> Tensor:
    """``input + alpha * other``."""
    if alpha != 1:
        other = Mul.apply(_t(other), alpha)
    return Add.apply(_t(input), _t(other))


def sub(input: Any, other: Any, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``."""
    if alpha != 1:
        other = Mul.apply(_t(other), alpha)
    return Sub.apply(_t(input), _t(other))


def mul(input: Any, other: Any) -> Tensor:
    return Mul.apply(_t(input), _t(other))


def div(input: Any, other: Any, rounding_mode: str | None = None) -> Tensor:
    if rounding_mode is not None:
        x, y = operands(input, other)
        xp = array_module(x if hasattr(x, "shape") else y)
        r = xp.floor_divide(x, y) if rounding_mode == "floor" else xp.trunc(x / y).astype(
            x.dtype if hasattr(x, "dtype") else y.dtype)
        return Tensor._make(r)
    return Div.apply(_t(input), _t(other))


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """``input ** exponent`` for tensors or numbers on either side."""
    if isinstance(exponent, Tensor):
        if isinstance(input, Tensor):
            return PowTensor.apply(input, exponent)
        return RPowScalar.apply(input, exponent)
    return Pow.apply(_t(input), exponent)


def neg(input: Tensor) -> Tensor:
    return Neg.apply(input)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """Elements of ``input`` where ``condition`` holds, else of ``other``."""
    if input is None and other is None:
        return tuple(Tensor._make(i) for i in array_module(condition._data).nonzero(
            condition._data))
    return Where.apply(condition, _t(input), _t(other))


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; the gradient is zero where clamping happened."""
    return Clamp.apply(input, min, max)


def round(input: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001
    return Round.apply(input, decimals)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    return Maximum.apply(input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    return Minimum.apply(input, other)


def _unary_fn(op: type) -> Any:
    def fn(input: Tensor) -> Tensor:
        return op.apply(input)
    fn.__name__ = op.__name__.lower()
    fn.__doc__ = op.__doc__
    return fn


exp, log, sqrt, sin, cos, tan, tanh = (_unary_fn(o) for o in (Exp, Log, Sqrt, Sin, Cos, Tan,
                                                                Tanh))
log1p, expm1, abs, sign = (_unary_fn(o) for o in (Log1p, Expm1, Abs, Sign))  # noqa: A001
sigmoid, relu = _unary_fn(Sigmoid), _unary_fn(Relu)


def rsqrt(input: Tensor) -> Tensor:
    return 1 / Sqrt.apply(input)


def square(input: Tensor) -> Tensor:
    return Pow.apply(input, 2)


def reciprocal(input: Tensor) -> Tensor:
    return 1 / input


def isnan(input: Tensor) -> Tensor:
    return Tensor._make(array_module(input._data).isnan(input._data))


def isinf(input: Tensor) -> Tensor:
    return Tensor._make(array_module(input._data).isinf(input._data))


def isfinite(input: Tensor) -> Tensor:
    return Tensor._make(array_module(input._data).isfinite(input._data))


def floor(input: Tensor) -> Tensor:
    return Tensor._make(array_module(input._data).floor(input._data))


def ceil(input: Tensor) -> Tensor:
    return Tensor._make(array_module(input._data).ceil(input._data))


def clone(input: Tensor) -> Tensor:
    """A copy that stays in the graph (CloneBackward0)."""
    return Clone.apply(input)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> bool:
    x, y = operands(input, other)
    return bool(array_module(x).allclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> Tensor:
    x, y = operands(input, other)
    return Tensor._make(array_module(x).isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input: Tensor, other: Tensor) -> bool:
    return input.shape == other.shape and bool((input._data == other._data).all())


FUNCTIONS = {f.__name__: f for f in (
    add, sub, mul, div, pow, neg, where, clamp, round, maximum, minimum, exp, log, sqrt, sin,
    cos, tan, tanh, log1p, expm1, abs, sign, sigmoid, relu, rsqrt, square, reciprocal, isnan,
    isinf, isfinite, floor, ceil, clone, allclose, isclose, equal, eq, ne, lt, le, gt, ge,
    logical_not)}
FUNCTIONS.update(clip=clamp, multiply=mul, divide=div, subtract=sub, negative=neg,
                 true_divide=div, greater=gt, less=lt, greater_equal=ge, less_equal=le,
                 not_equal=ne)
for _name, _f in (("eq", eq), ("ne", ne), ("lt", lt), ("le", le), ("gt", gt), ("ge", ge)):
    _f.__name__ = _name

TENSOR_METHODS = dict(FUNCTIONS)
for _name in ("where", "allclose", "equal"):
    TENSOR_METHODS.pop(_name)
TENSOR_METHODS.update(
    where=lambda self, condition, other: Where.apply(condition, self, _t(other)),
    allclose=allclose, equal=equal, clamp_min=lambda self, min: clamp(self, min=min),
    clamp_max=lambda self, max: clamp(self, max=max),
    __add__=add, __radd__=lambda self, o: Add.apply(_t(o), self),
    __sub__=sub, __rsub__=lambda self, o: Sub.apply(_t(o), self),
    __mul__=mul, __rmul__=lambda self, o: Mul.apply(_t(o), self),
    __truediv__=div, __rtruediv__=lambda self, o: Div.apply(_t(o), self),
    __pow__=pow, __rpow__=lambda self, o: pow(_t(o), self), __neg__=neg, __abs__=abs,
    __pos__=lambda self: self,
    __eq__=eq, __ne__=ne, __lt__=lt, __le__=le, __gt__=gt, __ge__=ge,
    __and__=bitwise_and, __or__=bitwise_or, __xor__=bitwise_xor,
    __rand__=bitwise_and, __ror__=bitwise_or, __invert__=_invert,
    __floordiv__=lambda self, o: div(self, o, rounding_mode="floor"),
    __mod__=lambda self, o: Tensor._make(binary(np.mod, self, o)),
)

# In-place variants: run the op out of place, write into the storage, bump the version.
INPLACE = {"add_": Add, "sub_": Sub, "mul_": Mul, "div_": Div, "pow_": Pow, "clamp_": Clamp,
           "exp_": Exp, "log_": Log, "sqrt_": Sqrt, "sin_": Sin, "cos_": Cos, "tanh_": Tanh,
           "sigmoid_": Sigmoid, "relu_": Relu, "abs_": Abs, "neg_": Neg, "round_": Round}
