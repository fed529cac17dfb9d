"""``nn.functional``: activations, losses, dropout and one_hot as plain functions (more in
``_functional_more.py``: softplus, elu, layer_norm, embedding, kl_div, pad...).

The fused primitives (linear, softmax, the losses) live in ``autograd_lite.ops``; these wrappers
add PyTorch's signatures, the legacy ``size_average``/``reduce`` arguments and warnings.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dtypes
from ..backend import array_module, to_device
from ..ops import linalg, losses, nnfunc
from ..tensor import Tensor
from ._functions import Gelu, LeakyRelu

_REDUCTIONS = ("none", "mean", "sum")


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The ``reduction`` that the deprecated ``size_average``/``reduce`` pair stands for."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' "
                  "instead.", stacklevel=3)
    return ret


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        return _legacy_reduction(size_average, reduce)
    return reduction


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_target_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)


# --- layers and activations ---------------------------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` in one fused op (AddmmBackward0 for 2-d input)."""
    return linalg.linear(input, weight, bias)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``."""
    return input.relu_() if inplace else input.relu()


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))``."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return input.tanh()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    if inplace:
        return input._apply_inplace(LeakyRelu, negative_slope)
    return LeakyRelu.apply(input, negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, ``input * Phi(input)`` (or its tanh approximation)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(input, approximate)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``exp(x) / exp(x).sum(dim)``, computed stably."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return nnfunc.softmax(input, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """``log(softmax(x, dim))``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return nnfunc.log_softmax(input, dim)


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))``, computed stably."""
    return nnfunc.logsigmoid(input)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (training
    only); the mask is drawn from the generator seeded by ``manual_seed``."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.numel() == 0:
        return input
    from ..random import default_generator
    x = input._data
    if p == 1:
        mask = array_module(x).zeros_like(x)
    else:
        keep = default_generator.uniform(x.size, "float32").reshape(x.shape) < 1 - p
        mask = to_device(keep.astype(x.dtype) / (1 - p), input.device)
        mask = mask.astype(x.dtype, copy=False)
    m = Tensor._make(mask)
    return input.mul_(m) if inplace else input * m


# --- losses -------------------------------------------------------------------------------------
def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    """Mean (or sum) absolute error ``|input - target|``."""
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted(input - target, weight, input, reduction, abs_=True)
    _check_reduction(reduction)
    return _reduce((input - target).abs(), reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    """Mean (or sum) squared error ``(input - target)**2``."""
    if weight is None:
        return losses.mse_loss(input, target, size_average, reduce, reduction)
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _weighted(input - target, weight, input, reduction, abs_=False)


def _weighted(diff: Tensor, weight: Tensor, input: Tensor, reduction: str, abs_: bool) -> Tensor:
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = (diff.abs() if abs_ else diff ** 2) * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``-(target * log(input) + (1 - target) * log(1 - input))`` for probabilities."""
    return losses.binary_cross_entropy(input, target, weight, size_average, reduce, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits."""
    return losses.binary_cross_entropy_with_logits(input, target, weight, size_average, reduce,
                                                   reduction, pos_weight)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices ``target`` under log-probabilities ``input``."""
    return losses.nll_loss(input, target, weight, size_average, ignore_index, reduce, reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)``; targets are class indices or
    probabilities."""
    return losses.cross_entropy(input, target, weight, size_average, ignore_index, reduce,
                                reduction, label_smoothing)


# --- other --------------------------------------------------------------------------------------
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with one more dimension of size ``num_classes``: 1 at each index."""
    x = tensor._data
    if x.dtype.kind not in "iu" or x.dtype.itemsize != 8:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = array_module(x)
    if x.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return Tensor._make(xp.zeros((*x.shape, num_classes), dtypes.int64.np))
    if int(x.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(x.max()) + 1
    elif num_classes <= int(x.max()):
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (x[..., None] == xp.arange(num_classes)).astype(dtypes.int64.np)
    return Tensor._make(out)


# more activations, layer_norm, embedding, losses, normalize, cosine_similarity and pad
from ._functional_more import (  # noqa: E402,F401
    cosine_similarity,
    elu,
    embedding,
    hardtanh,
    huber_loss,
    kl_div,
    layer_norm,
    mish,
    normalize,
    pad,
    relu6,
    silu,
    smooth_l1_loss,
    softplus,
)
