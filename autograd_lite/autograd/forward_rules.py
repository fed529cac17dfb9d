"""Forward-mode rules: the tangent of each op's output, ``J @ t``, from its inputs' tangents.

A rule is ``rule(ctx, args, tans, outs)``: ``args`` are the op's arguments as it was called
(tensors, numbers, dims), ``tans`` the tangents of the arguments as arrays (None: zero or not a
tensor), ``outs`` the op's output arrays. It returns the output tangent as an array (a tuple for
several outputs), or None when it is zero. Rules compute on arrays, like a plain backward runs
its formulas (ops/formula.py): tangents are numbers, never recorded. Ops linear in an argument
(shapes, sums, matmul in each factor) reuse their own forward on the tangent.
"""

from __future__ import annotations

import math
import operator
from typing import Any

from ..backend import array_module
from ..function import _NOGRAD_CTX, FW_LEVEL, Function
from ..grad_mode import STATE
from ..ops import elementwise as ew
from ..ops import formula as F
from ..tensor import Tensor

__all__ = ["RULES", "by_double_backward", "custom_rule", "find_rule"]


def _d(x: Any) -> Any:
    """The array of a tensor argument; numbers and arrays as they are."""
    return x._data if isinstance(x, Tensor) else x


def _forward(op: type, args: Any) -> Any:
    """The op's forward on ``args`` (tangents wrapped as tensors), unrecorded: arrays out."""
    return op.forward(_NOGRAD_CTX, *args)


def _wrap(t: Any, like: Any) -> Any:
    """Tangent ``t`` as a tensor argument (zeros like tensor ``like`` when None)."""
    return Tensor._make(like._data * 0 if t is None else t)


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
    if positions == (0,):  # most of them (views, sums): the op on the first tangent, directly
        forward = cls.forward

        def first(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
            t = tans[0]
            return None if t is None else forward(_NOGRAD_CTX, Tensor._make(t), *args[1:])
        return first

    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        pos = positions if positions is not None else [
            i for i, a in enumerate(args) if isinstance(a, Tensor) and a._data.dtype.kind == "f"]
        new, tangent = list(args), False
        for i in pos:
            if i < len(args):
                a = args[i]
                new[i] = _wrap(tans[i], a) if isinstance(a, Tensor) else 0.0
                tangent = tangent or tans[i] is not None
        return _forward(cls, new) if tangent else None
    return rule


def _bilinear(product: Any) -> Any:
    """Rule of ``product(a, b)``, linear in each factor (``*``, ``@``): ``ta b + a tb`` (in the
    output's dtype after all: ``_propagate`` casts)."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        (a, b), (ta, tb) = args, tans
        return _plus(None if ta is None else product(ta, _d(b)),
                     None if tb is None else product(_d(a), tb))
    return rule


def _addmm(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    """Rule of ``addmm(b, x, wt) = b + x @ wt`` (nn.Linear): ``tb + tx @ wt + x @ twt``."""
    (_, x, wt), (tb, tx, twt) = args, tans
    return _plus(tb, None if tx is None else tx @ wt._data,
                 None if twt is None else x._data @ twt)


def _unary(derivative: Any) -> Any:
    """Rule ``t * f'``, with ``derivative(x, out)`` giving f' from the input and output arrays."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        return None if tans[0] is None else tans[0] * derivative(_d(args[0]), outs[0])
    return rule


def _div(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    b, (ta, tb) = _d(args[1]), tans
    return _plus(None if ta is None else ta / b, None if tb is None else -(tb * outs[0]) / b)


def _pow(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    a, e = args
    if tans[0] is None:
        return None
    if e == 0:
        return tans[0] * 0
    return tans[0] * (e * (_d(a) if e == 2 else _d(a) ** (e - 1)))  # (x ** 1 is x exactly)


def _pow_tensor(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    (a, b), (ta, tb) = (_d(args[0]), _d(args[1])), tans
    da = None if ta is None else ta * b * a ** (b - 1)
    db = None
    if tb is not None:
        if hasattr(a, "shape"):
            zero_base = (a == 0) & (b >= 0)  # d/dy 0**y is 0 there, not nan
            safe_log = F.log(F.where(zero_base, 1.0, a))
            db = F.where(zero_base, 0.0, tb * outs[0] * safe_log)
        else:
            db = tb * outs[0] * (math.log(a) if a > 0 else (0.0 if a == 0 else math.nan))
    return _plus(da, db)


def _clamp(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    a, lo, hi = (_d(x) for x in args)
    xp = array_module(outs[0])
    t = xp.zeros_like(outs[0]) if tans[0] is None else tans[0]
    cur = a
    if lo is not None:  # max(a, lo): ties go to a, as in clamp's backward
        t = F.where(a >= lo, t, tans[1] if tans[1] is not None else 0.0)
        cur = xp.maximum(a, lo)
    if hi is not None:
        t = F.where(cur <= hi, t, tans[2] if tans[2] is not None else 0.0)
    return t


def _extremum(greater: bool) -> Any:
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        a, b = _d(args[0]), _d(args[1])
        w = ((a > b) if greater else (a < b)) + (a == b) * 0.5
        return _plus(None if tans[0] is None else tans[0] * w,
                     None if tans[1] is None else tans[1] * (1 - w))
    return rule


def _zero(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
    return array_module(outs[0]).zeros_like(outs[0])


RULES: dict = {  # op class -> rule(ctx, args, tangents, outputs) -> output tangent(s)
    ew.Add: lambda c, a, t, o: _plus(t[0], t[1]),
    ew.Sub: lambda c, a, t, o: _plus(t[0], None if t[1] is None else -t[1]),
    ew.AddAlpha: _linear(ew.AddAlpha, (0, 1)), ew.SubAlpha: _linear(ew.SubAlpha, (0, 1)),
    ew.Neg: _linear(ew.Neg), ew.Clone: _linear(ew.Clone), ew.ToCopy: _linear(ew.ToCopy),
    ew.Where: _linear(ew.Where, (1, 2)), ew.Mul: _bilinear(operator.mul), ew.Div: _div,
    ew.Pow: _pow, ew.PowTensor: _pow_tensor, ew.RPowScalar: _pow_tensor, ew.Clamp: _clamp,
    ew.Round: _zero, ew.Sign: _zero, ew.Maximum: _extremum(True), ew.Minimum: _extremum(False),
    ew.Exp: _unary(lambda x, y: y), ew.Log: _unary(lambda x, y: 1 / x),
    ew.Sqrt: _unary(lambda x, y: 0.5 / y), ew.Sin: _unary(lambda x, y: F.cos(x)),
    ew.Cos: _unary(lambda x, y: -F.sin(x)), ew.Tan: _unary(lambda x, y: 1 + y * y),
    ew.Tanh: _unary(lambda x, y: 1 - y * y), ew.Log1p: _unary(lambda x, y: 1 / (x + 1)),
    ew.Expm1: _unary(lambda x, y: y + 1), ew.Abs: _unary(lambda x, y: F.sign(x)),
    ew.Sigmoid: _unary(lambda x, y: y * (1 - y)), ew.Relu: _unary(lambda x, y: y > 0),
    ew.Reciprocal: _unary(lambda x, y: -y * y), ew.Rsqrt: _unary(lambda x, y: -0.5 * y * y * y),
}
_LOADED = [False]


def _on_tensors(rule: Any) -> Any:
    """A rule that computes with tensor ops: they run unrecorded and without tangents."""
    def wrapped(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        level, enabled = FW_LEVEL[0], STATE.enabled
        FW_LEVEL[0], STATE.enabled = -1, False
        try:
            return rule(ctx, args, tans, outs)
        finally:
            FW_LEVEL[0], STATE.enabled = level, enabled
    return wrapped


def by_double_backward(cls: type) -> Any:
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
        pairs = [(g, Tensor._make(tans[i])) for g, i in zip(gs, pos) if g is not None and g._rg]
        STATE.enabled = False
        res = iter(grad([g for g, _ in pairs], us, [t for _, t in pairs], allow_unused=True)
                   if pairs else [None] * len(us))
        result = []
        for o in out:  # zeros for an output that got no tangent; None for non-differentiable
            g = next(res) if isinstance(o, Tensor) and o._rg else False
            result.append(None if g is False else o._data * 0 if g is None else g._data)
        return result[0] if single else tuple(result)
    return _on_tensors(rule)


def custom_rule(cls: type) -> Any:
    """The rule of a custom Function: its ``jvp(ctx, *tangents)`` staticmethod, on tensors."""
    from .forward_ad import _JvpCtx
    jvp = getattr(cls, "jvp", None)
    if jvp is None:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        full = [None if not isinstance(a, Tensor) else _wrap(t, a) for a, t in zip(args, tans)]
        out = jvp(_JvpCtx(ctx), *full)
        return tuple(_d(o) for o in out) if isinstance(out, (tuple, list)) else _d(out)
    return _on_tensors(rule)


def _load_rules() -> None:
    """Rules for the reduction, shape, linalg and nn ops (looked up by class name); the other
    built-in ops of reduce, linalg and nnfunc use ``by_double_backward``."""
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
                 Cat=_linear(op("Cat"), None), Matmul=_bilinear(operator.matmul), Addmm=_addmm)
    for name, rule in table.items():
        if op(name) is not None:
            RULES[op(name)] = rule
    from .. import linalg as linalg_namespace
    for m in (reduce, reduce_more, linalg, nnfunc, linalg_namespace):
        for v in list(vars(m).values()):
            if isinstance(v, type) and issubclass(v, Function) and v.builtin and \
                    v.__module__ == m.__name__:
                RULES[v] = _inherited(v) or by_double_backward(v)


def _inherited(cls: type) -> Any:
    return next((RULES[k] for k in cls.__mro__ if k in RULES), None)


def find_rule(cls: type) -> Any:
    """The rule of a built-in op (its own or a base class's, cached), or None."""
    rule = RULES.get(cls)
    if rule is None:
        if not _LOADED[0]:
            _load_rules()
        rule = _inherited(cls)
        if rule is not None:
            RULES[cls] = rule
    return rule
