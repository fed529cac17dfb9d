"""Simulated GPU memory: global and shared arrays that check bounds, record who touches what and
find data races (two threads touching one element, at least one writing, no barrier between).

Values live in ``array.array`` buffers of the array's C type, so a store rounds to float32 like
the GPU; arithmetic between loads and stores happens in Python floats (double precision).
"""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

_TYPECODES = {"float32": "f", "float64": "d", "int32": "i", "int64": "q", "uint32": "I",
              "int16": "h", "int8": "b", "uint8": "B", "bool": "B"}


class KernelError(RuntimeError):
    """A kernel misused the GPU model in the simulator (the message names the thread)."""


class OutOfBoundsError(KernelError, IndexError):
    """A read or write outside an array."""


class BarrierError(KernelError):
    """A ``syncthreads()`` that not every thread of a block reached (a hang on a GPU)."""


class RaceError(KernelError):
    """Two threads touched one element, at least one writing, with no barrier ordering them."""


def typecode(dtype: np.dtype) -> str:
    """The ``array.array`` type code of a NumPy dtype, or a clear error."""
    code = _TYPECODES.get(np.dtype(dtype).name)
    if code is None:
        raise TypeError(f"the simulator supports {', '.join(_TYPECODES)} arrays, got {dtype}")
    return code


class SimArray:
    """One array of simulated memory (``space`` is 'global' or 'shared')."""

    __slots__ = ("name", "space", "shape", "dtype", "size", "_data", "_strides", "_st",
                 "_races", "_written", "_is_int")

    def __init__(self, name: str, space: str, data: array, shape: tuple, dtype: np.dtype,
                 state: Any) -> None:
        self.name, self.space, self.shape, self.dtype = name, space, shape, np.dtype(dtype)
        self.size, self._data, self._st = len(data), data, state
        strides, acc = [], 1
        for n in reversed(shape):
            strides.append(acc)
            acc *= n
        self._strides = tuple(reversed(strides))
        self._races: dict[int, list] = {}
        self._written = bytearray(self.size) if space == "shared" else None
        self._is_int = self.dtype.kind in "iub"

    @classmethod
    def from_numpy(cls, name: str, arr: np.ndarray, state: Any) -> SimArray:
        code = typecode(arr.dtype)
        data = array(code)
        data.frombytes(np.ascontiguousarray(arr, dtype=np.dtype(arr.dtype.name)).tobytes())
        return cls(name, "global", data, tuple(arr.shape), arr.dtype, state)

    @classmethod
    def shared(cls, name: str, dtype: Any, size: int, state: Any) -> SimArray:
        dt = np.dtype(dtype)
        if not isinstance(size, int) or size <= 0:
            raise KernelError(f"shared_memory size must be a positive int constant, got {size!r}")
        fill = float("nan") if dt.kind == "f" else 0  # uninitialised memory, visibly
        return cls(name, "shared", array(typecode(dt), [fill]) * size, (size,), dt, state)

    def to_numpy(self) -> np.ndarray:
        return np.frombuffer(self._data.tobytes(), dtype=self.dtype).reshape(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"<{self.space} array {self.name} {self.dtype} shape={self.shape}>"

    # --- indexing --------------------------------------------------------------------------------
    def _flat(self, idx: Any, what: str) -> int:
        if idx.__class__ is int and len(self.shape) == 1:
            if 0 <= idx < self.size:
                return idx
            return self._oob(idx, what)
        idx = idx if isinstance(idx, tuple) else (idx,)
        if len(idx) != len(self.shape):
            raise KernelError(f"{self._where()}: {self.name} has {len(self.shape)} dimension(s), "
                              f"indexed with {len(idx)} index(es) {idx}")
        k = 0
        for i, n, s in zip(idx, self.shape, self._strides):
            if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
                raise KernelError(f"{self._where()}: index {i!r} of {self.name} is a "
                                  f"{type(i).__name__}; array indices must be ints")
            if not 0 <= i < n:
                return self._oob(idx if len(idx) > 1 else idx[0], what)
            k += int(i) * s
        return k

    def _oob(self, idx: Any, what: str) -> int:
        raise OutOfBoundsError(
            f"out-of-bounds {what} of {self.space} array {self.name}[{_fmt_idx(idx)}] "
            f"(shape {self.shape}) by {self._where()}; guard the access with an `if` on the "
            "index (e.g. `if i < n:`)")

    def _where(self) -> str:
        return self._st.where()

    def __getitem__(self, idx: Any) -> Any:
        k = self._flat(idx, "read")
        st = self._st
        if st.tracking:
            st.access(self, k, 0)
        return self._data[k]

    def __setitem__(self, idx: Any, value: Any) -> None:
        k = self._flat(idx, "write")
        st = self._st
        if st.tracking:
            st.access(self, k, 1)
        self._store(k, value)

    def _store(self, k: int, value: Any) -> None:
        try:
            self._data[k] = value
        except TypeError:  # a float stored into an int array converts, as in C
            self._data[k] = int(value) if self._is_int else float(value)

    def atomic_add(self, idx: Any, value: Any) -> Any:
        k = self._flat(idx, "atomic add")
        st = self._st
        if st.tracking:
            st.access(self, k, 2)
        old = self._data[k]
        self._store(k, old + value)
        return old


def _fmt_idx(idx: Any) -> str:
    if isinstance(idx, tuple):
        return ", ".join(str(i) for i in idx)
    return str(idx)
