"""GPU kernels written once, in ``cupyx.jit`` style: run on a GPU through CuPy, or on the CPU in
a grid simulator that shows what every thread does.

* ``kernel``, ``jit``: write a kernel (``launch.py``, ``language.py``).
* ``simulate``, ``Trace``, the errors: the CPU grid simulator (``gridsim.py``, ``memory.py``).
* ``library``: sigmoid, fused sigmoid+BCE, block reduction, tiled matmul kernels.
* ``ops``: host code launching them, and their NumPy references.
* ``functions``: kernels as differentiable ``autograd.Function``s.
* ``picture``: which thread touches what, as a figure or an ipywidgets explorer.
"""

from . import library, ops
from .gridsim import Trace, blocks_for, dim3, simulate
from .language import jit
from .launch import Kernel, kernel
from .memory import BarrierError, KernelError, OutOfBoundsError, RaceError

__all__ = ["BarrierError", "Kernel", "KernelError", "OutOfBoundsError", "RaceError", "Trace",
           "blocks_for", "dim3", "jit", "kernel", "library", "ops", "simulate"]
