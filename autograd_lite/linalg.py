"""``autograd_lite.linalg``: norms, solve, inv, det, eigh (as ``torch.linalg``).

solve, inv, det and eigh are differentiable; their backward formulas are again solve/inv/eigh and
matrix products, so second derivatives work too (except det at a singular matrix, where the
gradient is the exact cofactor matrix but is not differentiated again).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .backend import array_module
from .function import _NOGRAD_CTX, Function
from .ops import formula as F
from .ops.linalg import matmul
from .ops.reduce import return_type, type_name, vector_norm
from .ops.shape import data
from .tensor import Tensor

__all__ = ["LinAlgError", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "norm",
           "solve", "vector_norm"]

eigh_return = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))


class LinAlgError(RuntimeError):
    """A linear-algebra failure such as a singular matrix (``torch.linalg.LinAlgError``)."""


def _tr(x: Any) -> Any:
    return x.mT if isinstance(x, Tensor) else x.swapaxes(-2, -1)


def _check_square(name: str, A: Tensor) -> None:
    a = A._data
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        m, n = (a.shape[-2], a.shape[-1]) if a.ndim >= 2 else (a.shape[0] if a.ndim else 1, 1)
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {m} by "
                           f"{n} matrices")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(a.dtype)}")


def _first_zero_pivot(a: np.ndarray) -> int:
    """1-based index of the first zero pivot of an LU factorization with partial pivoting."""
    host = a.get() if hasattr(a, "get") else a  # a CuPy array: to the host
    u = np.array(host, dtype=np.float64).reshape(-1, a.shape[-1], a.shape[-1])[0]
    n = u.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(u[k:, k])))
        if u[p, k] == 0:
            return k + 1
        u[[k, p]] = u[[p, k]]
        u[k + 1:] -= np.outer(u[k + 1:, k] / u[k, k], u[k])
    return n


def _apply(op: type, *args: Any) -> Any:
    """Run ``op`` on tensors (recorded) or arrays (inside a plain backward)."""
    if any(isinstance(a, Tensor) for a in args):
        return op.apply(*(a if isinstance(a, Tensor) or not hasattr(a, "shape")
                          else Tensor._make(a) for a in args))
    return op.forward(_NOGRAD_CTX, *(Tensor._make(a) if hasattr(a, "shape") else a
                                     for a in args))


class Solve(Function):
    """X with A X = B (B a matrix or, when ``vec``, a vector); dB = A^-T g, dA = -dB X^T."""

    builtin, grad_fn_name, save_output = True, "LinalgSolveExBackward0", True
    edge_args = (0, 1)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, A: Tensor, B: Tensor, vec: bool) -> Any:
        a, b = A._data, B._data
        xp = array_module(a)
        ctx.save_for_backward(A)
        ctx.vec = vec
        try:
            return xp.linalg.solve(a, b[..., None])[..., 0] if vec else xp.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix "
                              "is singular.") from None

    @staticmethod
    def backward(ctx: Any, grad: Any) -> tuple:
        A, X = ctx.saved_tensors
        need = ctx.needs_input_grad
        gB = _apply(Solve, _tr(A), grad, ctx.vec)
        gA = None
        if need[0]:
            gA = -(gB[..., :, None] * X[..., None, :]) if ctx.vec else -(gB @ _tr(X))
        return gA, (gB if need[1] else None), None


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The solution X of ``A @ X = B`` (B a matrix, a vector, or batches of them)."""
    if not left:
        return solve(A.mT, B.mT).mT
    _check_square("linalg.solve", A)
    a, b = A._data, B._data
    vec = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    rows = b.shape[0] if b.ndim == 1 else b.shape[-1] if vec else b.shape[-2]
    if rows != a.shape[-1]:
        cols = 1 if vec else b.shape[-1]
        raise RuntimeError("linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {rows}x{cols})")
    return Solve.apply(A, B, vec)


class Inv(Function):
    builtin, grad_fn_name, save_output = True, "LinalgInvExBackward0", True

    @staticmethod
    def forward(ctx: Any, A: Tensor) -> Any:
        a = A._data
        try:
            return array_module(a).linalg.inv(a)
        except np.linalg.LinAlgError:
            raise LinAlgError(f"linalg.inv: The diagonal element {_first_zero_pivot(a)} is zero, "
                              "the inversion could not be completed because the input matrix is "
                              "singular.") from None

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (Y,) = ctx.saved_tensors
        Yt = _tr(Y)
        return -(Yt @ grad @ Yt)


def inv(A: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each matrix in a batch)."""
    _check_square("linalg.inv", A)
    return Inv.apply(A)


def _cofactors(a: Any) -> Any:
    """The cofactor matrix (the transposed adjugate) of each matrix, also when singular."""
    xp = array_module(a)
    u, s, vt = xp.linalg.svd(a)
    eye = xp.eye(s.shape[-1], dtype=bool)
    others = xp.where(eye, 1, s[..., None, :]).prod(-1)  # product of the other singular values
    sign = xp.linalg.det(u) * xp.linalg.det(vt)
    return (u * others[..., None, :]) @ vt * sign[..., None, None]


class Det(Function):
    builtin, grad_fn_name, save_output = True, "LinalgDetBackward0", True

    @staticmethod
    def forward(ctx: Any, A: Tensor) -> Any:
        ctx.save_for_backward(A)
        a = A._data
        return array_module(a).linalg.det(a)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        A, d = ctx.saved_tensors
        g = grad[..., None, None]
        if (data(d) == 0).any():  # singular: the cofactors (first derivatives only)
            return g * _cofactors(data(A)).astype(data(A).dtype)
        return g * d[..., None, None] * _tr(_apply(Inv, A))


def det(A: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each matrix in a batch)."""
    _check_square("linalg.det", A)
    return Det.apply(A)


class Eigh(Function):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix."""

    builtin, grad_fn_name = True, "LinalgEighBackward0"
    edge_args = (0,)  # PyTorch's next_functions

    @staticmethod
    def forward(ctx: Any, A: Tensor, uplo: str) -> Any:
        a = A._data
        w, v = array_module(a).linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(A)
        ctx.uplo, ctx.wv = uplo, (w, v)
        return w, v

    @staticmethod
    def backward(ctx: Any, gL: Any, gV: Any) -> tuple:
        (A,) = ctx.saved_tensors
        if isinstance(gL, Tensor):  # recorded: recompute so that L, V depend on A in the graph
            L, V = Eigh.apply(A, ctx.uplo)
        else:
            L, V = ctx.wv
        xp = array_module(data(L))
        n = data(L).shape[-1]
        eye = xp.eye(n, dtype=bool)
        VtgV = _tr(V) @ gV
        skew = (VtgV - _tr(VtgV)) * 0.5
        E = L[..., None, :] - L[..., :, None]  # E[i, j] = L[j] - L[i]
        inner = F.where(eye, 0.0, skew / F.where(eye, 1.0, E)) + gL[..., None, :] * eye
        return V @ inner @ _tr(V), None


def eigh(A: Tensor, UPLO: str = "L") -> Any:
    """(eigenvalues, eigenvectors) of a symmetric matrix, reading its lower (``UPLO='L'``) part."""
    _check_square("linalg.eigh", A)
    w, v = Eigh.apply(A, UPLO)
    return eigh_return(w, v)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of a symmetric matrix, ascending."""
    return eigh(A, UPLO).eigenvalues


def matrix_norm(A: Tensor, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False,
                *, dtype: Any = None) -> Tensor:
    """Frobenius norm (default), or the 1 / inf (max column / row sum) norms of matrices."""
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim)
    d0, d1 = (A._wrap_dim(d) for d in dim)
    if ord in (1, -1, math.inf, -math.inf):
        inner, outer = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = abs(A).sum(inner, keepdim=True)
        out = sums.amax(outer, keepdim=True) if ord > 0 else sums.amin(outer, keepdim=True)
        return out if keepdim else out.squeeze((d0, d1))
    raise NotImplementedError(f"linalg.matrix_norm(ord={ord!r}) needs singular values, which "
                              "autograd_lite does not provide; use ord='fro', 1 or inf")


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """A vector norm (1-D input or int ``dim``) or a matrix norm (2-D input or two dims)."""
    if dtype is not None:
        A = A.to(dtype)
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim)
    if dim is None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must "
                               f"be 1D or 2D. Got {A._data.ndim}D.")
        dim = tuple(range(A._data.ndim))
    if len(dim) == 1:
        return vector_norm(A, ord, dim, keepdim)
    return matrix_norm(A, ord, dim, keepdim)
