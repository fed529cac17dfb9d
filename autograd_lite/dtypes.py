"""Data types with PyTorch's names; each wraps a NumPy dtype."""

from __future__ import annotations

from typing import Any

import numpy as np


class dtype:
    """A tensor element type such as ``float32``; prints as ``torch.float32`` like PyTorch."""

    __slots__ = ("name", "np", "is_floating_point", "itemsize")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> tuple:
        return (_by_name, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)  # noqa: A001 - PyTorch's own alias
float64 = double = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
uint8 = dtype("uint8", np.uint8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)  # noqa: A001
int64 = long = dtype("int64", np.int64)
bool = dtype("bool", np.bool_)  # noqa: A001

_ALL = (float16, float32, float64, int8, uint8, int16, int32, int64, bool)
_FROM_NP = {d.np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
DEFAULT_FLOAT = float32


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype: Any) -> dtype:
    """The dtype object for a NumPy dtype (float32 -> ``float32``)."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np_dtype}. The only supported types "
                        "are: float64, float32, float16, int64, int32, int16, int8, uint8, and "
                        "bool."
                        ) from None


def to_numpy_dtype(d: Any) -> np.dtype:
    """Accept a dtype object, a NumPy dtype, or Python ``float``/``int``/``bool``."""
    if isinstance(d, dtype):
        return d.np
    if d is _py_float:  # PyTorch maps Python float to the default float dtype
        return DEFAULT_FLOAT.np
    if d is _py_int:
        return int64.np
    if d is _py_bool:
        return bool.np
    try:
        return from_numpy_dtype(np.dtype(d)).np
    except TypeError:
        raise TypeError(f"dtype must be an autograd_lite dtype such as float32, got {d!r}"
                        ) from None


import builtins as _b  # noqa: E402 - after the aliases that shadow the builtins above

_py_float, _py_int, _py_bool = _b.float, _b.int, _b.bool
