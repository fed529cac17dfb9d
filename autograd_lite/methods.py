"""Binds the ops to Tensor methods (``x.sum()``) and collects the namespace functions.

Each module in ``ops/`` exports ``FUNCTIONS`` (``autograd_lite.sum``) and ``TENSOR_METHODS``
(``Tensor.sum``); this file adds the in-place methods and the conversions that need the ops.
"""

from __future__ import annotations

from typing import Any

from . import creation, dtypes, inplace  # noqa: F401 (inplace: Tensor._apply_inplace...)
from .backend import array_module, device
from .grad_mode import is_grad_enabled
from .ops import (
    elementwise,
    elementwise_api,
    extract,
    linalg,
    math_more,
    nnfunc,
    order,
    reduce,
    scatter_api,
    shape,
)
from .ops.index import assign
from .tensor import Tensor

MODULES = (elementwise_api, reduce, shape, linalg, nnfunc, extract, scatter_api, math_more, order)
FUNCTIONS: dict = {}
for _m in MODULES:
    FUNCTIONS.update(_m.FUNCTIONS)
    for _name, _fn in _m.TENSOR_METHODS.items():
        setattr(Tensor, _name, _fn)


def _inplace_method(op: type, name: str) -> Any:
    def method(self: Tensor, *args: Any) -> Tensor:
        return self._apply_inplace(op, *args)
    method.__name__ = name
    method.__doc__ = f"In-place version of ``{name[:-1]}``."
    return method


for _name, _op in elementwise_api.INPLACE.items():
    setattr(Tensor, _name, _inplace_method(_op, _name))


def _add_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    if alpha != 1:
        other = other * alpha
    return self._apply_inplace(elementwise.Add, other)


def _sub_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    if alpha != 1:
        other = other * alpha
    return self._apply_inplace(elementwise.Sub, other)


def _clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    return self._apply_inplace(elementwise.Clamp, min, max)


def zero_(self: Tensor) -> Tensor:
    """Set every element to zero, in place."""
    return fill_(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, in place."""
    return self._apply_inplace(_Fill, value)


class _Fill(elementwise.Function):
    builtin, grad_fn_name = True, "FillBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor, value: Any) -> Any:
        v = value._data if isinstance(value, Tensor) else value
        return array_module(a._data).full(a._data.shape, v, a._data.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad * 0, None  # the old values no longer matter


def copy_(self: Tensor, src: Any) -> Tensor:
    """Copy ``src`` (broadcast) into this tensor, in place."""
    src_t = src if isinstance(src, Tensor) else Tensor._make(src)
    return self._apply_inplace(_CopyFrom, src_t)


class _CopyFrom(elementwise.Function):
    builtin, grad_fn_name = True, "CopyBackwards"

    @staticmethod
    def forward(ctx: Any, a: Tensor, src: Tensor) -> Any:
        xp = array_module(a._data)
        return xp.broadcast_to(src._data, a._data.shape).astype(a._data.dtype, copy=True)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return grad * 0, grad


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert dtype and/or device: ``to(float64)``, ``to('cuda')``, ``to(other_tensor)``."""
    dt, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
    kwargs.pop("non_blocking", None), kwargs.pop("copy", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            dt, dev = a.dtype, a.device
        elif isinstance(a, (str, device)):
            dev = a
        elif a is not None:
            dt = a
    np_dt = None if dt is None else dtypes.to_numpy_dtype(dt)
    dev = None if dev is None else device(dev)
    # compare resolved devices: 'cuda' means cuda:0 here, so a cuda:0 tensor is not copied
    if (np_dt is None or np_dt == self._data.dtype) and \
            (dev is None or dev._key() == self.device._key()):
        return self
    if dev is not None and dev.type == "cuda":
        from . import cuda
        if not cuda.is_available():
            raise cuda.unavailable_error()
    return elementwise.ToCopy.apply(self, np_dt, dev)


def _cast(dt: Any) -> Any:
    def method(self: Tensor) -> Tensor:
        return to(self, dt)
    return method


def type_(self: Tensor, dtype: Any = None) -> Any:
    if dtype is None:
        names = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
                 "int32": "IntTensor", "bool": "BoolTensor", "float16": "HalfTensor"}
        return f"torch.{names.get(str(self._data.dtype), str(self._data.dtype))}"
    return to(self, dtype)


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value``: in place, and differentiable w.r.t. both x and value."""
    v = value if isinstance(value, Tensor) else Tensor._make(
        array_module(self._data).asarray(value, dtype=self._data.dtype))
    idx = shape.normalize_index(index)
    dual = self._fw_grad is not None or v._fw_grad is not None  # (forward AD: tangents follow)
    if not dual and (not is_grad_enabled() or not (self._rg or v._rg)):  # write directly
        self._check_inplace()
        assign(self._data, idx, v._data.astype(self._data.dtype, copy=False))
        self._bump_version()
        return
    self._apply_inplace(shape.SetItem, idx, v)


def _sampling(fill: Any) -> Any:
    """``Tensor.normal_`` / ``Tensor.uniform_``: new values in place, from the generator."""
    def method(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        self._check_inplace()
        if is_grad_enabled() and self._rg:  # (a non-leaf: its graph would no longer hold)
            raise RuntimeError(f"{fill.__name__}() on a tensor that has a grad_fn is not "
                               "supported here; call it under torch.no_grad() or on a new tensor")
        return fill(self, a, b, generator)
    method.__name__, method.__doc__ = fill.__name__, fill.__doc__
    return method


Tensor.normal_, Tensor.uniform_ = _sampling(creation.normal_), _sampling(creation.uniform_)
Tensor.add_, Tensor.sub_, Tensor.clamp_ = _add_, _sub_, _clamp_
Tensor.zero_, Tensor.fill_, Tensor.copy_, Tensor.to = zero_, fill_, copy_, to
Tensor.__iadd__, Tensor.__isub__ = _add_, _sub_
Tensor.__imul__ = _inplace_method(elementwise.Mul, "__imul__")
Tensor.__itruediv__ = _inplace_method(elementwise.Div, "__itruediv__")
Tensor.float, Tensor.double, Tensor.half = _cast(dtypes.float32), _cast(dtypes.float64), \
    _cast(dtypes.float16)
Tensor.long, Tensor.int, Tensor.bool = _cast(dtypes.int64), _cast(dtypes.int32), \
    _cast(dtypes.bool)
Tensor.cpu = lambda self: to(self, "cpu")
Tensor.cuda = lambda self, device=None: to(self, "cuda" if device is None else
                                          (f"cuda:{device}" if isinstance(device, int)
                                           else device))
Tensor.type = type_
if hasattr(shape, "SetItem"):
    Tensor.__setitem__ = setitem
