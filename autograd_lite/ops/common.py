"""Shared helpers for ops: PyTorch's type promotion and broadcasting errors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_DEFAULT = {0: np.dtype(np.bool_), 1: np.dtype(np.int64), 2: np.dtype(np.float32)}


def _category(x: Any) -> int:
    if isinstance(x, bool):
        return 0
    if isinstance(x, (int, np.integer)):
        return 1
    return 2


def result_dtype(x: Any, y: Any) -> np.dtype:
    """``torch.result_type`` for two operands (arrays or Python scalars).

    Higher category wins (bool < int < float); within a category, tensors with dimensions decide
    over 0-d tensors, which decide over Python scalars.
    """
    xs, ys = not hasattr(x, "dtype"), not hasattr(y, "dtype")
    if xs and ys:
        return _DEFAULT[max(_category(x), _category(y))]
    if xs or ys:
        arr, scalar = (y, x) if xs else (x, y)
        ca, cs = _CATEGORY[arr.dtype.kind], _category(scalar)
        return arr.dtype if ca >= cs else _DEFAULT[cs]
    cx, cy = _CATEGORY[x.dtype.kind], _CATEGORY[y.dtype.kind]
    if cx != cy:
        return x.dtype if cx > cy else y.dtype
    if (x.ndim > 0) == (y.ndim > 0):
        return np.promote_types(x.dtype, y.dtype)
    return x.dtype if x.ndim > 0 else y.dtype


def operands(a: Any, b: Any) -> tuple:
    """The arrays (or weak Python scalars) to compute ``a op b`` with, cast like PyTorch."""
    if a.__class__ is Tensor:  # fast paths: same-dtype tensors, tensor with a Python float
        x = a._data
        if b.__class__ is Tensor:
            y = b._data
            if x.dtype is y.dtype and x.__class__ is y.__class__:
                return x, y
        elif b.__class__ is float and x.dtype.kind == "f":
            return x, b
    return _operands(a, b)


def _operands(a: Any, b: Any) -> tuple:
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    if x.__class__ is not y.__class__ and isinstance(a, Tensor) and isinstance(b, Tensor):
        _check_same_device(a, b)  # e.g. a NumPy and a CuPy array
    dx = getattr(x, "dtype", None)
    if y.__class__ is float and dx is not None and dx.kind == "f":
        return x, y  # the common ``t * 0.5``: NumPy keeps the tensor's float dtype
    dy = getattr(y, "dtype", None)
    if dx is not None and dx == dy:
        return x, y
    dt = result_dtype(x, y)
    if dx is not None and dx != dt:
        x = x.astype(dt)
    elif dx is None:
        x = _scalar(x, dt)
    if dy is not None and dy != dt:
        y = y.astype(dt)
    elif dy is None:
        y = _scalar(y, dt)
    return x, y


def _scalar(s: Any, dt: np.dtype) -> Any:
    """A Python scalar kept weak (NumPy 2 keeps the array's dtype), except across categories."""
    if dt.kind == "f" and not isinstance(s, float):
        return float(s)
    return s


def _check_same_device(a: Any, b: Any) -> None:
    da, db = getattr(a, "device", None), getattr(b, "device", None)
    if da is not None and db is not None and da != db:
        first, second = (da, db) if str(da) != "cpu" else (db, da)
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {first} and {second}!")


def broadcast_error(x: Any, y: Any) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast."""
    sx, sy = tuple(np.shape(x)), tuple(np.shape(y))
    n = max(len(sx), len(sy))
    px, py = (1,) * (n - len(sx)) + sx, (1,) * (n - len(sy)) + sy
    for i in range(n - 1, -1, -1):
        if px[i] != py[i] and px[i] != 1 and py[i] != 1:
            return RuntimeError(f"The size of tensor a ({px[i]}) must match the size of tensor b "
                                f"({py[i]}) at non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(sx)} and {list(sy)} cannot be broadcast")


def binary(fn: Any, a: Any, b: Any) -> Any:
    """Apply a NumPy binary function with PyTorch's promotion and broadcasting errors."""
    x, y = operands(a, b)
    try:
        return fn(x, y)
    except ValueError:
        raise broadcast_error(x, y) from None


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)
