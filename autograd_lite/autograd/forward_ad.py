"""Forward-mode AD with dual tensors, as ``torch.autograd.forward_ad``.

Inside ``with dual_level():`` a tensor made by ``make_dual(x, t)`` carries a tangent ``t`` (in
``x._fw_grad``). Every op applied to it computes, besides its value, the tangent of its result:
the Jacobian-vector product ``J @ t``, from the rule for that op (forward_rules.py), computed on
arrays next to the recorded op (``apply_dual``). One forward pass therefore gives the directional
derivative of a whole function; ``unpack_dual(y).tangent`` reads it. Tangents are computed without
recording (``no_grad``): forward AD gives numbers, not a graph to differentiate further. When the
level exits, every tangent made inside it is cleared.
"""

from __future__ import annotations

import functools
import re
import weakref
from typing import Any, NamedTuple

from .. import apply as _apply_module
from ..backend import array_module
from ..function import FW_LEVEL as _LEVEL
from ..function import Function
from ..grad_mode import STATE
from ..tensor import Tensor
from .forward_rules import RULES, by_double_backward, custom_rule, find_rule

_RULES, _by_double_backward = RULES, by_double_backward
_new = object.__new__  # where nn/ registers its ops' rules

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

_LIVE: list = []  # weak references to the tensors given a tangent at the open level
_COMPACT_AT = [10_000]
_CHANGED: dict = {}  # id -> (weakref, version) for those whose data had a nonzero version then
_WATCH: list = [None]  # the open ``watched_level`` (hvp's forward-over-reverse), if any


class NestedLevelError(RuntimeError):
    """Raised when a dual level is opened inside another one."""


def enter_dual_level() -> int:
    """Open the forward-AD level (only one at a time, as in PyTorch); returns its number."""
    if _LEVEL[0] >= 0:
        raise NestedLevelError("Nested forward mode AD is not supported at the moment")
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
    for ref in _LIVE:
        t = ref()
        if t is not None:
            t._fw_grad = None
    _LIVE.clear()
    _CHANGED.clear()
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


RULES[_Alias] = lambda ctx, args, tans, outs: tans[0]


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
    """Note ``t`` so that exiting the level clears its tangent (and, if its data was already
    changed in place, that version: a later change makes the tangent stale)."""
    _LIVE.append(weakref.ref(t))
    _remember_rest(t)


def _remember_rest(t: Tensor) -> None:
    """``_remember`` after the append (``apply_dual`` calls it only when there is work)."""
    if len(_LIVE) > _COMPACT_AT[0]:  # drop the references to dead tensors now and then
        _LIVE[:] = [r for r in _LIVE if r() is not None]
        _COMPACT_AT[0] = 2 * len(_LIVE) + 10_000
    vc = t._vc
    if vc is not None and vc[0]:
        _CHANGED[id(t)] = (weakref.ref(t), vc[0])


def _version(t: Tensor) -> int:
    """The version ``t``'s data had when it got its tangent (for a view: its base's; a view
    shares its base's version counter, which may have moved before the view was made)."""
    entry = _CHANGED.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t else 0


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


# --- how ops get their tangents ----------------------------------------------------------------

def _op_name(cls: type) -> str:
    name = re.sub(r"Backward\d*$", "", cls._backward_cls.__name__)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _fit(t: Any, out: Any) -> Any:
    """Tangent ``t`` as an array of the output array's shape and dtype."""
    if not hasattr(t, "shape"):  # a number
        t = array_module(out).asarray(t)
    if t.shape != out.shape:
        t = array_module(t).broadcast_to(t, out.shape).copy()
    if t.dtype != out.dtype:
        t = t.astype(out.dtype)
    return t


def apply_dual(cls: type, args: tuple) -> Any:
    """``apply`` of a built-in op with a tangent among its arguments: the op runs (and records)
    as without tangents, then its rule gives the outputs' tangents. The common case (one output
    tensor, a rule of the op's own) is written out: this runs once per op of ``hvp``."""
    level, _LEVEL[0] = _LEVEL[0], -1
    try:
        out = _apply_builtin(cls, *args)
    finally:
        _LEVEL[0] = level
    rule = RULES.get(cls)
    if out.__class__ is not Tensor or rule is None:
        results = list(out) if out.__class__ is tuple else [out]
        _propagate(cls, None, args, results)
    else:
        watch, tans = _WATCH[0], []
        for a in args:
            if isinstance(a, Tensor) and (fw := a._fw_grad) is not None:
                tans.append(fw._data)
                vc = a._vc
                if watch is not None and vc is not None and vc[0] and \
                        vc[0] != _version(a if a._base is None else a._base):
                    watch.exact = False  # changed in place since it got its tangent: stale
            else:
                tans.append(None)
        data = out._data
        t = rule(None, args, tans, [data])
        if t.__class__ is tuple or t.__class__ is list:
            t = t[0]
        if t is not None and data.dtype.kind == "f":
            if t.__class__ is not data.__class__ or t.shape != data.shape or \
                    t.dtype != data.dtype:
                t = _fit(t, data)
            tt = _new(Tensor)  # Tensor._make(t), written out
            tt._data, tt._rg, tt.grad_fn, tt._output_nr, tt._vc = t, False, None, 0, None
            if STATE.inference:
                tt._inference = True
            out._fw_grad = tt
            _LIVE.append(weakref.ref(out))
            if len(_LIVE) > _COMPACT_AT[0] or out._vc is not None and out._vc[0]:
                _remember_rest(out)
    first = out[0] if out.__class__ is tuple else out
    if cls.save_output and first.grad_fn is not None and first._fw_grad is not None:
        # the node packed its output before the tangent existed: add it (forward-over-reverse
        # reads it back with the output, see saved.py)
        node = first.grad_fn
        *rest, entry = node._saved
        node._saved = (*rest, entry[:6] + (first._fw_grad,))
    return out


def _propagate(cls: type, ctx: Any, args: tuple, results: list) -> None:
    """Set the tangents of ``results``, the outputs of op ``cls`` applied to ``args`` (called
    by ``apply_dual`` and by ``Function.apply`` for custom Functions)."""
    rule = RULES.get(cls) or find_rule(cls)
    watch = _WATCH[0]
    if rule is None:
        if watch is not None and (cls.builtin or getattr(cls, "jvp", None) is None):
            watch.exact = False  # hvp falls back to double backward
            return
        if cls.builtin:
            raise NotImplementedError(f"Trying to use forward AD with {_op_name(cls)} that does "
                                      "not support it because it has not been implemented yet.")
        rule = custom_rule(cls)
    tans = [None] * len(args)
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and a._fw_grad is not None:
            tans[i] = a._fw_grad._data
            vc = a._vc
            if watch is not None and vc is not None and vc[0] and \
                    vc[0] != _version(a if a._base is None else a._base):
                watch.exact = False  # changed in place since it got its tangent: stale
    if len(results) == 1 and isinstance(results[0], Tensor):  # most ops
        out_t = rule(ctx, args, tans, [results[0]._data])
    else:
        out_t = rule(ctx, args, tans, [r._data if isinstance(r, Tensor) else r for r in results])
    if out_t.__class__ is not tuple and out_t.__class__ is not list:
        out_t = (out_t,)
    for r, t in zip(results, out_t):
        if t is not None and isinstance(r, Tensor) and r._data.dtype.kind == "f":
            data = r._data
            if t.__class__ is not data.__class__ or t.shape != data.shape or \
                    t.dtype != data.dtype:
                t = _fit(t, data)
            r._fw_grad = Tensor._make(t)
            _remember(r)


_apply_module.apply_dual = apply_dual
_apply_builtin = _apply_module._apply_builtin


# --- forward-over-reverse for autograd.functional.hvp --------------------------------------------

class watched_level:
    """``with watched_level() as w:`` a dual level in which an op that forward AD cannot follow
    exactly (no rule, or a tangent made stale by an in-place change) does not raise: it sets
    ``w.exact = False`` and gets no tangent, and hvp falls back to double backward."""

    exact = True

    def __enter__(self) -> watched_level:
        enter_dual_level()
        _WATCH[0] = self
        return self

    def __exit__(self, *exc: object) -> None:
        _WATCH[0] = None
        exit_dual_level()


def set_tangent(tensor: Tensor, tangent: Tensor) -> None:
    """Give ``tensor`` itself a tangent (``make_dual`` gives a new tensor): hvp's inputs stay
    the leaves the function is called with."""
    tensor._fw_grad = tangent
    _remember(tensor)
