"""gather, scatter, scatter_add, masked_fill and the in-place ``scatter_``, ``scatter_add_``,
``masked_fill_``: PyTorch's argument checks, in its order and words, then the op of
``scatter.py``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from .common import _check_same_device, broadcast_error
from .scatter import (
    Gather,
    MaskedFill,
    MaskedFillTensor,
    Scatter,
    ScatterAdd,
    ScatterReduce,
    ScatterValue,
)
from .shape import wrap_dim

_MASK_TYPES = {"uint8": "unsigned char", "int8": "signed char", "int16": "short int",
               "int32": "int", "int64": "long int", "float16": "c10::Half", "float32": "float",
               "float64": "double"}
_C_TYPES = dict(_MASK_TYPES, uint8="uint8_t", int8="int8_t", int16="int16_t", int64="int64_t")
_OVERLOADS = {"scatter": ("int dim, Tensor index, Tensor src", "int dim, Tensor index, Tensor "
                          "src, *, str reduce", "int dim, Tensor index, Number value",
                          "int dim, Tensor index, Number value, *, str reduce"),
              "masked_fill": ("Tensor mask, Tensor value", "Tensor mask, Number value")}


# --- argument checks, in PyTorch's order and words ------------------------------------------------
def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating))


def _arg_types(fn: str, first: int, **args: Any) -> None:
    """PyTorch's TypeError for a dim that is not an int or an index/src that is not a tensor
    (``first``: dim's position: 2 for ``torch.fn(input, dim...)``, 1 for the method)."""
    for k, (name, v) in enumerate(args.items()):
        want = "int" if name == "dim" else "Tensor"
        if not (_is_int(v) if want == "int" else isinstance(v, Tensor)):
            raise TypeError(f"{fn}(): argument '{name}' (position {first + k}) must be {want}, "
                            f"not {type(v).__name__}")


def _bad_args(name: str, args: tuple, method: bool) -> TypeError:
    """PyTorch's TypeError for arguments that match no overload (its first lines)."""
    got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args)
    lines = [f"{name}() received an invalid combination of arguments - got ({got}), but "
             "expected one of:"]
    for sig in _OVERLOADS[name]:
        if not method:
            sig = f"Tensor input, {sig}" + (("" if "*" in sig else ", *") + ", Tensor out = None"
                                            if name == "scatter" else "")
        lines.append(f" * ({sig})")
    return TypeError("\n".join(lines) + "\n")


def _check_number(value: Any, dt: Any) -> None:
    """PyTorch's errors for a fill value that dtype ``dt`` cannot hold."""
    if isinstance(value, (bool, np.bool_)) or dt.kind == "b":
        return
    if _is_int(value) and not -2 ** 63 <= int(value) < 2 ** 63:
        raise OverflowError("int too big to convert")
    v = int(value) if _is_int(value) else float(value)
    if dt.kind in "iu":
        lo, hi = np.iinfo(dt).min, np.iinfo(dt).max
        if dt.kind == "u" and isinstance(v, int):
            lo = -hi  # PyTorch lets a negative int wrap around an unsigned type
        bad = not (isinstance(v, int) or math.isfinite(v)) or not lo <= v <= hi
    else:
        bad = math.isfinite(v) and abs(v) > np.finfo(dt).max
    if bad:
        raise RuntimeError(f"value cannot be converted to type {_C_TYPES[str(dt)]} without "
                           "overflow")


def _size(shape: tuple, d: int) -> int:
    return shape[d] if shape else 1


def _check_index(name: str, x: Tensor, dim: int, index: Tensor, src: Any = None) -> int:
    """Validate a gather/scatter call in PyTorch's order; returns the non-negative ``dim``."""
    xs, ix = x._data.shape, index._data
    d = wrap_dim(dim, len(xs))
    if ix.size and ix.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src._data.dtype != x._data.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    for t in (index, src):
        if isinstance(t, Tensor):
            _check_same_device(x, t)
    if ix.size == 0:
        return d
    n, ish = max(len(xs), 1), ix.shape
    if max(ix.ndim, 1) != n:
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    wrong = next((k for k in range(n) if k != d and _size(ish, k) > _size(xs, k)), None)
    if name == "gather" and wrong is not None:
        raise RuntimeError(f"Size does not match at dimension {wrong} expected index {list(ish)}"
                           f" to be no larger than self {list(xs)} apart from dimension {d}")
    ss = src._data.shape if isinstance(src, Tensor) else None
    if ss is not None:
        for k in range(n):  # PyTorch compares sizes before it compares dimensions
            if wrong is not None:
                break
            if ss and k >= len(ss):
                wrap_dim(k, len(ss))  # PyTorch's IndexError for src.size(k)
            wrong = k if _size(ish, k) > _size(ss, k) else None
        if max(len(ss), 1) != n:
            raise RuntimeError("Index tensor must have the same number of dimensions as src "
                               "tensor")
    if wrong is not None:
        also = "" if ss is None else f" and to be no larger size than src {list(ss)}"
        raise RuntimeError(f"Expected index {list(ish)} to be no larger than self {list(xs)} "
                           f"apart from dimension {d}{also}")
    bad = (ix < 0) | (ix >= _size(xs, d))
    if bad.any():  # the first bad entry in memory order, as PyTorch's CPU loop finds it
        raise RuntimeError(f"index {int(ix[bad].reshape(-1)[0])} is out of bounds for dimension "
                           f"{d} with size {_size(xs, d)}")
    return d


def _scatter_args(x: Tensor, dim: Any, index: Any, src: Any, value: Any, reduce: Any,
                  method: bool, depth: int = 3) -> tuple:
    """The op and its arguments for a scatter call, checked."""
    src = value if src is None else src
    if not (isinstance(src, Tensor) or _is_number(src)) or not isinstance(index, Tensor) or \
            not _is_int(dim):
        args = (dim, index) + (() if src is None else (src,))
        raise _bad_args("scatter", args if method else (x, *args), method)
    d = _check_index("scatter", x, dim, index, src)
    if not isinstance(src, Tensor):
        _check_number(src, x._data.dtype)
    if reduce is None:
        return (Scatter if isinstance(src, Tensor) else ScatterValue), (d, index, src)
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                      "instead for more reduction options.", UserWarning, stacklevel=depth)
    return ScatterReduce, (d, index, src, reduce)


def _fill_args(x: Tensor, mask: Any, value: Any, method: bool, inplace: bool) -> type:
    """The op for a masked_fill call, checked in PyTorch's order."""
    if not isinstance(mask, Tensor) or not (isinstance(value, Tensor) or _is_number(value)):
        raise _bad_args("masked_fill", (mask, value) if method else (x, mask, value), method)
    a, m = x._data, mask._data
    _check_same_device(x, mask)
    if not inplace:  # the out-of-place op broadcasts first
        try:
            np.broadcast_shapes(m.shape, a.shape)
        except ValueError:
            raise broadcast_error(m, a) from None
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    if m.dtype.kind != "b":
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_MASK_TYPES.get(str(m.dtype), str(m.dtype))}")
    if inplace:
        try:
            shape = np.broadcast_shapes(a.shape, m.shape)
        except ValueError:
            raise broadcast_error(a, m) from None
        if shape != a.shape:
            raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast "
                               f"shape {list(shape)}")
    _check_number(value.item() if isinstance(value, Tensor) else value, a.dtype)
    return MaskedFillTensor if isinstance(value, Tensor) else MaskedFill


# --- the public functions and methods ---------------------------------------------------------
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Entries of ``input`` picked along ``dim`` by ``index`` (int64/int32, as many dimensions
    as input): ``out[i][j] = input[index[i][j]][j]`` for dim 0. Repeated picks add up in the
    gradient."""
    return _gather(input, dim, index, sparse_grad, 2)


def _gather(x: Tensor, dim: Any, index: Any, sparse_grad: bool, first: int) -> Tensor:
    _arg_types("gather", first, dim=dim, index=index)
    if sparse_grad:
        raise NotImplementedError("gather(sparse_grad=True): autograd_lite has no sparse "
                                  "tensors; use sparse_grad=False (a dense gradient)")
    return Gather.apply(x, _check_index("gather", x, dim, index), index)


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor of input's dtype, or a number) written at
    ``index`` along ``dim``: ``out[index[i][j]][j] = src[i][j]`` for dim 0."""
    return _scatter(input, dim, index, src, value, reduce, False)


def _scatter(x: Tensor, dim: Any, index: Any, src: Any, value: Any, reduce: Any,
             method: bool) -> Tensor:
    op, args = _scatter_args(x, dim, index, src, value, reduce, method, 4)
    return op.apply(x, *args)


def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
             reduce: str | None = None) -> Tensor:
    """In-place ``scatter``."""
    self._check_inplace()
    op, args = _scatter_args(self, dim, index, src, value, reduce, True)
    return self._apply_inplace(op, *args)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``, repeated places adding
    up: ``out[index[i][j]][j] += src[i][j]`` for dim 0."""
    return ScatterAdd.apply(input, *_scatter_add_args(input, dim, index, src, 2))


def _scatter_add_args(x: Tensor, dim: Any, index: Any, src: Any, first: int) -> tuple:
    _arg_types("scatter_add", first, dim=dim, index=index, src=src)
    return _check_index("scatter", x, dim, index, src), index, src


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add``."""
    self._check_inplace()
    return self._apply_inplace(ScatterAdd, *_scatter_add_args(self, dim, index, src, 1))


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) where the bool ``mask`` is
    True; mask and input broadcast."""
    return _fill_args(input, mask, value, False, False).apply(input, mask, value)


def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place ``masked_fill`` (mask broadcasts to this tensor's shape)."""
    self._check_inplace()
    return self._apply_inplace(_fill_args(self, mask, value, True, True), mask, value)


FUNCTIONS = {f.__name__: f for f in (gather, scatter, scatter_add, masked_fill)}
TENSOR_METHODS = {  # the methods word their type errors as PyTorch's methods do
    "gather": lambda self, dim, index, *, sparse_grad=False: _gather(self, dim, index,
                                                                     sparse_grad, 1),
    "scatter": lambda self, dim, index, src=None, value=None, *, reduce=None: _scatter(
        self, dim, index, src, value, reduce, True),
    "scatter_add": lambda self, dim, index, src: ScatterAdd.apply(
        self, *_scatter_add_args(self, dim, index, src, 1)),
    "masked_fill": lambda self, mask, value: _fill_args(self, mask, value, True, False).apply(
        self, mask, value),
}
for _name, _m in TENSOR_METHODS.items():
    _m.__name__, _m.__doc__ = _name, FUNCTIONS[_name].__doc__
TENSOR_METHODS.update(scatter_=scatter_, scatter_add_=scatter_add_, masked_fill_=masked_fill_)
