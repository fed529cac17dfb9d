"""``autograd_lite.cuda``: whether a CUDA GPU can be used (through CuPy), as ``torch.cuda``.

``is_available()`` is False, never an exception, when CuPy is missing or no driver/device answers
(the case on machines without a GPU even with CuPy installed). The other functions raise
PyTorch's errors in that case.
"""

from __future__ import annotations

from .backend import cuda_unavailable_error, cupy_module

_count_cache: list[int] = []


def device_count() -> int:
    """Number of CUDA devices (0 without CuPy, driver or GPU); asked once per process."""
    if not _count_cache:
        cp = cupy_module()
        n = 0
        if cp is not None:
            try:
                n = int(cp.cuda.runtime.getDeviceCount())
            except Exception:  # no driver, no device, broken CUDA install
                n = 0
        _count_cache.append(n)
    return _count_cache[0]


def is_available() -> bool:
    """True when CuPy is installed and a CUDA device answers; never raises."""
    return device_count() > 0


def unavailable_reason() -> str:
    """One sentence on why CUDA cannot be used, naming the fix ('' when it can)."""
    return "" if is_available() else str(cuda_unavailable_error())


def unavailable_error() -> Exception:
    """The exception to raise when CUDA is needed and not available."""
    return cuda_unavailable_error()


def _require() -> object:
    if not is_available():
        raise cuda_unavailable_error()
    return cupy_module()


def current_device() -> int:
    """Index of the current CUDA device."""
    return int(_require().cuda.runtime.getDevice())


def get_device_name(device: object = None) -> str:
    """The GPU's name, e.g. 'NVIDIA H100 80GB HBM3'."""
    cp = _require()
    index = getattr(device, "index", device)
    props = cp.cuda.runtime.getDeviceProperties(current_device() if index is None else index)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def manual_seed(seed: int) -> None:
    """Accepted for PyTorch compatibility (the CPU generator is seeded by ``manual_seed``)."""


def synchronize() -> None:
    """Wait for the GPU to finish queued work."""
    _require().cuda.Stream.null.synchronize()
