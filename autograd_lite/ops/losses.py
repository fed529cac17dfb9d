"""The loss functions: mse_loss, binary_cross_entropy (with and without logits), nll_loss and
cross_entropy, with PyTorch's argument checks, legacy ``size_average``/``reduce`` arguments and
error messages. Each loss is one op of ``nnfunc.py`` (MseLossBackward0, NllLossBackward0...);
``cross_entropy`` is ``nll_loss(log_softmax(input, 1), target)``, its common recorded case built
by ``fastpath.cross_entropy_2d``. ``nnfunc`` re-exports these names.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy import ndarray

from ..function import FW_LEVEL
from ..grad_mode import STATE
from ..tensor import Tensor
from .fastpath import cross_entropy_2d
from .nnfunc import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    LogSoftmax,
    MseLoss,
    NllLoss,
    NllLoss2D,
    NllLossView,
    log_softmax,
)
from .reduce import type_name

_INT64 = np.dtype(np.int64)


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


def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``."""
    if target._data.shape != input._data.shape:
        warnings.warn(f"Using a target size ({target.shape!r}) that is different to the input "
                      f"size ({input.shape!r}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=2)
    return MseLoss.apply(input, target, _reduction(size_average, reduce, reduction))


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
    a, t = input._data, target._data
    if a.__class__ is ndarray and a.ndim == 2 and t.__class__ is ndarray and \
            t.dtype is _INT64 and t.shape == a.shape[:1] and a.dtype.kind == "f" and \
            (reduction == "mean" or reduction == "sum") and weight is None and \
            label_smoothing == 0 and size_average is None and reduce is None and \
            input._rg and STATE.enabled and FW_LEVEL[0] < 0:
        # the common recorded case: the nodes nll_loss(log_softmax(input, 1), target) records
        return cross_entropy_2d(LogSoftmax, NllLoss, input, t, int(ignore_index), reduction)
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
