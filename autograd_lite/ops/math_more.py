"""More elementwise math: log2/log10/exp2, inverse and hyperbolic trigonometry, trunc/frac,
atan2, hypot, logaddexp, lerp, addcmul/addcdiv, nan_to_num.

As in ``elementwise.py``, each op's forward and backward sit together and the backward is
written once with ``formula``'s vocabulary, so it runs on arrays (a plain backward) and is
recorded on tensors under ``create_graph=True`` (second derivatives). Results follow PyTorch's
type promotion; integer inputs to the float functions give float32.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..apply import unary_op
from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from . import formula as F
from .common import _CATEGORY, _DEFAULT, _category, broadcast_error, operands, result_dtype
from .dual import Dual
from .dual import elementwise as on_dual
from .elementwise import _float, _unary
from .reduce import type_name

LN2, LN10 = math.log(2.0), math.log(10.0)


def _hyperbolic(name: str) -> Any:
    """``cosh``/``sinh`` for backward formulas: arrays, tensors (recorded) or Duals."""
    def fn(x: Any) -> Any:
        if isinstance(x, Tensor):
            return getattr(x, name)()
        if x.__class__ is Dual:
            return on_dual(_OPS[name], x)
        return getattr(array_module(x), name)(x)
    return fn


_cosh, _sinh = _hyperbolic("cosh"), _hyperbolic("sinh")

# (name, NumPy function, derivative, is the derivative written with the output?)
_TABLE = (
    ("Log2", "log2", lambda x: 1 / (x * LN2), False),
    ("Log10", "log10", lambda x: 1 / (x * LN10), False),
    ("Exp2", "exp2", lambda y: y * LN2, True),
    ("Asin", "arcsin", lambda x: 1 / F.sqrt(1 - x * x), False),
    ("Acos", "arccos", lambda x: -1 / F.sqrt(1 - x * x), False),
    ("Atan", "arctan", lambda x: 1 / (x * x + 1), False),
    ("Sinh", "sinh", _cosh, False),
    ("Cosh", "cosh", _sinh, False),
    ("Asinh", "arcsinh", lambda x: 1 / F.sqrt(x * x + 1), False),
    ("Acosh", "arccosh", lambda x: 1 / F.sqrt(x * x - 1), False),
    ("Atanh", "arctanh", lambda x: 1 / (1 - x * x), False),
)
_OPS = {name.lower(): _unary(name, np_name, d, save_output=out)
        for name, np_name, d, out in _TABLE}
_DERIVATIVES = {_OPS[name.lower()]: (d, out) for name, _, d, out in _TABLE}


def _piecewise(name: str, forward: Any, backward: Any, ufunc: Any = None) -> type:
    """A one-input op with a constant derivative: ``forward(array)``, ``backward(grad)``."""
    return type(name, (Function,), {
        "builtin": True, "grad_fn_name": f"{name}Backward0", "elementwise": True, "ufunc": ufunc,
        "forward": staticmethod(lambda ctx, a: forward(a._data)),
        "backward": staticmethod(lambda ctx, grad: backward(grad)),
        "__doc__": f"Elementwise {name.lower()} (forward and backward)."})


# trunc's derivative is 0 (zeros, not grad * 0: an infinite gradient would give nan); frac's 1
Trunc = _piecewise("Trunc", lambda x: array_module(x).trunc(x) if x.dtype.kind == "f" else x.copy(),
                   F.zeros_like, np.trunc)
Frac = _piecewise("Frac", lambda x: x - array_module(x).trunc(x), lambda grad: grad)


def _need_tensor(fn: str, **args: Any) -> None:
    """PyTorch's TypeError for a number where a tensor argument is expected."""
    for pos, (name, a) in enumerate(args.items(), 1):
        if not isinstance(a, Tensor):
            raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(a).__name__}")


def _not_for(fn: str, dt: np.dtype) -> NotImplementedError:
    return NotImplementedError(f'"{fn}" not implemented for \'{type_name(dt)}\'')


def _unary_fn(name: str, op: type, kernel: str = "", refused: str = "") -> Any:
    """The public function: PyTorch's errors for a number and for ``refused`` dtype kinds."""
    fast = unary_op(op)

    def fn(input: Tensor) -> Tensor:  # noqa: A002
        _need_tensor(name, input=input)
        if input._data.dtype.kind in refused:
            raise _not_for(kernel, input._data.dtype)
        return fast(input)
    fn.__name__, fn.__doc__ = name, f"Elementwise ``{name}`` (differentiable)."
    return fn


# --- binary and ternary ops ----------------------------------------------------------------------
def _broadcast(fn: Any, *arrays: Any) -> Any:
    try:
        return fn(*arrays)
    except ValueError:  # PyTorch names the first pair that does not broadcast
        shape: tuple = ()
        for a in arrays:
            try:
                shape = np.broadcast_shapes(shape, np.shape(a))
            except ValueError:
                raise broadcast_error(np.empty(shape), a) from None
        raise


def _binary(name: str, np_name: str, factors: Any, save_output: bool = False) -> type:
    """A two-tensor op whose gradients are ``grad * factors(a, b, out)``."""
    def forward(ctx: Any, a: Tensor, b: Tensor) -> Any:
        ctx.save_for_backward(a, b)
        x, y = operands(a, b)
        if result_dtype(x, y).kind != "f":  # (integers to atan2)
            x, y = _float(x), _float(y)
        return _broadcast(getattr(array_module(x), np_name), x, y)

    def backward(ctx: Any, grad: Any) -> tuple:
        a, b, *out = ctx.saved_tensors
        need = ctx.needs_input_grad
        fa, fb = factors(a, b, out[0] if out else None)
        return (grad * fa if need[0] else None), (grad * fb if need[1] else None)

    return type(name, (Function,), {
        "builtin": True, "grad_fn_name": f"{name}Backward0", "save_output": save_output,
        "forward": staticmethod(forward), "backward": staticmethod(backward),
        "__doc__": f"Elementwise {np_name} of two tensors (forward and backward)."})


Atan2 = _binary("Atan2", "arctan2", lambda a, b, _: (b / (a * a + b * b), -a / (a * a + b * b)))
Hypot = _binary("Hypot", "hypot", lambda a, b, out: (a / out, b / out), save_output=True)
Logaddexp = _binary("Logaddexp", "logaddexp",
                    lambda a, b, _: (1 / (F.exp(b - a) + 1), 1 / (F.exp(a - b) + 1)))


def _binary_fn(name: str, op: type, floats_only: bool) -> Any:
    def fn(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
        _need_tensor(name, input=input, other=other)
        dt = result_dtype(input._data, other._data)
        if floats_only and dt.kind != "f":
            raise _not_for(f"{name}_cpu", dt)
        return op.apply(input, other)
    fn.__name__, fn.__doc__ = name, op.__doc__
    return fn


atan2 = _binary_fn("atan2", Atan2, False)
arctan2 = _binary_fn("arctan2", Atan2, False)
hypot = _binary_fn("hypot", Hypot, True)
logaddexp = _binary_fn("logaddexp", Logaddexp, True)


def _lerp(s: Any, e: Any, w: Any) -> Any:
    """PyTorch's formula (exact at both ends): from ``start`` for w < 0.5, from ``end`` else."""
    xp = array_module(s)
    d = e - s
    return xp.where(xp.abs(w) < 0.5, s + w * d, e - d * (1 - w)).astype(d.dtype, copy=False)


class Lerp(Function):
    """``start + weight * (end - start)`` for a number ``weight``."""

    builtin, grad_fn_name, edge_args = True, "LerpBackward0", (0, 1)

    @staticmethod
    def forward(ctx: Any, s: Tensor, e: Tensor, w: Any) -> Any:
        ctx.w = w
        x, y = s._data, e._data
        return _broadcast(_lerp, x, y, w)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        need, w = ctx.needs_input_grad, ctx.w
        return (grad * (1 - w) if need[0] else None), (grad * w if need[1] else None), None


class LerpTensor(Function):
    """``lerp`` with a tensor ``weight``, which gets ``grad * (end - start)``."""

    builtin, grad_fn_name = True, "LerpBackward1"

    @staticmethod
    def forward(ctx: Any, s: Tensor, e: Tensor, w: Tensor) -> Any:
        ctx.save_for_backward(s, e, w)
        arrays = (s._data, e._data, w._data)
        dt = _result_type(*arrays)  # (a 0-d weight takes part in the promotion)
        return _broadcast(_lerp, *(a.astype(dt, copy=False) for a in arrays))

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        s, e, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (grad * (1 - w) if need[0] else None), (grad * w if need[1] else None), \
            (grad * (e - s) if need[2] else None)


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """Linear interpolation ``input + weight * (end - input)``; weight a number or a tensor."""
    _need_tensor("lerp", input=input, end=end)
    dt = input._data.dtype
    if end._data.dtype != dt:
        raise _mismatch("end", dt, end._data.dtype)
    if isinstance(weight, Tensor):
        if weight._data.ndim and weight._data.dtype != dt:
            raise _mismatch("weight", dt, weight._data.dtype)
        dt = _result_type(input._data, end._data, weight._data)
        if dt.kind != "f":
            raise _not_for("lerp_kernel_tensor", dt)
        return LerpTensor.apply(input, end, weight)
    if dt.kind != "f":
        raise _not_for("lerp_kernel_scalar", dt)
    return Lerp.apply(input, end, weight)


def _mismatch(arg: str, want: np.dtype, got: np.dtype) -> RuntimeError:
    """PyTorch's message, with the C++ names of the dtypes."""
    names = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int"}
    return RuntimeError(f"expected dtype {names.get(str(want), str(want))} for `{arg}` but got "
                        f"dtype {names.get(str(got), str(got))}")


def _result_type(*xs: Any) -> np.dtype:
    """``torch.result_type`` of several operands: tensors with dimensions decide, then 0-d
    tensors, then Python numbers, each only where its category (bool < int < float) is higher."""
    groups = ([x.dtype for x in xs if hasattr(x, "dtype") and x.ndim],
              [x.dtype for x in xs if hasattr(x, "dtype") and not x.ndim],
              [_DEFAULT[max(_category(x) for x in xs if not hasattr(x, "dtype"))]]
              if any(not hasattr(x, "dtype") for x in xs) else [])
    dt, cat = None, -1
    for g in groups:
        if g:
            gdt = functools.reduce(_promote, g)
            if _CATEGORY[gdt.kind] > cat:
                dt, cat = gdt, _CATEGORY[gdt.kind]
    return np.dtype(dt)


def _promote(d1: np.dtype, d2: np.dtype) -> np.dtype:
    """Two dtypes of one group: the higher category's (float32 with int64 is float32)."""
    c1, c2 = _CATEGORY[d1.kind], _CATEGORY[d2.kind]
    return np.promote_types(d1, d2) if c1 == c2 else (d1 if c1 > c2 else d2)


def _value_as(value: Any, dt: np.dtype) -> Any:
    v = value.item() if isinstance(value, Tensor) else value
    return int(v) if dt.kind in "iu" else bool(v) if dt.kind == "b" else float(v)


class Addcmul(Function):
    """``input + value * tensor1 * tensor2``."""

    builtin, grad_fn_name, edge_args = True, "AddcmulBackward0", (0, 1, 2)
    divide = False

    @classmethod
    def forward(cls, ctx: Any, a: Tensor, t1: Tensor, t2: Tensor, value: Any) -> Any:
        ctx.save_for_backward(t1, t2)
        arrays = (a._data, t1._data, t2._data)
        dt = _result_type(*arrays)
        ctx.value = v = _value_as(value, dt)
        x, y, z = (arr.astype(dt, copy=False) for arr in arrays)
        return _broadcast(lambda p, q, r: p + (v * q / r if cls.divide else v * q * r), x, y, z)

    @classmethod
    def backward(cls, ctx: Any, grad: Any) -> tuple:
        t1, t2 = ctx.saved_tensors
        need, v = ctx.needs_input_grad, ctx.value
        f1, f2 = (v / t2, -v * t1 / (t2 * t2)) if cls.divide else (v * t2, v * t1)
        return (grad if need[0] else None), (grad * f1 if need[1] else None), \
            (grad * f2 if need[2] else None), None


class Addcdiv(Addcmul):
    """``input + value * tensor1 / tensor2``."""

    grad_fn_name, divide = "AddcdivBackward0", True


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2`` (broadcast)."""
    _need_tensor("addcmul", input=input, tensor1=tensor1, tensor2=tensor2)
    dt = _result_type(input._data, tensor1._data, tensor2._data)
    if dt.kind == "b":
        raise _not_for("addcmul_cpu_out", dt)
    return Addcmul.apply(input, tensor1, tensor2, value)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2`` (broadcast); tensor1 / tensor2 not both integers."""
    _need_tensor("addcdiv", input=input, tensor1=tensor1, tensor2=tensor2)
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) "
            "for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return Addcdiv.apply(input, tensor1, tensor2, value)


class NanToNum(Function):
    """NaN and infinities replaced by finite numbers; the gradient is zero at those places."""

    builtin, grad_fn_name, edge_args = True, "NanToNumBackward0", (0,)

    @staticmethod
    def forward(ctx: Any, a: Tensor, nan: float, posinf: Any, neginf: Any) -> Any:
        x = a._data
        xp = array_module(x)
        ctx.finite = xp.isfinite(x)
        if x.dtype.kind != "f":
            return x.copy()
        info = np.finfo(x.dtype)
        hi = info.max if posinf is None else posinf
        lo = info.min if neginf is None else neginf
        out = xp.where(xp.isnan(x), nan, xp.where(x == np.inf, hi, xp.where(x == -np.inf, lo, x)))
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        return F.where(ctx.finite, grad, 0.0), None, None, None


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: Any = None,  # noqa: A002
               neginf: Any = None) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (default: the dtype's extremes)."""
    _need_tensor("nan_to_num", input=input)
    return NanToNum.apply(input, 0.0 if nan is None else nan, posinf, neginf)


_FUNCS = {name: _unary_fn(name, op) for name, op in _OPS.items()}
_FUNCS.update(trunc=_unary_fn("trunc", Trunc, "trunc_vml_cpu", "b"),
              frac=_unary_fn("frac", Frac, "frac_cpu", "biu"))
FUNCTIONS = dict(_FUNCS, atan2=atan2, arctan2=arctan2, hypot=hypot, logaddexp=logaddexp,
                 lerp=lerp, addcmul=addcmul, addcdiv=addcdiv, nan_to_num=nan_to_num,
                 arcsin=_FUNCS["asin"], arccos=_FUNCS["acos"], arctan=_FUNCS["atan"],
                 arcsinh=_FUNCS["asinh"], arccosh=_FUNCS["acosh"], arctanh=_FUNCS["atanh"],
                 fix=_FUNCS["trunc"])
TENSOR_METHODS = dict(FUNCTIONS)


def _register_forward_rules() -> None:
    """Forward-mode AD: ``t * f'`` for the one-input ops; the others from their backward."""
    from ..autograd.forward_rules import RULES, by_double_backward

    def tangent(derivative: Any, of_output: bool) -> Any:
        def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
            if tans[0] is None:
                return None
            return tans[0] * derivative(outs[0] if of_output else args[0]._data)
        return rule

    for op, (derivative, of_output) in _DERIVATIVES.items():
        RULES[op] = tangent(derivative, of_output)
    RULES[Trunc] = lambda ctx, args, tans, outs: array_module(outs[0]).zeros_like(outs[0])
    RULES[Frac] = lambda ctx, args, tans, outs: tans[0]
    for op in (Atan2, Hypot, Logaddexp, Lerp, LerpTensor, Addcmul, Addcdiv, NanToNum):
        RULES[op] = by_double_backward(op)


_register_forward_rules()
