"""autograd.functional.hvp's forward-over-reverse path against double backward (the path it falls
back to): same values (float64, ~1e-12), same shapes and dtypes, the function called once, and
a transparent fallback for what the fast path does not cover."""

import numpy as np
import pytest

import autograd_lite as torch
import autograd_lite.autograd.forward_ad as fwAD
import autograd_lite.nn.functional as F
from autograd_lite.autograd import forward_over_reverse
from autograd_lite.autograd.functional import hvp
from autograd_lite.nn._functions import Erf

D = torch.float64


def rnd(*shape, seed=0, scale=1.0, dtype=D):
    rng = np.random.default_rng(seed + 31 * len(shape) + sum(shape))
    return torch.tensor(rng.normal(size=shape) * scale, dtype=dtype)


@pytest.fixture
def fast_path(monkeypatch):
    """Records whether each hvp call got its result from forward-over-reverse."""
    used = []
    backward = forward_over_reverse._backward

    def spy(out, inputs):
        result = backward(out, inputs)
        used.append(result is not None)
        return result
    monkeypatch.setattr(forward_over_reverse, "_backward", spy)
    return used


def double_backward(f, inputs, v):
    """The reference: hvp by double backward (create_graph=True takes that path)."""
    out, res = hvp(f, inputs, v, create_graph=True)
    if isinstance(res, tuple):
        return out.detach(), tuple(r.detach() for r in res)
    return out.detach(), res.detach()


def check_same(f, inputs, v, fast_path, tol=1e-12, fast=True):
    calls = []

    def counted(*a):
        calls.append(1)
        return f(*a)
    out, res = hvp(counted, inputs, v)
    assert len(calls) == 1  # the function runs once, on either path
    # fast: forward-over-reverse gave the result; else double backward did (the forward pass
    # or the backward pass found something it does not cover)
    assert fast_path == [True] if fast else True not in fast_path
    ref_out, ref = double_backward(f, inputs, v)
    assert out.requires_grad is False and np.array_equal(out._data, ref_out._data)
    res_t, ref_t = (res, ref) if isinstance(res, tuple) else ((res,), (ref,))
    assert isinstance(res, tuple) == isinstance(ref, tuple)
    for r, e in zip(res_t, ref_t):
        assert r.shape == e.shape and r.dtype == e.dtype and not r.requires_grad
        scale = max(1.0, float(np.abs(e._data).max()))
        assert np.abs(r._data - e._data).max() <= tol * scale, (r, e)
    return res


# --- functions the fast path covers ------------------------------------------------------------

X, Y = rnd(32, 5, seed=1), rnd(32, 1, seed=2)
SHAPES = [(8, 5), (8,), (8, 8), (8,), (1, 8), (1,)]
PARAMS = tuple(rnd(*s, seed=10 + i, scale=0.4) for i, s in enumerate(SHAPES))
V = tuple(rnd(*s, seed=20 + i) for i, s in enumerate(SHAPES))


def mlp(act):
    def loss(*p):
        h = act(X @ p[0].T + p[1])
        h = act(h @ p[2].T + p[3])
        return ((h @ p[4].T + p[5] - Y) ** 2).mean()
    return loss


ACTIVATIONS = {  # name: (activation, covered by the fast path)
    "tanh": (torch.tanh, True), "sigmoid": (torch.sigmoid, True), "relu": (torch.relu, True),
    "leaky_relu": (lambda h: F.leaky_relu(h, 0.1), True),
    "mixed": (lambda h: h.sin() * h.exp() / (1 + h * h), True),
    "gelu": (lambda h: F.gelu(h, approximate="tanh"), False),  # GeluBackward0: not covered
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_mlp_losses(name, fast_path):
    act, covered = ACTIVATIONS[name]
    check_same(mlp(act), PARAMS, V, fast_path, fast=covered)


def test_nn_modules_with_linear_mse_and_cross_entropy(fast_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Sigmoid(), torch.nn.Linear(7, 3))
    model = model.to(D)
    params = tuple(p.detach() for p in model.parameters())
    vs = tuple(rnd(*p.shape, seed=40 + i) for i, p in enumerate(params))
    target = torch.tensor([0, 2, 1, 1, 0, 2, 2, 0] * 4)

    def ce(w1, b1, w2, b2):
        h = F.linear(X, w1, b1).sigmoid()
        return F.cross_entropy(F.linear(h, w2, b2), target)

    def mse(w1, b1, w2, b2):
        h = F.linear(X, w1, b1).relu()
        return F.mse_loss(F.linear(h, w2, b2), Y.expand(32, 3))
    check_same(ce, params, vs, fast_path)
    fast_path.clear()
    check_same(mse, params, vs, fast_path)


def test_hessian_of_a_model_wrt_its_input_with_parameters_that_require_grad(fast_path):
    w = rnd(5, 4, seed=3).requires_grad_()  # closure parameters: constants for this hvp
    x, v = rnd(6, 5, seed=4), rnd(6, 5, seed=5)
    check_same(lambda x: ((x @ w).tanh() ** 2).sum() + (x.exp() * 0.1).mean(), x, v, fast_path)
    assert w.grad is None  # hvp accumulates nothing


ELEMENTWISE = {
    "exp_log": lambda a, b: (a.exp() + (b * b + 1).log()).sum(),
    "sqrt_rsqrt": lambda a, b: ((a * a + 1).sqrt() * (b * b + 2).rsqrt()).sum(),
    "trig": lambda a, b: (a.sin() * b.cos() + (a * 0.3).tan()).sum(),
    "log1p_expm1_recip": lambda a, b: ((a * a).log1p() + (b * 0.5).expm1()
                                       + (a * a + 1).reciprocal()).sum(),
    "div_both": lambda a, b: (a / (b * b + 1) + 2.0 / (a * a + 3)).sum(),
    "abs_neg_sub": lambda a, b: ((a - b).abs() * (-a) - (3.0 - b) ** 2).sum(),
    "powers": lambda a, b: ((a ** 3).sum() + ((b * b + 1) ** 0.5).sum() + (a ** 1).sum()
                           + (a ** 0).sum() + ((b * b + 1) ** -1.5).sum()),
    "max_min_where": lambda a, b: (torch.maximum(a, b) * torch.minimum(a, b * 2) ** 2
                                   + torch.where(a > 0, a * b, b ** 3)).sum(),
    "softmax_logsoftmax_logsigmoid": lambda a, b: ((a.softmax(0) * b).sum()
                                                   + (a.log_softmax(0) * b * b).sum()
                                                   + F.logsigmoid(a * b).sum()),
    "alpha": lambda a, b: (torch.add(a, b, alpha=2.0) * torch.sub(a * a, b, alpha=0.5)).sum(),
    "dtype_change": lambda a, b: ((a.float() * b.float()).double() ** 2).sum(),
    "erf": lambda a, b: (Erf.apply(a * b) * a).sum(),  # gelu's building block
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise(name, fast_path):
    a, b = rnd(4, 3, seed=6), rnd(4, 3, seed=7)
    tol = 1e-6 if name == "dtype_change" else 1e-12
    check_same(ELEMENTWISE[name], (a, b), (rnd(4, 3, seed=8), rnd(4, 3, seed=9)), fast_path,
               tol=tol)


SHAPES_AND_REDUCTIONS = {
    "broadcast": lambda a, b: ((a * b + b) ** 2 / (1 + b * b)).sum(),  # (4, 3) with (3,)
    "sum_mean_dims": lambda a, b: ((a.sum(0) * b) ** 2).mean() + (a.mean(1, keepdim=True)
                                                                   * a).sum() ** 2,
    "reshape_transpose_permute": lambda a, b: ((a.reshape(3, 4).T * a) ** 2).sum()
    + (a.permute(1, 0) @ a).tanh().sum() + (a.view(12) ** 3).sum(),
    "expand_unsqueeze_squeeze": lambda a, b: ((b.unsqueeze(0).expand(4, 3) * a) ** 2).sum()
    + (a[:1].squeeze(0) * b).exp().sum(),
    "indexing": lambda a, b: ((a[1:, ::2] ** 2).sum() * b[0] + (a[[0, 2, 2]] * b).sin().sum()),
    "stack_cat": lambda a, b: (torch.stack([a * b, a]) ** 2).sum()
    + torch.cat([a, b.unsqueeze(0)], 0).tanh().sum(),
}


@pytest.mark.parametrize("name", sorted(SHAPES_AND_REDUCTIONS))
def test_shapes_reductions_broadcasting(name, fast_path):
    a, b = rnd(4, 3, seed=11), rnd(3, seed=12)
    check_same(SHAPES_AND_REDUCTIONS[name], (a, b), (rnd(4, 3, seed=13), rnd(3, seed=14)),
               fast_path)


MATMULS = {
    "dot": ((5,), (5,)), "mv": ((4, 5), (5,)), "vm": ((5,), (5, 3)), "mm": ((4, 5), (5, 3)),
    "bmm": ((2, 4, 5), (2, 5, 3)), "broadcast_batch": ((2, 4, 5), (5, 3)),
}


@pytest.mark.parametrize("name", sorted(MATMULS))
def test_matmul_variants(name, fast_path):
    sa, sb = MATMULS[name]
    a, b = rnd(*sa, seed=15), rnd(*sb, seed=16)
    check_same(lambda a, b: ((a @ b).tanh() ** 2).sum() + (a @ b).sum() ** 2, (a, b),
               (rnd(*sa, seed=17), rnd(*sb, seed=18)), fast_path)


def test_float32_scalar_input_and_unused_inputs(fast_path):
    a32, v32 = rnd(6, seed=19, dtype=torch.float32), rnd(6, seed=20, dtype=torch.float32)
    res = check_same(lambda a: (a.tanh() ** 3).sum(), a32, v32, fast_path, tol=1e-5)
    assert res.dtype == torch.float32
    fast_path.clear()
    s = torch.tensor(0.7, dtype=D)  # one element: v may be left out
    check_same(lambda x: x ** 3 - x.exp(), s, None, fast_path)
    fast_path.clear()
    res = check_same(lambda a, b: (a * a).sum(), (rnd(3, seed=1), rnd(2, seed=2)),
                     (rnd(3, seed=3), rnd(2, seed=4)), fast_path)
    assert np.all(res[1]._data == 0)


def test_v_of_another_dtype_is_cast_to_the_input_dtype(fast_path):
    a = rnd(5, seed=21)
    out, res = hvp(lambda a: (a ** 4).sum(), a, rnd(5, seed=22, dtype=torch.float32))
    assert res.dtype == D and fast_path == [True]
    ref = 12 * a._data ** 2 * rnd(5, seed=22, dtype=torch.float32)._data.astype(np.float64)
    assert np.allclose(res._data, ref, rtol=1e-12)


def test_no_grad_and_detach_inside_the_function_are_constants(fast_path):
    def f(a):
        with torch.no_grad():
            s = (a * a).sum()  # a constant for the Hessian, as in double backward
        return (a.detach() * a).sum() * s + (a ** 3).sum()
    check_same(f, rnd(4, seed=23), rnd(4, seed=24), fast_path)


# --- what falls back to double backward ---------------------------------------------------------

class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


def test_custom_function_falls_back(fast_path):
    check_same(lambda a: Cube.apply(a.sin()).sum(), rnd(4, seed=25), rnd(4, seed=26), fast_path,
               fast=False)


def test_op_without_forward_rule_falls_back(fast_path):
    m, v = rnd(3, 3, seed=27), rnd(3, 3, seed=28)
    calls = []

    def f(m):
        calls.append(1)
        return (m.diagonal() ** 3).sum() + (m * m).sum()
    out, res = hvp(f, m, v)
    assert len(calls) == 1 and fast_path == []  # the forward pass already saw the missing rule
    _, ref = double_backward(f, m, v)
    assert np.allclose(res._data, ref._data, atol=1e-12)


def test_hooks_fall_back(fast_path):
    def f(a):
        h = a.tanh()
        h.register_hook(lambda g: g * 2)
        return (h ** 2).sum()
    check_same(f, rnd(4, seed=29), rnd(4, seed=30), fast_path, fast=False)


IN_PLACE = {
    "add_": lambda a, b: ((a * b).add_(b * b) ** 2).sum(),
    "tanh_": lambda a, b: ((a * b).tanh_() * a).sum(),
    "last_exp_": lambda a, b: (a * b).sum().exp_(),
    "mul_constant": lambda a, b: ((a * b).mul_(2.0) ** 3).sum(),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_changes_give_double_backward_values(name, fast_path):
    a, b = rnd(4, seed=31, scale=0.5), rnd(4, seed=32, scale=0.5)
    out, res = hvp(IN_PLACE[name], (a, b), (rnd(4, seed=33), rnd(4, seed=34)))
    _, ref = double_backward(IN_PLACE[name], (a, b), (rnd(4, seed=33), rnd(4, seed=34)))
    for r, e in zip(res, ref):
        assert np.allclose(r._data, e._data, atol=1e-12)


def test_inside_a_dual_level_and_with_a_dual_level_inside(fast_path):
    a, v = rnd(3, seed=35), rnd(3, seed=36)
    _, ref = double_backward(lambda a: (a ** 4).sum(), a, v)
    with fwAD.dual_level():
        _, res = hvp(lambda a: (a ** 4).sum(), a, v)
    assert np.allclose(res._data, ref._data, atol=1e-12) and fast_path == []

    def uses_forward_ad(a):
        with fwAD.dual_level():
            fwAD.make_dual(a.detach(), torch.ones_like(a))
        return (a ** 4).sum()
    _, res = hvp(uses_forward_ad, a, v)
    assert np.allclose(res._data, ref._data, atol=1e-12)


def test_output_without_graph_and_identity_give_zeros(fast_path):
    a, v = rnd(3, seed=37), rnd(3, seed=38)
    _, res = hvp(lambda a: torch.tensor(1.0, dtype=D), a, v)
    assert np.all(res._data == 0) and res.shape == (3,)
    s = torch.tensor(2.0, dtype=D)
    _, res = hvp(lambda x: x, s)
    assert float(res) == 0.0


def test_results_are_writable_and_own_their_data():
    a, b = rnd(3, seed=39), rnd(3, seed=40)
    _, (ha, hb) = hvp(lambda a, b: ((a + b) ** 2).sum(), (a, b), (rnd(3, seed=41), rnd(3, seed=42)))
    ha.add_(1.0)  # a writable array
    assert np.all(np.isfinite(hb._data))


def test_inputs_changed_in_place_before_the_call_keep_the_fast_path(fast_path):
    """An optimizer updates parameters in place (their version counter moves): hvp of the next
    step still runs forward-over-reverse, views (``.T``) included."""
    params = tuple(p.clone() for p in PARAMS)
    for p in params:
        p.mul_(0.9)
    check_same(mlp(torch.tanh), params, V, fast_path)
