"""Neural-network functions: softmax, log_softmax, logsigmoid, and the losses (mse, binary cross
entropy with and without logits, nll, cross entropy), all numerically stable.

Each loss is one op with PyTorch's node name (MseLossBackward0, NllLossBackward0...). Backward
formulas are written for arrays and tensors alike (see ``formula.py``), so under
``create_graph=True`` they are recorded and second derivatives work.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from . import formula as F
from .common import binary
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
        xp = array_module(a)
        shifted = a - a.max(axis=dim, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (y,) = ctx.saved_tensors
        return grad - F.exp(y) * F.sum(grad, ctx.dim, True), None


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

def _reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else "mean" if size_average else "sum"
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


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


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``."""
    if target._data.shape != input._data.shape:
        warnings.warn(f"Using a target size ({target.shape!r}) that is different to the input "
                      f"size ({input.shape!r}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=2)
    return MseLoss.apply(input, target, _reduction(size_average, reduce, reduction))


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


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """``-(t log x + (1 - t) log(1 - x))`` for probabilities x; the logs are clamped at -100."""
    if target._data.shape != input._data.shape:
        raise ValueError(f"Using a target size ({target.shape!r}) that is different to the input "
                         f"size ({input.shape!r}) is deprecated. Please ensure they have the "
                         "same size.")
    return BinaryCrossEntropy.apply(input, target, weight,
                                    _reduction(size_average, reduce, reduction))


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


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits."""
    if target._data.shape != input._data.shape:
        raise ValueError(f"Target size ({target.shape!r}) must be the same as input size "
                         f"({input.shape!r})")
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight,
                                              _reduction(size_average, reduce, reduction))


class NllLoss(Function):
    """``-input[i, target[i]] * weight[target[i]]``, reduced; class dimension 1 (0 for 1-D)."""

    builtin, grad_fn_name = True, "NllLossBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, target: Any, weight: Any, ignore_index: int,
                reduction: str) -> Any:
        a = x._data
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
        t_k, w_t, denom, cdim, shape, reduction = ctx.args
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


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Negative log likelihood of the ``target`` classes, given log-probabilities ``input``."""
    reduction = _reduction(size_average, reduce, reduction)
    a, t = input._data, target._data
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{type_name(t.dtype)}")
    if a.ndim == 1:
        if t.ndim != 0 and not (t.ndim == 1 and t.shape[0] == 1):
            raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                             f"{t.shape[0] if t.ndim else 0}")
        t = t.reshape(())
    else:
        if t.ndim >= 1 and t.shape[0] != a.shape[0]:
            raise ValueError(f"Expected input batch_size ({a.shape[0]}) to match target "
                             f"batch_size ({t.shape[0]}).")
        if a.ndim == 2 and t.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if a.ndim > 2 and t.shape != a.shape[:1] + a.shape[2:]:
            raise RuntimeError(f"Expected target size {list(a.shape[:1] + a.shape[2:])}, got "
                               f"{list(t.shape)}")
    c = a.shape[0 if a.ndim == 1 else 1]
    w = None
    if weight is not None:
        w = weight._data
        if w.shape != (c,):
            raise RuntimeError(f"weight tensor should be defined either for all {c} classes or "
                               f"no classes but got weight tensor of shape: {list(w.shape)}")
    op = NllLoss if a.ndim <= 2 else NllLossView if reduction == "none" and a.ndim != 4 \
        else NllLoss2D  # PyTorch's names for images (N, C, H, W) and other shapes
    return op.apply(input, t.astype(np.int64, copy=False), w, int(ignore_index), reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)``; also class-probability targets and label
    smoothing."""
    reduction = _reduction(size_average, reduce, reduction)
    cdim = 0 if input._data.ndim == 1 else 1
    logp = log_softmax(input, cdim)
    c = input._data.shape[cdim]
    wshape = (c,) + (1,) * (input._data.ndim - cdim - 1)
    if target._data.shape == input._data.shape:  # class probabilities
        if target._data.dtype.kind != "f":
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {type_name(target._data.dtype)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / c
        prod = logp * target
        if weight is not None:
            prod = prod * weight.reshape(wshape)
        if reduction == "none":
            return -prod.sum(cdim)
        if reduction == "sum":
            return -prod.sum()
        return -prod.sum() / (input._data.size // c)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0:
        return nll
    keep = Tensor._make(target._data != ignore_index)
    smooth = -(logp if weight is None else logp * weight.reshape(wshape)).sum(cdim) * keep
    if reduction == "mean":
        if weight is None:
            denom = keep._data.sum()
        else:
            t = target._data[keep._data]
            denom = weight._data[t].sum()
        smooth = smooth.sum() / float(denom)
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / c)


FUNCTIONS = {"softmax": softmax, "log_softmax": log_softmax}
TENSOR_METHODS = {
    "softmax": lambda self, dim=None, dtype=None: softmax(self, dim, dtype=dtype),
    "log_softmax": lambda self, dim=None, dtype=None: log_softmax(self, dim, dtype=dtype),
}
