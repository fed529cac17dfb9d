"""Kernels as differentiable ops: ``autograd.Function``s whose forward and backward launch kernels
(on the GPU for CUDA tensors, in the simulator for CPU tensors).

``FusedSigmoidBCE.apply(z, t)`` is ``F.binary_cross_entropy(torch.sigmoid(z), t)`` in one kernel
each way, instead of a graph of about ten elementwise ops and a mean.
"""

from __future__ import annotations

from typing import Any

from ..backend import is_cuda_array
from ..function import Function
from ..tensor import Tensor
from . import ops


def to_array(t: Tensor) -> Any:
    """The NumPy or CuPy array behind a tensor (no copy): what a kernel is launched on."""
    return t.detach()._data


def from_array(a: Any) -> Tensor:
    """A tensor wrapping a NumPy or CuPy array (no copy), on the array's device."""
    return Tensor._make(a)


class KernelSigmoid(Function):
    """sigmoid with the ``sigmoid_forward``/``sigmoid_backward`` kernels."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        y = from_array(ops.sigmoid(to_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return from_array(ops.sigmoid_backward(to_array(y), to_array(grad)))


class FusedSigmoidBCE(Function):
    """mean binary cross-entropy of sigmoid(z) against targets t, fused into one kernel."""

    @staticmethod
    def forward(ctx: Any, z: Tensor, target: Tensor) -> Tensor:
        ctx.save_for_backward(z, target)
        return from_array(ops.sigmoid_bce(to_array(z), to_array(target)))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        z, target = ctx.saved_tensors
        gz = ops.sigmoid_bce_backward(to_array(z), to_array(target), float(grad.item()))
        return from_array(gz), None


class BroadcastAdd(Function):
    """a + b with broadcasting; the backward sums each gradient back to its input's shape with
    the shared-memory reduction kernel (``ops.sum_to``)."""

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor) -> Tensor:
        ctx.shapes = (tuple(a.shape), tuple(b.shape))
        return from_array(to_array(a) + to_array(b))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        g = to_array(grad)
        return tuple(from_array(ops.sum_to(g, s)) for s in ctx.shapes)


class KernelMatmul(Function):
    """a @ b (2-D) with the tiled shared-memory kernel, forward and backward."""

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        return from_array(ops.matmul(to_array(a), to_array(b), tile=_tile(to_array(a))))

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        g, tile = to_array(grad), _tile(to_array(grad))
        return (from_array(ops.matmul(g, to_array(b).T, tile=tile)),
                from_array(ops.matmul(to_array(a).T, g, tile=tile)))


def _tile(arr: Any) -> int:
    """16x16 tiles on a GPU; 4x4 in the simulator (the same kernel, far fewer idle threads)."""
    return 16 if is_cuda_array(arr) else 4
