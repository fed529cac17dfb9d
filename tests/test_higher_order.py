"""Higher-order derivatives through create_graph=True, and activation checkpointing."""

import gc
import warnings
import weakref

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite.autograd import grad
from autograd_lite.autograd.functional import hessian
from autograd_lite.utils.checkpoint import checkpoint, checkpoint_sequential

D = torch.float64


def test_derivatives_of_a_cubic_to_fourth_order():
    x = torch.tensor(2.0, dtype=D, requires_grad=True)
    y = x ** 3 - 2 * x ** 2 + x + 1
    derivs = []
    g = y
    for _ in range(3):
        (g,) = grad(g, x, create_graph=True)
        derivs.append(float(g))
    assert derivs == [5.0, 8.0, 6.0]
    assert g.requires_grad
    (g4,) = grad(g, x, create_graph=True)
    assert float(g4) == 0.0 and not g4.requires_grad  # the third derivative is constant


def test_repeated_derivatives_of_elementary_functions():
    x = torch.tensor(0.7, dtype=D, requires_grad=True)
    cases = [
        (lambda x: x.sin(), [np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v), np.sin]),
        (lambda x: x.exp() * x, [lambda v: np.exp(v) * (v + 1), lambda v: np.exp(v) * (v + 2),
                                 lambda v: np.exp(v) * (v + 3), lambda v: np.exp(v) * (v + 4)]),
        (lambda x: x.tanh(), [lambda v: 1 - np.tanh(v) ** 2,
                              lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2),
                              lambda v: -2 * (1 - np.tanh(v) ** 2) * (1 - 3 * np.tanh(v) ** 2)]),
        (lambda x: 1 / x, [lambda v: -v ** -2, lambda v: 2 * v ** -3, lambda v: -6 * v ** -4]),
        (lambda x: x.log(), [lambda v: 1 / v, lambda v: -v ** -2, lambda v: 2 * v ** -3]),
    ]
    for f, expected in cases:
        g = f(x)
        for k, e in enumerate(expected):
            (g,) = grad(g, x, create_graph=True)
            assert np.isclose(float(g), e(0.7), atol=1e-12), (k, float(g), e(0.7))


def test_hessian_by_hand_and_by_finite_differences():
    def f(v):
        return (v[0] * v[1]).sin() + v[0] ** 2 * v[2].exp()

    v = torch.tensor([0.3, -0.8, 0.5], dtype=D)
    h = hessian(f, v)
    a, b, c = 0.3, -0.8, 0.5
    expected = np.array([
        [-b * b * np.sin(a * b) + 2 * np.exp(c), np.cos(a * b) - a * b * np.sin(a * b),
         2 * a * np.exp(c)],
        [np.cos(a * b) - a * b * np.sin(a * b), -a * a * np.sin(a * b), 0.0],
        [2 * a * np.exp(c), 0.0, a * a * np.exp(c)]])
    assert np.allclose(h._data, expected, atol=1e-12)
    eps, fd, E = 1e-5, np.zeros((3, 3)), np.eye(3)

    def at(shift):
        return float(f(torch.tensor(v._data + shift, dtype=D)))
    for i in range(3):
        for j in range(3):
            a_, b_ = E[i] * eps, E[j] * eps
            fd[i, j] = (at(a_ + b_) - at(a_ - b_) - at(b_ - a_) + at(-a_ - b_)) / (4 * eps * eps)
    assert np.allclose(h._data, fd, atol=1e-5)


def test_gradient_of_gradient_norm():
    """d/dx |grad f|^2, the kind of term used by gradient penalties."""
    x = torch.tensor([0.5, -1.0], dtype=D, requires_grad=True)
    y = (x[0] ** 2 * x[1]).sin()
    (g,) = grad(y, x, create_graph=True)
    penalty = g[0] * g[0] + g[1] * g[1]
    (gp,) = grad(penalty, x)
    eps = 1e-6

    def pen(w):
        t = torch.tensor(w, dtype=D, requires_grad=True)
        (gg,) = grad((t[0] ** 2 * t[1]).sin(), t)
        return float((gg._data ** 2).sum())
    fd = [(pen(x._data + eps * e) - pen(x._data - eps * e)) / (2 * eps) for e in np.eye(2)]
    assert np.allclose(gp._data, fd, atol=1e-6)


# --- checkpointing ---------------------------------------------------------------------------

W = torch.tensor([0.5, -1.0, 2.0], dtype=D, requires_grad=True)


def block(x):
    return ((x * W).tanh() * 3 + x).sin()


def reference_grads(fn, x):
    W.grad = None
    xr = x.detach().requires_grad_()
    out = fn(xr)
    (out * out).exp().backward(torch.ones(3, dtype=D))
    return xr.grad._data.copy(), W.grad._data.copy(), out._data.copy()


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_gives_identical_gradients(reentrant):
    x = torch.tensor([0.1, 0.2, 0.3], dtype=D)
    gx, gw, out = reference_grads(lambda z: block(block(z)), x)
    gx2, gw2, out2 = reference_grads(
        lambda z: checkpoint(block, checkpoint(block, z, use_reentrant=reentrant),
                             use_reentrant=reentrant), x)
    assert np.array_equal(out, out2)
    assert np.allclose(gx, gx2, atol=1e-14) and np.allclose(gw, gw2, atol=1e-14)


def test_non_reentrant_supports_grad_kwargs_and_captured_tensors():
    x = torch.tensor([0.1, 0.2, 0.3], dtype=D, requires_grad=True)
    c = (x * W).exp()  # an earlier result the function captures

    def f(z, scale=1.0):
        return (z * c * scale).sin()

    ones = torch.ones(3, dtype=D)
    ref = grad(f(x * 2, scale=3.0), [x, W], ones, retain_graph=True)
    out = checkpoint(f, x * 2, scale=3.0, use_reentrant=False)
    got = grad(out, [x, W], ones)
    for r, g in zip(ref, got):
        assert np.allclose(r._data, g._data, atol=1e-14)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(f, x, scale=3.0, use_reentrant=True)


def test_non_reentrant_checkpoint_of_an_elementwise_op_on_a_captured_tensor():
    # regression: a one-input elementwise op (z.sin()) on a tensor captured from outside the
    # checkpointed function used to raise TypeError in the non-reentrant recompute
    x = torch.tensor([0.1, 0.2, 0.3], dtype=D, requires_grad=True)
    z = x * 2.0
    ref = grad((x * z.sin()).sum(), x, retain_graph=True)[0]
    got = grad(checkpoint(lambda a: (a * z.sin()).sum(), x, use_reentrant=False), x)[0]
    assert np.allclose(ref._data, got._data, atol=1e-14)


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_keeps_no_intermediates(reentrant):
    alive = []

    def f(z):
        h = (z * W).tanh()
        alive.append(weakref.ref(h))
        h2 = h * h + 1
        alive.append(weakref.ref(h2))
        return h2.log()

    x = torch.tensor([0.1, 0.2, 0.3], dtype=D, requires_grad=True)
    plain = f(x)
    gc.collect()
    assert all(r() is not None for r in alive)  # the plain graph holds its intermediates
    del plain
    alive.clear()
    y = checkpoint(f, x, use_reentrant=reentrant)
    gc.collect()
    assert alive and all(r() is None for r in alive)
    node = y.grad_fn
    assert node.name() == "CheckpointFunctionBackward"
    saved = node.saved_tensors if reentrant else node.state["args"]
    assert all(s is x for s in saved)  # only the input is kept
    assert all(nxt is None or nxt.__class__.__name__ == "AccumulateGrad"
               for nxt, _ in node.next_functions)
    y.backward(torch.ones(3, dtype=D))
    assert x.grad is not None


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_replays_random_state(reentrant):
    def noisy(z):
        return z * torch.rand(3, dtype=D) * W

    x = torch.tensor([0.1, 0.2, 0.3], dtype=D, requires_grad=True)
    torch.manual_seed(3)
    W.grad = None
    noisy(x).backward(torch.ones(3, dtype=D))
    expected = W.grad._data.copy()
    torch.manual_seed(3)
    W.grad = None
    y = checkpoint(noisy, x, use_reentrant=reentrant)
    torch.rand(5)  # moves the generator on before backward
    y.backward(torch.ones(3, dtype=D))
    assert np.allclose(W.grad._data, expected)


def test_checkpoint_sequential_and_warnings():
    x = torch.tensor([0.1, 0.2, 0.3], dtype=D, requires_grad=True)
    layers = [block] * 4
    ref = block(block(block(block(x))))
    for reentrant in (True, False):
        out = checkpoint_sequential(layers, 2, x, use_reentrant=reentrant)
        assert np.allclose(out._data, ref._data)
        (g,) = grad(out.sum(), x) if not reentrant else (None,)
    (gref,) = grad(ref.sum(), x)
    assert np.allclose(g._data, gref._data)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        checkpoint(block, x)
        checkpoint(block, torch.ones(3, dtype=D), use_reentrant=True)
        checkpoint_sequential(layers, 2, x)
    texts = [str(m.message) for m in w]
    assert texts[0].startswith("torch.utils.checkpoint: the use_reentrant parameter should be "
                               "passed explicitly.")
    assert texts[1] == "None of the inputs have requires_grad=True. Gradients will be None"
    assert texts[2].startswith("torch.utils.checkpoint.checkpoint_sequential: the "
                               "use_reentrant parameter should be passed explicitly.")
    assert torch.utils.checkpoint.checkpoint is checkpoint


def test_checkpoint_sequential_on_a_module_with_dropout():
    from autograd_lite import nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 8),
                          nn.Tanh(), nn.Linear(8, 1))
    x = torch.randn(5, 4)
    torch.manual_seed(1)
    model(x).sum().backward()
    ref = [p.grad._data.copy() for p in model.parameters()]
    for reentrant in (False, True):
        for p in model.parameters():
            p.grad = None
        torch.manual_seed(1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            checkpoint_sequential(model, 2, x, use_reentrant=reentrant).sum().backward()
        got = [None if p.grad is None else p.grad._data for p in model.parameters()]
        if reentrant:  # as in PyTorch: the first segment's input does not require grad,
            assert got[:2] == [None, None]  # so its parameters get no gradient
            got, expected = got[2:], ref[2:]
        else:
            expected = ref
        assert all(np.allclose(g, r, atol=1e-6) for g, r in zip(got, expected))


def test_double_backward_and_nesting_through_non_reentrant_checkpoint():
    x = torch.tensor([0.1, 0.2, 0.3], dtype=D, requires_grad=True)

    def f(z):
        return (z * W).tanh().exp()

    def second(fn):
        (g,) = grad(fn(x).sum(), x, create_graph=True)
        return grad(g.sum(), [x, W])

    plain = second(f)
    ckpt = second(lambda z: checkpoint(f, z, use_reentrant=False))
    for a, b in zip(plain, ckpt):
        assert np.allclose(a._data, b._data, atol=1e-14)

    def outer(z):
        return checkpoint(f, z * 2, use_reentrant=False).sin()
    nested = grad(checkpoint(outer, x, use_reentrant=False).sum(), [x, W])
    for a, b in zip(grad(outer(x).sum(), [x, W]), nested):
        assert np.allclose(a._data, b._data, atol=1e-14)


def test_pow_keeps_its_graph_for_every_order():
    # a plain backward may use x ** 1 == x, a recorded one keeps PowBackward0 (x ** 1) as
    # PyTorch does, so the third and fourth derivatives of a cubic still exist
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 3 - 2 * x ** 2 + x + 1
    d = [torch.autograd.grad(y, x, create_graph=True)[0]]
    for _ in range(3):
        d.append(torch.autograd.grad(d[-1], x, create_graph=True)[0])
    assert [t.item() for t in d] == [5.0, 8.0, 6.0, 0.0]
    g = torch.autograd.grad(x ** 2, x, create_graph=True)[0]
    assert g.grad_fn.next_functions[1][0].next_functions[0][0].name() == "PowBackward0"


@pytest.mark.parametrize("fn, node, source", [
    (lambda t: torch.relu(t), "ThresholdBackwardBackward0", "ReluBackward0"),
    (lambda t: torch.nn.functional.leaky_relu(t), "LeakyReluBackwardBackward0",
     "AccumulateGrad"),
    (lambda t: torch.nn.functional.hardtanh(t), "HardtanhBackwardBackward0", "AccumulateGrad")])
def test_piecewise_linear_gradients_stay_in_the_graph(fn, node, source):
    # as in PyTorch: the gradient of relu & co. depends on x through a step function, so its
    # own derivative is zero (not "does not require grad")
    x = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    g, = grad(fn(x).sum(), x, create_graph=True)
    assert g.requires_grad and type(g.grad_fn).__name__ == node
    assert type(g.grad_fn.next_functions[1][0]).__name__ == source
    assert grad(g.sum(), x)[0].tolist() == [0.0, 0.0, 0.0]
