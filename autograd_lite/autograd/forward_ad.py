"""Forward-mode AD with dual tensors, as ``torch.autograd.forward_ad``.

Inside ``with dual_level():`` a tensor made by ``make_dual(x, t)`` carries a tangent ``t`` (in
``x._fw_grad``). Every op applied to it computes, besides its value, the tangent of its result:
the Jacobian-vector product ``J @ t``, from the rule for that op in ``_RULES`` below. One forward
pass therefore gives the directional derivative of a whole function; ``unpack_dual(y).tangent``
reads it. Tangents are computed without recording (``no_grad``): forward AD gives numbers, not a
graph to differentiate further. When the level exits, every tangent made inside it is cleared.
"""

from __future__ import annotations

import functools
import math
import re
import weakref
from typing import Any, NamedTuple

from ..function import FW_LEVEL as _LEVEL
from ..function import Function
from ..grad_mode import STATE
from ..ops import elementwise as ew
from ..tensor import Tensor

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

_LIVE: dict = {}  # id -> weakref of every tensor given a tangent at the open level


def enter_dual_level() -> int:
    """Open the forward-AD level (only one at a time, as in PyTorch); returns its number."""
    if _LEVEL[0] >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _LEVEL[0] = 0
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the level: every tangent created inside it is deleted."""
    if level is None:
        level = _LEVEL[0]
    if level != _LEVEL[0]:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was "
                           "created. This is not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    for ref in list(_LIVE.values()):
        t = ref()
        if t is not None:
            t._fw_grad = None
    _LIVE.clear()
    _LEVEL[0] = level - 1


class dual_level:
    """``with dual_level():`` — the block in which dual tensors exist (also a decorator)."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: object) -> None:
        exit_dual_level()

    def __call__(self, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with dual_level():
                return fn(*args, **kwargs)
        return wrapper


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal value and its tangent (or None)."""

    primal: Any
    tangent: Any


class _Alias(Function):
    """A new tensor object on the same data, differentiable (ViewBackward0)."""

    builtin, grad_fn_name = True, "ViewBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        return a._data

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return grad


def _alias(t: Tensor) -> Tensor:
    """The same data as a new tensor, in the graph but without a tangent."""
    if t._vc is None:
        t._vc = [0]
    level, _LEVEL[0] = _LEVEL[0], -1
    try:
        out = _Alias.apply(t) if t._rg and STATE.enabled else Tensor._make(t._data)
    finally:
        _LEVEL[0] = level
    out._vc = t._vc
    return out


def _remember(t: Tensor) -> None:
    key = id(t)
    _LIVE[key] = weakref.ref(t, lambda r, k=key: _LIVE.get(k) is r and _LIVE.pop(k))


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A tensor with the value of ``tensor`` and the tangent ``tangent`` (stored as is)."""
    if level is None:
        level = _LEVEL[0]
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if level != _LEVEL[0]:
        raise RuntimeError("Invalid level given to _make_dual")
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not tangent.is_floating_point():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tensor._fw_grad is not None:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward "
                           f"gradient at the same level {level} is not supported.")
    if tangent._data.shape != tensor._data.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original "
            f"Tensor, this is not supported. Tensor is of size {list(tensor._data.shape)} while "
            f"the given forward gradient is of size {list(tangent._data.shape)}.")
    out = _alias(tensor)
    out._fw_grad = tangent
    _remember(out)
    return out


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)``: a view of the value without its tangent, and the tangent."""
    if level is None:
        level = _LEVEL[0]
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    if level != _LEVEL[0]:
        raise RuntimeError("Invalid level given to _fw_primal")
    return UnpackedDualTensor(_alias(tensor), tensor._fw_grad)


# --- custom Functions: jvp(ctx, *tangents), ctx.save_for_forward(...) --------------------------

class _JvpCtx:
    """The ctx seen by a custom ``jvp``: ``saved_tensors`` are those of ``save_for_forward``."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: Any) -> None:
        object.__setattr__(self, "_ctx", ctx)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ctx, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._ctx, name, value)

    @property
    def saved_tensors(self) -> tuple:
        return tuple(self._ctx.__dict__.get("_fw_saved", ()))


def _custom_rule(cls: type) -> Any:
    jvp = getattr(cls, "jvp", None)
    if jvp is None:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        full = [None if not isinstance(a, Tensor) else
                _or_zeros(t, a) for a, t in zip(args, tans)]
        return jvp(_JvpCtx(ctx), *full)
    return rule


# --- the rules -------------------------------------------------------------------------------

def _zeros(like: Tensor) -> Tensor:
    return Tensor._make(like._data * 0)


def _or_zeros(t: Any, like: Tensor) -> Tensor:
    return _zeros(like) if t is None else t


def _plus(*terms: Any) -> Any:
    """Sum of the terms that are not None (None when all are)."""
    total = None
    for t in terms:
        if t is not None:
            total = t if total is None else total + t
    return total


def _linear(cls: type, positions: tuple | None = (0,)) -> Any:
    """Rule of an op linear in the arguments at ``positions`` (None: every floating tensor
    argument): the same op on their tangents, zero for those without; the other arguments (dims,
    shapes, indices) stay."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        pos = positions if positions is not None else [
            i for i, a in enumerate(args) if isinstance(a, Tensor) and a._data.dtype.kind == "f"]
        if all(tans[i] is None for i in pos if i < len(tans)):
            return None
        new = list(args)
        for i in pos:
            if i < len(args):
                a, t = args[i], tans[i]
                new[i] = t if t is not None else (_zeros(a) if isinstance(a, Tensor) else 0.0)
        return cls.apply(*new)
    return rule


def _bilinear(cls: type) -> Any:
    """Rule of an op linear in each of its first two arguments (mul, matmul)."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        (a, b, *rest), (ta, tb, *_) = args, tans
        return _plus(None if ta is None else cls.apply(ta, b, *rest),
                     None if tb is None else cls.apply(a, tb, *rest))
    return rule


def _affine(cls: type) -> Any:
    """Rule of ``linear(x, w, b) = x @ w.T + b``: ``tx @ w.T + x @ tw.T + tb``."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        (x, w, _), (tx, tw, tb) = args, tans
        return _plus(None if tx is None else cls.apply(tx, w, None),
                     None if tw is None else cls.apply(x, tw, None), tb)
    return rule


def _unary(derivative: Any) -> Any:
    """Rule ``t * f'``, with ``derivative(x, out)`` giving f' from the input and output."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        return None if tans[0] is None else tans[0] * derivative(args[0], outs[0])
    return rule


def _div(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    (_, b), (ta, tb) = args, tans
    return _plus(None if ta is None else ta / b, None if tb is None else -(tb * outs[0]) / b)


def _pow_tensor(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    (a, b), (ta, tb) = args, tans
    da = None if ta is None else ta * b * a ** (b - 1)
    db = None
    if tb is not None:
        if isinstance(a, Tensor):
            zero_base = (a == 0) & (b >= 0)  # d/dy 0**y is 0 there, not nan
            safe_log = ew.Where.apply(zero_base, 1.0, a).log()
            db = ew.Where.apply(zero_base, 0.0, tb * outs[0] * safe_log)
        else:
            db = tb * outs[0] * (math.log(a) if a > 0 else (0.0 if a == 0 else math.nan))
    return _plus(da, db)


def _clamp(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    a, lo, hi = args
    t = _or_zeros(tans[0], outs[0])
    cur = a
    if lo is not None:  # max(a, lo): ties go to a, as in clamp's backward
        t = ew.Where.apply(a >= lo, t, tans[1] if tans[1] is not None else 0.0)
        cur = ew.Maximum.apply(a, lo) if isinstance(lo, Tensor) else a.clamp(min=lo)
    if hi is not None:
        t = ew.Where.apply(cur <= hi, t, tans[2] if tans[2] is not None else 0.0)
    return t


def _extremum(greater: bool) -> Any:
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        a, b = args
        w = ((a > b) if greater else (a < b)) + (a == b) * 0.5
        return _plus(None if tans[0] is None else tans[0] * w,
                     None if tans[1] is None else tans[1] * (1 - w))
    return rule


_RULES: dict = {  # op class -> rule(ctx, args, tangents, outputs) -> output tangent(s)
    ew.Add: lambda c, a, t, o: _plus(t[0], t[1]),
    ew.Sub: lambda c, a, t, o: _plus(t[0], None if t[1] is None else -t[1]),
    ew.Neg: _linear(ew.Neg), ew.Clone: _linear(ew.Clone), ew.ToCopy: _linear(ew.ToCopy),
    ew.Where: _linear(ew.Where, (1, 2)), ew.Mul: _bilinear(ew.Mul), ew.Div: _div,
    ew.Pow: lambda c, a, t, o: None if t[0] is None else (
        t[0] * 0 if a[1] == 0 else t[0] * (a[1] * a[0] ** (a[1] - 1))),
    ew.PowTensor: _pow_tensor, ew.RPowScalar: _pow_tensor, ew.Clamp: _clamp,
    ew.Round: lambda c, a, t, o: _zeros(o[0]), ew.Sign: lambda c, a, t, o: _zeros(o[0]),
    ew.Maximum: _extremum(True), ew.Minimum: _extremum(False),
    ew.Exp: _unary(lambda x, y: y), ew.Log: _unary(lambda x, y: 1 / x),
    ew.Sqrt: _unary(lambda x, y: 0.5 / y), ew.Sin: _unary(lambda x, y: x.cos()),
    ew.Cos: _unary(lambda x, y: -x.sin()), ew.Tan: _unary(lambda x, y: 1 + y * y),
    ew.Tanh: _unary(lambda x, y: 1 - y * y), ew.Log1p: _unary(lambda x, y: 1 / (x + 1)),
    ew.Expm1: _unary(lambda x, y: y + 1), ew.Abs: _unary(lambda x, y: x.sign()),
    ew.Sigmoid: _unary(lambda x, y: y * (1 - y)), ew.Relu: _unary(lambda x, y: y > 0),
    ew.Reciprocal: _unary(lambda x, y: -y * y), ew.Rsqrt: _unary(lambda x, y: -0.5 * y * y * y),
    _Alias: lambda c, a, t, o: t[0],
}
_LOADED = [False]


def _by_double_backward(cls: type) -> Any:
    """Rule from the op's own backward formula (the double-backward trick): with ``u`` a dummy
    output gradient, the backward ``J^T u`` is linear in ``u``; its gradient w.r.t. ``u`` along
    the input tangents is ``J t``. Costs about three times the op; used for the ops whose
    derivative is not a one-liner (softmax, losses, norms, max...)."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        from ..creation import zeros_like
        from ..engine import grad
        pos = [i for i, t in enumerate(tans) if t is not None]
        new = list(args)
        for i in pos:
            new[i] = Tensor._make(args[i]._data).requires_grad_()
        STATE.enabled = True
        out = cls.apply(*new)
        single = not isinstance(out, tuple)
        out = (out,) if single else out
        diff = [o for o in out if isinstance(o, Tensor) and o._rg]
        us = [zeros_like(o).requires_grad_() for o in diff]
        gs = grad(diff, [new[i] for i in pos], us, create_graph=True, allow_unused=True)
        pairs = [(g, tans[i]) for g, i in zip(gs, pos) if g is not None and g._rg]
        STATE.enabled = False
        res = iter(grad([g for g, _ in pairs], us, [t for _, t in pairs], allow_unused=True)
                   if pairs else [None] * len(us))
        result = [_or_zeros(next(res), o) if isinstance(o, Tensor) and o._rg else None
                  for o in out]
        return result[0] if single else tuple(result)
    return rule


def _load_rules() -> None:
    """Rules for the reduction, shape, linalg and nn ops (looked up by class name); the other
    built-in ops of reduce, linalg and nnfunc use ``_by_double_backward``."""
    _LOADED[0] = True
    from ..ops import arrange, index, linalg, nnfunc, reduce, reduce_more, shape
    mods = (shape, arrange, index, reduce, reduce_more, linalg, nnfunc)

    def op(name: str) -> Any:
        return next((getattr(m, name) for m in mods if isinstance(getattr(m, name, None), type)),
                    None)

    table = {name: _linear(op(name)) for name in (
        "View", "Transpose", "Permute", "Expand", "Repeat", "Flip", "Roll", "Index",
        "IndexScatter", "Split", "Unbind", "Sum", "Mean", "Cumsum", "SumToSize", "DiagTake",
        "DiagPut", "Trace")}
    table.update(SetItem=_linear(op("SetItem"), (0, 2)), Stack=_linear(op("Stack"), None),
                 Cat=_linear(op("Cat"), None), Matmul=_bilinear(op("Matmul")),
                 Linear=_affine(op("Linear")))
    for name, rule in table.items():
        if op(name) is not None:
            _RULES[op(name)] = rule
    from .. import linalg as linalg_namespace
    for m in (reduce, reduce_more, linalg, nnfunc, linalg_namespace):
        for v in list(vars(m).values()):
            if isinstance(v, type) and issubclass(v, Function) and v.builtin and \
                    v.__module__ == m.__name__:
                _RULES[v] = _rule(v) or _by_double_backward(v)


def _rule(cls: type) -> Any:
    return next((_RULES[k] for k in cls.__mro__ if k in _RULES), None)


def _op_name(cls: type) -> str:
    name = re.sub(r"Backward\d*$", "", cls._backward_cls.__name__)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _fit(t: Any, out: Tensor) -> Tensor:
    """The tangent broadcast to the output's shape, in the output's dtype."""
    data = t._data
    if data.shape != out._data.shape:
        from ..backend import array_module
        data = array_module(data).broadcast_to(data, out._data.shape).copy()
    if data.dtype != out._data.dtype:
        data = data.astype(out._data.dtype)
    return t if data is t._data else Tensor._make(data)


def _propagate(cls: type, ctx: Any, args: tuple, results: list) -> None:
    """Called by ``Function.apply`` when an input has a tangent: set the outputs' tangents."""
    rule = _RULES.get(cls)
    if rule is None:
        if not _LOADED[0]:
            _load_rules()
        rule = _rule(cls)
        if rule is not None:
            _RULES[cls] = rule
    if rule is None and cls.builtin:
        raise NotImplementedError(f"Trying to use forward AD with {_op_name(cls)} that does not "
                                  "support it because it has not been implemented yet.")
    rule = rule or _custom_rule(cls)
    tans = [a._fw_grad if isinstance(a, Tensor) else None for a in args]
    level, enabled = _LEVEL[0], STATE.enabled
    _LEVEL[0], STATE.enabled = -1, False  # tangents are plain numbers: no graph, no nesting
    try:
        out_t = rule(ctx, args, tans, results)
    finally:
        _LEVEL[0], STATE.enabled = level, enabled
    for r, t in zip(results, out_t if isinstance(out_t, (tuple, list)) else (out_t,)):
        if t is None or not isinstance(r, Tensor) or r._data.dtype.kind != "f":
            continue
        r._fw_grad = _fit(t, r)
        _remember(r)
