"""The vocabulary backward formulas are written in: each function takes arrays or tensors.

A derivative is written once (DESIGN principle 1). A plain ``backward()`` runs it on arrays, which
is fast; under ``create_graph=True`` the engine passes tensors, the same formula is recorded, and
second derivatives follow. Arithmetic operators (``+ - * / ** @``, comparisons, ``.T``) already
work on both; these functions cover the rest (NumPy arrays first: the plain backward's hot path).
``autograd.functional.hvp`` also runs formulas on dual arrays (``dual.py``: value and tangent).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy import ndarray

from ..backend import array_module
from ..tensor import Tensor
from .dual import Dual, elementwise, value


def _xp(x: Any) -> Any:
    return array_module(x)


def _on_dual(name: str, x: Dual) -> Dual:
    """The built-in op ``name`` (``"Cos"``...) on a dual array."""
    from . import elementwise as ops  # elementwise.py builds on this module
    return elementwise(getattr(ops, name), x)


def _unary(name: str) -> Any:
    """The function ``name`` (``"cos"``...) for arrays (NumPy first), tensors (recorded) and
    duals (the op's forward rule on the tangent)."""
    np_fn, op = getattr(np, name), name.capitalize()

    def fn(x: Any) -> Any:
        if x.__class__ is ndarray:
            return np_fn(x)
        if x.__class__ is Dual:
            return _on_dual(op, x)
        return getattr(x, name)() if isinstance(x, Tensor) else getattr(_xp(x), name)(x)
    fn.__name__ = fn.__qualname__ = name
    return fn


cos, sin, exp, log, sqrt, tanh = (_unary(n) for n in ("cos", "sin", "exp", "log", "sqrt", "tanh"))


def sign(x: Any) -> Any:
    if x.__class__ is ndarray:
        return np.sign(x)
    if x.__class__ is Dual:  # its derivative is zero
        return _xp(x.v).sign(x.v)
    return x.sign() if isinstance(x, Tensor) else _xp(x).sign(x)


def sigmoid(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.sigmoid()
    if x.__class__ is Dual:
        return _on_dual("Sigmoid", x)
    xp = _xp(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``cond ? a : b``; differentiable in a and b when they are tensors."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .elementwise import Where
        c = cond if isinstance(cond, Tensor) else Tensor._make(cond)
        return Where.apply(c, a, b)
    c = cond._data if isinstance(cond, Tensor) else value(cond)
    if a.__class__ is Dual or b.__class__ is Dual:  # the choice is made for the tangent too
        return Dual(where(c, value(a), value(b)), where(c, _tangent(a), _tangent(b)))
    out = _xp(c).where(c, a, b)
    dt = getattr(a, "dtype", None) or getattr(b, "dtype", None)
    return out if dt is None or out.dtype == dt else out.astype(dt)


def _tangent(x: Any) -> Any:
    """The tangent of a Dual; 0.0 for anything else (a constant)."""
    return x.t if x.__class__ is Dual else 0.0


def zeros_like(x: Any) -> Any:
    if isinstance(x, Tensor):
        from ..creation import zeros_like as z
        return z(x)
    return _xp(value(x)).zeros_like(value(x))


def sum(x: Any, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001
    """Sum over ``dim`` (int, tuple or None for all)."""
    if isinstance(x, Tensor):
        return x.sum(dim, keepdim) if dim is not None else x.sum()
    if x.__class__ is Dual:
        return x.sum(dim, keepdim)
    return _xp(x).sum(x, axis=dim, keepdims=keepdim)


def reshape(x: Any, shape: tuple) -> Any:
    return x.reshape(shape)


def expand(x: Any, shape: tuple) -> Any:
    """Broadcast ``x`` to ``shape`` (a read-only view for arrays)."""
    if isinstance(x, Tensor):
        return x.expand(*shape)
    if x.__class__ is Dual:
        return x.linear(expand, shape)
    return _xp(x).broadcast_to(x, shape)


def unsqueeze_dims(x: Any, dims: tuple) -> Any:
    """Re-insert reduced dimensions (sorted, non-negative) so ``x`` broadcasts against the input."""
    shape = list(x.shape)
    for d in dims:
        shape.insert(d, 1)
    return x.reshape(tuple(shape))


def transpose(x: Any, d0: int, d1: int) -> Any:
    if isinstance(x, Tensor):
        return x.transpose(d0, d1)
    return x.swapaxes(d0, d1)  # an array or a Dual


def sum_to(x: Any, shape: tuple) -> Any:
    """Sum a broadcast gradient down to ``shape``."""
    if tuple(x.shape) == tuple(shape):
        return x
    if isinstance(x, Tensor):
        return x.sum_to_size(shape)
    if x.__class__ is Dual:
        return x.linear(sum_to, shape)
    lead = x.ndim - len(shape)
    if lead < 0:
        raise RuntimeError(f"size {list(x.shape)} is not expandable to size {list(shape)}.")
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and x.shape[i + lead] != 1)
    for i, s in enumerate(shape):
        if s != 1 and x.shape[i + lead] != s:
            raise RuntimeError(f"size {list(x.shape)} is not expandable to size {list(shape)}.")
    out = x.sum(axis=axes, keepdims=True) if axes else x
    return out.reshape(shape)


def cast(x: Any, np_dtype: Any) -> Any:
    if isinstance(x, Tensor):
        return x.to(np_dtype)
    return x.astype(np_dtype)


def matmul(a: Any, b: Any) -> Any:
    return a @ b


def like(kept: Any, grad: Any) -> Any:
    """A tensor kept on ctx (not saved), as an array when the formula runs on arrays (a Dual
    with its forward-mode tangent when it runs on Duals)."""
    if isinstance(kept, Tensor) and not isinstance(grad, Tensor):
        if grad.__class__ is Dual and kept._fw_grad is not None and kept._rg:
            return Dual(kept._data, kept._fw_grad._data)
        return kept._data
    return kept


def is_tensor(x: Any) -> bool:
    """True when the formula is being recorded (create_graph) rather than run on arrays."""
    return isinstance(x, Tensor)
