"""Neural-network ops: softmax, log_softmax, logsigmoid, and the losses (mse, binary cross entropy
with and without logits, nll), all numerically stable; their public functions with PyTorch's
argument checks (and cross_entropy) are in ``losses.py``, re-exported here.

Each loss is one op with PyTorch's node name (MseLossBackward0, NllLossBackward0...). Backward
formulas are written for arrays and tensors alike (see ``formula.py``), so under
``create_graph=True`` they are recorded and second derivatives work.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy import ndarray

from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from . import formula as F
from .common import binary
from .fastpath import nll_forward, nll_general_args, nll_scatter
from .reduce import type_name
from .shape import data, wrap_dim

_EPS = 1e-12  # PyTorch's clamp of x * (1 - x) in the binary cross entropy gradient


def _log1p(x: Any) -> Any:
    return x.log1p() if isinstance(x, Tensor) else array_module(x).log1p(x)


def _softplus_neg(x: Any) -> Any:
    """``log(1 + exp(-x))`` without overflow, for tensors or arrays."""
    xd = data(x)
    return F.where(xd < 0, -x, 0.0) + _log1p(F.exp(-abs(x)))


class Softmax(Function):
    builtin, grad_fn_name, save_output = True, "SoftmaxBackward0", True
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Any:
        a = x._data
        ctx.dim = dim
        if a.size == 0:
            return a.copy()
        e = array_module(a).exp(a - a.max(axis=dim, keepdims=True))
        return e / e.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (y,) = ctx.saved_tensors
        return y * (grad - F.sum(grad * y, ctx.dim, True)), None


class LogSoftmax(Function):
    builtin, grad_fn_name, save_output = True, "LogSoftmaxBackward0", True
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Any:
        a = x._data
        ctx.dim = dim
        if a.size == 0:
            return a.copy()
        if a.__class__ is ndarray:  # the ufuncs' reductions without ndarray.max/sum's wrappers
            shifted = a - _max(a, dim, keepdims=True)
            return shifted - np.log(_sum(np.exp(shifted), dim, keepdims=True))
        xp = array_module(a)
        shifted = a - a.max(axis=dim, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (y,) = ctx.saved_tensors
        if grad.__class__ is ndarray and y.__class__ is ndarray:  # arrays: no F.* dispatch
            return grad - np.exp(y) * _sum(grad, ctx.dim, keepdims=True), None
        return grad - F.exp(y) * F.sum(grad, ctx.dim, True), None


_max, _sum = np.maximum.reduce, np.add.reduce


def _softmax_dim(name: str, input: Tensor, dim: Any, dtype: Any) -> tuple:
    if dtype is not None:
        input = input.to(dtype)
    nd = input._data.ndim
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                      "to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if nd in (0, 1, 3) else 1
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for '
                                  f"'{type_name(input._data.dtype)}'")
    return input, wrap_dim(dim, nd)


def softmax(input: Tensor, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed without overflow."""
    return Softmax.apply(*_softmax_dim("softmax", input, dim, dtype))


def log_softmax(input: Tensor, dim: Any = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, stable for large inputs."""
    return LogSoftmax.apply(*_softmax_dim("log_softmax", input, dim, dtype))


class LogSigmoid(Function):
    builtin, grad_fn_name = True, "LogSigmoidBackward0"

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Any:
        a = x._data
        xp = array_module(a)
        ctx.save_for_backward(x)
        return xp.minimum(a, 0) - xp.log1p(xp.exp(-xp.abs(a)))

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * F.sigmoid(-x)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, stable for large |x|."""
    return LogSigmoid.apply(input)


# --- losses ------------------------------------------------------------------------------------

def _reduce(loss: Any, reduction: str) -> Any:
    if reduction == "none":
        return loss
    return loss.sum() / loss.size if reduction == "mean" else loss.sum()


class MseLoss(Function):
    builtin, grad_fn_name = True, "MseLossBackward0"
    edge_args = (0, 1)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, t: Tensor, reduction: str) -> Any:
        d = binary(_sub, x, t)
        ctx.save_for_backward(x, t)
        ctx.scale = 2.0 / d.size if reduction == "mean" else 2.0
        return _reduce(d * d, reduction)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, t = ctx.saved_tensors
        gx = grad * (x - t) * ctx.scale
        need = ctx.needs_input_grad
        return (gx if need[0] else None), (-gx if need[1] else None), None


def _sub(a: Any, b: Any) -> Any:
    return a - b


class BinaryCrossEntropy(Function):
    builtin, grad_fn_name = True, "BinaryCrossEntropyBackward0"
    edge_args = (0, 1)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, t: Tensor, w: Any, reduction: str) -> Any:
        a, y = x._data, t._data
        xp = array_module(a)
        if ((a < 0) | (a > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        if ((y < 0) | (y > 1)).any():
            raise RuntimeError("all elements of target should be between 0 and 1")
        ctx.save_for_backward(x, t)
        ctx.args = (None if w is None else w._data, reduction, a.size)
        loss = -(y * xp.maximum(xp.log(a), -100) + (1 - y) * xp.maximum(xp.log1p(-a), -100))
        if w is not None:
            loss = loss * w._data
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, t = ctx.saved_tensors
        w, reduction, n = ctx.args
        need = ctx.needs_input_grad
        g = grad / n if reduction == "mean" else grad
        if w is not None:
            g = g * w
        gx = gt = None
        if need[0]:
            den = (1 - x) * x
            gx = g * (x - t) / F.where(data(den) < _EPS, _EPS, den)
        if need[1]:
            gt = g * (F.log(1 - x) - F.log(x))
        return gx, gt, None, None


class BinaryCrossEntropyWithLogits(Function):
    builtin, grad_fn_name = True, "BinaryCrossEntropyWithLogitsBackward0"
    edge_args = (0, 1)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, t: Tensor, w: Any, pw: Any, reduction: str) -> Any:
        a, y = x._data, t._data
        xp = array_module(a)
        ctx.save_for_backward(x, t)
        w, pw = (None if v is None else v._data for v in (w, pw))
        ctx.args = (w, pw, reduction, a.size)
        sp = xp.maximum(-a, 0) + xp.log1p(xp.exp(-xp.abs(a)))  # log(1 + exp(-x))
        loss = (1 - y) * a + (sp if pw is None else (1 + (pw - 1) * y) * sp)
        if w is not None:
            loss = loss * w
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, t = ctx.saved_tensors
        w, pw, reduction, n = ctx.args
        need = ctx.needs_input_grad
        g = grad / n if reduction == "mean" else grad
        if w is not None:
            g = g * w
        gx = gt = None
        if need[0]:
            lw = 1 if pw is None else 1 + (pw - 1) * t
            gx = g * ((1 - t) - lw * F.sigmoid(-x))
        if need[1]:
            gt = -x if pw is None else -x + (pw - 1) * _softplus_neg(x)
            gt = g * gt
        return gx, gt, None, None, None


class NllLoss(Function):
    """``-input[i, target[i]] * weight[target[i]]``, reduced; class dimension 1 (0 for 1-D)."""

    builtin, grad_fn_name = True, "NllLossBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, target: Any, weight: Any, ignore_index: int,
                reduction: str) -> Any:
        a = x._data
        if a.__class__ is ndarray and a.ndim == 2 and weight is None and reduction != "none":
            loss = nll_forward(ctx, a, target, ignore_index, reduction)  # the common case
            if loss is not None:
                return loss
        xp = array_module(a)
        cdim = 0 if a.ndim == 1 else 1
        c = a.shape[cdim]
        valid = target != ignore_index
        t = xp.where(valid, target, 0)
        if (t.view(xp.uint64) >= c).any():  # one test for both bounds (negatives wrap around)
            bad = valid & ((target < 0) | (target >= c))
            raise IndexError(f"Target {int(target[bad].reshape(-1)[0])} is out of bounds.")
        t_k = t.reshape(t.shape[:cdim] + (1,) + t.shape[cdim:])
        picked = a[xp.arange(len(t)), t] if a.ndim == 2 else \
            xp.take_along_axis(a, t_k, cdim).squeeze(cdim)
        w_t = valid.astype(a.dtype) if weight is None else weight[t] * valid
        loss = -picked * w_t
        denom = w_t.sum() if reduction == "mean" else 1
        ctx.args = (t_k, w_t, denom, cdim, a.shape, reduction)
        if reduction == "none":
            return loss
        return loss.sum() / denom if reduction == "mean" else loss.sum()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        args = ctx.args
        if len(args) == 5:  # from fastpath.nll_forward
            if grad.__class__ is ndarray:
                return nll_scatter(args, grad), None, None, None, None
            args = nll_general_args(args)
        t_k, w_t, denom, cdim, shape, reduction = args
        xp = array_module(t_k)
        pos = xp.arange(shape[cdim]).reshape((-1,) + (1,) * (len(shape) - cdim - 1))
        coef = (pos == t_k) * (-w_t / denom).reshape(t_k.shape)
        g = grad
        if reduction == "none" and len(shape) > 1:
            g = grad.reshape(tuple(grad.shape[:1]) + (1,) + tuple(grad.shape[1:]))
        return g * coef.astype(data(grad).dtype, copy=False), None, None, None, None


class NllLoss2D(NllLoss):
    grad_fn_name = "NllLoss2DBackward0"


class NllLossView(NllLoss):
    grad_fn_name = "ViewBackward0"


# the public loss functions (argument checks, cross_entropy's fast path) build on the ops above
from .losses import (  # noqa: E402,F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)

FUNCTIONS = {"softmax": softmax, "log_softmax": log_softmax}
TENSOR_METHODS = {
    "softmax": lambda self, dim=None, dtype=None: softmax(self, dim, dtype=dtype),
    "log_softmax": lambda self, dim=None, dtype=None: log_softmax(self, dim, dtype=dtype),
}
