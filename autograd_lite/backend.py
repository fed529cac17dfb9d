"""Array backends: NumPy on the CPU, CuPy on an NVIDIA GPU; device strings 'cpu' and 'cuda'.

CuPy is optional (``pip install -e .[gpu]``) and imported lazily, the first time a CUDA device is
asked for: ``import autograd_lite`` never pays for it, and a CuPy array can only exist once CuPy
has been imported, so ``array_module`` finds it in ``sys.modules``.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

_ndarray = np.ndarray
_UNSET = object()
_cupy_cache: list[Any] = [_UNSET]


class device:
    """A device like ``torch.device``: ``device('cpu')``, ``device('cuda')``, ``'cuda:0'``,
    ``device('cuda', 1)``; an int means a CUDA device index.

    As in PyTorch, ``device('cuda')`` (no index: the current CUDA device, index 0 here) is not
    equal to ``device('cuda:0')``, and a device never equals a string; ``Tensor.to`` compares
    resolved devices (``_key``), so ``t.to('cuda')`` on a ``cuda:0`` tensor is still a no-op.
    """

    __slots__ = ("type", "index")

    def __init__(self, spec: str | int | device, index: int | None = None) -> None:
        if isinstance(spec, device):
            self.type, self.index = spec.type, spec.index
            return
        if isinstance(spec, int) and not isinstance(spec, bool):
            from .cuda import is_available
            if not is_available():
                raise RuntimeError("Cannot access accelerator device when none is available.")
            spec, index = "cuda", spec
        if not isinstance(spec, str):
            raise TypeError("device() received an invalid combination of arguments - got "
                            f"({type(spec).__name__}), but expected one of: (str device), "
                            "(str type, int index = -1)")
        kind, colon, idx = spec.partition(":")
        if kind not in ("cpu", "cuda"):
            raise RuntimeError("Expected one of cpu, cuda device type at start of device "
                               f"string: {spec}")
        if colon:
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{spec}'")
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index "
                                   f"was passed explicitly: {spec}")
            index = int(idx)
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = kind, index

    def _key(self) -> tuple:
        """(type, index) with the current device's index filled in: where data would live."""
        return (self.type, self.index if self.index is not None else 0)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and self.type == other.type and \
            self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple:
        return (device, (self.type, self.index))


CPU = device("cpu")


def cupy_module() -> Any:
    """The cupy module (imported on first use), or None when CuPy is not installed or broken."""
    if _cupy_cache[0] is _UNSET:
        try:
            with warnings.catch_warnings():  # e.g. "CUDA path could not be detected"
                warnings.simplefilter("ignore")
                import cupy
            _cupy_cache[0] = cupy
        except Exception:  # ImportError, or a CUDA install CuPy cannot load
            _cupy_cache[0] = None
    return _cupy_cache[0]


def _loaded_cupy_ndarray() -> Any:
    """cupy.ndarray if CuPy has been imported (so CuPy arrays can exist), else None."""
    cp = sys.modules.get("cupy")
    return getattr(cp, "ndarray", None) if cp is not None else None


def array_module(arr: Any) -> Any:
    """numpy for host arrays, cupy for device arrays: ``xp = array_module(a)``."""
    if arr.__class__ is _ndarray:
        return np
    cls = _loaded_cupy_ndarray()
    if cls is not None and isinstance(arr, cls):
        return sys.modules["cupy"]
    return np


def is_cuda_array(arr: Any) -> bool:
    """True for a CuPy (GPU) array."""
    if arr.__class__ is _ndarray:
        return False
    cls = _loaded_cupy_ndarray()
    return cls is not None and isinstance(arr, cls)


def device_of(arr: Any) -> device:
    """The device an array lives on."""
    if is_cuda_array(arr):
        return device("cuda", arr.device.id)
    return CPU


class CudaUnavailableError(AssertionError, RuntimeError):
    """CUDA asked for and not usable. PyTorch raises AssertionError when built without CUDA and
    RuntimeError when the driver or device is missing; this is both, so either ``except`` works."""


def cuda_unavailable_error() -> Exception:
    """The exception PyTorch raises when CUDA is asked for and cannot be used, with the fix."""
    cp = cupy_module()
    if cp is None:
        return CudaUnavailableError(
            "Torch not compiled with CUDA enabled: CuPy is not installed. Install it with "
            "`pip install -e .[gpu]` on a machine with an NVIDIA GPU.")
    try:
        count = cp.cuda.runtime.getDeviceCount()
    except Exception:  # cudaErrorNoDevice / InsufficientDriver / missing libcuda
        return CudaUnavailableError(
            "Found no NVIDIA driver on your system. Please check that you have installed the "
            "NVIDIA driver from http://www.nvidia.com/Download/index.aspx (CuPy is installed, "
            "but no CUDA driver or device answered).")
    if count == 0:
        return CudaUnavailableError("No CUDA GPUs are available")
    return CudaUnavailableError(
        f"CUDA error: invalid device ordinal ({count} CUDA device(s) visible)")


def to_device(arr: Any, dev: device) -> Any:
    """Copy an array to ``dev`` (no copy when it is already there)."""
    if dev.type == "cpu":
        if is_cuda_array(arr):
            return arr.get()
        return arr
    from .cuda import device_count
    index = dev.index or 0
    if index >= device_count():
        raise cuda_unavailable_error()
    cp = cupy_module()
    with cp.cuda.Device(index):
        return cp.asarray(arr)
