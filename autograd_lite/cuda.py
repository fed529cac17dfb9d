"""``autograd_lite.cuda``: whether a CUDA GPU can be used (through CuPy)."""

from __future__ import annotations

from .backend import cupy_module


def is_available() -> bool:
    """True when CuPy is installed and a CUDA device answers; never raises."""
    cp = cupy_module()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device, broken CUDA install
        return False


def device_count() -> int:
    """Number of CUDA devices (0 without CuPy or a GPU)."""
    if not is_available():
        return 0
    return int(cupy_module().cuda.runtime.getDeviceCount())


def unavailable_reason() -> str:
    """One sentence on why CUDA cannot be used, naming the fix."""
    if cupy_module() is None:
        return ("Torch not compiled with CUDA enabled: CuPy is not installed "
                "(`pip install -e .[gpu]` on a machine with an NVIDIA GPU).")
    return "No CUDA GPUs are available: CuPy is installed but no CUDA device answered."


def manual_seed(seed: int) -> None:
    """Accepted for PyTorch compatibility (the CPU generator is seeded by ``manual_seed``)."""


def synchronize() -> None:
    """Wait for the GPU to finish queued work (no-op without a GPU)."""
    if is_available():
        cupy_module().cuda.Stream.null.synchronize()
