"""Matrix products and linalg (ops/linalg.py, autograd_lite.linalg) and the neural-network functions
and losses (ops/nnfunc.py): values against NumPy (or PyTorch's numbers), first and second
derivatives against central finite differences (float64), grad_fn names and error messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gradtools import check

import autograd_lite as al
from autograd_lite import autograd
from autograd_lite.ops import nnfunc as F
from autograd_lite.ops.linalg import linear

RNG = np.random.default_rng(4321)


def name(t):
    return t.grad_fn.name()


def rand(*shape):
    return RNG.standard_normal(shape)


# --- matmul and friends ------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb,expected", [
    ((2, 3), (3, 4), "MmBackward0"), ((2, 3), (3,), "MvBackward0"), ((3,), (3,), "DotBackward0"),
    ((3,), (3, 4), "SqueezeBackward4"), ((2, 2, 3), (2, 3, 4), "UnsafeViewBackward0"),
    ((2, 2, 3), (3, 4), "UnsafeViewBackward0"), ((2, 3), (2, 3, 4), "CloneBackward0"),
    ((2, 2, 3), (3,), "UnsafeViewBackward0"), ((3,), (2, 3, 4), "UnsafeViewBackward0"),
    ((2, 1, 2, 3), (4, 3, 2), "UnsafeViewBackward0")])
def test_matmul_shapes_names_grads(sa, sb, expected):
    a, b = rand(*sa), rand(*sb)
    x, y = al.from_numpy(a).requires_grad_(), al.from_numpy(b)
    z = x @ y
    assert name(z) == expected
    np.testing.assert_allclose(z.detach().numpy(), np.matmul(a, b))
    np.testing.assert_allclose(al.matmul(x, y).detach().numpy(), np.matmul(a, b))
    assert name(x.__rmatmul__(y.T) if x.ndim == 1 and y.ndim == 2 else x @ y) in (
        expected, "MvBackward0")
    check(lambda u, v: (u @ v) ** 2, a, b)


def test_matmul_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and "
                       r"2x3\)"):
        al.randn(2, 3) @ al.randn(2, 3)
    with pytest.raises(RuntimeError, match=r"inconsistent tensor size, expected tensor \[3\] and "
                       r"src \[2\] to have the same number of elements, but got 3 and 2 elements "
                       "respectively"):
        al.randn(3) @ al.randn(2)
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D, but "
                       "they are 0D and 1D"):
        al.tensor(1.) @ al.randn(2)
    with pytest.raises(RuntimeError, match=r"size mismatch, got input \(2\), mat \(2x3\), vec "
                       r"\(2\)"):
        al.randn(2, 3) @ al.randn(2)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(1x2 and "
                       r"3x4\)"):
        al.randn(2) @ al.randn(3, 4)
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 "
                       r"tensor to be: \[2, 3\] but got: \[2, 2\]."):
        al.randn(2, 2, 3) @ al.randn(2, 2, 4)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and "
                       r"2x4\)"):
        al.randn(2, 2, 3) @ al.randn(2, 4)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: "
                       "float != double"):
        al.randn(2, 3) @ al.randn(3, 4, dtype=al.float64)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: "
                       "float != long int"):
        al.randn(2, 3) @ al.ones(3, 4, dtype=al.int64)
    with pytest.raises(RuntimeError, match="dot : expected both vectors to have same dtype, but "
                       "found Float and Double"):
        al.randn(3).dot(al.randn(3, dtype=al.float64))


def test_mm_mv_dot_bmm_outer():
    a, b, v = rand(2, 3), rand(3, 4), rand(3)
    x = al.from_numpy(a).requires_grad_()
    assert name(al.mm(x, al.from_numpy(b))) == "MmBackward0"
    assert name(x.mv(al.from_numpy(v))) == "MvBackward0"
    assert name(al.dot(al.from_numpy(v).requires_grad_(), al.from_numpy(v))) == "DotBackward0"
    p, q = rand(2, 2, 3), rand(2, 3, 4)
    z = al.bmm(al.from_numpy(p).requires_grad_(), al.from_numpy(q))
    assert name(z) == "BmmBackward0"
    np.testing.assert_allclose(z.detach().numpy(), p @ q)
    o = al.outer(al.from_numpy(v).requires_grad_(), al.from_numpy(rand(2)))
    assert o.shape == (3, 2) and name(o) == "MulBackward0"
    assert al.ger(al.ones(2), al.ones(3)).shape == (2, 3)
    check(lambda s, t: al.bmm(s, t) ** 2, p, q)
    check(lambda s, t: al.outer(s, t) ** 2, v, rand(4))
    check(lambda s, t: s.mv(t) * s.mm(s.T).sum(), a, v)
    with pytest.raises(RuntimeError, match="self must be a matrix"):
        al.randn(3).mm(al.randn(3, 3))
    with pytest.raises(RuntimeError, match="vector \\+ matrix @ vector expected, got 1, 2, 2"):
        al.randn(2, 3).mv(al.randn(2, 3))
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D tensors"):
        al.randn(2, 3).dot(al.randn(3))
    with pytest.raises(RuntimeError, match="batch1 must be a 3D tensor"):
        al.randn(2, 3).bmm(al.randn(2, 3, 3))
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 "
                       r"tensor to be: \[2, 3\] but got: \[3, 3\]."):
        al.randn(2, 2, 3).bmm(al.randn(3, 3, 3))
    with pytest.raises(RuntimeError, match="outer: Expected 1-D argument self, but got 2-D"):
        al.outer(al.randn(2, 2), al.randn(3))


def test_matmul_with_numpy_and_integers():
    a = al.arange(6).reshape(2, 3)
    assert (a @ al.arange(3)).tolist() == [5, 14]
    x = al.randn(2, 3)
    np.testing.assert_allclose((x @ np.ones((3, 1), np.float32)).numpy(),
                               x.numpy() @ np.ones((3, 1)), rtol=1e-6)
    np.testing.assert_allclose((np.ones((1, 2), np.float32) @ x).numpy(),
                               np.ones((1, 2)) @ x.numpy(), rtol=1e-6)


def test_diag_trace():
    v, m = rand(3), rand(3, 4)
    d = al.diag(al.from_numpy(v).requires_grad_())
    assert name(d) == "DiagEmbedBackward0"
    np.testing.assert_allclose(d.detach().numpy(), np.diag(v))
    np.testing.assert_allclose(al.diag(al.from_numpy(v), 1).numpy(), np.diag(v, 1))
    t = al.from_numpy(m).requires_grad_()
    assert name(t.diag()) == "DiagonalBackward0_copy"
    np.testing.assert_allclose(t.diag(-1).detach().numpy(), np.diag(m, -1))
    assert name(t.trace()) == "TraceBackward0"
    assert t.trace().item() == pytest.approx(np.trace(m))
    assert al.arange(9).reshape(3, 3).trace().item() == 12
    check(lambda s: al.diag(s, -1) ** 2, v)
    check(lambda s: s.diag(1) ** 2 * s.trace(), m)
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 3D"):
        al.zeros(2, 3, 4).diag()
    with pytest.raises(RuntimeError, match="trace: expected a matrix, but got tensor with dim 3"):
        al.zeros(2, 3, 4).trace()


@pytest.mark.parametrize("xshape,bias,expected", [
    ((5, 3), True, "AddmmBackward0"), ((5, 3), False, "MmBackward0"),
    ((2, 5, 3), True, "ViewBackward0"), ((2, 5, 3), False, "UnsafeViewBackward0"),
    ((3,), True, "ViewBackward0"), ((3,), False, "SqueezeBackward4")])
def test_linear(xshape, bias, expected):
    a, w, b = rand(*xshape), rand(4, 3), rand(4)
    x, wt = al.from_numpy(a).requires_grad_(), al.from_numpy(w).requires_grad_()
    bt = al.from_numpy(b).requires_grad_() if bias else None
    y = linear(x, wt, bt)
    assert name(y) == expected
    np.testing.assert_allclose(y.detach().numpy(), a @ w.T + (b if bias else 0))
    if bias:
        check(lambda s, u, c: linear(s, u, c) ** 2, a, w, b)
    else:
        check(lambda s, u: linear(s, u) ** 2, a, w)


def test_linear_computes_only_needed_grads():
    x, w, b = al.randn(5, 3), al.randn(4, 3, requires_grad=True), al.randn(4, requires_grad=True)
    y = linear(x, w, b)
    assert y.grad_fn.next_functions[1] == (None, 0)  # (bias, input, weight.t()) as in PyTorch
    y.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 5.0))
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.numpy().sum(0), (4, 1)), rtol=1e-5)
    assert x.grad is None
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and "
                       r"2x4\)"):
        linear(al.randn(2, 3), al.randn(4, 2))
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the "
                       r"existing size \(3\) at non-singleton dimension 1.  Target sizes: \[2, 4\]."
                       r"  Tensor sizes: \[3\]"):
        linear(al.randn(2, 3), al.randn(4, 3), al.randn(3))


# --- autograd_lite.linalg ----------------------------------------------------------------------

def _well_conditioned(n, batch=()):
    return rand(*batch, n, n) + 3 * np.eye(n)


@pytest.mark.parametrize("ashape,bshape", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (2, 3)),
                                           ((2, 3), (3,)), ((2, 3), (2, 3, 2))])
def test_solve(ashape, bshape):
    A, B = _well_conditioned(ashape[-1], ashape[:-1]), rand(*bshape)
    X = al.linalg.solve(al.from_numpy(A).requires_grad_(), al.from_numpy(B))
    assert name(X) == "LinalgSolveExBackward0"
    vec = len(bshape) == 1 or (len(bshape) == len(ashape) and bshape == ashape)
    ref = np.linalg.solve(A, B[..., None])[..., 0] if vec else np.linalg.solve(A, B)
    np.testing.assert_allclose(X.detach().numpy(), ref)
    check(lambda a, b: al.linalg.solve(a, b) ** 2, A, B)


def test_inv_det():
    A = _well_conditioned(3)
    t = al.from_numpy(A).requires_grad_()
    assert name(al.linalg.inv(t)) == "LinalgInvExBackward0"
    assert name(al.linalg.det(t)) == name(al.det(t)) == "LinalgDetBackward0"
    np.testing.assert_allclose(al.inverse(t).detach().numpy(), np.linalg.inv(A))
    np.testing.assert_allclose(al.linalg.det(t).item(), np.linalg.det(A))
    check(lambda a: al.linalg.inv(a) ** 2, A)
    check(lambda a: al.linalg.det(a) ** 2, A)
    check(lambda a: al.linalg.det(a), _well_conditioned(3, (2,)))
    # a singular matrix: the gradient of det is the cofactor matrix
    S = al.tensor([[1., 2., 0.], [2., 4., 0.], [0., 0., 3.]], dtype=al.float64,
                  requires_grad=True)
    al.linalg.det(S).backward()
    np.testing.assert_allclose(S.grad.numpy(), [[12, -6, 0], [-6, 3, 0], [0, 0, 0]], atol=1e-12)
    check(lambda a: al.linalg.det(a), [[1., 2., 0.], [2., 4., 0.], [0., 1., 3.]], second=False)
    with pytest.raises(al.linalg.LinAlgError, match="linalg.inv: The diagonal element 2 is zero, "
                       "the inversion could not be completed because the input matrix is "
                       "singular."):
        al.linalg.inv(al.tensor([[1., 2.], [2., 4.]]))
    with pytest.raises(RuntimeError, match="torch.linalg.solve: The solver failed because the "
                       "input matrix is singular."):
        al.linalg.solve(al.zeros(3, 3), al.ones(3))
    with pytest.raises(RuntimeError, match="linalg.inv: A must be batches of square matrices, but "
                       "they are 2 by 3 matrices"):
        al.linalg.inv(al.zeros(2, 3))
    with pytest.raises(RuntimeError, match=r"linalg.solve: Incompatible shapes of A and B for the "
                       r"equation AX = B \(3x3 and 2x1\)"):
        al.linalg.solve(al.eye(3), al.ones(2))


def test_eigh():
    A = rand(3, 3)
    A = A + A.T
    r = al.linalg.eigh(al.from_numpy(A).requires_grad_())
    w, v = np.linalg.eigh(A)
    np.testing.assert_allclose(r.eigenvalues.detach().numpy(), w)
    np.testing.assert_allclose(np.abs(r.eigenvectors.detach().numpy()), np.abs(v))
    assert name(r.eigenvalues) == "LinalgEighBackward0"
    assert repr(r).startswith("torch.return_types.linalg_eigh(\neigenvalues=tensor(")
    np.testing.assert_allclose(al.linalg.eigvalsh(al.from_numpy(A)).numpy(), w)

    def f(x):  # a symmetric input, and outputs that do not depend on the eigenvectors' signs
        lam, vec = al.linalg.eigh(x + x.T)
        return al.cat([lam * lam, (vec * vec).reshape(-1)])

    check(f, rand(3, 3))
    # PyTorch's gradient for a fixed matrix
    B = al.tensor([[2., 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 1]], dtype=al.float64,
                  requires_grad=True)
    L, V = al.linalg.eigh(B)
    ((L * al.tensor([1., 2, 3], dtype=al.float64)).sum() + V[:, 0].abs().sum()).backward()
    np.testing.assert_allclose(B.grad.numpy(), [
        [1.7791655654237113, 0.7044886751217168, 0.6752241119904394],
        [0.7044886751217171, 2.5801681773213563, -0.2554747995680646],
        [0.6752241119904396, -0.25547479956806474, 1.6406662572549346]], rtol=1e-10)


def test_linalg_norms():
    a = rand(3, 4)
    x = al.from_numpy(a)
    assert al.linalg.norm(x).item() == pytest.approx(np.linalg.norm(a))
    assert al.linalg.norm(x, "fro").item() == pytest.approx(np.linalg.norm(a, "fro"))
    for o in (1, -1, float("inf"), -float("inf")):
        assert al.linalg.norm(x, o).item() == pytest.approx(np.linalg.norm(a, o))
        assert al.linalg.matrix_norm(x, o).item() == pytest.approx(np.linalg.norm(a, o))
    np.testing.assert_allclose(al.linalg.norm(x, 3, dim=1).numpy(),
                               np.linalg.norm(a, 3, axis=1))
    np.testing.assert_allclose(al.linalg.vector_norm(x, 1, dim=(0, 1)).numpy(), np.abs(a).sum())
    assert name(al.linalg.vector_norm(x.requires_grad_())) == "LinalgVectorNormBackward0"
    check(lambda t: al.linalg.norm(t, dim=0) * al.linalg.matrix_norm(t, 1), a)
    with pytest.raises(RuntimeError, match="linalg.norm: If dim is not specified but ord is, the "
                       "input must be 1D or 2D. Got 3D."):
        al.linalg.norm(al.zeros(2, 3, 4), 1)
    with pytest.raises(NotImplementedError):
        al.linalg.norm(x, "nuc")


# --- softmax and friends -----------------------------------------------------------------------

def _softmax(a, axis):
    e = np.exp(a - a.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


@pytest.mark.parametrize("shape,dim", [((4,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -1)])
def test_softmax_log_softmax(shape, dim):
    a = rand(*shape) * 3
    x = al.from_numpy(a).requires_grad_()
    np.testing.assert_allclose(F.softmax(x, dim).detach().numpy(), _softmax(a, dim))
    np.testing.assert_allclose(al.log_softmax(x, dim).detach().numpy(), np.log(_softmax(a, dim)))
    assert name(x.softmax(dim)) == name(al.softmax(x, dim)) == "SoftmaxBackward0"
    assert name(x.log_softmax(dim)) == "LogSoftmaxBackward0"
    check(lambda t: F.softmax(t, dim) * F.log_softmax(t, dim), a)


def test_softmax_stability_and_errors():
    big = al.tensor([1000., -1000., 0.])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.softmax(big, 0).tolist() == [1, 0, 0]
        assert F.log_softmax(big, 0).tolist() == [0, -2000, -1000]
        np.testing.assert_allclose(F.logsigmoid(big).numpy(), [0, -1000, -np.log(2)])
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been "
                      "deprecated. Change the call to include dim=X as an argument."):
        F.softmax(al.zeros(3))
    assert F.softmax(al.zeros(2, 3), dim=1, dtype=al.float64).dtype == al.float64
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-1, 0\], but got 1\)"):
        F.log_softmax(al.zeros(3), 1)
    assert F.softmax(al.zeros(0, 3), 1).shape == (0, 3)


def test_logsigmoid():
    a = rand(3, 4) * 4
    x = al.from_numpy(a).requires_grad_()
    np.testing.assert_allclose(F.logsigmoid(x).detach().numpy(), -np.log1p(np.exp(-a)))
    assert name(F.logsigmoid(x)) == "LogSigmoidBackward0"
    check(F.logsigmoid, a)


# --- losses ------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    a, t = rand(3, 4), rand(3, 4)
    loss = F.mse_loss(al.from_numpy(a).requires_grad_(), al.from_numpy(t), reduction=reduction)
    ref = (a - t) ** 2
    ref = ref.mean() if reduction == "mean" else ref.sum() if reduction == "sum" else ref
    np.testing.assert_allclose(loss.detach().numpy(), ref)
    assert name(loss) == "MseLossBackward0"
    check(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, t)


def test_mse_loss_broadcast_warning_and_errors():
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[3, 1\]\)\) that is "
                      r"different to the input size \(torch.Size\(\[3\]\)\). This will likely "
                      "lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size."):
        F.mse_loss(al.zeros(3), al.zeros(3, 1))
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(al.zeros(3), al.zeros(3), reduction="foo")
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert F.mse_loss(al.ones(3), al.zeros(3), size_average=False).item() == 3


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(reduction):
    p, t, w = RNG.uniform(0.05, 0.95, (3, 4)), RNG.uniform(0, 1, (3, 4)), RNG.uniform(0, 2, 4)
    loss = F.binary_cross_entropy(al.from_numpy(p).requires_grad_(), al.from_numpy(t),
                                  al.from_numpy(w), reduction=reduction)
    ref = -w * (t * np.log(p) + (1 - t) * np.log(1 - p))
    ref = ref.mean() if reduction == "mean" else ref.sum() if reduction == "sum" else ref
    np.testing.assert_allclose(loss.detach().numpy(), ref)
    assert name(loss) == "BinaryCrossEntropyBackward0"
    check(lambda x, y: F.binary_cross_entropy(x, y, al.from_numpy(w), reduction=reduction), p, t)


def test_binary_cross_entropy_clamps_like_pytorch():
    x = al.tensor([[0.2, 0.8], [1., 0.]], requires_grad=True)
    t = al.tensor([[1., 0.], [1., 1.]], requires_grad=True)
    loss = F.binary_cross_entropy(x, t)
    assert loss.item() == pytest.approx(25.8047, abs=1e-4)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-1.25, 1.25], [0, -2.5e11]], rtol=1e-5)
    np.testing.assert_allclose(t.grad.numpy()[0], [0.3466, -0.3466], atol=1e-4)
    assert t.grad.numpy()[1].tolist() == [-np.inf, np.inf]
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(al.tensor([1.5]), al.tensor([1.]))
    with pytest.raises(ValueError, match=r"Using a target size \(torch.Size\(\[1, 1\]\)\) that is "
                       r"different to the input size \(torch.Size\(\[1\]\)\) is deprecated. "
                       "Please ensure they have the same size."):
        F.binary_cross_entropy(al.tensor([0.5]), al.tensor([[1.]]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(reduction):
    z, t = rand(3, 4) * 3, RNG.uniform(0, 1, (3, 4))
    w, pw = RNG.uniform(0, 2, (3, 4)), RNG.uniform(0.5, 2, 4)
    s = 1 / (1 + np.exp(-z))
    for kw, ref in ((dict(), -(t * np.log(s) + (1 - t) * np.log(1 - s))),
                    (dict(weight=al.from_numpy(w), pos_weight=al.from_numpy(pw)),
                     -w * (pw * t * np.log(s) + (1 - t) * np.log(1 - s)))):
        loss = F.binary_cross_entropy_with_logits(al.from_numpy(z), al.from_numpy(t),
                                                  reduction=reduction, **kw)
        ref = ref.mean() if reduction == "mean" else ref.sum() if reduction == "sum" else ref
        np.testing.assert_allclose(loss.numpy(), ref)
        check(lambda x, y, kw=kw: F.binary_cross_entropy_with_logits(
            x, y, reduction=reduction, **kw), z, t)
    loss = F.binary_cross_entropy_with_logits(al.from_numpy(z).requires_grad_(), al.from_numpy(t))
    assert name(loss) == "BinaryCrossEntropyWithLogitsBackward0"


def test_binary_cross_entropy_with_logits_is_stable():
    x = al.tensor([1000., -1000.], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy_with_logits(x, al.tensor([0., 1.]), reduction="none")
        assert loss.tolist() == [1000, 1000]
        loss.sum().backward()
    assert x.grad.tolist() == [1, -1]
    with pytest.raises(ValueError, match=r"Target size \(torch.Size\(\[1, 1\]\)\) must be the same "
                       r"as input size \(torch.Size\(\[1\]\)\)"):
        F.binary_cross_entropy_with_logits(al.tensor([0.5]), al.tensor([[1.]]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction):
    a, target, w = rand(5, 4), np.array([0, 3, 1, -100, 3]), RNG.uniform(0.5, 2, 4)
    tt = al.from_numpy(target)
    keep = target != -100
    picked = -a[np.arange(5), np.where(keep, target, 0)] * w[np.where(keep, target, 0)] * keep
    ref = picked if reduction == "none" else picked.sum()
    if reduction == "mean":
        ref = picked.sum() / (w[target[keep]]).sum()
    loss = F.nll_loss(al.from_numpy(a).requires_grad_(), tt, al.from_numpy(w),
                      reduction=reduction)
    np.testing.assert_allclose(loss.detach().numpy(), ref)
    assert name(loss) == "NllLossBackward0"
    check(lambda x: F.nll_loss(x, tt, al.from_numpy(w), reduction=reduction), a)
    check(lambda x: F.nll_loss(x, al.tensor(2), reduction=reduction), rand(4))  # 1-D input
    t3 = al.tensor([[0, 1, 2], [2, -100, 0]])
    check(lambda x: F.nll_loss(x, t3, reduction=reduction), rand(2, 4, 3))  # (N, C, d)
    x4 = al.zeros(2, 4, 3, 2, requires_grad=True)
    assert name(F.nll_loss(x4, al.zeros(2, 3, 2, dtype=al.int64), reduction=reduction)) == \
        "NllLoss2DBackward0"
    assert name(F.nll_loss(x4[..., 0], t3.clamp(0, 3), reduction=reduction)) == (
        "ViewBackward0" if reduction == "none" else "NllLoss2DBackward0")


def test_nll_loss_errors():
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.nll_loss(al.zeros(3, 4), al.tensor([0, 5, 1]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                       r"batch_size \(2\)."):
        F.nll_loss(al.zeros(3, 4), al.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got "
                       "Float"):
        F.nll_loss(al.zeros(3, 4), al.tensor([0., 1, 1]))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4 "
                       r"classes or no classes but got weight tensor of shape: \[3\]"):
        F.nll_loss(al.zeros(3, 4), al.tensor([0, 1, 1]), weight=al.ones(3))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not "
                       "supported"):
        F.nll_loss(al.zeros(2, 3), al.zeros(2, 2, dtype=al.int64))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 5\]"):
        F.nll_loss(al.zeros(2, 3, 4), al.zeros(2, 5, dtype=al.int64))
    assert np.isnan(F.nll_loss(al.zeros(3, 4), al.tensor([-100, -100, -100])).item())


def test_cross_entropy_matches_pytorch():
    x = al.tensor(np.sin(np.arange(12.).reshape(3, 4)) * 2, requires_grad=True)
    tg = al.tensor([0, 3, -100])
    w = al.tensor([1., 2., 0.5, 1.5], dtype=al.float64)
    cases = [
        (dict(), 1.427391993912662, [-0.4639526721, 0.193983811, 0.222166609, 0.0478022521]),
        (dict(weight=w), 1.1869153205499023,
         [-0.3711621377, 0.1551870488, 0.1777332872, 0.0382418017]),
        (dict(label_smoothing=0.2), 1.5311026761443078,
         [-0.3889526721, 0.168983811, 0.197166609, 0.0228022521]),
        (dict(weight=w, label_smoothing=0.2), 1.3455923029876942,
         [-0.3097202446, 0.1229464013, 0.1766199516, 0.0101538918]),
        (dict(reduction="sum", label_smoothing=0.1), 2.95849467005697,
         [-0.8529053443, 0.3629676221, 0.419333218, 0.0706045042]),
        (dict(reduction="none", weight=w, label_smoothing=0.3),
         [2.4746179085131796, 1.0877090770032949, 0.0],
         [-0.6974982451, 0.2670651937, 0.4401582093, -0.0097251579])]
    for kw, value, grad_row0 in cases:
        loss = F.cross_entropy(x, tg, **kw)
        np.testing.assert_allclose(loss.detach().numpy(), value, rtol=1e-10)
        (g,) = autograd.grad(loss.sum(), x)
        np.testing.assert_allclose(g.numpy()[0], grad_row0, atol=1e-9)
        assert g.numpy()[2].tolist() == [0, 0, 0, 0]
    assert name(F.cross_entropy(x, tg)) == "NllLossBackward0"
    p = al.tensor(np.cos(np.arange(12.).reshape(3, 4)) ** 2).softmax(1)
    for kw, value in ((dict(), 2.1224647564204377), (dict(weight=w), 2.4616601089061168),
                      (dict(label_smoothing=0.2), 2.1155933272205343),
                      (dict(reduction="none"), [1.9765118807506465, 2.044215224313693,
                                                2.3466671641969734])):
        np.testing.assert_allclose(F.cross_entropy(x, p, **kw).detach().numpy(), value,
                                   rtol=1e-10)
    x3 = al.tensor(np.sin(np.arange(24.).reshape(2, 3, 4)))
    t3 = al.tensor([[0, 1, 2, 1], [2, 2, 0, -100]])
    assert F.cross_entropy(x3, t3).item() == pytest.approx(1.1073930508337508, rel=1e-10)
    assert F.nll_loss(x3, t3, weight=w[:3], reduction="sum").item() == \
        pytest.approx(-0.9895218929933285, rel=1e-10)


@pytest.mark.parametrize("kw", [dict(), dict(label_smoothing=0.1), dict(reduction="none"),
                                dict(reduction="sum", ignore_index=1)])
def test_cross_entropy_derivatives(kw):
    target = al.tensor([0, 3, 1])
    check(lambda x: F.cross_entropy(x, target, **kw), rand(3, 4))
    probs = al.from_numpy(_softmax(rand(3, 4), 1))
    check(lambda x: F.cross_entropy(x, probs, **kw), rand(3, 4))
    with pytest.raises(RuntimeError, match="Expected floating point type for target with class "
                       "probabilities, got Long"):
        F.cross_entropy(al.zeros(2, 3), al.zeros(2, 3, dtype=al.int64))


def test_mlp_step_with_create_graph():
    """A small MLP: its loss, gradient and a Hessian-vector product through every op here."""
    x, target = rand(6, 3), al.tensor([0, 1, 2, 1, 0, 2])

    def net(w1, b1, w2):
        h = linear(al.from_numpy(x), w1, b1).tanh()
        return F.cross_entropy(linear(h, w2), target).reshape(1)

    check(net, rand(5, 3), rand(5), rand(3, 5))
