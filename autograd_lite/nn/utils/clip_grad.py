"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, in place, as in PyTorch."""

from __future__ import annotations

import types
import warnings
from collections.abc import Iterable
from typing import Any

from ...backend import array_module, to_device
from ...creation import tensor as _tensor
from ...grad_mode import no_grad
from ...tensor import Tensor


def _norm(x: Any, norm_type: float) -> Any:
    """``vector_norm(x, norm_type)`` of an array, as a 0-d array of x's dtype."""
    xp = array_module(x)
    a = xp.abs(x.reshape(-1))
    if norm_type == float("inf"):
        r = a.max() if a.size else xp.zeros((), x.dtype)
    elif norm_type == float("-inf"):
        r = a.min()
    elif norm_type == 0:
        r = (a != 0).sum().astype(x.dtype)
    elif norm_type == 1:
        r = a.sum()
    elif norm_type == 2:
        r = xp.sqrt((a * a).sum())
    else:
        r = (a ** norm_type).sum() ** (1.0 / norm_type)
    return xp.asarray(r, dtype=x.dtype)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` taken together as one vector."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _tensor(0.0)
    first = tensors[0].device
    norms = [to_device(_norm(t._data, norm_type), first) for t in tensors]
    xp = array_module(norms[0])
    dt = xp.result_type(*norms)
    total = Tensor._make(_norm(xp.stack([n.astype(dt) for n in norms]), norm_type))
    if error_if_nonfinite and not bool(xp.isfinite(total._data)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Multiply every gradient by ``min(max_norm / (total_norm + 1e-6), 1)``, in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    with no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            c = coef._data
            if c.dtype != g._data.dtype or c.__class__ is not g._data.__class__:
                c = to_device(c, g.device).astype(g._data.dtype)
            g._data *= c
            g._bump_version()


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their total ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient to ``[-clip_value, clip_value]``, in place."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    clip_value = float(clip_value)
    for p in parameters:
        g = p.grad
        if g is not None:
            xp = array_module(g._data)
            xp.clip(g._data, -clip_value, clip_value, out=g._data)
            g._bump_version()
