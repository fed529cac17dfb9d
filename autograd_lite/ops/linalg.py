"""Matrix products: matmul (``@``), mm, mv, dot, bmm, outer, diag, trace, and the fused ``linear``.

``matmul`` is one op whose node is named after the product PyTorch would pick (MmBackward0,
MvBackward0, DotBackward0, UnsafeViewBackward0...). Its backward is again ``@`` (on arrays in a
plain backward, recorded on tensors under ``create_graph``); gradients for broadcast batch
dimensions are summed by the engine.
``linear`` is the hot path of MLP training: one op, ``input @ weight.T + bias``, whose backward
computes only the gradients that are needed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy import ndarray

from ..backend import array_module
from ..function import FW_LEVEL, Function
from ..grad_mode import STATE
from ..tensor import Tensor
from . import formula as F
from .common import broadcast_error
from .fastpath import linear_2d
from .reduce import type_name
from .shape import Squeeze4, T, UnsafeView, Unsqueeze, View, data, expand, run

_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool", "float16": "c10::Half"}


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


def _tr(x: Any) -> Any:
    """The transpose of the last two dimensions (tensor or array)."""
    return F.transpose(x, -2, -1) if isinstance(x, Tensor) else x.swapaxes(-2, -1)


class Matmul(Function):
    builtin, grad_fn_name, save_inputs = True, "UnsafeViewBackward0", True

    @staticmethod
    def forward(ctx: Any, a: Tensor, b: Tensor) -> Any:
        return a._data @ b._data

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        na, nb = a.ndim, b.ndim
        need = ctx.needs_input_grad
        ga = gb = None
        if na == 1 and nb == 1:
            ga = grad * b if need[0] else None
            gb = grad * a if need[1] else None
        elif nb == 1:  # (..., n, k) @ (k,)
            if need[0]:
                ga = grad[..., None] * b
            if need[1]:
                gb = (_tr(a) @ grad[..., None])[..., 0]
        elif na == 1:  # (k,) @ (..., k, m)
            if need[0]:
                ga = (grad[..., None, :] @ _tr(b))[..., 0, :]
            if need[1]:
                gb = a[:, None] * grad[..., None, :]
        else:
            ga = grad @ _tr(b) if need[0] else None
            gb = _tr(a) @ grad if need[1] else None
        return ga, gb


class Mm(Matmul):
    grad_fn_name = "MmBackward0"


class Mv(Matmul):
    grad_fn_name = "MvBackward0"


class Dot(Matmul):
    grad_fn_name = "DotBackward0"


class Bmm(Matmul):
    grad_fn_name = "BmmBackward0"


class VecMat(Matmul):
    grad_fn_name = "SqueezeBackward4"


class MatBatch(Matmul):
    grad_fn_name = "CloneBackward0"


def _shapes_error(a: tuple, b: tuple) -> RuntimeError:
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and "
                        f"{b[0]}x{b[1]})")


def _dot_error(a: Any, b: Any) -> RuntimeError:
    return RuntimeError(f"inconsistent tensor size, expected tensor [{a.size}] and src [{b.size}] "
                        f"to have the same number of elements, but got {a.size} and {b.size} "
                        "elements respectively")


def _check_dtypes(a: Any, b: Any) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError("expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_NAMES.get(str(a.dtype), a.dtype)} != "
                           f"{_C_NAMES.get(str(b.dtype), b.dtype)}")


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, batch dims broadcast."""
    a, b = input._data, other._data
    na, nb = a.ndim, b.ndim
    if na == 0 or nb == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 2 and nb == 2:
        op = Mm
        if a.shape[1] != b.shape[0]:
            raise _shapes_error(a.shape, b.shape)
    elif na == 1 and nb == 1:
        if a.dtype != b.dtype:
            raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                               f"{type_name(a.dtype)} and {type_name(b.dtype)}")
        if a.size != b.size:
            raise _dot_error(a, b)
        op = Dot
    elif nb == 1:
        op = Mv if na == 2 else Matmul
        if a.shape[-1] != b.shape[0]:
            rows = math.prod(a.shape[:-1])
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{a.shape[-1]}), "
                               f"vec ({b.shape[0]})")
    elif na == 1:
        op = VecMat if nb == 2 else Matmul
        if a.shape[0] != b.shape[-2]:
            if nb == 2:
                raise _shapes_error((1, a.shape[0]), b.shape)
            raise _batch_error(b.shape, a.shape[0], 1)
    else:
        op = MatBatch if na == 2 else Matmul
        if a.shape[-1] != b.shape[-2]:
            if nb == 2:
                raise _shapes_error((math.prod(a.shape[:-1]), a.shape[-1]), b.shape)
            raise _batch_error(b.shape, a.shape[-1], math.prod(a.shape[:-2]))
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise broadcast_error(np.empty(a.shape[:-2]), np.empty(b.shape[:-2])) from None
    _check_dtypes(a, b)
    return op.apply(input, other)


def _batch_error(b_shape: tuple, k: int, batch: int) -> RuntimeError:
    nb = math.prod(b_shape[:-2]) if len(b_shape) > 2 else batch
    return RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                        f"[{nb}, {k}] but got: [{nb}, {b_shape[-2]}].")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices."""
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    return matmul(input, other)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of (b, n, k) and (b, k, m) tensors."""
    a, b = input._data, mat2._data
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _check_dtypes(a, b)
    return Bmm.apply(input, mat2)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: ``out[i, j] = input[i] * vec2[j]``."""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return View.apply(input, (input._data.shape[0], 1)) * vec2


class Addmm(Function):
    """``bias + mat1 @ mat2`` as one node (AddmmBackward0): ``nn.Linear``'s product, where
    PyTorch calls ``addmm(bias, input, weight.t())``; its edges are (bias, mat1, mat2)."""

    builtin, grad_fn_name = True, "AddmmBackward0"

    @staticmethod
    def forward(ctx: Any, b: Tensor, x: Tensor, wt: Tensor) -> Any:
        need = ctx.needs_input_grad
        ctx.save_for_backward(x if need[2] else None, wt if need[1] else None)
        out = x._data @ wt._data
        out += b._data
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        x, wt = ctx.saved_tensors
        need = ctx.needs_input_grad
        # mat2's gradient as the transpose of ``grad.T @ x``: mat2 is ``weight.t()``, so after
        # TBackward0 the weight gets a C-ordered array that becomes its .grad without a copy
        gb = None
        if need[0]:  # a (out,) bias: sum over the batch here; other shapes: the engine sums
            gb = grad if ctx._in_meta[0][0] != grad.shape[1:] else \
                _sum0(grad) if grad.__class__ is ndarray else F.sum(grad, 0)
        if grad.__class__ is ndarray and x.__class__ is ndarray and \
                (wt is None or wt.__class__ is ndarray):  # 2-D arrays: _tr is .T
            return gb, (grad @ wt.T if need[1] else None), (grad.T @ x).T
        return gb, (grad @ _tr(wt) if need[1] else None), \
            (_tr(_tr(grad) @ x) if need[2] else None)


_sum0 = np.add.reduce  # (its default axis is 0) ndarray.sum without its Python wrapper


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: the affine map of ``nn.Linear``, recorded as PyTorch does
    (``TBackward0`` of the weight, then ``AddmmBackward0`` or ``MmBackward0``, with views
    around a 1-D or N-D input)."""
    x, w = input._data, weight._data
    if bias is not None and weight._rg and STATE.enabled and FW_LEVEL[0] < 0:
        # the recorded 2-D case, nn.Linear's in training, written out (fastpath.py); dtypes
        # compared by identity (an equal dtype that is another object: the general path)
        b, dt = bias._data, w.dtype
        if x.dtype is dt and b.dtype is dt and x.__class__ is ndarray and \
                w.__class__ is ndarray and b.__class__ is ndarray:
            xs, ws = x.shape, w.shape
            if len(xs) == 2 and len(ws) == 2 and xs[1] == ws[1] and b.shape == ws[:1]:
                return linear_2d(Addmm, T, input, weight, bias)
    if w.ndim != 2 or x.ndim == 0:
        out = matmul(input, weight.t())
        return out if bias is None else out + bias
    if x.shape[-1] != w.shape[1]:
        raise _shapes_error((math.prod(x.shape[:-1]), x.shape[-1]), (w.shape[1], w.shape[0]))
    _check_dtypes(x, w)
    nd = x.ndim
    if bias is not None:
        bs = bias._data.shape
        if bs and (len(bs) > nd or bs[-1] not in (1, w.shape[0]) or
                   any(s != 1 for s in bs[:-1])):
            expand(Tensor._make(bias._data), x.shape[:-1] + (w.shape[0],))  # PyTorch's message
    wt = _t_view(weight)
    if nd == 2:
        return Mm.apply(input, wt) if bias is None else Addmm.apply(bias, input, wt)
    if bias is None and nd == 1:
        return Squeeze4.apply(Mm.apply(Unsqueeze.apply(input, (1,) + x.shape), wt),
                              (w.shape[0],))
    out_shape = x.shape[:-1] + (w.shape[0],)
    x2 = View.apply(input, (-1, x.shape[-1]))
    if bias is None:
        return UnsafeView.apply(Mm.apply(x2, wt), out_shape)
    return View.apply(Addmm.apply(bias, x2, wt), out_shape)


def _t_view(weight: Tensor) -> Tensor:
    """``weight.t()``: TBackward0, a view sharing the weight's version counter."""
    out = T.apply(weight, 0, 1)
    if weight._vc is None:
        weight._vc = [0]
    out._vc = weight._vc
    out._base = weight if weight._base is None else weight._base
    return out


class DiagTake(Function):
    """The ``k``-th diagonal of a matrix, as a copy."""

    builtin, grad_fn_name = True, "DiagonalBackward0_copy"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, m: Tensor, k: int) -> Any:
        ctx.k, ctx.shape = k, m._data.shape
        return array_module(m._data).diagonal(m._data, k).copy()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(DiagPut, grad, ctx.k, ctx.shape), None


class DiagPut(Function):
    """Zeros of ``shape`` with ``v`` on the ``k``-th diagonal."""

    builtin, grad_fn_name = True, "DiagEmbedBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, v: Tensor, k: int, shape: tuple) -> Any:
        ctx.k = k
        xp = array_module(v._data)
        z = xp.zeros(shape, v._data.dtype)
        n = v._data.shape[0]
        r = xp.arange(n)
        z[r + max(-k, 0), r + max(k, 0)] = v._data
        return z

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(DiagTake, grad, ctx.k), None, None


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector -> the matrix with it on a diagonal; a matrix -> its diagonal."""
    nd = input._data.ndim
    if nd == 1:
        n = input._data.shape[0] + abs(diagonal)
        return DiagPut.apply(input, diagonal, (n, n))
    if nd == 2:
        return DiagTake.apply(input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


class Trace(Function):
    builtin, grad_fn_name = True, "TraceBackward0"

    @staticmethod
    def forward(ctx: Any, m: Tensor) -> Any:
        a = m._data
        ctx.shape = a.shape
        return a.trace(dtype=np.int64 if a.dtype.kind in "biu" else None)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        g = data(grad)
        return grad * array_module(g).eye(*ctx.shape, dtype=g.dtype)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    return Trace.apply(input)


def det(input: Tensor) -> Tensor:
    """Determinant (``autograd_lite.linalg.det``)."""
    from ..linalg import det as _det
    return _det(input)


def inverse(input: Tensor) -> Tensor:
    """Matrix inverse (``autograd_lite.linalg.inv``)."""
    from ..linalg import inv
    return inv(input)


FUNCTIONS = {f.__name__: f for f in (
    matmul, mm, mv, dot, bmm, outer, diag, trace, det, inverse)}
FUNCTIONS["ger"] = outer

TENSOR_METHODS = dict(FUNCTIONS)
TENSOR_METHODS.update(
    __matmul__=lambda self, other: matmul(self, _as_tensor(other)),
    __rmatmul__=lambda self, other: matmul(_as_tensor(other), self))
