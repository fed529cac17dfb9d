"""Tensor: an array plus the autograd state (requires_grad, grad, grad_fn, version counter).

Operator methods (``+``, ``sum``, ``reshape``...) are attached by ``autograd_lite/methods.py``; this
file holds the state, gradients, hooks, in-place machinery and conversions.
"""

from __future__ import annotations

import importlib
import sys
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from . import apply as apply_module
from . import dtypes
from . import function as function_module
from . import saved as saved_module
from ._tensor_str import tensor_repr, tensor_str
from .backend import device, device_of, to_device
from .function import AccumulateGrad
from .grad_mode import STATE
from .hooks import HookDict, RemovableHandle


class Size(tuple):
    """A tensor shape, printed as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    # The attributes every tensor sets (or the engine reads often) are slots; the rarely used
    # ones are class-level defaults that a tensor overrides in its ``__dict__`` when needed
    # (making a tensor is on the hot path of every op). ``_vc`` is the version counter: a
    # one-element list shared with views, made on first need.
    __slots__ = ("_data", "_rg", "grad_fn", "_output_nr", "_vc", "__dict__", "__weakref__")
    __array_priority__ = 1000  # ndarray op Tensor -> Tensor's reflected operator
    _grad = None
    _base = None
    _hooks = None
    _retains_grad = False
    _accum = None
    _fw_grad = None
    _inference = False

    @classmethod
    def _make(cls, data: Any, requires_grad: bool = False, grad_fn: Any = None,
              output_nr: int = 0, vc: list | None = None) -> Tensor:
        """Wrap an array without copying or checking (the hot path of every op)."""
        if data.__class__ is not np.ndarray:
            data = _as_array(data)
        t = object.__new__(cls)
        t._data = data
        t._rg = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._vc = vc
        if STATE.inference:
            t._inference = True
        return t

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass  # construction happens in __new__ (``Tensor([1, 2])``) or ``_make``

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        if cls is Tensor:
            from .creation import tensor
            data = args[0] if args else []
            return tensor(data, dtype=dtypes.float32, **kwargs)
        return object.__new__(cls)

    # --- autograd state -------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Start (or stop) recording operations on this leaf tensor, in place."""
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        if requires_grad and self._inference and not STATE.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed "
                "want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
                "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
                "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more information.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                from .ops.reduce import type_name
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_c_type(value._data.dtype)}' "
                    f"to a tensor with grad_dtype '{type_name(self._data.dtype)}'. The gradient "
                    f"must match the tensor's dtype: convert it first, e.g. grad.to({self.dtype})")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    def _bump_version(self) -> None:
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    def _accumulate_node(self) -> AccumulateGrad:
        node = self._accum() if self._accum is not None else None
        if node is None:
            node = AccumulateGrad(self)
            self._accum = weakref.ref(node)
        return node

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        fn = self.grad_fn
        fn._has_hooks, fn._plain = True, False
        if fn._retain is None:
            fn._retain = {}
        fn._retain[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = HookDict()
            if self.grad_fn is not None:
                fn = self.grad_fn
                fn._has_hooks, fn._plain = True, False
                if fn._pre_hooks is None:
                    fn._pre_hooks = {}
                fn._pre_hooks[self._output_nr] = self._hooks
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Compute the gradient of this tensor w.r.t. graph leaves, accumulating into ``.grad``."""
        _engine().backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's data (and version counter), outside any graph."""
        if self._vc is None:
            self._vc = [0]
        # no reference to this tensor or its graph (PyTorch: ``_base`` None, not a view), so
        # a detached result does not keep the graph's saved activations alive
        t = Tensor._make(self._data, False, None, 0, self._vc)
        if self._inference:
            t._inference = True
        return t

    def _is_view(self) -> bool:
        """True for a tensor made by a view op (``view``, ``t()``, basic indexing...)."""
        return self._base is not None

    def is_inference(self) -> bool:
        """True for a tensor created under ``inference_mode()``."""
        return self._inference

    def detach_(self) -> Tensor:
        """Detach in place: this tensor becomes a leaf that does not require grad."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self.grad_fn, self._rg, self._output_nr = None, False, 0
        return self

    @property
    def data(self) -> Tensor:
        """The same data as a tensor outside the graph; changes to it are not tracked."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    # --- metadata -------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def _wrap_dim(self, dim: int) -> int:
        n = self._data.ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not lo <= dim <= hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                             f"but got {dim})")
        return dim % n if n else 0

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> device:
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # --- conversions ----------------------------------------------------------------------------
    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return self._host().reshape(()).item()

    def tolist(self) -> Any:
        return self._host().tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as a NumPy array sharing memory (CPU tensors that do not require grad)."""
        if self.device.type != "cpu":
            if force:
                return self._host()
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def _host(self) -> np.ndarray:
        return to_device(self._data, device("cpu"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its Python number (``f"{t:.2f}"``); others as ``str``."""
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __repr__(self) -> str:
        dt = self._data.dtype
        name = type(self.grad_fn).__name__ if self.grad_fn is not None else None
        return tensor_repr(self._host(), dtype_name=str(dt), is_floating=dt.kind == "f",
                           default_dtype=dt in (np.float32, np.int64, np.bool_),
                           device=str(self.device), grad_fn_name=name,
                           requires_grad_leaf=self._rg and name is None,
                           tangent=None if self._fw_grad is None else f"{self._fw_grad}")

    def __str__(self) -> str:
        return self.__repr__()

    def _str_body(self) -> str:
        return tensor_str(self._host(), self._data.dtype.kind == "f")

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol: Any) -> tuple:
        return (_rebuild, (self._host(), self._rg))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        t = type(self)._make(self._data.copy(), self._rg)
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy())
        memo[id(self)] = t
        return t


function_module.Tensor = saved_module.Tensor = apply_module.Tensor = Tensor


def _engine() -> Any:
    """The engine module (it imports this one, so it is looked up on first use)."""
    return sys.modules["autograd_lite.engine"] if "autograd_lite.engine" in sys.modules \
        else importlib.import_module("autograd_lite.engine")


_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _c_type(dt: Any) -> str:
    """A dtype's C++ type name, as some PyTorch messages print it ('float', 'long int')."""
    return _C_TYPES.get(str(dt), str(dt))


def _as_array(data: Any) -> Any:
    """NumPy returns scalars from 0-d operations; tensors always hold arrays."""
    if isinstance(data, np.generic) or not hasattr(data, "shape"):
        return np.asarray(data)
    return data  # a CuPy array or an ndarray subclass


def _rebuild(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(data, requires_grad)
