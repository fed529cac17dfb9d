"""Shape ops: view/reshape, transpose/permute, squeeze/unsqueeze, expand/repeat, flip/roll.

View ops return arrays that share memory with their input (NumPy views), and the output shares the
input's version counter and records its base, as PyTorch views do. Every backward is another shape
op, applied with ``run``: on arrays in a plain backward, recorded on tensors under
``create_graph=True``, so derivatives of any order go through. Indexing, joining and splitting
live in ``index.py``; the copying rearrangements (repeat, flip, roll, stack, cat, split...) in
``arrange.py``.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from ..backend import array_module
from ..function import _NOGRAD_CTX, Function
from ..tensor import Tensor
from . import formula as F
from .elementwise import Clone


def run(op: type, x: Any, *args: Any) -> Any:
    """Apply ``op`` inside a backward formula: recorded when ``x`` is a tensor (create_graph),
    computed straight on the array otherwise (a plain backward runs formulas on arrays)."""
    if isinstance(x, Tensor):
        return op.apply(x, *args)
    return op.forward(_NOGRAD_CTX, Tensor._make(x), *args)


def data(x: Any) -> Any:
    """The array of a tensor, or the array itself."""
    return x._data if isinstance(x, Tensor) else x


def view_of(out: Tensor, x: Tensor) -> Tensor:
    """Make ``out`` a view of ``x``: same version counter, base = x's base (or x)."""
    if x._vc is None:
        x._vc = [0]
    out._vc = x._vc
    out._base = x if x._base is None else x._base
    return out


def wrap_dim(dim: int, ndim: int) -> int:
    """A dimension in ``[-ndim, ndim)`` as a non-negative index, with PyTorch's IndexError."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but "
                         f"got {dim})")
    return int(dim) % ndim if ndim else 0


def sizes_arg(sizes: tuple) -> tuple:
    """Accept ``f(2, 3)`` and ``f((2, 3))``."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return tuple(int(s) for s in sizes)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """Resolve one ``-1`` in ``shape``; PyTorch's errors for invalid shapes."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
        if s != -1:
            known *= s
    if neg:
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous")
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        if numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // known,) + shape[neg[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _shares(out: Any, a: Any) -> bool:
    return out.size == 0 or array_module(a).may_share_memory(out, a)


class View(Function):
    """A new shape for the same elements (``view``, ``reshape``, ``flatten``...)."""

    builtin, grad_fn_name = True, "ViewBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, shape: tuple) -> Any:
        ctx.in_shape = x._data.shape
        return x._data.reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(View, grad, ctx.in_shape), None


class UnsafeView(View):
    grad_fn_name = "UnsafeViewBackward0"


class Squeeze0(View):
    grad_fn_name = "SqueezeBackward0"


class Squeeze1(View):
    grad_fn_name = "SqueezeBackward1"


class Squeeze2(View):
    grad_fn_name = "SqueezeBackward2"


class Squeeze4(View):
    grad_fn_name = "SqueezeBackward4"


class Unsqueeze(View):
    grad_fn_name = "UnsqueezeBackward0"


def _reshaped(op: type, x: Tensor, shape: tuple) -> Tensor:
    out = op.apply(x, shape)
    if _shares(out._data, x._data):
        view_of(out, x)
    return out


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (one size may be -1); a view when possible."""
    return _reshaped(View, input, _infer_shape(sizes_arg(shape), input._data.size))


def view(input: Tensor, *shape: Any) -> Tensor:
    """A view with a new shape; fails where the memory layout would need a copy."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer)):
        raise NotImplementedError(f"view({shape[0]!r}): reinterpreting the data as another "
                                  "dtype is not supported by autograd_lite; use .to()")
    shape = _infer_shape(sizes_arg(shape), input._data.size)
    out = View.apply(input, shape)
    if not _shares(out._data, input._data):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return view_of(out, input)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``."""
    return view(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = input._data.shape
    if not shape:
        return _reshaped(View, input, (1,))
    s, e = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return _reshaped(View, input, shape[:s] + (n,) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1)."""
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    try:
        new = _infer_shape(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor") from None
    return _reshaped(View, input, shape[:d] + new + shape[d + 1:])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim``)."""
    shape = input._data.shape
    if dim is None:
        op, drop = Squeeze0, {i for i, s in enumerate(shape) if s == 1}
    elif isinstance(dim, (tuple, list)):
        op, drop = Squeeze2, {wrap_dim(d, len(shape)) for d in dim}
    else:
        op, drop = Squeeze1, {wrap_dim(dim, len(shape))}
    new = tuple(s for i, s in enumerate(shape) if not (i in drop and s == 1))
    return view_of(op.apply(input, new), input)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    shape = input._data.shape
    d = wrap_dim(dim, len(shape) + 1)
    return view_of(Unsqueeze.apply(input, shape[:d] + (1,) + shape[d:]), input)


class Transpose(Function):
    builtin, grad_fn_name = True, "TransposeBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, d0: int, d1: int) -> Any:
        ctx.dims = (d0, d1)
        return x._data.swapaxes(d0, d1)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        if grad.__class__ is np.ndarray:  # a plain backward (nn.Linear's weight.t()): directly
            return grad.swapaxes(*ctx.dims), None, None
        return run(Transpose, grad, *ctx.dims), None, None


class T(Transpose):
    grad_fn_name = "TBackward0"


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions (a view)."""
    n = input._data.ndim
    return view_of(Transpose.apply(input, wrap_dim(dim0, n), wrap_dim(dim1, n)), input)


def t(input: Tensor) -> Tensor:
    """Transpose a matrix; 0-D and 1-D tensors come back as they are."""
    n = input._data.ndim
    if n > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {n}D")
    return view_of(T.apply(input, 0, 1 if n == 2 else 0), input)


class Permute(Function):
    builtin, grad_fn_name = True, "PermuteBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, dims: tuple) -> Any:
        ctx.dims = dims
        return x._data.transpose(dims)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return run(Permute, grad, _inverse(ctx.dims)), None


@functools.lru_cache(maxsize=256)
def _inverse(dims: tuple) -> tuple:
    """The inverse permutation (positions sorted by where they go); ``.T`` asks for it at every
    backward, so it is remembered."""
    return tuple(sorted(range(len(dims)), key=dims.__getitem__))


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions (a view)."""
    dims = sizes_arg(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does "
                           "not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, n) for d in dims)
    if len(set(dims)) != n:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return view_of(Permute.apply(input, dims), input)


def _T(self: Tensor) -> Tensor:
    n = self._data.ndim
    if n == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
    elif n > 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return view_of(Permute.apply(self, tuple(range(n - 1, -1, -1))), self)


def _mT(self: Tensor) -> Tensor:
    n = self._data.ndim
    if n < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {n}-D tensor.")
    return view_of(Transpose.apply(self, n - 2, n - 1), self)


class Expand(Function):
    builtin, grad_fn_name = True, "ExpandBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, x: Tensor, shape: tuple) -> Any:
        ctx.in_shape = x._data.shape
        return array_module(x._data).broadcast_to(x._data, shape)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple:
        return F.sum_to(grad, ctx.in_shape), None


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view with ``sizes`` (-1 keeps a size); no memory is copied."""
    sizes = sizes_arg(sizes)
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        kind = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor",
                "bool": "BoolTensor"}.get(str(input._data.dtype), str(input._data.dtype))
        raise RuntimeError(f"expand(torch.{kind}{{{list(shape)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            out.append(s)
            continue
        have = shape[i - lead]
        if s == -1:
            s = have
        elif have != s and have != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({have}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        out.append(s)
    return view_of(Expand.apply(input, tuple(out)), input)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, other._data.shape)


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """The tensor itself when its memory is C-contiguous, else a contiguous copy."""
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input)


def is_contiguous(input: Tensor, memory_format: Any = None) -> bool:
    """True when the data is laid out in row-major (C) order without gaps."""
    return bool(input._data.flags.c_contiguous)


FUNCTIONS = {f.__name__: f for f in (
    reshape, flatten, unflatten, squeeze, unsqueeze, transpose, t, permute)}
FUNCTIONS.update(swapaxes=transpose, swapdims=transpose)

TENSOR_METHODS = dict(FUNCTIONS)
TENSOR_METHODS.update(
    view=view, view_as=view_as, reshape_as=reshape_as, expand=expand, expand_as=expand_as,
    contiguous=contiguous, is_contiguous=is_contiguous,
    T=property(_T), mT=property(_mT), H=property(_T), mH=property(_mT))

from . import arrange as _arrange  # noqa: E402 - these build on the ops above
from . import index as _index  # noqa: E402
from .index import SetItem, normalize_index  # noqa: E402,F401 - used by methods.setitem

for _m in (_arrange, _index):
    FUNCTIONS.update(_m.FUNCTIONS)
    TENSOR_METHODS.update(_m.TENSOR_METHODS)
