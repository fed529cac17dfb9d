"""Array backends: NumPy on the CPU, CuPy on an NVIDIA GPU; device strings 'cpu' and 'cuda'."""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # CuPy is optional (`pip install -e .[gpu]`); importing it never needs a GPU.
    import cupy as _cupy
except Exception:  # ImportError, or a broken CUDA install
    _cupy = None


class device:
    """A device like ``torch.device``: ``device('cpu')``, ``device('cuda')``, ``'cuda:0'``."""

    __slots__ = ("type", "index")

    def __init__(self, spec: str | device, index: int | None = None) -> None:
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if not isinstance(spec, str):
            raise TypeError(f"device() received an invalid combination of arguments - got {spec!r}")
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {spec}")
        self.type = kind
        self.index = int(idx) if idx else index
        if kind == "cuda" and self.index is None:
            self.index = 0

    def __str__(self) -> str:
        return self.type if self.type == "cpu" else f"cuda:{self.index}"

    def __repr__(self) -> str:
        if self.type == "cpu":
            return "device(type='cpu')"
        return f"device(type='cuda', index={self.index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def cupy_module() -> Any:
    """The cupy module, or None when CuPy is not installed."""
    return _cupy


def array_module(arr: Any) -> Any:
    """numpy for host arrays, cupy for device arrays: ``xp = array_module(a)``."""
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return _cupy
    return np


def device_of(arr: Any) -> device:
    """The device an array lives on."""
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return device("cuda", arr.device.id)
    return CPU


def to_device(arr: Any, dev: device) -> Any:
    """Copy an array to ``dev`` (no copy when it is already there)."""
    if dev.type == "cpu":
        if _cupy is not None and isinstance(arr, _cupy.ndarray):
            return _cupy.asnumpy(arr)
        return arr
    if _cupy is None:
        raise AssertionError(
            "Torch not compiled with CUDA enabled: CuPy is not installed. "
            "Install it with `pip install -e .[gpu]` on a machine with an NVIDIA GPU.")
    with _cupy.cuda.Device(dev.index or 0):
        return _cupy.asarray(arr)
