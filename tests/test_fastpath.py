"""The recorded fast paths of a training step (ops/fastpath.py): ``nn.Linear`` on 2-D input and
``cross_entropy`` with class-index targets. Each must build the graph the general path builds
(``_apply_builtin``: same nodes, edges, saved values, metadata) and give the same values and
gradients bit for bit, on plain backward, under ``create_graph`` and in ``hvp``; inputs outside
the common case (weights, ignored targets, bad targets, no_grad...) take the general path."""

from __future__ import annotations

import numpy as np
import pytest
from gradtools import check

import autograd_lite as al
import autograd_lite.nn.functional as F
from autograd_lite import autograd, nn
from autograd_lite.ops import fastpath, linalg, losses, nnfunc

RNG = np.random.default_rng(2026)


@pytest.fixture
def general(monkeypatch):
    """Switch the fast paths off: the general path for the same calls."""
    def ce_general(lsm, nll, x, t, ignore_index, reduction):
        return nnfunc.nll_loss(nnfunc.log_softmax(x, 1), al.from_numpy(t),
                               ignore_index=ignore_index, reduction=reduction)

    def linear_general(addmm, t_op, x, w, b):
        return addmm.apply(b, x, linalg._t_view(w))

    monkeypatch.setattr(losses, "cross_entropy_2d", ce_general)
    monkeypatch.setattr(nnfunc, "nll_forward", lambda *args: None)
    monkeypatch.setattr(linalg, "linear_2d", linear_general)


def _same_node(a, b, seen=None):
    """Nodes ``a`` and ``b`` (of two graphs over the same leaves) are built alike."""
    assert type(a) is type(b)
    if type(a).__name__ == "AccumulateGrad":
        assert a is b  # the leaf's own node
        return
    assert a.needs_input_grad == b.needs_input_grad
    assert a._in_meta == b._in_meta
    assert a._nout == b._nout and a._plain == b._plain and a._has_hooks == b._has_hooks
    assert {k: v for k, v in vars(a).items() if k != "args"} == \
        {k: v for k, v in vars(b).items() if k != "args"}
    sa, sb = a._saved, b._saved
    assert (sa is None) == (sb is None)
    if sa is not None:
        assert [type(s) for s in sa] == [type(s) for s in sb]
        for ua, ub in zip(a.saved_tensors, b.saved_tensors):
            assert type(ua) is type(ub)
            if not isinstance(ua, al.Tensor):  # a number kept for backward, or None
                assert ua == ub
            else:
                assert ua._version == ub._version
                np.testing.assert_array_equal(ua.detach().numpy(), ub.detach().numpy())
    assert len(a._edges) == len(b._edges)
    for (na, ra), (nb, rb) in zip(a._edges, b._edges):
        assert ra == rb and (na is None) == (nb is None)
        if na is not None:
            assert type(na).__name__ == "AccumulateGrad" or na._seq < a._seq
            _same_node(na, nb)


def _both(fn, general_fixture_request):
    fast = fn()
    general_fixture_request.getfixturevalue("general")
    return fast, fn()


# --- nn.Linear ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [al.float32, al.float64])
@pytest.mark.parametrize("x_rg", [False, True])
@pytest.mark.parametrize("bump", [False, True])
@pytest.mark.parametrize("bias_rg", [True, False])
def test_linear_builds_the_general_graph(request, dtype, x_rg, bump, bias_rg):
    al.manual_seed(0)
    lin = nn.Linear(5, 3, dtype=dtype)
    lin.bias.requires_grad_(bias_rg)
    x = al.randn(4, 5, dtype=dtype, requires_grad=x_rg)
    if bump:  # parameters after an optimizer step: their version counters are past 0
        with al.no_grad():
            for p in lin.parameters():
                p.mul_(1.0)
    xin = x * 1.0 if x_rg else x
    y_fast, y_gen = _both(lambda: lin(xin), request)
    assert y_fast.grad_fn.name() == "AddmmBackward0"
    np.testing.assert_array_equal(y_fast.detach().numpy(), y_gen.detach().numpy())
    _same_node(y_fast.grad_fn, y_gen.grad_fn)
    wt_fast = y_fast.grad_fn._edges[2][0]
    assert wt_fast.name() == "TBackward0" and wt_fast.dims == (0, 1)
    grads = []
    for y in (y_fast, y_gen):
        v = al.from_numpy(np.linspace(-1, 1, 12).reshape(4, 3).astype(y.detach().numpy().dtype))
        wrt = [lin.weight] + ([lin.bias] if bias_rg else []) + ([x] if x_rg else [])
        grads.append(autograd.grad(y, wrt, v, retain_graph=True))  # (graphs share x * 1.0)
    for g_fast, g_gen in zip(*grads):
        np.testing.assert_array_equal(g_fast.numpy(), g_gen.numpy())
        assert g_fast.numpy().flags.c_contiguous


def test_linear_saves_the_transposed_weight_as_a_view():
    lin = nn.Linear(3, 2)
    y = lin(al.ones(4, 3, requires_grad=True)).sum()
    wt = y.grad_fn.next_functions[0][0]._edges[2]
    node = y.grad_fn.next_functions[0][0]
    saved_wt = node.saved_tensors[1]
    assert saved_wt._base is lin.weight and saved_wt._vc is lin.weight._vc
    assert wt[0].name() == "TBackward0"
    with al.no_grad():
        lin.weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    x = al.ones(4, 3, requires_grad=True)
    y = lin(x).sum()
    with al.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_linear_other_cases_take_the_general_path():
    lin = nn.Linear(3, 2)
    x = al.ones(4, 3)
    with al.no_grad():
        assert lin(x).grad_fn is None
    with al.inference_mode():
        assert lin(x).grad_fn is None
    with al.inference_mode():
        xi = al.ones(4, 3)
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        lin(xi)
    lin.weight.requires_grad_(False)
    y = lin(x)
    assert y.grad_fn.name() == "AddmmBackward0"
    assert y.grad_fn.next_functions[2] == (None, 0)
    lin.weight.requires_grad_(True)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied "
                       r"\(4x2 and 3x2\)"):
        lin(al.ones(4, 2))
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: "
                       "double != float"):
        lin(al.ones(4, 3, dtype=al.float64))
    # a weight set outside the parameter registry (after del) is still what forward uses
    del lin.weight
    lin.weight = al.zeros(2, 3)
    np.testing.assert_array_equal(lin(x).detach().numpy(),
                                  np.broadcast_to(lin.bias.detach().numpy(), (4, 2)))


def test_linear_hooks_still_run(request):
    def run():
        lin = nn.Linear(3, 2)
        calls = []
        lin.register_forward_pre_hook(lambda m, a: calls.append("pre"))
        lin.register_forward_hook(lambda m, a, out: calls.append("fwd"))
        lin.register_full_backward_hook(lambda m, gi, go: calls.append("bwd"))
        lin.weight.register_hook(lambda g: calls.append("w") or g * 2)
        lin(al.ones(4, 3, requires_grad=True)).sum().backward()
        np.testing.assert_array_equal(lin.weight.grad.numpy(), np.full((2, 3), 8.0))
        return calls

    fast, gen = _both(run, request)
    assert sorted(fast) == ["bwd", "fwd", "pre", "w"] and fast == gen


# --- cross_entropy ------------------------------------------------------------------------------

def _logits(n, c, dtype):
    return (RNG.standard_normal((n, c)) * 3).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,c", [(1, 1), (1, 4), (5, 3), (128, 10), (33, 7)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_matches_the_general_path_bit_for_bit(request, dtype, n, c, reduction):
    a = _logits(n, c, dtype)
    t = al.from_numpy(RNG.integers(0, c, n))
    x = al.from_numpy(a).requires_grad_()
    fast, gen = _both(lambda: F.cross_entropy(x, t, reduction=reduction), request)
    assert fast.dtype == gen.dtype == x.dtype and fast.shape == ()
    assert fast.detach().numpy().tobytes() == gen.detach().numpy().tobytes()
    _same_node(fast.grad_fn, gen.grad_fn)
    assert fast.grad_fn.name() == "NllLossBackward0"
    assert fast.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    (g_fast,) = autograd.grad(fast * 1.5, x)
    (g_gen,) = autograd.grad(gen * 1.5, x)
    np.testing.assert_array_equal(g_fast.numpy(), g_gen.numpy())


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_derivatives_through_the_fast_path(reduction):
    t = al.tensor([2, 0, 1, 2])
    check(lambda x: F.cross_entropy(x, t, reduction=reduction), RNG.standard_normal((4, 3)))


def test_cross_entropy_create_graph_and_hvp_match_the_general_path(request):
    a = RNG.standard_normal((6, 4))
    t = al.tensor([0, 3, 1, 1, 2, 0])
    v = al.from_numpy(RNG.standard_normal((6, 4)))

    def run():
        x = al.from_numpy(a).requires_grad_()
        (g,) = autograd.grad(F.cross_entropy(x, t), x, create_graph=True)
        assert g.grad_fn is not None
        (h,) = autograd.grad((g * v).sum(), x)
        _, hvp = autograd.functional.hvp(lambda z: F.cross_entropy(z, t), al.from_numpy(a), v)
        return g.detach().numpy(), h.numpy(), hvp.numpy()

    fast, gen = _both(run, request)
    for f, g in zip(fast, gen):
        np.testing.assert_allclose(f, g, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fast[1], fast[2], rtol=1e-12, atol=1e-14)


def test_cross_entropy_uncommon_cases_take_the_general_path():
    x = al.from_numpy(RNG.standard_normal((4, 3))).requires_grad_()
    # ignored targets (the default -100, or an ignore_index that is a class)
    for t, ignore in (([0, -100, 2, 1], -100), ([0, 1, 2, 1], 1)):
        loss = F.cross_entropy(x, al.tensor(t), ignore_index=ignore)
        keep = [i for i, k in enumerate(t) if k != ignore]
        logp = nnfunc.log_softmax(x, 1).detach().numpy()
        ref = -np.mean([logp[i, t[i]] for i in keep])
        np.testing.assert_allclose(loss.item(), ref, rtol=1e-12)
        loss.backward()
        assert x.grad.numpy()[[i for i in range(4) if i not in keep]].tolist() == \
            [[0.0, 0.0, 0.0]] * (4 - len(keep))
        x.grad = None
    with pytest.raises(IndexError, match="Target 3 is out of bounds."):
        F.cross_entropy(x, al.tensor([0, 3, 1, 1]))
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        F.cross_entropy(x, al.tensor([0, -1, 1, 1]))
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        F.cross_entropy(x, al.tensor([0, 1, 1, 1]), reduction="bad")
    with pytest.raises(ValueError, match=r"Expected input batch_size \(4\) to match target "
                       r"batch_size \(3\)."):
        F.cross_entropy(x, al.tensor([0, 1, 1]))
    loss = F.cross_entropy(x, al.tensor([0, 1, 2, 1]), reduction="none")
    assert loss.shape == (4,) and loss.grad_fn.name() == "NllLossBackward0"
    with al.no_grad():
        assert F.cross_entropy(x, al.tensor([0, 1, 2, 1])).grad_fn is None
    w = al.ones(3, dtype=al.float64)
    np.testing.assert_array_equal(F.cross_entropy(x, al.tensor([0, 1, 2, 1]), weight=w).item(),
                                  F.cross_entropy(x, al.tensor([0, 1, 2, 1])).item())


def test_nll_offsets_cannot_be_changed_by_user_code():
    off = fastpath._row_offsets(3, 4)
    assert off.tolist() == [0, 4, 8] and fastpath._row_offsets(3, 4) is off
    with pytest.raises(ValueError, match="read-only"):
        off[0] = 1
    t = al.tensor([1, 0, 3])
    x = al.from_numpy(RNG.standard_normal((3, 4))).requires_grad_()
    loss = F.cross_entropy(x, t)
    t._data[0] = 2  # the node keeps its own copy of the targets, as the general path does
    loss.backward()
    assert x.grad.numpy()[0, 1] < 0 and x.grad.numpy()[0, 2] > 0


def test_cross_entropy_matches_pytorch():
    torch = pytest.importorskip("torch")
    for dtype, tol in ((np.float32, 2e-6), (np.float64, 1e-13)):
        for reduction in ("mean", "sum"):
            a, t = _logits(16, 5, dtype), RNG.integers(0, 5, 16)
            x = al.from_numpy(a.copy()).requires_grad_()
            loss = F.cross_entropy(x, al.from_numpy(t), reduction=reduction)
            loss.backward()
            xt = torch.from_numpy(a.copy()).requires_grad_()
            ref = torch.nn.functional.cross_entropy(xt, torch.from_numpy(t), reduction=reduction)
            ref.backward()
            np.testing.assert_allclose(loss.item(), ref.item(), rtol=tol)
            np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)
            assert loss.dtype == x.dtype
