"""More differentiable primitives of ``nn``: softplus, elu, silu, mish, hardtanh, layer_norm,
embedding, smooth_l1_loss, huber_loss and constant padding, each one op with PyTorch's node name.

As in ``_functions.py``, ``forward`` works on arrays through the array module and ``backward`` is
one formula (``ops/formula.py``) that runs on arrays in a plain backward and on tensors under
``create_graph=True``. Every formula avoids ``exp`` of large numbers, also in branches that
``where`` discards (their gradient would be ``0 * inf = nan`` when recorded).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backend import array_module
from ..function import _NOGRAD_CTX, Function
from ..ops import formula
from ..ops.common import binary
from ..ops.gate import gate, gate_op
from ..tensor import Tensor

# --- helpers on arrays or tensors ----------------------------------------------------------------


def _arr(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def _clip(x: Any, lo: float | None, hi: float | None) -> Any:
    if isinstance(x, Tensor):
        return x.clamp(lo, hi)
    return array_module(x).clip(x, lo, hi).astype(x.dtype, copy=False)


def _softplus_array(x: Any) -> Any:
    """``log(1 + exp(x))`` without overflow."""
    xp = array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _softplus(x: Any) -> Any:
    """Softplus of an array, or the recorded op of a tensor (so its derivatives follow)."""
    return Softplus.apply(x, 1.0, 20.0) if isinstance(x, Tensor) else _softplus_array(x)


def _cast(out: Any, like: Any) -> Any:
    return out.astype(like.dtype, copy=False)


# --- activations ---------------------------------------------------------------------------------


class Softplus(Function):
    """``log(1 + exp(beta * x)) / beta``; ``x`` itself where ``beta * x > threshold``."""

    builtin, grad_fn_name = True, "SoftplusBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, a: Tensor, beta: float, threshold: float) -> Any:
        ctx.save_for_backward(a)
        ctx.args = (beta, threshold)
        x = a._data
        bx = x * beta
        return _cast(array_module(x).where(bx > threshold, x, _softplus_array(bx) / beta), x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.args
        bx = x * beta
        return grad * formula.where(_arr(bx) > threshold, 1.0, formula.sigmoid(bx)), None, None


class Elu(Function):
    """``x`` where positive, else ``alpha * (exp(x) - 1)``."""

    builtin, grad_fn_name = True, "EluBackward0"
    edge_args = (0,)

    @staticmethod
    def forward(ctx: Any, a: Tensor, alpha: float) -> Any:
        ctx.save_for_backward(a)
        ctx.alpha = alpha
        x = a._data
        xp = array_module(x)
        return _cast(xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0))), x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (x,) = ctx.saved_tensors
        neg = ctx.alpha * formula.exp(_clip(x, None, 0.0))  # exp of the negative part only
        return grad * formula.where(_arr(x) > 0, 1.0, neg), None


class EluInplace(Elu):
    """``elu_``: PyTorch names its node differently (it differentiates from the output)."""

    grad_fn_name = "EluBackward1"


class Silu(Function):
    """``x * sigmoid(x)``."""

    builtin, grad_fn_name = True, "SiluBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        ctx.save_for_backward(a)
        x = a._data
        return _cast(x * formula.sigmoid(x), x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        s = formula.sigmoid(x)
        return grad * (s * (1 + x * (1 - s)))


class Mish(Function):
    """``x * tanh(softplus(x))``."""

    builtin, grad_fn_name = True, "MishBackward0"

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> Any:
        ctx.save_for_backward(a)
        x = a._data
        return _cast(x * array_module(x).tanh(_softplus_array(x)), x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        t = formula.tanh(_softplus(x))
        return grad * (t + x * formula.sigmoid(x) * (1 - t * t))


class Hardtanh(Function):
    """``x`` clipped to ``[min_val, max_val]``; no gradient at or beyond the bounds."""

    builtin, grad_fn_name = True, "HardtanhBackward0"
    edge_args = (0,)

    @staticmethod
    def forward(ctx: Any, a: Tensor, min_val: float, max_val: float) -> Any:
        ctx.save_for_backward(a)
        ctx.args = (min_val, max_val)
        x = a._data
        return _cast(array_module(x).clip(x, min_val, max_val), x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        (x,) = ctx.saved_tensors
        lo, hi = ctx.args
        xd = _arr(x)
        inside = (xd > lo) & (xd < hi)
        return gate(grad, x, inside, _HARDTANH), None, None


_HARDTANH = gate_op("HardtanhBackwardBackward0")  # its formula, recorded (see ops/gate.py)


# --- layer norm and embedding --------------------------------------------------------------------


def _normalize(x: Any, dims: tuple, eps: float) -> tuple:
    """``(x - mean) * rstd`` over ``dims`` and ``rstd``, for arrays or tensors."""
    n = math.prod(x.shape[d] for d in dims)
    mean = formula.sum(x, dims, True) / n
    centred = x - mean
    var = formula.sum(centred * centred, dims, True) / n
    rstd = 1 / formula.sqrt(var + eps)
    return centred * rstd, rstd


class NativeLayerNorm(Function):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last ``k`` dimensions."""

    builtin, grad_fn_name = True, "NativeLayerNormBackward0"
    edge_args = (0, 1, 2)  # input, weight, bias (None where not given), as PyTorch lists them

    @staticmethod
    def forward(ctx: Any, a: Tensor, w: Any, b: Any, k: int, eps: float) -> Any:
        ctx.save_for_backward(a, w)
        ctx.args = (k, eps)
        x = a._data
        dims = tuple(range(x.ndim - k, x.ndim))
        if x.size == 0:
            return x.copy()
        y, _ = _normalize(x, dims, eps)
        if w is not None:
            y = y * w._data
        if b is not None:
            y = y + b._data
        return _cast(y, x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, w = ctx.saved_tensors
        k, eps = ctx.args
        need = ctx.needs_input_grad
        nd = len(x.shape)
        dims, lead = tuple(range(nd - k, nd)), tuple(range(nd - k))
        xhat, rstd = _normalize(x, dims, eps)
        gx = gw = gb = None
        if need[0]:
            gh = grad if w is None else grad * w
            n = math.prod(x.shape[d] for d in dims)
            gx = rstd * (gh - formula.sum(gh, dims, True) / n
                         - xhat * (formula.sum(gh * xhat, dims, True) / n))
        if len(need) > 1 and need[1]:
            gw = formula.sum(grad * xhat, lead) if lead else grad * xhat
        if len(need) > 2 and need[2]:
            gb = formula.sum(grad, lead) if lead else grad
        return gx, gw, gb, None, None


class Embedding(Function):
    """Rows ``weight[indices]``; the gradient of a row is the sum of the gradients of its
    lookups (none for ``padding_idx``; divided by its count with ``scale_grad_by_freq``)."""

    builtin, grad_fn_name = True, "EmbeddingBackward0"
    edge_args = (0,)

    @staticmethod
    def forward(ctx: Any, w: Tensor, idx: Any, padding_idx: int, scale: bool) -> Any:
        ctx.args = (idx, padding_idx, scale, w._data.shape[0])
        return w._data[idx]

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        idx, padding_idx, scale, rows = ctx.args
        xp = array_module(idx)
        flat = idx.reshape(-1)
        coef = xp.ones(flat.shape, _arr(grad).dtype)
        if padding_idx >= 0:
            coef[flat == padding_idx] = 0
        if scale:
            coef = (coef / xp.bincount(flat, minlength=rows)[flat]).astype(coef.dtype)
        g = formula.reshape(grad, (flat.size, grad.shape[-1]))
        if isinstance(grad, Tensor):  # recorded: a product with a constant one-hot matrix
            onehot = (xp.arange(rows)[:, None] == flat[None, :]) * coef
            return Tensor._make(onehot.astype(coef.dtype)) @ g, None, None, None
        out = xp.zeros((rows, g.shape[1]), g.dtype)
        if xp is np:
            np.add.at(out, flat, g * coef[:, None])
        else:
            import cupyx
            cupyx.scatter_add(out, flat, g * coef[:, None])
        return out, None, None, None


# --- losses --------------------------------------------------------------------------------------


def _sub(a: Any, b: Any) -> Any:
    return a - b


def _reduce(loss: Any, reduction: str) -> Any:
    if reduction == "none":
        return loss
    return loss.sum() / loss.size if reduction == "mean" else loss.sum()


class _PiecewiseLoss(Function):
    """Base of the smooth L1 and Huber losses: quadratic for ``|x - t| < c``, linear beyond."""

    builtin = True
    edge_args = (0, 1)  # PyTorch's next_functions

    @staticmethod
    def _loss(d: Any, c: float) -> Any:
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx: Any, x: Tensor, t: Tensor, reduction: str, c: float) -> Any:
        d = binary(_sub, x._data, t._data)
        ctx.save_for_backward(x, t)
        ctx.args = (reduction, c, d.size)
        return _cast(_reduce(cls._loss(d, c), reduction), d)


class SmoothL1Loss(_PiecewiseLoss):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = x - t``)."""

    grad_fn_name = "SmoothL1LossBackward0"

    @staticmethod
    def _loss(d: Any, c: float) -> Any:
        ad = array_module(d).abs(d)
        return array_module(d).where(ad < c, 0.5 * d * d / c, ad - 0.5 * c)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, t = ctx.saved_tensors
        reduction, beta, n = ctx.args
        g = grad / n if reduction == "mean" else grad
        gx = g * _clip((x - t) / beta, -1.0, 1.0)
        need = ctx.needs_input_grad
        return (gx if need[0] else None), (-gx if need[1] else None), None, None


class HuberLoss(_PiecewiseLoss):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)`` (``d = x - t``)."""

    grad_fn_name = "HuberLossBackward0"

    @staticmethod
    def _loss(d: Any, c: float) -> Any:
        ad = array_module(d).abs(d)
        return array_module(d).where(ad < c, 0.5 * d * d, c * (ad - 0.5 * c))

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        x, t = ctx.saved_tensors
        reduction, delta, n = ctx.args
        g = grad / n if reduction == "mean" else grad
        gx = g * _clip(x - t, -delta, delta)
        need = ctx.needs_input_grad
        return (gx if need[0] else None), (-gx if need[1] else None), None, None


# --- padding -------------------------------------------------------------------------------------


def pad_array(x: Any, pad: tuple, value: float) -> Any:
    """``x`` padded with ``value`` (negative amounts crop); ``pad`` pairs go last dimension
    first, as in PyTorch."""
    xp = array_module(x)
    nd = x.ndim
    crop = [slice(None)] * nd
    widths = [(0, 0)] * nd
    for i in range(len(pad) // 2):
        d = nd - 1 - i
        lo, hi = pad[2 * i], pad[2 * i + 1]
        crop[d] = slice(max(-lo, 0), x.shape[d] - max(-hi, 0))
        widths[d] = (max(lo, 0), max(hi, 0))
    out = x[tuple(crop)]
    if any(w != (0, 0) for w in widths):
        out = xp.pad(out, widths, constant_values=np.array(value).astype(x.dtype))
    return out.copy() if out is x else xp.ascontiguousarray(out)


class ConstantPadNd(Function):
    """``x`` padded with a constant; its gradient is the gradient cropped back (the same op
    with the amounts negated)."""

    builtin, grad_fn_name = True, "ConstantPadNdBackward0"
    edge_args = (0,)

    @staticmethod
    def forward(ctx: Any, a: Tensor, pad: tuple, value: float) -> Any:
        ctx.pad = pad
        return pad_array(a._data, pad, value)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        back = tuple(-p for p in ctx.pad)
        if isinstance(grad, Tensor):
            return ConstantPadNd.apply(grad, back, 0.0), None, None
        return pad_array(grad, back, 0.0), None, None


# --- forward-mode AD -----------------------------------------------------------------------------


def _linear_in_first(op: type) -> Any:
    """Forward rule of an op linear in its first argument (the rest indices, flags): the op on
    the tangent."""
    def rule(ctx: Any, args: tuple, tans: list, outs: list) -> Any:
        t = tans[0]
        return None if t is None else op.forward(_NOGRAD_CTX, Tensor._make(t), *args[1:])
    return rule


def _register_forward_rules() -> None:
    from ..autograd.forward_rules import RULES, by_double_backward
    for op in (Softplus, Elu, EluInplace, Silu, Mish, Hardtanh, NativeLayerNorm, SmoothL1Loss,
               HuberLoss):
        RULES[op] = by_double_backward(op)
    RULES[Embedding] = _linear_in_first(Embedding)
    RULES[ConstantPadNd] = lambda ctx, args, tans, outs: \
        None if tans[0] is None else pad_array(tans[0], args[1], 0.0)  # the tangent pads with 0


_register_forward_rules()
