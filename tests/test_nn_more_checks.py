"""More nn (see test_nn_more.py): gradcheck and gradgradcheck in float64, forward-mode tangents
and PyTorch 2.13's error messages for the new activations, LayerNorm, Embedding, losses,
normalize, cosine_similarity and pad.
"""

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite import nn
from autograd_lite.autograd import forward_ad as fwad
from autograd_lite.autograd import gradcheck, gradgradcheck
from autograd_lite.nn import functional as F


# --- gradcheck and gradgradcheck in float64 -----------------------------------------------------
def rnd(*shape, seed=0, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape)
    return torch.tensor(np.abs(a) + 0.1 if positive else a, dtype=torch.float64,
                        requires_grad=True)


IDX = torch.tensor([[0, 1], [1, 3]])
CHECKS = [
    ("softplus", lambda a: F.softplus(a), [(5,), (2, 3)]),
    ("softplus_beta", lambda a: F.softplus(a, 2., 1.), [(3, 4)]),
    ("elu", lambda a: F.elu(a, 0.7), [(5,), (2, 3, 2)]),
    ("silu", F.silu, [(4,), (2, 3)]),
    ("mish", F.mish, [(4,), (3, 2)]),
    ("hardtanh", lambda a: F.hardtanh(a, -0.5, 0.5), [(6,), (2, 3)]),
    ("relu6", lambda a: F.relu6(a * 4), [(6,)]),
    ("layer_norm", lambda a, w, b: F.layer_norm(a, a.shape[-1:], w, b),
     [((3, 4), (4,), (4,)), ((2, 2, 3), (3,), (3,))]),
    ("layer_norm_2d", lambda a, w: F.layer_norm(a, (2, 3), w, eps=0.1), [((2, 2, 3), (2, 3))]),
    ("layer_norm_plain", lambda a: F.layer_norm(a, 3), [(3,), (4, 3)]),
    ("embedding", lambda w: F.embedding(IDX, w), [(4, 3), (5, 2)]),
    ("smooth_l1", lambda a, t: F.smooth_l1_loss(a, t, beta=0.5), [((3, 4), (3, 4)), ((5,), (5,))]),
    ("smooth_l1_none", lambda a, t: F.smooth_l1_loss(a, t, reduction="none"), [((2, 3), (2, 3))]),
    ("huber", lambda a, t: F.huber_loss(a, t, delta=0.7, reduction="sum"),
     [((3, 4), (3, 4)), ((6,), (6,))]),
    ("kl_batchmean", lambda a, t: F.kl_div(a, t.abs() + 0.1, reduction="batchmean"),
     [((3, 4), (3, 4))]),
    ("kl_log_target", lambda a, t: F.kl_div(a, t, reduction="none", log_target=True),
     [((3, 4), (3, 4)), ((5,), (5,))]),
    ("normalize", lambda a: F.normalize(a, dim=0), [(3, 4), (5,)]),
    ("normalize_p1", lambda a: F.normalize(a, p=1.0), [(2, 3)]),
    ("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=-1),
     [((3, 4), (1, 4)), ((2, 5), (2, 5))]),
    ("pad", lambda a: F.pad(a, (1, -1, 2, 0), value=3.), [(3, 4)]),
    ("pad_3d", lambda a: F.pad(a, (0, 1, 1, 1, 1, 0)), [(2, 2, 2)]),
]


@pytest.mark.parametrize("name,fn,shapes", CHECKS, ids=[c[0] for c in CHECKS])
def test_gradcheck_and_gradgradcheck(name, fn, shapes):
    for k, shape in enumerate(shapes):
        args = [rnd(*s, seed=k + i) for i, s in enumerate(shape)] \
            if isinstance(shape[0], tuple) else [rnd(*shape, seed=k)]
        assert gradcheck(fn, args)
        assert gradgradcheck(fn, args)


@pytest.mark.parametrize("name,fn,shapes", CHECKS, ids=[c[0] for c in CHECKS])
def test_forward_mode_tangents_equal_jacobian_vector_products(name, fn, shapes):
    shape = shapes[0]
    args = [rnd(*s, seed=i) for i, s in enumerate(shape)] if isinstance(shape[0], tuple) \
        else [rnd(*shape)]
    tangents = [rnd(*a.shape, seed=7 + i).detach() for i, a in enumerate(args)]
    _, expected = torch.autograd.functional.jvp(fn, tuple(args), tuple(tangents))
    with fwad.dual_level():
        out = fn(*[fwad.make_dual(a.detach(), t) for a, t in zip(args, tangents)])
        tangent = fwad.unpack_dual(out).tangent
    np.testing.assert_allclose(tangent.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)


# --- PyTorch's error messages -------------------------------------------------------------------
ERRORS = [
    (lambda: F.elu(torch.tensor([1, 2])), NotImplementedError,
     "\"elu_cpu\" not implemented for 'Long'"),
    (lambda: F.softplus(torch.tensor([1, 2])), NotImplementedError,
     "\"softplus_cpu\" not implemented for 'Long'"),
    (lambda: F.silu(torch.tensor([1, 2])), NotImplementedError,
     "\"silu_cpu\" not implemented for 'Long'"),
    (lambda: F.mish(torch.tensor([1, 2])), NotImplementedError,
     "\"mish_cpu\" not implemented for 'Long'"),
    (lambda: F.hardtanh(torch.ones(2), 2., 1.), ValueError,
     "min_val cannot be greater than max_val"),
    (lambda: nn.Hardtanh(1., 1.), AssertionError,
     "max_val (1.0) must be greater than min_val (1.0)"),
    (lambda: F.layer_norm(torch.ones(3, 4), (5,)), RuntimeError,
     "Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[3, 4]"),
    (lambda: F.layer_norm(torch.ones(3, 4), (2, 4)), RuntimeError,
     "Given normalized_shape=[2, 4], expected input with shape [*, 2, 4], but got input of "
     "size[3, 4]"),
    (lambda: F.layer_norm(torch.ones(3, 4), (4,), torch.ones(3)), RuntimeError,
     "Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and "
     "normalized_shape = [4]"),
    (lambda: F.layer_norm(torch.ones(3, 4), (4,), torch.ones(4), torch.ones(3)), RuntimeError,
     "Expected bias to be of same shape as normalized_shape, but got bias of shape [3] and "
     "normalized_shape = [4]"),
    (lambda: F.layer_norm(torch.ones(3, 4, dtype=torch.int64), (4,)), NotImplementedError,
     "\"LayerNormKernelImpl\" not implemented for 'Long'"),
    (lambda: F.layer_norm(torch.ones(3, 4), ()), RuntimeError,
     "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
     "element, but got normalized_shape = []"),
    (lambda: nn.Embedding(5, 3, padding_idx=5), AssertionError,
     "Padding_idx must be within num_embeddings"),
    (lambda: nn.Embedding(5, 3, padding_idx=-6), AssertionError,
     "Padding_idx must be within num_embeddings"),
    (lambda: F.embedding(torch.tensor([5]), torch.ones(5, 3)), IndexError,
     "index out of range in self"),
    (lambda: F.embedding(torch.tensor([-1]), torch.ones(5, 3)), IndexError,
     "index out of range in self"),
    (lambda: F.embedding(torch.tensor([1.]), torch.ones(5, 3)), RuntimeError,
     "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
     "Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)"),
    (lambda: F.embedding(torch.tensor([1]), torch.ones(5)), RuntimeError, "'weight' must be 2-D"),
    (lambda: nn.Embedding.from_pretrained(torch.ones(5)), AssertionError,
     "Embeddings parameter is expected to be 2-dimensional"),
    (lambda: nn.Embedding(5, 3, _weight=torch.ones(4, 3)), AssertionError,
     "Shape of weight does not match num_embeddings and embedding_dim"),
    (lambda: F.huber_loss(torch.ones(2), torch.ones(2), delta=0.), RuntimeError,
     "huber_loss does not support non-positive values for delta."),
    (lambda: F.huber_loss(torch.ones(2), torch.ones(2), reduction="foo"), ValueError,
     "foo is not a valid value for reduction"),
    (lambda: nn.HuberLoss(delta="a"), TypeError,
     "delta must be a float or int, got: <class 'str'>"),
    (lambda: F.smooth_l1_loss(torch.ones(2), torch.ones(2), beta=-1.), RuntimeError,
     "smooth_l1_loss does not support negative values for beta."),
    (lambda: F.smooth_l1_loss(torch.ones(2), torch.ones(2), reduction="foo"), ValueError,
     "foo is not a valid value for reduction"),
    (lambda: F.kl_div(torch.ones(2), torch.ones(2), reduction="foo"), ValueError,
     "foo is not a valid value for reduction"),
    (lambda: F.kl_div(torch.ones(2), torch.ones(2, dtype=torch.int64), reduction="sum"),
     RuntimeError, "kl_div: Integral inputs not supported."),
    (lambda: F.pad(torch.ones(3, 4), (1,)), RuntimeError, "Padding length must be divisible by 2"),
    (lambda: F.pad(torch.ones(3, 4), (1,) * 6), RuntimeError,
     "Padding length should be less than or equal to two times the input dimension but got "
     "padding length 6 and input of dimension 2"),
    (lambda: F.pad(torch.ones(3, 4), (1, 1), mode="foo"), NotImplementedError,
     "Unrecognised padding mode foo"),
    (lambda: F.pad(torch.ones(3, 4), (-3, -2)), RuntimeError,
     "narrow(): length must be non-negative."),
    (lambda: F.pad(torch.ones(3, 4), (1.5, 1)), TypeError,
     "pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type float "
     "at pos 0"),
    (lambda: F.cosine_similarity(torch.ones(3, 4), torch.ones(3, 5)), RuntimeError,
     "The size of tensor a (4) must match the size of tensor b (5) at non-singleton dimension 1"),
    (lambda: F.cosine_similarity(torch.ones(3, dtype=torch.int64), torch.ones(3, dtype=torch.int64),
                                 dim=0), RuntimeError,
     "expected common dtype to be floating point, yet common dtype is Long"),
]


@pytest.mark.parametrize("call,exc,message", ERRORS, ids=[e[2][:30] for e in ERRORS])
def test_error_messages_are_torchs(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == message


def test_other_pad_modes_say_what_is_supported():
    with pytest.raises(NotImplementedError, match="supports mode='constant' only"):
        F.pad(torch.ones(1, 3), (1, 1), mode="reflect")


def test_target_size_and_legacy_warnings_are_torchs():
    with pytest.warns(UserWarning) as caught:
        F.smooth_l1_loss(torch.ones(3, 4), torch.ones(4))
    assert str(caught[0].message) == (
        "Using a target size (torch.Size([4])) that is different to the input size "
        "(torch.Size([3, 4])). This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size.")
    with pytest.warns(UserWarning) as caught:
        y = F.kl_div(torch.zeros(2), torch.ones(2), size_average=False)
    assert str(caught[0].message) == ("size_average and reduce args will be deprecated, please "
                                      "use reduction='sum' instead.")
    assert y.item() == 0.0
