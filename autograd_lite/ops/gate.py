"""``grad * factor`` inside a backward formula, where ``factor`` (a 0/1 mask, a slope) is a step
function of a saved value ``src``: relu, leaky_relu, hardtanh.

On arrays (a plain backward) and duals (``hvp``) it is the product. Under ``create_graph`` it is
one recorded node with ``src`` as an input whose derivative is zero, as PyTorch's
``ThresholdBackwardBackward0``, ``LeakyReluBackwardBackward0``...: the gradient stays attached to
``src``'s graph, so differentiating it again gives zeros, not "does not require grad".
"""

from __future__ import annotations

from typing import Any

from ..function import Function
from ..tensor import Tensor


class Gate(Function):
    """``g * factor``; the derivative for ``g`` is ``factor``, for ``src`` zero."""

    builtin = True
    edge_args = (0, 1)  # PyTorch's next_functions: (grad, self)

    @staticmethod
    def forward(ctx: Any, g: Tensor, src: Tensor, factor: Any) -> Any:
        ctx.factor, ctx.src = factor, (src._data.shape, src._data.dtype)
        return (g._data * factor).astype(g._data.dtype, copy=False)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        from ..creation import zeros
        shape, dtype = ctx.src
        zero = zeros(*shape, dtype=dtype) if isinstance(grad, Tensor) else \
            _zeros(grad, shape, dtype)
        return grad * ctx.factor, zero, None


def _zeros(like: Any, shape: tuple, dtype: Any) -> Any:
    from ..backend import array_module
    return array_module(like).zeros(shape, dtype)


def gate_op(node_name: str) -> type:
    """A ``Gate`` whose node is called ``node_name`` (PyTorch's name for that formula)."""
    return type(node_name.replace("Backward0", ""), (Gate,), {"grad_fn_name": node_name})


def gate(grad: Any, src: Any, factor: Any, op: type) -> Any:
    """``grad * factor`` (see the module docstring); ``op`` is a ``gate_op``."""
    if isinstance(grad, Tensor) or isinstance(src, Tensor):
        g = grad if isinstance(grad, Tensor) else Tensor._make(grad)
        s = src if isinstance(src, Tensor) else Tensor._make(src)
        f = factor._data if isinstance(factor, Tensor) else factor
        return op.apply(g, s, f)
    return grad * factor
