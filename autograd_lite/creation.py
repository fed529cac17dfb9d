"""Tensor creation: ``tensor()`` and the factories (zeros, ones, arange, randn...), and the RNG."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import dtypes
from .backend import array_module, device, to_device
from .random import generator_of, manual_seed  # noqa: F401 (torch.manual_seed lives here too)
from .tensor import Tensor


def _finish(arr: Any, dtype: Any, dev: Any, requires_grad: bool) -> Tensor:
    if dtype is not None:
        arr = arr.astype(dtypes.to_numpy_dtype(dtype), copy=False)
    if dev is not None:
        arr = to_device(arr, device(dev))
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _nested_values(data: Any) -> Any:
    """Replace tensors inside nested lists by their values (``tensor([t1, t2])``)."""
    if isinstance(data, Tensor):
        return data._host().tolist()
    if isinstance(data, (list, tuple)):
        return [_nested_values(d) for d in data]
    return data


def _check_ragged(data: Any, dim: int = 0) -> None:
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple)):
        n = len(data[0])
        for d in data:
            if not isinstance(d, (list, tuple)) or len(d) != n:
                got = len(d) if isinstance(d, (list, tuple)) else "a scalar"
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} (got {got})")
            _check_ragged(d, dim + 1)


def tensor(data: Any, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (Python floats become float32, ints int64)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.clone().detach() or sourceTensor.clone().detach()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        arr = data._data.copy()
    elif hasattr(data, "__array__") and not isinstance(data, (list, tuple)):
        arr = np.array(data, copy=True)
    else:
        if isinstance(data, str):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        data = _nested_values(data)
        _check_ragged(data)
        arr = np.array(data)
        if arr.dtype.kind == "f" and dtype is None:
            arr = arr.astype(dtypes.DEFAULT_FLOAT.np)
        elif arr.dtype.kind in "UO":
            raise TypeError(f"new(): invalid data type '{arr.dtype}'")
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"can't convert data of type {arr.dtype} to a tensor")
    if dtype is None and arr.dtype.kind == "f" and arr.dtype.itemsize not in (2, 4, 8):
        arr = arr.astype(np.float64)
    return _finish(arr, dtype, device, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a Tensor or NumPy array when it can."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype ==
                                         dtypes.to_numpy_dtype(dtype)):
        return Tensor._make(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    dtypes.from_numpy_dtype(arr.dtype)
    return Tensor._make(arr)


def _sizes(size: tuple, fn: str = "zeros") -> tuple:
    """Accept ``zeros(2, 3)`` and ``zeros((2, 3))``; ``fn`` names the caller in errors."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for pos, s in enumerate(size, 1):
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            got = type(s).__name__
            if pos == 1:
                raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, "
                                f"not {got}")
            raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos {pos} "
                            f'with error "type must be tuple of ints,but got {got}"')
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
    return tuple(int(s) for s in size)


def _float_dtype(dtype: Any) -> Any:
    return dtypes.DEFAULT_FLOAT if dtype is None else dtype


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    arr = np.zeros(_sizes(size, "zeros"), dtypes.to_numpy_dtype(_float_dtype(dtype)))
    return _finish(arr, None, device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones."""
    arr = np.ones(_sizes(size, "ones"), dtypes.to_numpy_dtype(_float_dtype(dtype)))
    return _finish(arr, None, device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (zeros here, so results are reproducible)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value, as in PyTorch."""
    if dtype is None:
        dtype = (dtypes.bool if isinstance(fill_value, bool) else dtypes.int64
                 if isinstance(fill_value, int) else dtypes.DEFAULT_FLOAT)
    arr = np.full(_sizes((size,) if isinstance(size, int) else tuple(size), "full"), fill_value,
                  dtypes.to_numpy_dtype(dtype))
    return _finish(arr, None, device, requires_grad)


def _like(t: Tensor, fill: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    xp = array_module(t._data)
    dt = t._data.dtype if dtype is None else dtypes.to_numpy_dtype(dtype)
    arr = xp.full(t._data.shape, fill, dt)
    return _finish(arr, None, device, requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros with the shape (and dtype, device) of ``t``."""
    return _like(t, 0, dtype, device, requires_grad)


def ones_like(t: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones with the shape (and dtype, device) of ``t``."""
    return _like(t, 1, dtype, device, requires_grad)


def full_like(t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` with the shape (and dtype, device) of ``t``."""
    return _like(t, fill_value, dtype, device, requires_grad)


def empty_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return _like(t, 0, dtype, device, requires_grad)


def randn_like(t: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape (and dtype, device) of ``t``."""
    return randn(*t._data.shape, dtype=t.dtype if dtype is None else dtype,
                 device=t.device if device is None else device, requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """U(0, 1) samples with the shape (and dtype, device) of ``t``."""
    return rand(*t._data.shape, dtype=t.dtype if dtype is None else dtype,
                device=t.device if device is None else device, requires_grad=requires_grad)


def zeros_like_array(arr: Any) -> Any:
    """Zeros shaped like an array, on its device (used by the engine)."""
    return array_module(arr).zeros_like(arr)


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.DEFAULT_FLOAT
    # PyTorch computes the values in double and rounds once, like this
    n = max(0, int(np.ceil((float(end) - float(start)) / float(step))))
    arr = (float(start) + np.arange(n, dtype=np.float64) * float(step)) if n else np.zeros(0)
    if dtypes.to_numpy_dtype(dtype).kind in "iu":
        arr = start + np.arange(n, dtype=np.int64) * step if n else np.zeros(0, np.int64)
    return _finish(np.asarray(arr), dtype, device, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    arr = np.linspace(float(start), float(end), int(steps))
    return _finish(arr, _float_dtype(dtype), device, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    arr = np.eye(n, n if m is None else m)
    return _finish(arr, _float_dtype(dtype), device, requires_grad)


def _drawn(shape: tuple, dtype: Any, draw: Any, kernel: str) -> Any:
    """``draw(n, numpy_dtype)`` shaped: float64 draws in double precision, other float dtypes
    as float32 (PyTorch's numbers for float32 and float64)."""
    return draw(int(np.prod(shape)), _sample_dtype(dtypes.to_numpy_dtype(_float_dtype(dtype)),
                                                   kernel)).reshape(shape)


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:
    """Standard normal samples: PyTorch's numbers for the same ``manual_seed``."""
    gen = generator_of(generator)
    arr = _drawn(_sizes(size, "randn"), dtype, gen.normal, "normal_kernel_cpu")
    return _finish(arr, None, device, requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:
    """Uniform samples from [0, 1): PyTorch's numbers for the same ``manual_seed``."""
    gen = generator_of(generator)
    arr = _drawn(_sizes(size, "rand"), dtype, gen.uniform, "check_uniform_bounds")
    return _finish(arr, None, device, requires_grad)


def randint(low: int, high: Any = None, size: Any = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False, generator: Any = None) -> Tensor:
    """Integers from ``low`` (inclusive) to ``high`` (exclusive): ``randint(low, high, size)``."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    shape = _sizes((tuple(size),), "randint")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    arr = generator_of(generator).randint(int(np.prod(shape)), low, high).reshape(shape)
    return _finish(arr, dtypes.int64 if dtype is None else dtype, device, requires_grad)


def randperm(n: int, dtype: Any = None, device: Any = None, generator: Any = None) -> Tensor:
    """A random permutation of ``0..n-1``."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    arr = generator_of(generator).randperm(int(n))
    return _finish(arr, dtypes.int64 if dtype is None else dtype, device, False)


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``t`` in place with N(mean, std**2) samples (``Tensor.normal_``, ``nn.init``)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    vals = generator_of(generator).normal(t._data.size,
                                          _sample_dtype(t._data.dtype, "normal_kernel_cpu"),
                                          mean, std)
    t._write(to_device(vals.reshape(t._data.shape).astype(t._data.dtype), t.device))
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill ``t`` in place with U(a, b) samples (``Tensor.uniform_``, ``nn.init``)."""
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > "
                           f"to={b}")
    vals = generator_of(generator).uniform(t._data.size,
                                           _sample_dtype(t._data.dtype, "check_uniform_bounds"),
                                           a, b)
    t._write(to_device(vals.reshape(t._data.shape).astype(t._data.dtype), t.device))
    return t


def _sample_dtype(dt: Any, kernel: str) -> Any:
    """The dtype samples are drawn in (float64, else float32); integers raise as in PyTorch."""
    if dt.kind != "f":
        from .ops.reduce import type_name
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_name(dt)}\'')
    return dt if dt == np.float64 else np.dtype(np.float32)
