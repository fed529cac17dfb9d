"""More nn: Softplus, ELU, SiLU, Mish, Hardtanh, ReLU6, LayerNorm, Embedding, SmoothL1Loss,
HuberLoss, KLDivLoss and F.normalize, F.cosine_similarity, F.pad: values, gradients, node names
and reprs (gradcheck, forward mode and error messages: test_nn_more_checks.py).

Expected numbers, node names, reprs and messages were produced with PyTorch 2.13 (CPU).
"""

import warnings

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite import nn
from autograd_lite.nn import functional as F


def flat(t):
    return t.detach().numpy().ravel().astype(np.float64)


def close(t, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(flat(t), np.asarray(expected, np.float64).ravel(), rtol=rtol,
                               atol=atol)


# --- PyTorch 2.13's values ----------------------------------------------------------------------
X = [[-1000., -3., -1., -0.5], [0., 0.5, 1., 3.], [1000., 20.5, -20.5, 7.]]
ACTS = {  # name: (values, gradients of (y * weights).sum())
    'softplus': (
        [0.0, 0.0485874, 0.3132617, 0.474077, 0.6931472, 0.974077, 1.3132616, 3.0485873, 1000.0,
         20.5, 0.0, 7.0009117],
        [0.0, 0.0256243, -0.1119191, -0.3737624, -0.3268218, 0.1765682, 0.7019407, 0.7181478,
         -0.1455, -0.9111302, -0.0, 0.0044217],
    ),
    'softplus_b2_t5': (
        [0.0, 0.0012378, 0.063464, 0.1566308, 0.3465736, 0.6566308, 1.063464, 3.0, 1000.0, 20.5,
         0.0, 7.0],
        [0.0, 0.001336, -0.0496059, -0.26625, -0.3268218, 0.2073737, 0.8457152, 0.7539023,
         -0.1455, -0.9111302, -0.0, 0.0044257],
    ),
    'elu_07': (
        [-0.7, -0.665149, -0.4424844, -0.2754285, 0.0, 0.5, 1.0, 3.0, 1000.0, 20.5, -0.7, 7.0],
        [0.0, 0.01883, -0.1071643, -0.4203225, -0.4575505, 0.2836622, 0.9601703, 0.7539023,
         -0.1455, -0.9111302, -0.0, 0.0044257],
    ),
    'silu': (
        [-0.0, -0.1422776, -0.2689414, -0.1887703, 0.0, 0.3112297, 0.7310586, 2.8577225, 1000.0,
         20.5, -0.0, 6.9936228],
        [-0.0, -0.0476029, -0.0300997, -0.2574365, -0.3268218, 0.209899, 0.8907216, 0.8203242,
         -0.1455, -0.9111302, 0.0, 0.0044499],
    ),
    'mish': (
        [-0.0, -0.1456475, -0.3034014, -0.2207438, 0.0, 0.3752452, 0.8650984, 2.9865351, 1000.0,
         20.5, -0.0, 6.9999886],
        [0.0, -0.0504605, -0.0246429, -0.2866133, -0.3921862, 0.2514451, 1.0072534, 0.7698148,
         -0.1455, -0.9111302, 0.0, 0.0044258],
    ),
    'hardtanh_m05_2': (
        [-0.5, -0.5, -0.5, -0.5, 0.0, 0.5, 1.0, 2.0, 2.0, 2.0, -0.5, 2.0],
        [0.0, 0.0, 0.0, 0.0, -0.6536436, 0.2836622, 0.9601703, 0.0, 0.0, 0.0, 0.0, 0.0],
    ),
    'relu6': (
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 3.0, 6.0, 6.0, 0.0, 6.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.2836622, 0.9601703, 0.7539023, 0.0, 0.0, 0.0, 0.0],
    ),
}
EMB0 = [1.5409961, -0.2934289, -2.1787894, 0.5684313, -1.0845224, -1.3985955, 0.4033468, 0.8380263,
        -0.7192576, -0.4033435, -0.5966353, 0.1820365, -0.8566746, 1.1006042, -1.0711874]
EMB3_PAD = [0.8032761, 0.1748334, 0.0889781, -0.613718, 0.0461825, -1.3682592, 0.0, 0.0]
LN = ([-0.9909855, 1.5091827, 0.4090986, 4.9821391, -1.0626962, 0.4583769, 0.1492801, 5.1799736],
      [0.2009124, -0.4706529, 0.3829119, -0.1131714, 0.147296, -0.5573396, 0.2916827, 0.1183608],
      [-0.3309966, -0.3903231, -0.3802356, -0.3108835],
      [0.3463564, 0.8239645, 0.5440234, -0.2360902])
SL1 = ([1.1312499], [0.0625, -0.125, 0.125, -0.1125, -0.125, 0.125, -0.025, 0.125],
       [-0.0625, 0.125, -0.125, 0.1125, 0.125, -0.125, 0.025, -0.125])
SL1_B05_SUM = ([10.6900005], [1.0, -1.0, 1.0, -1.0, -1.0, 1.0, -0.4, 1.0],
               [-1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 0.4, -1.0])
HUBER = ([1.1312499], [0.0625, -0.125, 0.125, -0.1125, -0.125, 0.125, -0.025, 0.125],
         [-0.0625, 0.125, -0.125, 0.1125, 0.125, -0.125, 0.025, -0.125])
HUBER_D05_SUM = ([5.3450003], [0.5, -0.5, 0.5, -0.5, -0.5, 0.5, -0.2, 0.5],
                 [-0.5, 0.5, -0.5, 0.5, 0.5, -0.5, 0.2, -0.5])
KL_BATCHMEAN = ([0.1855012], [-0.0, -0.25, -0.25, -0.1, -0.1, -0.3])
KL_SUM = ([0.3710023], [-0.0, -0.5, -0.5, -0.2, -0.2, -0.6])
KL_MEAN = ([0.0618337], [-0.0, -0.0833333, -0.0833333, -0.0333333, -0.0333333, -0.1])
KL_NONE = ([0.0, 0.4581454, -0.1682361, -0.081093, -0.081093, 0.2432791],
           [-0.0, -0.5, -0.5, -0.2, -0.2, -0.6])
KL_LOGT = ([0.4792041], [-0.05, -0.3, -0.3, -0.15, -0.15, -0.35],
           [0.05, 0.6295837, 0.2537548, 0.15, 0.15, 0.5458656])
NORMALIZE = ([0.6, 0.8, 0.0, 0.0, 0.0, 0.0, 0.3333333, -0.6666667, 0.6666667],
             [0.076131, -0.0570982, -0.0832294, -989992517632.0, -653643612160.0, 283662188544.0,
              0.3511173, 0.1891797, 0.013621])
NORMALIZE_P1_DIM0 = ([0.75, 0.6666667, 0.0, 0.0, 0.0, 0.0, 0.25, -0.3333333, 1.0],
                     [0.0024894, 0.0719003, -0.2080734, -0.2474981, -0.1089406, 0.1418311,
                      -0.0074681, 0.1438005, 0.0])
COS = ([0.4242641, 0.0, 0.1333333],
       [0.2121321, 0.5656855, -0.212132, 0.0, 0.0, 0.0, 0.2, -0.448, 0.336],
       [0.0905097, -0.0678823, 0.1414213, 133333336.0, 133333336.0, -66666668.0, -0.0444445,
        0.6888889, 0.7111111])
COS_BCAST = ([0.4242641, 0.9333334, 0.48],
             [0.2121321, 0.5656855, -0.212132, -0.0074074, 0.0592593, 0.1037037, 0.12, 0.1024,
              -0.0768])
PAD = ([3, 6],
       [-1.0, 1.0, 2.0, 3.0, -1.0, -1.0, -1.0, 4.0, 5.0, 6.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0,
        -1.0, -1.0],
       [1.0, 2.0, 3.0, 7.0, 8.0, 9.0])
PAD_NEG = ([2, 3], [2.0, 3.0, 0.0, 5.0, 6.0, 0.0], [0.0, 0.0, 1.0, 0.0, 3.0, 4.0])
EMB_MAXNORM = ([1.2, 1.6, 1.2, 1.6, 1.2, 1.6, 0.3, 0.4], [1.2, 1.6, 0.3, 0.4, 1.2, 1.6, 1.0, 0.0])
EMB_GRAD = [0.0, 1.0, 0.0, 0.0, 4.666667, 5.666667, 10.0, 11.0]


ACT_FNS = {
    "softplus": lambda a: F.softplus(a), "softplus_b2_t5": lambda a: F.softplus(a, 2., 5.),
    "elu_07": lambda a: F.elu(a, 0.7), "silu": F.silu, "mish": F.mish,
    "hardtanh_m05_2": lambda a: F.hardtanh(a, -0.5, 2.), "relu6": F.relu6,
}


def weights(*shape):
    return torch.cos(torch.arange(float(np.prod(shape)))).reshape(*shape)


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_values_and_gradients_match_torch_also_at_1000(name):
    x = torch.tensor(X, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning at +-1000
        y = ACT_FNS[name](x)
        (y * weights(3, 4)).sum().backward()
    value, grad = ACTS[name]
    close(y, value)
    close(x.grad, grad)
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation_second_derivatives_are_finite_at_1000(name):
    x = torch.tensor([1000., -1000., 0.3, -0.7], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = torch.autograd.grad(ACT_FNS[name](x).sum(), x, create_graph=True)
        if g.requires_grad:  # (hardtanh's gradient is piecewise constant)
            (h,) = torch.autograd.grad(g.sum(), x)
            assert np.isfinite(h.numpy()).all()
            assert h[0].item() == 0 and h[1].item() == 0


MODULES = [
    (nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)", "SoftplusBackward0"),
    (nn.Softplus(2, 5), "Softplus(beta=2, threshold=5)", "SoftplusBackward0"),
    (nn.ELU(), "ELU(alpha=1.0)", "EluBackward0"),
    (nn.ELU(0.5, inplace=True), "ELU(alpha=0.5, inplace=True)", "EluBackward1"),
    (nn.SiLU(), "SiLU()", "SiluBackward0"),
    (nn.SiLU(inplace=True), "SiLU(inplace=True)", "SiluBackward0"),
    (nn.Mish(), "Mish()", "MishBackward0"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)", "HardtanhBackward0"),
    (nn.Hardtanh(-2, 3, True), "Hardtanh(min_val=-2, max_val=3, inplace=True)",
     "HardtanhBackward0"),
    (nn.ReLU6(), "ReLU6()", "HardtanhBackward0"),
    (nn.ReLU6(inplace=True), "ReLU6(inplace=True)", "HardtanhBackward0"),
]


@pytest.mark.parametrize("module,text,node", MODULES, ids=lambda v: str(v)[:20])
def test_activation_modules_repr_node_and_forward(module, text, node):
    assert repr(module) == text
    x = torch.tensor(X[1], requires_grad=True)
    y = module(x.clone() if getattr(module, "inplace", False) else x)
    assert y.grad_fn.name() == node
    y.sum().backward()
    assert x.grad is not None


def test_functional_forms_equal_modules_and_inplace():
    x = torch.tensor(X)
    for mod, fn in ((nn.Softplus(2., 5.), lambda a: F.softplus(a, beta=2., threshold=5.)),
                    (nn.ELU(0.3), lambda a: F.elu(a, alpha=0.3)), (nn.SiLU(), F.silu),
                    (nn.Mish(), F.mish), (nn.Hardtanh(-2., 2.), lambda a: F.hardtanh(a, -2., 2.)),
                    (nn.ReLU6(), F.relu6)):
        assert torch.equal(mod(x), fn(x))
    y = x.clone()
    assert F.elu(y, inplace=True) is y and torch.equal(y, F.elu(x))
    a, b = torch.tensor(X[0], requires_grad=True), torch.tensor(X[0], requires_grad=True)
    F.elu(a.clone(), 0.5, inplace=True).sum().backward()
    F.elu(b, 0.5).sum().backward()
    assert torch.equal(a.grad, b.grad)
    assert torch.equal(F.relu6(torch.tensor([-2, 3, 9])), torch.tensor([0, 3, 6]))  # ints too
    assert F.hardtanh(torch.tensor([3, -5])).tolist() == [1, -1]


def test_hardtanh_deprecated_keywords_warn_and_apply():
    with pytest.warns(FutureWarning, match="keyword argument `min_value` is deprecated"):
        m = nn.Hardtanh(min_value=-3.0)
    assert m.min_val == -3.0


# --- LayerNorm ----------------------------------------------------------------------------------
def test_layer_norm_values_and_gradients_match_torch():
    x = torch.tensor([[1., 2., 4., 7.], [-1., 0.5, 0.25, 3.]], requires_grad=True)
    w = torch.tensor([1., -2., 0.5, 3.], requires_grad=True)
    b = torch.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    y = F.layer_norm(x, (4,), w, b, eps=1e-3)
    assert y.grad_fn.name() == "NativeLayerNormBackward0"
    assert len(y.grad_fn.next_functions) == 3
    (y * weights(2, 4)).sum().backward()
    for t, e in zip((y, x.grad, w.grad, b.grad), LN):
        close(t, e)


def test_layer_norm_module_defaults_repr_and_parameters():
    m = nn.LayerNorm(4)
    assert repr(m) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert m.weight.tolist() == [1.0] * 4 and m.bias.tolist() == [0.0] * 4
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert repr(nn.LayerNorm([2, 3], eps=0.1, bias=False)) == \
        "LayerNorm((2, 3), eps=0.1, elementwise_affine=True, bias=False)"
    m = nn.LayerNorm((3,), elementwise_affine=False)
    assert m.weight is None and m.bias is None and list(m.parameters()) == []
    y = m(torch.tensor([[1., 2., 3.]]))
    close(y, [-1.2247357, 0.0, 1.2247357])
    assert nn.LayerNorm(3, dtype=torch.float64).weight.dtype == torch.float64


# --- Embedding ----------------------------------------------------------------------------------
def test_embedding_weights_are_torchs_for_the_same_seed():
    torch.manual_seed(0)
    m = nn.Embedding(5, 3)
    close(m.weight, EMB0, atol=0)
    assert repr(m) == "Embedding(5, 3)"
    torch.manual_seed(3)
    m = nn.Embedding(4, 2, padding_idx=-1, dtype=torch.float64)
    close(m.weight, EMB3_PAD, atol=0)
    assert m.padding_idx == 3 and repr(m) == "Embedding(4, 2, padding_idx=3)"


def test_embedding_lookup_padding_row_gets_no_gradient():
    torch.manual_seed(0)
    m = nn.Embedding(5, 3, padding_idx=1)
    idx = torch.tensor([[1, 2], [2, 4]])
    y = m(idx)
    assert y.shape == (2, 2, 3) and y.grad_fn.name() == "EmbeddingBackward0"
    assert torch.equal(y[1, 0], m.weight[2])
    y.sum().backward()
    assert m.weight.grad.tolist() == [[0.] * 3, [0.] * 3, [2.] * 3, [0.] * 3, [1.] * 3]


def test_embedding_scale_grad_by_freq_max_norm_and_from_pretrained():
    w = torch.tensor([[3., 4.], [0.3, 0.4], [6., 8.], [1., 0.]], requires_grad=True)
    y = F.embedding(torch.tensor([[0, 2], [2, 1], [2, 3]]), w, padding_idx=1,
                    scale_grad_by_freq=True)
    (y * torch.arange(12.).reshape(3, 2, 2)).sum().backward()
    close(w.grad, EMB_GRAD)
    w = torch.tensor([[3., 4.], [0.3, 0.4], [6., 8.], [1., 0.]], requires_grad=True)
    y = F.embedding(torch.tensor([[0, 2], [2, 1]]), w, max_norm=2.)
    close(y, EMB_MAXNORM[0])
    close(w, EMB_MAXNORM[1])  # renormalised in place, as in PyTorch
    e = nn.Embedding.from_pretrained(torch.tensor([[1., 2.], [3., 4.]]))
    assert not e.weight.requires_grad and e(torch.tensor([1])).tolist() == [[3., 4.]]
    assert nn.Embedding.from_pretrained(torch.ones(3, 2), freeze=False).weight.requires_grad
    assert repr(nn.Embedding(3, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)) == \
        "Embedding(3, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)"


# --- losses -------------------------------------------------------------------------------------
LOSS_A = [[0.5, -2., 3., 0.1], [1., 1.5, -0.2, 4.]]
LOSS_T = [[0., 0., 1., 1.], [2., 0.5, 0., -1.]]
LOSSES = {
    "SL1": lambda a, t: F.smooth_l1_loss(a, t),
    "SL1_B05_SUM": lambda a, t: F.smooth_l1_loss(a, t, reduction="sum", beta=0.5),
    "HUBER": lambda a, t: F.huber_loss(a, t),
    "HUBER_D05_SUM": lambda a, t: F.huber_loss(a, t, reduction="sum", delta=0.5),
}
LOSS_EXPECTED = {"SL1": SL1, "SL1_B05_SUM": SL1_B05_SUM, "HUBER": HUBER,
                 "HUBER_D05_SUM": HUBER_D05_SUM}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_smooth_l1_and_huber_match_torch(name):
    a = torch.tensor(LOSS_A, requires_grad=True)
    t = torch.tensor(LOSS_T, requires_grad=True)
    y = LOSSES[name](a, t)
    assert y.grad_fn.name() == ("SmoothL1LossBackward0" if "SL1" in name else
                                "HuberLossBackward0")
    y.backward()
    for v, e in zip((y, a.grad, t.grad), LOSS_EXPECTED[name]):
        close(v, e)


def test_loss_modules_reprs_reductions_and_beta_zero():
    a, t = torch.tensor(LOSS_A), torch.tensor(LOSS_T)
    assert repr(nn.SmoothL1Loss()) == "SmoothL1Loss()" and nn.SmoothL1Loss().beta == 1.0
    assert nn.HuberLoss().delta == 1.0 and nn.KLDivLoss().log_target is False
    close(nn.SmoothL1Loss(beta=0.5, reduction="sum")(a, t), SL1_B05_SUM[0])
    close(nn.HuberLoss(delta=0.5, reduction="sum")(a, t), HUBER_D05_SUM[0])
    assert nn.HuberLoss(reduction="none")(a, t).shape == (2, 4)
    y = F.smooth_l1_loss(a.requires_grad_(), t, beta=0.0)  # the L1 loss, as in PyTorch
    assert y.grad_fn.name() == "MeanBackward0"
    close(y, np.abs(np.array(LOSS_A) - np.array(LOSS_T)).mean())


KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")
KL_LP = np.log([[0.1, 0.2, 0.7], [0.3, 0.3, 0.4]]).astype(np.float32)
KL_Q = [[0., 0.5, 0.5], [0.2, 0.2, 0.6]]


@pytest.mark.parametrize("name,reduction,node", [
    ("KL_BATCHMEAN", "batchmean", "DivBackward0"), ("KL_SUM", "sum", "SumBackward0"),
    ("KL_MEAN", "mean", "MeanBackward0"), ("KL_NONE", "none", "SubBackward0")])
def test_kl_div_matches_torch(name, reduction, node):
    lp = torch.tensor(KL_LP, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = nn.KLDivLoss(reduction=reduction)(lp, torch.tensor(KL_Q))
    assert [str(w.message) for w in caught] == ([KL_MEAN_WARNING] if reduction == "mean" else [])
    assert y.grad_fn.name() == node
    y.sum().backward()
    close(y, globals()[name][0])
    close(lp.grad, globals()[name][1])


def test_kl_div_log_target():
    lp = torch.tensor(KL_LP, requires_grad=True)
    lq = torch.tensor(np.log(np.array(KL_Q, np.float32) + 0.1), requires_grad=True)
    y = F.kl_div(lp, lq, reduction="batchmean", log_target=True)
    y.backward()
    for v, e in zip((y, lp.grad, lq.grad), KL_LOGT):
        close(v, e)


# --- normalize, cosine_similarity, pad ----------------------------------------------------------
V = [[3., 4., 0.], [0., 0., 0.], [1., -2., 2.]]
U = [[1., 0., 1.], [2., 2., -1.], [0., 3., 4.]]


def test_normalize_matches_torch_including_a_zero_row():
    for kw, expected in (({}, NORMALIZE), ({"p": 1, "dim": 0}, NORMALIZE_P1_DIM0)):
        v = torch.tensor(V, requires_grad=True)
        y = F.normalize(v, **kw)
        assert y.grad_fn.name() == "DivBackward0"
        (y * weights(3, 3)).sum().backward()
        close(y, expected[0])
        close(v.grad, expected[1])


def test_cosine_similarity_matches_torch_including_zero_vector_and_broadcast():
    u, v = torch.tensor(U, requires_grad=True), torch.tensor(V, requires_grad=True)
    y = F.cosine_similarity(u, v)
    assert y.grad_fn.name() == "SumBackward1"
    (y * torch.tensor([1., 2., 3.])).sum().backward()
    for t, e in zip((y, u.grad, v.grad), COS):
        close(t, e)
    u.grad = None
    y = F.cosine_similarity(u, v[:1].detach(), dim=-1)
    y.sum().backward()
    close(y, COS_BCAST[0])
    close(u.grad, COS_BCAST[1])


def test_pad_constant_and_negative_match_torch():
    p = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
    y = F.pad(p, (1, 2, 0, 1), value=-1.)
    assert y.grad_fn.name() == "ConstantPadNdBackward0"
    (y * torch.arange(18.).reshape(3, 6)).sum().backward()
    assert list(y.shape) == PAD[0]
    close(y, PAD[1])
    close(p.grad, PAD[2])
    p.grad = None
    y = F.pad(p, (-1, 1))
    (y * torch.arange(6.).reshape(2, 3)).sum().backward()
    assert list(y.shape) == PAD_NEG[0]
    close(y, PAD_NEG[1])
    close(p.grad, PAD_NEG[2])
    assert F.pad(torch.tensor([1, 2]), (1, 0), value=7).tolist() == [7, 1, 2]

