"""The public elementwise functions (``autograd_lite.exp``), comparisons, and the Tensor methods
and in-place variants built on the ops in ``elementwise.py``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..apply import _apply_builtin as _apply  # Op.apply without the classmethod call
from ..apply import scalar_op, unary_op
from ..backend import array_module
from ..tensor import Tensor
from .common import binary, operands
from .elementwise import (
    Abs,
    Add,
    AddAlpha,
    Clamp,
    ClampTensor,
    Clone,
    Cos,
    Div,
    Exp,
    Expm1,
    Log,
    Log1p,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    PowTensor,
    Reciprocal,
    Relu,
    Round,
    RoundDecimals,
    RPowScalar,
    Rsqrt,
    RSub,
    Sigmoid,
    Sign,
    Sin,
    Sqrt,
    Sub,
    SubAlpha,
    Tan,
    Tanh,
    Where,
)


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
        return AddAlpha.apply(_t(input), _t(other), alpha)
    return Add.apply(_t(input), _t(other))


def sub(input: Any, other: Any, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``."""
    if alpha != 1:
        return SubAlpha.apply(_t(input), _t(other), alpha)
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
    return _apply(Neg, input)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """Elements of ``input`` where ``condition`` holds, else of ``other``."""
    if input is None and other is None:
        return tuple(Tensor._make(i) for i in array_module(condition._data).nonzero(
            condition._data))
    return Where.apply(condition, _t(input), _t(other))


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; the gradient is zero where clamping happened."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return ClampTensor.apply(input, min, max)
    return Clamp.apply(input, min, max)


def round(input: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001
    return Round.apply(input, decimals) if decimals == 0 else RoundDecimals.apply(input, decimals)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    return Maximum.apply(input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    return Minimum.apply(input, other)


def _unary_fn(op: type) -> Any:
    fn = unary_op(op)
    fn.__name__ = op.__name__.lower()
    fn.__doc__ = op.__doc__
    return fn


exp, log, sqrt, sin, cos, tan, tanh = (_unary_fn(o) for o in (Exp, Log, Sqrt, Sin, Cos, Tan,
                                                                Tanh))
log1p, expm1, abs, sign = (_unary_fn(o) for o in (Log1p, Expm1, Abs, Sign))  # noqa: A001
sigmoid, relu = _unary_fn(Sigmoid), _unary_fn(Relu)


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)``."""
    return Rsqrt.apply(input)


def square(input: Tensor) -> Tensor:
    return Pow.apply(input, 2)


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``."""
    return Reciprocal.apply(input)


def _rtruediv(self: Tensor, other: Any) -> Tensor:
    """``other / self``: for a number, ``reciprocal(self) * other`` as PyTorch records it."""
    if isinstance(other, (int, float)) and not isinstance(other, bool):
        return Mul.apply(Reciprocal.apply(self), other)
    return Div.apply(_t(other), self)


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


for _name, _f in (("eq", eq), ("ne", ne), ("lt", lt), ("le", le), ("gt", gt), ("ge", ge)):
    _f.__name__ = _name
FUNCTIONS = {f.__name__: f for f in (
    add, sub, mul, div, pow, neg, where, clamp, round, maximum, minimum, exp, log, sqrt, sin,
    cos, tan, tanh, log1p, expm1, abs, sign, sigmoid, relu, rsqrt, square, reciprocal, isnan,
    isinf, isfinite, floor, ceil, clone, allclose, isclose, equal, eq, ne, lt, le, gt, ge,
    logical_not)}
FUNCTIONS.update(clip=clamp, multiply=mul, divide=div, subtract=sub, negative=neg,
                 true_divide=div, greater=gt, less=lt, greater_equal=ge, less_equal=le,
                 not_equal=ne)


def _operator(op: type) -> Any:
    """``tensor op other`` (``+ - * /``); ``2 + x`` is recorded as ``x + 2`` (the tensor's edge
    first), as PyTorch does."""
    def general(self: Tensor, other: Any) -> Tensor:
        return _apply(op, self, _t(other) if isinstance(other, np.ndarray) else other)
    return scalar_op(op, general)


TENSOR_METHODS = dict(FUNCTIONS)
for _name in ("where", "allclose", "equal"):
    TENSOR_METHODS.pop(_name)
TENSOR_METHODS.update(
    where=lambda self, condition, other: Where.apply(condition, self, _t(other)),
    allclose=allclose, equal=equal, clamp_min=lambda self, min: clamp(self, min=min),
    clamp_max=lambda self, max: clamp(self, max=max),
    __add__=_operator(Add),
    __radd__=_operator(Add),
    __sub__=_operator(Sub),
    __rsub__=lambda self, o: _apply(RSub, _t(o) if isinstance(o, np.ndarray) else o, self),
    __mul__=_operator(Mul),
    __rmul__=_operator(Mul),
    __truediv__=_operator(Div),
    __rtruediv__=_rtruediv,
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
