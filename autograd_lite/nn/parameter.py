"""Parameter: a leaf tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

from ..creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it to a Module attribute registers it.

    ``Parameter(t)`` shares ``t``'s data (no copy), is always a leaf, and requires grad by
    default. Operations on it return plain tensors.
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): expected a Tensor as data, but got "
                            f"{type(data).__name__}")
        if requires_grad and data._data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        if data._vc is None:
            data._vc = [0]
        p = cls._make(data._data, False, None, 0, data._vc)
        p._rg = bool(requires_grad)
        return p

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return (_rebuild_parameter, (self._host(), self._rg))


def _rebuild_parameter(data: Any, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(data), requires_grad)
