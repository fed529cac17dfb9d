"""Indexing: ``x[idx]``, ``x[idx] = v``, select, narrow, index_select.

Basic indexing (ints, slices, None, ``...``) gives a view, named after the last step PyTorch would
take (SelectBackward0, SliceBackward0, UnsqueezeBackward0, AliasBackward0); advanced indexing
(integer or boolean tensors, lists) gives a copy (IndexBackward0). The backward of an index
scatters the gradient into zeros, adding up repeated indices; the backward of that scatter gathers
again, so derivatives of any order go through.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..backend import array_module
from ..function import Function
from ..tensor import Tensor
from .shape import expand, run, view_of, wrap_dim

_ZERO_DIM = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")


def _bad_index(kind: str) -> IndexError:
    return IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                      f"Variables are valid indices (got {kind})")


def _index_array(a: Any) -> Any:
    if a.dtype.kind == "f" or a.dtype.kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if a.dtype == np.uint8:
        return a.astype(bool)
    return a


def normalize_index(index: Any) -> tuple:
    """``x[index]``'s index as a tuple NumPy understands (tensors -> arrays), ending in ``...``
    when it has none, so that every result is an array."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    ellipsis = False
    for i in index:
        if i is None or isinstance(i, bool):
            out.append(i)
        elif i is Ellipsis:
            ellipsis = True
            out.append(i)
        elif isinstance(i, (int, np.integer)):
            out.append(int(i))
        elif isinstance(i, slice):
            if any(isinstance(v, Tensor) for v in (i.start, i.stop, i.step)):
                i = slice(*(int(v) if isinstance(v, Tensor) else v
                            for v in (i.start, i.stop, i.step)))
            if i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero")
            out.append(i)
        elif isinstance(i, (Tensor, np.ndarray)):
            a = _index_array(i._data if isinstance(i, Tensor) else i)
            out.append(int(a) if a.ndim == 0 and a.dtype.kind in "iu" else a)
        elif isinstance(i, (list, tuple)):
            a = np.asarray([int(v) if isinstance(v, Tensor) else v for v in i])
            out.append(a.astype(np.int64) if a.size == 0 else _index_array(a))
        elif isinstance(i, float):
            raise _bad_index("float")
        else:
            raise _bad_index(type(i).__name__)
    if not ellipsis:
        out.append(Ellipsis)
    return tuple(out)


def _on_device(idx: tuple, xp: Any) -> tuple:
    """Index arrays on the tensor's device (CuPy indexes with CuPy arrays)."""
    if xp is np:
        return idx
    return tuple(xp.asarray(i) if isinstance(i, np.ndarray) else i for i in idx)


def _index_error(err: IndexError, shape: tuple, idx: tuple) -> IndexError:
    """NumPy's indexing errors in PyTorch's words."""
    msg = str(err)
    m = re.match(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)", msg)
    if m:
        return IndexError(f"index {m[1]} is out of bounds for dimension {m[2]} with size {m[3]}")
    if msg.startswith("too many indices"):
        return IndexError(_ZERO_DIM if not shape else
                          f"too many indices for tensor of dimension {len(shape)}")
    m = re.match(r"boolean index did not match indexed array along axis (\d+)", msg)
    if m:
        axis, start = int(m[1]), 0
        for i in idx:
            if isinstance(i, np.ndarray) or hasattr(i, "__cuda_array_interface__"):
                if i.dtype.kind == "b":
                    k = axis - start
                    return IndexError(f"The shape of the mask {list(i.shape)} at index {k} does "
                                      "not match the shape of the indexed tensor "
                                      f"{list(shape)} at index {axis}")
                start += 1
            elif i is not None:
                start += 1
    m = re.match(r"shape mismatch: indexing arrays could not be broadcast together with shapes "
                 r"(.*)", msg)
    if m:
        shapes = ", ".join(str([int(v) for v in g.split(",") if v.strip()])
                           for g in re.findall(r"\(([^)]*)\)", m[1]))  # "(2,) (3,)"
        return IndexError("shape mismatch: indexing tensors could not be broadcast together "
                          f"with shapes {shapes}")
    return err


def _is_advanced(i: Any) -> bool:
    return not (i is None or i is Ellipsis or isinstance(i, (int, slice))) or isinstance(i, bool)


class Index(Function):
    """``x[idx]`` with advanced indices (a copy)."""

    builtin, grad_fn_name = True, "IndexBackward0"
    edge_args = (0,)  # PyTorch's next_functions
    advanced = True

    @staticmethod
    def forward(ctx: Any, x: Tensor, idx: tuple) -> Any:
        ctx.in_shape = x._data.shape
        ctx.idx = idx
        return x._data[idx]

    @classmethod
    def backward(cls, ctx: Any, grad: Tensor) -> tuple:
        return run(IndexScatter, grad, ctx.in_shape, ctx.idx, cls.advanced), None


class Select(Index):
    grad_fn_name, advanced = "SelectBackward0", False


class Slice(Index):
    grad_fn_name, advanced = "SliceBackward0", False


class IndexUnsqueeze(Index):
    grad_fn_name, advanced = "UnsqueezeBackward0", False


class Alias(Index):
    grad_fn_name, advanced = "AliasBackward0", False


class IndexScatter(Function):
    """Zeros with ``grad`` written (added, for advanced indices) at ``idx``: the backward of an
    index; its own backward gathers ``idx`` again."""

    builtin, grad_fn_name = True, "IndexPutBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, grad: Tensor, shape: tuple, idx: tuple, advanced: bool) -> Any:
        ctx.idx, ctx.advanced = idx, advanced
        g = grad._data
        xp = array_module(g)
        z = xp.zeros(shape, g.dtype)
        if advanced and any(getattr(i, "dtype", None) is not None and i.dtype.kind != "b"
                            for i in idx):  # integer indices may repeat: add them up
            if xp is np:
                np.add.at(z, idx, g)
            else:
                import cupyx
                cupyx.scatter_add(z, idx, g)
        else:
            z[idx] = g
        return z

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(Index if ctx.advanced else Slice, grad, ctx.idx), None, None, None


def _basic_op(idx: tuple) -> type:
    """The view op PyTorch would record last for a basic index."""
    op = Alias
    for i in idx:
        if i is None:
            op = IndexUnsqueeze
        elif isinstance(i, int):
            op = Select
        elif isinstance(i, slice) and i != slice(None):
            op = Slice
    return op


def getitem(self: Tensor, index: Any) -> Tensor:
    """``x[index]``: ints, slices, None, ``...``, integer/boolean tensors and lists."""
    d = self._data
    if index.__class__ is int:  # the common case (iteration, x[i]) without the general parsing
        if d.ndim == 0:
            raise IndexError(_ZERO_DIM)
        n = d.shape[0]
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size {n}")
        return view_of(Select.apply(self, (index, Ellipsis)), self)
    idx = normalize_index(index)
    advanced = any(_is_advanced(i) for i in idx)
    if advanced:
        op = Index
        idx = _on_device(idx, array_module(d))
    else:
        op = _basic_op(idx)
        if d.ndim == 0 and any(isinstance(i, (int, slice)) for i in idx):
            raise IndexError(_ZERO_DIM)
    try:
        out = op.apply(self, idx)
    except IndexError as e:
        raise _index_error(e, d.shape, idx) from None
    return out if advanced else view_of(out, self)


class SetItem(Function):
    """``x[idx] = v`` computed out of place (CopySlices); see ``methods.setitem``."""

    builtin, grad_fn_name, node_name = True, "CopySlices", "torch::autograd::CopySlices"
    edge_args = (0, 2)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, idx: tuple, v: Any) -> Any:
        data = x._data.copy()
        idx = _on_device(idx, array_module(data))
        val = v._data if isinstance(v, Tensor) else v
        ctx.idx, ctx.v_ndim = idx, getattr(val, "ndim", 0)
        return assign(data, idx, val)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        need = ctx.needs_input_grad
        gx = run(SetItem, grad, ctx.idx, 0) if need[0] else None
        gv = None
        if need[2]:
            advanced = any(_is_advanced(i) for i in ctx.idx)
            gv = run(Index if advanced else Slice, grad, ctx.idx)
            extra = ctx.v_ndim - gv.ndim
            if extra > 0:
                gv = gv.reshape((1,) * extra + tuple(gv.shape))
        return gx, None, gv


def assign(data: Any, idx: tuple, val: Any) -> Any:
    """``data[idx] = val`` in place, with PyTorch's errors; returns ``data``."""
    idx = _on_device(idx, array_module(data))
    try:
        data[idx] = val
    except IndexError as e:
        raise _index_error(e, data.shape, idx) from None
    except ValueError:
        target = data[idx].shape
        if any(_is_advanced(i) for i in idx):
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(val.shape)} "
                               "cannot be broadcast to indexing result of shape "
                               f"{list(target)}") from None
        expand(Tensor._make(val), target)  # raises PyTorch's message
        raise
    return data


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim`` (one dimension fewer; a view)."""
    d = wrap_dim(dim, input._data.ndim)
    return getitem(input, (slice(None),) * d + (int(index),))


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Elements ``start .. start+length`` along ``dim`` (a view)."""
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    start = int(start) + (n if start < 0 else 0)
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


class IndexSelect(Index):
    grad_fn_name = "IndexSelectBackward0"


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Entries of ``index`` (a 1-D, or 0-D, int32/int64 tensor) along ``dim``; repeated entries
    add up in the gradient."""
    x = input._data
    d = wrap_dim(dim, max(x.ndim, 1))
    ix = index._data if isinstance(index, Tensor) else np.asarray(index)
    if ix.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if ix.dtype not in (np.int64, np.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if x.ndim == 0 and ix.size != 1:
        raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                           f"{ix.size} value(s)")
    n = x.shape[d] if x.ndim else 1
    bad = (ix < 0) | (ix >= n)
    if bad.any():
        raise RuntimeError("INDICES element is out of DATA bounds, "
                           f"id={int(ix[bad].reshape(-1)[0])} axis_dim={n}")
    if x.ndim == 0:  # a scalar's only entry: the tensor itself, as a node of this op
        return IndexSelect.apply(input, ())
    idx = (slice(None),) * d + (ix.reshape(-1).astype(np.int64, copy=False),)
    return IndexSelect.apply(input, _on_device(idx, array_module(x)))


FUNCTIONS = {f.__name__: f for f in (narrow, select, index_select)}
TENSOR_METHODS = dict(FUNCTIONS)
TENSOR_METHODS["__getitem__"] = getitem
