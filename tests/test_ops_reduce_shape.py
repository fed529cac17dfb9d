"""Reductions (ops/reduce.py) and shape ops, indexing, joining (ops/shape.py, ops/index.py):
values against NumPy, first and second derivatives against central finite differences (float64),
grad_fn names and PyTorch's error messages."""

from __future__ import annotations

import numpy as np
import pytest
from gradtools import RNG, check

import autograd_lite as al


def t64(*shape):
    return al.from_numpy(RNG.standard_normal(shape))


def name(t):
    return t.grad_fn.name()


# --- reductions --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,dim,keepdim", [
    ((3, 4), None, False), ((3, 4), 0, False), ((3, 4), -1, True), ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (1,), True), ((5,), 0, False), ((), None, False)])
def test_sum_mean_values_and_grads(shape, dim, keepdim):
    a = RNG.standard_normal(shape)
    x = al.from_numpy(a)
    axis = dim if not isinstance(dim, int) else (dim,)
    np.testing.assert_allclose(al.sum(x, dim, keepdim).numpy() if dim is not None else
                               x.sum().numpy(), np.sum(a, axis=axis, keepdims=keepdim))
    if dim is not None:
        np.testing.assert_allclose(x.mean(dim, keepdim).numpy(),
                                   np.mean(a, axis=axis, keepdims=keepdim))
        check(lambda t: t.sum(dim, keepdim) * t.mean(dim, keepdim), a)
    else:
        check(lambda t: t.sum() * t.mean(), a)


def test_sum_mean_names_and_dtypes():
    x = t64(3, 4).requires_grad_()
    assert name(x.sum()) == "SumBackward0"
    assert name(x.sum(0)) == name(x.sum((0, 1))) == "SumBackward1"
    assert name(x.mean()) == "MeanBackward0" and name(x.mean(1)) == "MeanBackward1"
    assert al.tensor([1, 2]).sum().dtype == al.int64
    assert al.tensor([True, False, True]).sum().item() == 2
    assert al.tensor([1, 2], dtype=al.int32).sum().dtype == al.int64
    assert al.tensor([1, 2]).sum(dtype=al.float64).dtype == al.float64
    assert al.tensor([1, 2]).mean(dtype=al.float64).item() == 1.5
    assert x.sum(dim=()).shape == ()
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype. Input dtype "
                       "must be either a floating point or complex dtype. Got: Long"):
        al.tensor([1, 2]).mean()
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)"):
        x.sum(2)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        x.sum((0, 0))


def test_max_min_all_ties_share_gradient():
    x = al.tensor([[1., 2.], [2., 1.]], requires_grad=True)
    m = x.max()
    assert name(m) == "MaxBackward1" and m.item() == 2
    m.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, .5], [.5, 0]])
    assert name(x.min()) == "MinBackward1"
    check(lambda t: t.max() * t.min(), RNG.standard_normal((3, 4)))
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified for "
                       r"input.numel\(\) == 0. Specify the reduction dim with the 'dim' argument."):
        al.zeros(0).max()


def test_max_min_dim_namedtuple():
    x = al.tensor([[1., 5., 3.], [4., 2., 6.]], requires_grad=True)
    r = x.max(1)
    assert isinstance(r, tuple) and r.values is r[0] and r.indices is r[1]
    assert r.indices.tolist() == [1, 2] and r.values.tolist() == [5., 6.]
    assert name(r.values) == "MaxBackward0" and r.indices.grad_fn is None
    assert r.indices.dtype == al.int64
    assert repr(r).startswith("torch.return_types.max(\nvalues=tensor([5., 6.], "
                              "grad_fn=<MaxBackward0>),\nindices=tensor([1, 2]))")
    r = al.min(x, dim=0, keepdim=True)
    assert r.values.shape == (1, 3) and name(r.values) == "MinBackward0"
    assert repr(r).startswith("torch.return_types.min(")
    values, indices = x.max(0)
    assert indices.tolist() == [1, 0, 1]
    # ties: the gradient goes to the selected index only
    y = al.tensor([[2., 2.], [2., 1.]], requires_grad=True)
    y.max(1).values.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[1, 0], [1, 0]])
    check(lambda t: t.max(1).values * 2 + t.min(0, keepdim=True)[0].sum(), RNG.random((3, 4)))
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 1 to have non-zero "
                       "size."):
        al.zeros(2, 0).max(1)


def test_max_with_tensor_is_elementwise():
    a, b = t64(3).requires_grad_(), t64(3)
    assert name(al.max(a, b)) == "MaximumBackward0"
    assert name(a.min(b)) == "MinimumBackward0"
    np.testing.assert_allclose(al.max(a, b).detach().numpy(),
                               np.maximum(a.detach().numpy(), b.numpy()))


def test_amax_amin():
    x = al.tensor([[2., 2.], [2., 1.]], requires_grad=True)
    y = x.amax(1)
    assert name(y) == "AmaxBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[.5, .5], [1, 0]])
    assert name(al.amin(x)) == "AminBackward0" and al.amin(x).shape == ()
    a = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(al.from_numpy(a).amax((0, 2)).numpy(), a.max(axis=(0, 2)))
    np.testing.assert_allclose(al.from_numpy(a).amin(-1, True).numpy(), a.min(-1, keepdims=True))
    check(lambda t: t.amax((0, 2)) * t.amin(1).sum(), a)


def test_argmax_argmin():
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a)
    assert x.argmax().item() == a.argmax() and al.argmin(x).item() == a.argmin()
    assert x.argmax(1).tolist() == a.argmax(1).tolist()
    assert x.argmin(0, keepdim=True).shape == (1, 4)
    assert x.argmax(keepdim=True).shape == (1, 1)
    assert x.argmax(1).dtype == al.int64
    with pytest.raises(IndexError, match=r"argmax\(\): Expected reduction dim to be specified "
                       r"for input.numel\(\) == 0."):
        al.zeros(0).argmax()


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": 1, "keepdim": True},
                                    {"dim": (0, 1), "unbiased": False}, {"dim": 1, "correction": 0},
                                    {"dim": -1, "correction": 2}])
def test_var_std(kwargs):
    a = RNG.standard_normal((4, 5))
    ddof = kwargs.get("correction", 0 if kwargs.get("unbiased") is False else 1)
    axis = kwargs.get("dim")
    keep = kwargs.get("keepdim", False)
    x = al.from_numpy(a)
    np.testing.assert_allclose(x.var(**kwargs).numpy(), a.var(axis=axis, ddof=ddof, keepdims=keep))
    np.testing.assert_allclose(al.std(x, **kwargs).numpy(),
                               a.std(axis=axis, ddof=ddof, keepdims=keep))
    check(lambda t: t.var(**kwargs) + t.std(**kwargs) ** 3, a)


def test_var_std_names_positional_forms_and_errors():
    x = al.tensor([[1., 2.], [3., 5.]], requires_grad=True)
    assert name(x.var()) == name(x.var(0)) == "VarBackward0"
    assert name(x.std()) == "StdBackward0"
    assert x.var(False).item() == pytest.approx(np.var([1, 2, 3, 5]))
    assert al.var(x, False).item() == pytest.approx(np.var([1, 2, 3, 5]))
    assert x.var(0, True, True).shape == (1, 2)
    assert al.std(x, 1, False, True).tolist() == [[0.5], [1.0]]
    # a constant row has standard deviation 0 and gradient 0 there (not nan)
    y = al.tensor([[0., 0.], [2., 1.]], requires_grad=True)
    y.std(dim=1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[0, 0], [0.70710678, -0.70710678]])
    with pytest.raises(RuntimeError, match="std and var only support floating point and complex "
                       "dtypes"):
        al.arange(3).var()
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0"):
        assert np.isnan(al.zeros(1).var().item())
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom is <= 0"):
        al.zeros(1).std()


def test_prod_values_names_and_zeros():
    a = RNG.uniform(0.5, 1.5, (3, 4))
    x = al.from_numpy(a).requires_grad_()
    np.testing.assert_allclose(x.prod().item(), a.prod())
    np.testing.assert_allclose(x.prod(1, keepdim=True).detach().numpy(), a.prod(1, keepdims=True))
    assert name(x.prod()) == "ProdBackward0" and name(x.prod(0)) == "ProdBackward1"
    assert al.tensor([1, 2, 3]).prod().dtype == al.int64
    z = al.tensor([0., 0, 2, 1], requires_grad=True)
    z.prod().backward()
    assert z.grad.tolist() == [0, 0, 0, 0]
    z = al.tensor([3., 0, 2, 1], requires_grad=True)
    z.prod().backward()
    assert z.grad.tolist() == [0, 6, 0, 0]
    check(lambda t: t.prod(), a)
    check(lambda t: t.prod(0), a)
    for zeros in ([1], [0, 2], [0, 1, 3]):  # 1, 2, 3 zeros in a row: exact 1st and 2nd derivatives
        b = RNG.uniform(0.5, 1.5, (2, 4))
        b[0, zeros] = 0
        check(lambda t: t.prod(1), b)
        check(lambda t: t.prod(), b)


@pytest.mark.parametrize("p", [2, 1, 3, float("inf"), "fro", 0.5])
def test_norm(p):
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a)
    ref_p = 2 if p == "fro" else p
    flat = np.abs(a).reshape(-1)
    ref = flat.max() if ref_p == float("inf") else (flat ** ref_p).sum() ** (1 / ref_p)
    np.testing.assert_allclose(x.norm(p).item(), ref)
    np.testing.assert_allclose(al.norm(x, p, dim=1, keepdim=True).numpy(),
                               np.linalg.norm(a, ord=ref_p, axis=1, keepdims=True))
    assert name(x.requires_grad_().norm(p)) == "LinalgVectorNormBackward0"
    check(lambda t: t.norm(p, dim=1) * t.norm(p), a)


def test_norm_gradient_at_zero_is_zero():
    for p in (2, 1, 3, 0.5, float("inf")):
        x = al.tensor([[0., 0.], [2., 1.]], requires_grad=True)
        x.norm(dim=1, p=p).sum().backward()
        assert x.grad[0].tolist() == [0, 0]
        assert np.isfinite(x.grad.numpy()).all()
    x = al.tensor([[2., -2.], [2., 1.]], requires_grad=True)
    x.norm(p=float("inf")).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1 / 3, -1 / 3], [1 / 3, 0]])
    with pytest.raises(RuntimeError, match="linalg.vector_norm: Expected a floating point or "
                       "complex tensor as input. Got Long"):
        al.arange(3).norm()


def test_logsumexp():
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a)
    np.testing.assert_allclose(x.logsumexp(1).numpy(), np.log(np.exp(a).sum(1)))
    np.testing.assert_allclose(al.logsumexp(x, (0, 1), keepdim=True).numpy(),
                               np.log(np.exp(a).sum(keepdims=True)))
    big = al.tensor([1000., 1000., -1000.])
    assert big.logsumexp(0).item() == pytest.approx(1000 + np.log(2))
    assert name(x.requires_grad_().logsumexp(0)) == "LogsumexpBackward0"
    check(lambda t: t.logsumexp(1) ** 2, a)
    with pytest.raises(TypeError):
        al.logsumexp(x)  # dim is required, as in PyTorch


def test_cumsum():
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a)
    np.testing.assert_allclose(x.cumsum(1).numpy(), a.cumsum(1))
    np.testing.assert_allclose(al.cumsum(x, dim=-2).numpy(), a.cumsum(0))
    assert al.tensor([1, 2, 3], dtype=al.int32).cumsum(0).dtype == al.int64
    assert name(x.requires_grad_().cumsum(0)) == "CumsumBackward0"
    check(lambda t: t.cumsum(0) * t.cumsum(1), a)


def test_all_any():
    x = al.tensor([[True, False], [True, True]])
    assert not x.all().item() and x.any().item()
    assert x.all(1).tolist() == [False, True] and al.any(x, 0, keepdim=True).shape == (1, 2)
    assert al.zeros(2, 3).all(dim=(0, 1)).item() is False


def test_sum_to_size():
    a = RNG.standard_normal((2, 3, 4))
    x = al.from_numpy(a).requires_grad_()
    y = x.sum_to_size(3, 1)
    assert y.shape == (3, 1) and name(y) == "SumBackward1"
    np.testing.assert_allclose(y.detach().numpy(), a.sum(0).sum(1, keepdims=True))
    assert x.sum_to_size((2, 3, 4)) is x
    check(lambda t: t.sum_to_size(1, 4) ** 2, a)
    with pytest.raises(RuntimeError, match=r"size \{\[2, 4\]\} is not expandable to size "
                       r"\{\[2, 3, 4\]\}."):
        x.sum_to_size(2, 4)
    with pytest.raises(RuntimeError, match=r"size \{\[1, 2, 3, 4\]\} is not expandable"):
        x.sum_to_size(1, 2, 3, 4)


def test_broadcast_gradient_reaches_input_shape():
    a, b = t64(3, 1).requires_grad_(), t64(4).requires_grad_()
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,)
    check(lambda u, v: (u * v) ** 2, RNG.standard_normal((3, 1)), RNG.standard_normal(4))


# --- shape ops ---------------------------------------------------------------------------------

def test_reshape_view():
    a = RNG.standard_normal((2, 3, 4))
    x = al.from_numpy(a).requires_grad_()
    assert name(x.reshape(6, 4)) == name(x.view(-1)) == name(x.view((4, 6))) == "ViewBackward0"
    assert al.reshape(x, (4, -1)).shape == (4, 6)
    assert x.view_as(al.zeros(24)).shape == (24,) and x.reshape_as(al.zeros(6, 4)).shape == (6, 4)
    check(lambda t: t.reshape(4, 6) @ t.view(6, 4), a)
    with pytest.raises(RuntimeError, match=r"shape '\[2, 4\]' is invalid for input of size 6"):
        al.zeros(6).view(2, 4)
    with pytest.raises(RuntimeError, match=r"shape '\[-1, 4\]' is invalid for input of size 6"):
        al.zeros(6).reshape(-1, 4)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        al.zeros(6).view(-1, -1)
    with pytest.raises(RuntimeError, match=r"view size is not compatible with input tensor's size "
                       r"and stride .* Use .reshape\(...\) instead."):
        al.zeros(3, 4).t().view(12)
    assert al.zeros(3, 4).t().reshape(12).shape == (12,)
    assert al.zeros(3, 4).t().contiguous().view(12).shape == (12,)


def test_views_share_version_counter_and_base():
    x = al.zeros(2, 3)
    for v in (x.view(6), x.reshape(3, 2), x.t(), x.T, x[0], x[:, 1:], x.unsqueeze(0),
              x.squeeze(), x.permute(1, 0), x.transpose(0, 1), x.expand(4, 2, 3), x.flatten(),
              x.narrow(1, 0, 2), x.unbind()[0], x.split(1)[0]):
        assert v._base is x
        before = x._version
        v._bump_version()
        assert x._version == before + 1
    y = x.view(6)
    y.add_(1)  # writes through to x
    assert x.sum().item() == 6
    assert x[0].view(3)._base is x  # the base is the root
    r = x.t().reshape(6)  # a copy: no shared counter
    assert r._base is None


def test_transpose_t_T_mT_permute():
    a = RNG.standard_normal((2, 3, 4))
    x = al.from_numpy(a).requires_grad_()
    assert name(x.transpose(0, 2)) == name(x.mT) == "TransposeBackward0"
    assert name(x[0].t()) == "TBackward0" and name(x[0].T) == name(x.permute(2, 0, 1)) == \
        "PermuteBackward0"
    np.testing.assert_allclose(x.permute((2, 0, 1)).detach().numpy(), a.transpose(2, 0, 1))
    np.testing.assert_allclose(x.mT.detach().numpy(), a.swapaxes(1, 2))
    assert al.swapaxes(x, 0, 1).shape == (3, 2, 4)
    assert al.zeros(3).t().shape == (3,)
    with pytest.warns(UserWarning, match="The use of `x.T` on tensors of dimension other than 2"):
        assert x.T.shape == (4, 3, 2)
    check(lambda t: t.permute(2, 0, 1).transpose(0, 1).mT * t[0].T.sum(), a)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions, but "
                       "self is 3D"):
        x.t()
    with pytest.raises(RuntimeError, match="tensor.mT is only supported on matrices or batches of "
                       "matrices. Got 1-D tensor."):
        _ = al.zeros(2).mT
    with pytest.raises(RuntimeError, match=r"permute\(sparse_coo\): number of dimensions in the "
                       r"tensor input does not match the length of the desired ordering of "
                       r"dimensions i.e. input.dim\(\) = 3 is not equal to len\(dims\) = 2"):
        x.permute(0, 1)
    with pytest.raises(RuntimeError, match=r"permute\(\): duplicate dims are not allowed."):
        x.permute(0, 1, 1)


def test_flatten_unflatten_squeeze_unsqueeze():
    a = RNG.standard_normal((2, 1, 3, 1))
    x = al.from_numpy(a).requires_grad_()
    assert x.flatten().shape == (6,) and name(x.flatten(1)) == "ViewBackward0"
    assert al.flatten(x, 1, 2).shape == (2, 3, 1) and x.flatten(2, 2) is x
    assert x.flatten().unflatten(0, (3, -1)).shape == (3, 2)
    assert al.tensor(3.).flatten().shape == (1,)
    assert x.squeeze().shape == (2, 3) and name(x.squeeze()) == "SqueezeBackward0"
    assert x.squeeze(1).shape == (2, 3, 1) and name(x.squeeze(1)) == "SqueezeBackward1"
    assert x.squeeze(0).shape == (2, 1, 3, 1)
    assert x.squeeze((1, 3)).shape == (2, 3) and name(x.squeeze((1, 3))) == "SqueezeBackward2"
    assert x.unsqueeze(-1).shape == (2, 1, 3, 1, 1) and name(x.unsqueeze(0)) == \
        "UnsqueezeBackward0"
    check(lambda t: t.squeeze().unsqueeze(1).flatten(1) ** 2, a)
    with pytest.raises(RuntimeError, match="start_dim cannot come after end_dim"):
        x.flatten(2, 1)
    with pytest.raises(RuntimeError, match=r"unflatten: Provided sizes \[2, 2\] don't multiply up "
                       r"to the size of dim 1 \(3\) in the input tensor"):
        al.zeros(2, 3).unflatten(1, (2, 2))
    with pytest.raises(IndexError, match=r"expected to be in range of \[-3, 2\], but got 3"):
        al.zeros(2, 3).unsqueeze(3)


def test_expand_repeat():
    a = RNG.standard_normal((3, 1))
    x = al.from_numpy(a).requires_grad_()
    e = x.expand(2, 3, 4)
    assert e.shape == (2, 3, 4) and name(e) == "ExpandBackward0"
    assert x.expand(-1, 5).shape == (3, 5) and x.expand_as(al.zeros(3, 2)).shape == (3, 2)
    r = x.repeat(2, 3)
    assert name(r) == "RepeatBackward0"
    np.testing.assert_allclose(r.detach().numpy(), np.tile(a, (2, 3)))
    assert x.repeat(2, 1, 2).shape == (2, 3, 2)
    check(lambda t: t.expand(2, 3, 4) * t.repeat(1, 4), a)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(5\) must match the "
                       r"existing size \(3\) at non-singleton dimension 1.  Target sizes: \[2, 5\]."
                       r"  Tensor sizes: \[3\]"):
        al.zeros(3).expand(2, 5)
    with pytest.raises(RuntimeError, match=r"expand\(torch.FloatTensor\{\[2, 3\]\}, size=\[3\]\): "
                       r"the number of sizes provided \(1\) must be greater or equal to the number "
                       r"of dimensions in the tensor \(2\)"):
        al.zeros(2, 3).expand(3)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(-1\) isn't allowed "
                       "in a leading, non-existing dimension 0"):
        al.zeros(2, 3).expand(-1, -1, 3)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not be smaller "
                       "than number of dimensions of tensor"):
        al.zeros(2, 3).repeat(2)


def test_flip_roll_contiguous():
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a).requires_grad_()
    np.testing.assert_allclose(x.flip(0, 1).detach().numpy(), a[::-1, ::-1])
    np.testing.assert_allclose(al.roll(x, 1, 0).detach().numpy(), np.roll(a, 1, 0))
    np.testing.assert_allclose(x.roll(2).detach().numpy(), np.roll(a, 2))
    np.testing.assert_allclose(x.roll((1, -1), (0, 1)).detach().numpy(), np.roll(a, (1, -1),
                                                                                  (0, 1)))
    assert name(x.flip(0)) == "FlipBackward0" and name(x.roll(1, 0)) == "RollBackward0"
    assert x.contiguous() is x and name(x.t().contiguous()) == "CloneBackward0"
    assert x.t().contiguous().is_contiguous()
    check(lambda t: t.flip(1) * t.roll(1, 0) + t.roll(3), a)


# --- indexing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("index,expected", [
    (0, "SelectBackward0"), ((slice(None), 1), "SelectBackward0"),
    (slice(0, 2), "SliceBackward0"), ((1, slice(1, 3)), "SliceBackward0"),
    ((slice(1, 2), 1), "SelectBackward0"), (None, "UnsqueezeBackward0"),
    ((0, None), "UnsqueezeBackward0"), ((None, 0), "SelectBackward0"),
    ((Ellipsis, 0), "SelectBackward0"), ((slice(None), slice(None)), "AliasBackward0"),
    (Ellipsis, "AliasBackward0"), (slice(None, None, 2), "SliceBackward0"),
    ([0, 2], "IndexBackward0"), (([0, 1], [1, 2]), "IndexBackward0"),
    ((slice(0, 2), [0, 2]), "IndexBackward0"), (True, "IndexBackward0")])
def test_getitem_values_names_grads(index, expected):
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a).requires_grad_()
    y = x[index]
    assert name(y) == expected
    np.testing.assert_allclose(y.detach().numpy(), a[index])
    check(lambda t: t[index] ** 2, a)


def test_getitem_tensor_indices_and_repeats():
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a).requires_grad_()
    idx = al.tensor([0, 2, 0, 0])
    np.testing.assert_allclose(x[idx].detach().numpy(), a[[0, 2, 0, 0]])
    x[idx].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.array([[3.] * 4, [0] * 4, [1] * 4]))
    mask = x > 0
    np.testing.assert_allclose(x[mask].detach().numpy(), a[a > 0])
    assert x[al.tensor(1)].shape == (4,) and name(x[al.tensor(1)]) == "SelectBackward0"
    check(lambda t: t[al.tensor([[0, 1], [1, 1]])] ** 3, a)
    check(lambda t: t[al.from_numpy(a > 0)] ** 3, a)
    check(lambda t: t[[2, 2], 1:] * t[0, [3, 3, 1]].sum(), a)
    v = al.tensor([1., 2., 3.])
    assert v[0].shape == () and v[-1].item() == 3
    assert [float(e) for e in v] == [1, 2, 3]


def test_getitem_errors():
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        al.zeros(3)[5]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 4"):
        al.zeros(3, 4)[:, 5]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        al.zeros(3, 4)[al.tensor([0, 5])]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        al.zeros(3, 4)[0, 0, 0]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        al.tensor(1.)[0]
    with pytest.raises(IndexError, match=r"The shape of the mask \[2\] at index 0 does not match "
                       r"the shape of the indexed tensor \[3, 4\] at index 1"):
        al.zeros(3, 4)[:, al.tensor([True, False])]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool "
                       "tensors"):
        al.zeros(3, 4)[al.tensor([0.5])]
    with pytest.raises(IndexError, match=r"only integers, slices \(`:`\), ellipsis \(`...`\), None "
                       r"and long or byte Variables are valid indices \(got float\)"):
        al.zeros(3)[1.0]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        al.zeros(3)[::-1]
    with pytest.raises(IndexError, match=r"shape mismatch: indexing tensors could not be broadcast "
                       r"together with shapes \[2\], \[3\]"):
        al.zeros(3, 4)[al.tensor([0, 1]), al.tensor([0, 1, 2])]


def test_setitem_values_and_grads():
    x = al.zeros(3, 4)
    x[0] = 1
    x[:, 1] = al.tensor([5., 6., 7.])
    x[al.tensor([2, 2])] = -1.0
    x[x > 6] = 9
    assert x.tolist() == [[1, 5, 1, 1], [0, 6, 0, 0], [-1, -1, -1, -1]]
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal(4)

    def f(t, v):
        y = t * 1.0
        y[1] = v * v
        y[:, 0] = 2.0
        return y * t

    check(f, a, b)
    t = al.from_numpy(a).requires_grad_()
    y = t.clone()
    y[0, 1:3] = al.tensor([1., 2.], dtype=al.float64)
    assert y.grad_fn.name() == "torch::autograd::CopySlices"
    y.sum().backward()
    assert t.grad[0].tolist() == [1, 0, 0, 1]
    v = al.zeros(1, 4, dtype=al.float64, requires_grad=True)  # a leading size-1 dimension
    y = t * 1
    y[2] = v
    y.sum().backward()
    assert v.grad.shape == (1, 4)
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[3, 4\] cannot "
                       r"be broadcast to indexing result of shape \[2, 4\]"):
        al.zeros(3, 4)[[0, 1]] = al.ones(3, 4)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the "
                       r"existing size \(3\) at non-singleton dimension 0."):
        al.zeros(3, 4)[0] = al.ones(3)


def test_select_narrow_index_select():
    a = RNG.standard_normal((3, 4))
    x = al.from_numpy(a).requires_grad_()
    np.testing.assert_allclose(x.select(1, 2).detach().numpy(), a[:, 2])
    np.testing.assert_allclose(x.narrow(1, 1, 2).detach().numpy(), a[:, 1:3])
    assert name(x.narrow(0, 0, 2)) == "SliceBackward0"
    np.testing.assert_allclose(al.index_select(x, 1, al.tensor([3, 0])).detach().numpy(),
                               a[:, [3, 0]])
    check(lambda t: t.narrow(1, 1, 2) * t.select(0, 1)[:2] + t.index_select(0, al.tensor([1, 1])
                                                                         ).sum(), a)
    with pytest.raises(RuntimeError, match=r"start \(2\) \+ length \(2\) exceeds dimension size "
                       r"\(3\)."):
        al.zeros(2, 3).narrow(1, 2, 2)


# --- joining and splitting ---------------------------------------------------------------------

def test_stack_cat():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    x, y = al.from_numpy(a).requires_grad_(), al.from_numpy(b)
    np.testing.assert_allclose(al.stack([x, y], 1).detach().numpy(), np.stack([a, b], 1))
    np.testing.assert_allclose(al.cat((x, y), -1).detach().numpy(), np.concatenate([a, b], -1))
    assert name(al.stack([x, y])) == "StackBackward0" and name(al.cat([x, y])) == "CatBackward0"
    assert al.concat([x, y]).shape == al.concatenate([x, y]).shape == (4, 3)
    check(lambda u, v: al.stack([u, v * u, v], 2) ** 2, a, b)
    check(lambda u, v: al.cat([u, v[:1] * u[1:]], 0) ** 2, a, b)
    assert al.cat([al.zeros(2, dtype=al.int64), al.zeros(2)]).dtype == al.float32
    assert al.cat([al.zeros(2, dtype=al.float64), al.zeros(2)]).dtype == al.float64
    assert al.stack([al.zeros(2, dtype=al.bool), al.zeros(2, dtype=al.int32)]).dtype == al.int32
    assert al.cat([al.tensor([]), al.zeros(2, 3)]).shape == (2, 3)  # legacy empty 1-D tensors
    z = al.zeros(2, dtype=al.float64, requires_grad=True)
    al.cat([z, x[0]]).sum().backward()
    assert z.grad.dtype == al.float64


def test_stack_cat_errors():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                       r"\[2\] at entry 0 and \[3\] at entry 1"):
        al.stack([al.zeros(2), al.zeros(3)])
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        al.stack([])
    with pytest.raises(TypeError, match=r"stack\(\): argument 'tensors' \(position 1\) must be "
                       "tuple of Tensors, not Tensor"):
        al.stack(al.zeros(3))
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0. "
                       "Expected size 3 but got size 2 for tensor number 1 in the list."):
        al.cat([al.zeros(2, 3), al.zeros(2, 2)])
    with pytest.raises(ValueError, match=r"torch.cat\(\): expected a non-empty list of Tensors"):
        al.cat([])
    with pytest.raises(RuntimeError, match=r"zero-dimensional tensor \(at position 0\) cannot be "
                       "concatenated"):
        al.cat([al.tensor(1.), al.tensor(2.)])
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions: got 2 "
                       "and 1"):
        al.cat([al.zeros(2, 3), al.zeros(3)])


def test_split_chunk_unbind():
    a = RNG.standard_normal((5, 4))
    x = al.from_numpy(a).requires_grad_()
    parts = x.split(2)
    assert [p.shape[0] for p in parts] == [2, 2, 1] and name(parts[0]) == "SplitBackward0"
    parts = al.split(x, [1, 3], dim=1)
    assert [p.shape for p in parts] == [(5, 1), (5, 3)]
    assert name(parts[0]) == "SplitWithSizesBackward0"
    assert [c.shape[1] for c in x.chunk(3, 1)] == [2, 2]
    rows = x.unbind()
    assert len(rows) == 5 and name(rows[0]) == "UnbindBackward0"
    np.testing.assert_allclose(al.unbind(x, 1)[2].detach().numpy(), a[:, 2])
    # pieces that are not used get zero gradients
    check(lambda t: t.split(2)[1][:, :2] * t.chunk(2, 1)[0][:2], a)
    check(lambda t: t.unbind(1)[0] * t.unbind()[3].sum(), a)
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly "
                       r"to 5 \(input tensor's size at dimension 0\), but got "
                       r"split_sizes=\[1, 1\]"):
        x.split([1, 1])


def test_second_derivative_of_composed_shape_ops():
    a = RNG.standard_normal((2, 3))

    def f(t):
        u = al.stack([t, t.flip(1)]).permute(2, 0, 1).reshape(3, 4)
        return (u @ u.T).sum(0) * t.sum()

    check(f, a)


def test_inplace_through_views_and_create_graph_grads():
    w = al.ones(3, requires_grad=True)
    with al.no_grad():
        w[0] = 5.0
    assert w.tolist() == [5, 1, 1] and w.grad_fn is None
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                       "an in-place operation."):
        w[1] = 0.0
    x = al.ones(2, 3, requires_grad=True)
    y = x * 2
    z = y.view(6)
    out = (z * z).sum()  # saves z, a view of y
    with al.no_grad():
        y[0, 0] = 7.0  # bumps the counter shared with z
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()
    # gradients built by create_graph are ordinary tensors (sum's broadcast gradient included)
    x.sum().backward(create_graph=True)
    x.grad.zero_()
    assert x.grad.tolist() == [[0, 0, 0], [0, 0, 0]]
