"""More of ``nn.functional``: softplus, elu, silu, mish, hardtanh, relu6, layer_norm, embedding,
smooth_l1_loss, huber_loss, kl_div, normalize, cosine_similarity and pad, with PyTorch 2.13's
signatures, argument checks and error messages (``nn.functional`` re-exports them).

The ops themselves are in ``_functions_more.py``; kl_div, normalize and cosine_similarity are
built from tensor ops, as PyTorch builds them, so they record PyTorch's nodes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..backend import array_module
from ..grad_mode import no_grad
from ..ops.common import broadcast_error
from ..ops.reduce import type_name
from ..tensor import Tensor
from . import _functions_more as fm

_TENSOR_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
                 "bool": "BoolTensor", "int64": "LongTensor", "int32": "IntTensor"}


def _floating_only(input: Tensor, kernel: str) -> None:
    """PyTorch's error for a kernel (e.g. ``elu_cpu``) given an integer (or bool) tensor."""
    dt = input._data.dtype
    if dt.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(dt)}'")


def _unary(op: type, kernel: str, input: Tensor, inplace: bool, *args: Any) -> Tensor:
    _floating_only(input, f"{kernel}_{input.device.type}")
    return input._apply_inplace(op, *args) if inplace else op.apply(input, *args)


# --- activations ---------------------------------------------------------------------------------
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear (``x``) where ``beta * x > threshold``."""
    return _unary(fm.Softplus, "softplus", input, False, beta, threshold)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, else ``alpha * (exp(x) - 1)``."""
    return _unary(fm.EluInplace if inplace else fm.Elu, "elu", input, inplace, alpha)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (also called swish)."""
    return _unary(fm.Silu, "silu", input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``."""
    return _unary(fm.Mish, "mish", input, inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clipped to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return input._apply_inplace(fm.Hardtanh, min_val, max_val)
    return fm.Hardtanh.apply(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``: hardtanh on [0, 6], as in PyTorch (HardtanhBackward0)."""
    return hardtanh(input, 0.0, 6.0, inplace)


# --- layer norm and embedding --------------------------------------------------------------------
def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions to mean 0 and variance 1,
    then scale by ``weight`` and shift by ``bias`` (elementwise, both of that shape)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(int(s) for s in normalized_shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(p.shape)} and normalized_shape = "
                               f"{list(shape)}")
    k = len(shape)
    if tuple(input.shape[-k:]) != shape or input.dim() < k:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)}")
    _floating_only(input, "LayerNormKernelImpl")
    return fm.NativeLayerNorm.apply(input, weight, bias, k, float(eps))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at the indices ``input``: shape ``(*input.shape, embedding_dim)``.
    ``max_norm`` first rescales (in place) the looked-up rows whose norm exceeds it."""
    rows = weight.size(0)
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= rows or padding_idx < -rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx = rows + padding_idx
    else:
        padding_idx = -1
    idx = input._data
    if idx.dtype not in (np.int64, np.int32):
        name = _TENSOR_TYPES.get(str(idx.dtype), str(idx.dtype))
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got torch."
                           f"{name} instead (while checking arguments for embedding)")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise RuntimeError("autograd_lite has no sparse gradients: use sparse=False")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= rows):
        raise IndexError("index out of range in self")
    idx = idx.astype(np.int64, copy=False)
    if max_norm is not None:
        _renorm_rows(weight, idx, float(max_norm), float(norm_type))
    return fm.Embedding.apply(weight, idx, int(padding_idx), bool(scale_grad_by_freq))


def _renorm_rows(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """``embedding_renorm_``: each looked-up row with norm above ``max_norm`` is scaled to it."""
    w = weight._data
    xp = array_module(w)
    with no_grad():
        rows = xp.unique(idx.reshape(-1))
        norms = (xp.abs(w[rows]) ** norm_type).sum(1) ** (1.0 / norm_type)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
        new = w.copy()
        new[rows] = w[rows] * scale[:, None]
        weight._write(new)


# --- losses --------------------------------------------------------------------------------------
def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, ``d = input - target``
    (``beta = 0``: the L1 loss)."""
    from .functional import _check_reduction, _reduce, _reduction, _warn_target_size
    _warn_target_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta == 0.0:
        return _reduce((input - target).abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return fm.SmoothL1Loss.apply(input, target, reduction, float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``,
    ``d = input - target``; optional elementwise ``weight``."""
    from .functional import _check_reduction, _reduce, _warn_target_size
    _warn_target_size(input, target)
    if weight is None:
        _check_reduction(reduction)
    elif weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return fm.HuberLoss.apply(input, target, reduction, float(delta))
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                         "'sum'.")
    return _reduce(fm.HuberLoss.apply(input, target, "none", float(delta)) * weight, reduction)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence ``target * (log(target) - input)`` for log-probabilities
    ``input`` (``log_target``: the target as log-probabilities too); ``reduction='batchmean'``
    divides the sum by the batch size, the mathematical KL divergence."""
    from .functional import _check_reduction, _legacy_reduction, _reduce
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if reduction != "batchmean":
        _check_reduction(reduction)
    if input._data.dtype.kind != "f" or target._data.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        loss = target.exp() * (target - input)
    else:  # xlogy(target, target): 0 where target is 0
        safe = target.masked_fill(target == 0, 1.0)
        loss = target * safe.log() - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.size(0) if input.dim() != 0 else total
    return _reduce(loss, reduction)


# --- other ---------------------------------------------------------------------------------------
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``<x1, x2> / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (each vector divided
    by its norm first, as PyTorch does, which keeps the result in [-1, 1])."""
    a, b = x1._data, x2._data
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        common = type_name(np.result_type(a.dtype, b.dtype))
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{common}")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(a, b) from None
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    if a.dtype != b.dtype:
        dt = np.result_type(a.dtype, b.dtype) if a.dtype.kind == b.dtype.kind else \
            (a.dtype if a.dtype.kind == "f" else b.dtype)
        x1, x2 = x1.to(dt), x2.to(dt)
    n1, n2 = x1.norm(2, dim, keepdim=True), x2.norm(2, dim, keepdim=True)
    # PyTorch clamps the norms in place under no_grad: the value is clamped, the gradient flows
    # as if it were not
    n1 = n1 + (n1.detach().clamp_min(eps) - n1.detach())
    n2 = n2 + (n2.detach().clamp_min(eps) - n2.detach())
    return ((x1 / n1) * (x2 / n2)).sum(dim)


_OTHER_MODES = ("reflect", "replicate", "circular")


def pad(input: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad with ``value`` (default 0): ``pad`` lists (before, after) amounts starting from the
    last dimension, e.g. ``(1, 1, 2, 0)`` pads the last dimension by 1 on each side and the one
    before it by 2 at the start; negative amounts crop."""
    pad = tuple(pad)
    for i, p in enumerate(pad):
        if not isinstance(p, (int, np.integer)) or isinstance(p, bool):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found "
                            f"element of type {type(p).__name__} at pos {i}")
    if mode in _OTHER_MODES:
        raise NotImplementedError(f"autograd_lite's pad supports mode='constant' only, not "
                                  f"mode='{mode}'")
    if mode != "constant":
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    if len(pad) > 2 * nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{nd}")
    for i in range(len(pad) // 2):
        size = input.shape[nd - 1 - i]
        if size + min(pad[2 * i], 0) + min(pad[2 * i + 1], 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return fm.ConstantPadNd.apply(input, tuple(int(p) for p in pad),
                                  0.0 if value is None else value)
