"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

from ...backend import array_module
from ...tensor import Tensor
from ..module import typename


def _check_param_device(param: Tensor, old: object) -> object:
    if old is not None and param.device != old:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-d tensor (differentiable)."""
    from ... import cat
    dev = None
    vec = []
    for param in parameters:
        dev = _check_param_device(param, dev)
        vec.append(param.reshape(-1))
    return cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d ``vec`` into the parameters' data."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    dev = None
    pointer = 0
    for param in parameters:
        dev = _check_param_device(param, dev)
        n = param.numel()
        chunk = vec._data[pointer:pointer + n].reshape(param._data.shape)
        param._data = array_module(chunk).ascontiguousarray(chunk).astype(
            param._data.dtype, copy=False)
        pointer += n
