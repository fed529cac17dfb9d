"""Dual arrays: a value and its tangent (its derivative along a direction ``v``).

``autograd.functional.hvp`` runs the backward formulas on Duals (forward-over-reverse): a formula
written once in the vocabulary of ``formula.py`` then computes the gradient and, in the same
call, its derivative along ``v``: the Hessian-vector product. The operators below are the sum,
product and quotient rules; the named functions (``exp``, ``cos``...) use the op's forward-mode
rule (autograd/forward_rules.py). No formula is written twice (DESIGN principle 1).

A Dual always holds a tangent array of the value's shape; a plain array in its place is a value
whose tangent is zero. Comparisons give plain masks (a mask has no derivative). NumPy functions
refuse a Dual (``np.exp(d)`` raises) rather than silently drop its tangent.
"""

from __future__ import annotations

from typing import Any

from ..backend import array_module


class Dual:
    """``value + eps * tangent`` with ``eps**2 = 0``, for arrays (NumPy or CuPy)."""

    __slots__ = ("v", "t")
    __array_ufunc__ = None  # ``ndarray * dual`` defers to Dual.__rmul__; ``np.exp(dual)`` raises
    __array_priority__ = 1000  # the same for CuPy arrays

    def __init__(self, value: Any, tangent: Any) -> None:
        if tangent.shape != value.shape:  # e.g. d + bias: the tangent broadcasts like the value
            tangent = array_module(value).broadcast_to(tangent, value.shape)
        self.v, self.t = value, tangent

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a Dual cannot become a plain array (its tangent would be lost); write the "
                        "formula with autograd_lite.ops.formula's functions")

    def __repr__(self) -> str:
        return f"Dual(value={self.v!r}, tangent={self.t!r})"

    shape = property(lambda self: self.v.shape)
    ndim = property(lambda self: self.v.ndim)
    dtype = property(lambda self: self.v.dtype)
    size = property(lambda self: self.v.size)

    # --- arithmetic: sum, product and quotient rules ------------------------------------------
    def __add__(self, other: Any) -> Dual:
        if other.__class__ is Dual:
            return Dual(self.v + other.v, self.t + other.t)
        return Dual(self.v + other, self.t)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Dual:
        if other.__class__ is Dual:
            return Dual(self.v - other.v, self.t - other.t)
        return Dual(self.v - other, self.t)

    def __rsub__(self, other: Any) -> Dual:
        return Dual(other - self.v, -self.t)

    def __neg__(self) -> Dual:
        return Dual(-self.v, -self.t)

    def __mul__(self, other: Any) -> Dual:
        if other.__class__ is Dual:
            return Dual(self.v * other.v, self.t * other.v + self.v * other.t)
        return Dual(self.v * other, self.t * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Dual:
        if other.__class__ is Dual:
            q = self.v / other.v
            return Dual(q, (self.t - q * other.t) / other.v)
        return Dual(self.v / other, self.t / other)

    def __rtruediv__(self, other: Any) -> Dual:
        q = other / self.v
        return Dual(q, -q * self.t / self.v)

    def __pow__(self, exponent: Any) -> Dual:
        """``d ** c`` for a constant ``c`` (a number or an array)."""
        if exponent.__class__ is Dual:
            return NotImplemented
        if not hasattr(exponent, "shape") and exponent == 0:  # d/dx x**0 = 0, also at x = 0
            return Dual(self.v ** 0, self.t * 0)
        return Dual(self.v ** exponent, exponent * self.v ** (exponent - 1) * self.t)

    def __matmul__(self, other: Any) -> Dual:
        if other.__class__ is Dual:
            return Dual(self.v @ other.v, self.t @ other.v + self.v @ other.t)
        return Dual(self.v @ other, self.t @ other)

    def __rmatmul__(self, other: Any) -> Dual:
        return Dual(other @ self.v, other @ self.t)

    def __abs__(self) -> Dual:
        return Dual(abs(self.v), self.t * array_module(self.v).sign(self.v))

    # --- comparisons: masks of the values ---------------------------------------------------------
    def __lt__(self, other: Any) -> Any:
        return self.v < value(other)

    def __le__(self, other: Any) -> Any:
        return self.v <= value(other)

    def __gt__(self, other: Any) -> Any:
        return self.v > value(other)

    def __ge__(self, other: Any) -> Any:
        return self.v >= value(other)

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self.v == value(other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self.v != value(other)

    __hash__ = None  # type: ignore[assignment]

    # --- linear maps act on the value and the tangent alike -------------------------------------
    def linear(self, fn: Any, *args: Any, **kwargs: Any) -> Dual:
        """``fn`` (linear in its first argument) applied to the value and to the tangent."""
        return Dual(fn(self.v, *args, **kwargs), fn(self.t, *args, **kwargs))

    def __getitem__(self, idx: Any) -> Dual:
        return Dual(self.v[idx], self.t[idx])

    def reshape(self, *shape: Any) -> Dual:
        return Dual(self.v.reshape(*shape), self.t.reshape(*shape))

    def swapaxes(self, a: int, b: int) -> Dual:
        return Dual(self.v.swapaxes(a, b), self.t.swapaxes(a, b))

    def transpose(self, *axes: Any) -> Dual:
        return Dual(self.v.transpose(*axes), self.t.transpose(*axes))

    T = property(lambda self: self.transpose())

    def sum(self, axis: Any = None, keepdims: bool = False) -> Dual:
        return Dual(self.v.sum(axis=axis, keepdims=keepdims),
                    self.t.sum(axis=axis, keepdims=keepdims))

    def astype(self, dtype: Any, copy: bool = True) -> Dual:
        return Dual(self.v.astype(dtype, copy=copy), self.t.astype(dtype, copy=copy))


def value(x: Any) -> Any:
    """The value of a Dual; anything else as it is."""
    return x.v if x.__class__ is Dual else x


def elementwise(op: type, x: Dual) -> Dual:
    """Built-in elementwise op ``op`` (Exp, Cos...) on a Dual: its forward on the value, its
    forward-mode rule on the tangent."""
    from ..autograd.forward_rules import find_rule
    from ..function import _NOGRAD_CTX
    from ..tensor import Tensor
    arg = Tensor._make(x.v)
    out = op.forward(_NOGRAD_CTX, arg)
    return Dual(out, find_rule(op)(None, (arg,), [x.t], [out]))
