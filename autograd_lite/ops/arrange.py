"""Rearranging copies and joins: repeat, flip, roll, stack, cat, and the splits (split, chunk,
unbind: views of the input, one node with several outputs).

Backward formulas apply these ops again with ``run`` (straight on arrays in a plain backward,
recorded on tensors under ``create_graph``), so derivatives of any order go through.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import array_module
from ..function import _NOGRAD_CTX, Function
from ..tensor import Tensor
from . import formula as F
from .common import result_dtype
from .shape import View, run, sizes_arg, view_of, wrap_dim


class Repeat(Function):
    builtin, grad_fn_name = True, "RepeatBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, reps: tuple) -> Any:
        shape = (1,) * (len(reps) - x._data.ndim) + x._data.shape
        ctx.shapes = (x._data.shape, shape, reps)
        return array_module(x._data).tile(x._data.reshape(shape), reps)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        in_shape, shape, reps = ctx.shapes
        inter = tuple(v for r, s in zip(reps, shape) for v in (r, s))
        g = F.sum(run(View, grad, inter), tuple(range(0, len(inter), 2)))
        return run(View, g, in_shape), None


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension (a copy)."""
    sizes = sizes_arg(sizes)
    if len(sizes) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    return Repeat.apply(input, sizes)


def _dims_arg(dims: tuple, ndim: int) -> tuple:
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    return tuple(wrap_dim(d, ndim) for d in dims)


class Flip(Function):
    builtin, grad_fn_name = True, "FlipBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: tuple) -> Any:
        ctx.dims = dims
        return array_module(x._data).flip(x._data, dims).copy()

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(Flip, grad, ctx.dims), None


def flip(input: Tensor, *dims: Any) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy)."""
    return Flip.apply(input, _dims_arg(dims, input._data.ndim))


class Roll(Function):
    builtin, grad_fn_name = True, "RollBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, shifts: Any, dims: Any) -> Any:
        ctx.args = (shifts, dims)
        return array_module(x._data).roll(x._data, shifts, dims)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        shifts, dims = ctx.args
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return run(Roll, grad, neg, dims), None, None


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements cyclically along ``dims`` (the flattened tensor when None)."""
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(int(s) for s in shifts)
    if dims is not None:
        dims = tuple(wrap_dim(d, input._data.ndim) for d in dims) if isinstance(
            dims, (list, tuple)) else wrap_dim(dims, input._data.ndim)
    return Roll.apply(input, shifts, dims)


# --- joining and splitting ----------------------------------------------------------------------

def _common_dtype(arrays: list) -> Any:
    dt = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != dt:
            dt = result_dtype(np.empty((1,), dt), a)
    return dt


def _tensor_list(tensors: Any, name: str) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    return list(tensors)


def _join(op: type, dim: int, grads: tuple) -> Any:
    """Stack or Cat in a backward formula: recorded on tensors, straight on arrays."""
    if isinstance(grads[0], Tensor):
        return op.apply(dim, *grads)
    return op.forward(_NOGRAD_CTX, dim, *(Tensor._make(g) for g in grads))


class Stack(Function):
    builtin, grad_fn_name = True, "StackBackward0"
    edge_args = slice(1, None)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, dim: int, *tensors: Tensor) -> Any:
        arrays = [t._data for t in tensors]
        dt = _common_dtype(arrays)
        ctx.dim = dim
        return array_module(arrays[0]).stack([a.astype(dt, copy=False) for a in arrays], dim)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return (None,) + run(Unbind, grad, ctx.dim)


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dimension ``dim``."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != s0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(s0)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    return Stack.apply(wrap_dim(dim, len(s0) + 1), *tensors)


class Cat(Function):
    builtin, grad_fn_name = True, "CatBackward0"
    edge_args = slice(1, None)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, dim: int, *tensors: Tensor) -> Any:
        arrays = [t._data for t in tensors]
        dt = _common_dtype(arrays)
        keep = [a for a in arrays if a.shape != (0,)] or arrays[:1]  # legacy empty 1-D tensors
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] if a.shape != (0,) or len(keep) == len(arrays) else None
                     for a in arrays]
        return array_module(arrays[0]).concatenate([a.astype(dt, copy=False) for a in keep], dim)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        sizes = [s for s in ctx.sizes if s is not None]
        parts = iter(run(Split, grad, ctx.dim, tuple(sizes)) if len(sizes) > 1 else (grad,))
        return (None,) + tuple(None if s is None else next(parts) for s in ctx.sizes)


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along the existing dimension ``dim``."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    full = [t for t in tensors if t._data.shape != (0,)]
    ref = full[0]._data.shape if full else (0,)
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    d = wrap_dim(dim, len(ref))
    for i, t in enumerate(tensors):
        s = t._data.shape
        if s == (0,) and len(ref) != 1:
            continue
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and "
                               f"{len(s)}")
        for k in range(len(ref)):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[k]} but got size {s[k]} for tensor "
                                   f"number {i} in the list.")
    return Cat.apply(d, *tensors)


class Split(Function):
    """Pieces of ``sizes`` along ``dim``, as views; the gradients are concatenated back."""

    builtin, grad_fn_name = True, "SplitWithSizesBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int, sizes: tuple) -> Any:
        ctx.dim = dim
        a, pre, start, out = x._data, (slice(None),) * dim, 0, []
        for s in sizes:
            out.append(a[pre + (slice(start, start + s), Ellipsis)])
            start += s
        return tuple(out)

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple:
        return _join(Cat, ctx.dim, grads), None, None


class SplitEqual(Split):
    grad_fn_name = "SplitBackward0"


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` (the last may be smaller) or of the listed sizes along ``dim``."""
    d = wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes, op = tuple(int(s) for s in split_size_or_sections), Split
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{list(sizes)}")
    else:
        step, op = int(split_size_or_sections), SplitEqual
        sizes = tuple(min(step, n - i) for i in range(0, n, step)) if n else (0,)
    outs = op.apply(tensor, d, sizes)
    return tuple(view_of(o, tensor) for o in outs)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of equal size (the last may be smaller, or fewer pieces)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    n = input._data.shape[wrap_dim(dim, input._data.ndim)]
    return split(input, max(1, -(-n // chunks)), dim)


class Unbind(Function):
    builtin, grad_fn_name = True, "UnbindBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Any:
        ctx.dim = dim
        pre = (slice(None),) * dim
        return tuple(x._data[pre + (i, Ellipsis)] for i in range(x._data.shape[dim]))

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple:
        return _join(Stack, ctx.dim, grads), None


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, as a tuple of views."""
    outs = Unbind.apply(input, wrap_dim(dim, input._data.ndim))
    return tuple(view_of(o, input) for o in outs)


FUNCTIONS = {f.__name__: f for f in (flip, roll, stack, cat, split, chunk, unbind)}
FUNCTIONS.update(concat=cat, concatenate=cat)
TENSOR_METHODS = {name: FUNCTIONS[name] for name in (
    "flip", "roll", "split", "chunk", "unbind")}
TENSOR_METHODS["repeat"] = repeat
