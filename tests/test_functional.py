"""autograd.functional: vjp, jvp, jacobian, hessian, hvp, vhp against hand formulas, and
PyTorch's output structures and error messages."""

import time

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

D = torch.float64


def t(values):
    return torch.tensor(values, dtype=D)


def close(a, b, tol=1e-10):
    a = a._data if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b._data if isinstance(b, torch.Tensor) else np.asarray(b)
    return a.shape == b.shape and np.allclose(a, b, atol=tol, rtol=tol)


def f_vec(x):
    """R^2 -> R^3: (x0 x1, sin x0, x1^3)."""
    return torch.stack([x[0] * x[1], x[0].sin(), x[1] ** 3])


def jac_f_vec(x0, x1):
    return [[x1, x0], [np.cos(x0), 0.0], [0.0, 3 * x1 ** 2]]


def g_scalar(x):
    """x0^2 x1 + x0 sin x1 + exp x0."""
    return x[0] ** 2 * x[1] + x[0] * x[1].sin() + x[0].exp()


def hess_g(x0, x1):
    return [[2 * x1 + np.exp(x0), 2 * x0 + np.cos(x1)],
            [2 * x0 + np.cos(x1), -x0 * np.sin(x1)]]


X = (0.7, -1.3)


def test_jacobian_of_vector_function():
    jac = jacobian(f_vec, t(X))
    assert isinstance(jac, torch.Tensor) and jac.shape == (3, 2)
    assert close(jac, jac_f_vec(*X))
    assert not jac.requires_grad


def test_hessian_of_scalar_function():
    h = hessian(g_scalar, t(X))
    assert h.shape == (2, 2)
    assert close(h, hess_g(*X))


def test_vjp_jvp_hvp_vhp_against_matrices():
    x, u, w = t(X), t([0.3, -2.0, 1.5]), t([1.1, 0.4])
    J, H = np.array(jac_f_vec(*X)), np.array(hess_g(*X))
    out, res = vjp(f_vec, x, u)
    assert close(out, f_vec(x)) and close(res, u._data @ J)
    out, res = jvp(f_vec, x, w)
    assert close(out, f_vec(x)) and close(res, J @ w._data)
    out, res = hvp(g_scalar, x, w)
    assert close(out, g_scalar(x)) and close(res, H @ w._data)
    out, res = vhp(g_scalar, x, w)
    assert close(res, w._data @ H)
    assert close(hvp(g_scalar, x, w)[1], hessian(g_scalar, x)._data @ w._data)


def test_tuple_inputs_and_outputs_structure():
    a, b = t([1.0, 2.0, 3.0]), t([0.5, -1.0])

    def f(a, b):
        return a * a, (a[:2] * b).exp()

    jac = jacobian(f, (a, b))
    assert isinstance(jac, tuple) and len(jac) == 2 and all(len(r) == 2 for r in jac)
    assert [tuple(j.shape) for j in jac[0]] == [(3, 3), (3, 2)]
    assert [tuple(j.shape) for j in jac[1]] == [(2, 3), (2, 2)]
    assert close(jac[0][0], np.diag(2 * a._data)) and close(jac[0][1], np.zeros((3, 2)))
    e = np.exp(a._data[:2] * b._data)
    assert close(jac[1][0], np.hstack([np.diag(e * b._data), np.zeros((2, 1))]))
    assert close(jac[1][1], np.diag(e * a._data[:2]))
    one_in = jacobian(lambda a: (a * 2, a.sin()), a)  # tuple of outputs, one input
    assert isinstance(one_in, tuple) and one_in[0].shape == (3, 3)
    one_out = jacobian(lambda a, b: a[:2] * b, (a, b))  # one output, tuple of inputs
    assert isinstance(one_out, tuple) and one_out[1].shape == (2, 2)
    m = jacobian(lambda m: m * m, torch.ones(2, 3, dtype=D))
    assert m.shape == (2, 3, 2, 3)

    def quad(a, b):
        return (a[:2] * b * b).sum()

    h = hessian(quad, (a, b))
    assert isinstance(h, tuple) and isinstance(h[0], tuple)
    assert [[tuple(x.shape) for x in row] for row in h] == [[(3, 3), (3, 2)], [(2, 3), (2, 2)]]
    assert close(h[1][1], np.diag(2 * a._data[:2]))
    assert close(h[0][1], np.vstack([np.diag(2 * b._data), np.zeros((1, 2))]))
    out, (va, vb) = vjp(quad, (a, b))
    assert close(vb, 2 * a._data[:2] * b._data)
    out, res = hvp(quad, (a, b), (t([1.0, 0.0, 0.0]), t([0.0, 1.0])))
    assert isinstance(res, tuple) and close(res[0], [0.0, 2 * b._data[1], 0.0])


def test_scalar_input_needs_no_v():
    s = t(2.0)
    cubic = lambda x: x ** 3 - 2 * x ** 2 + x + 1  # noqa: E731
    assert close(vjp(cubic, s)[1], 5.0)
    assert close(jvp(cubic, s)[1], 5.0)
    assert close(hvp(cubic, s)[1], 8.0) and close(vhp(cubic, s)[1], 8.0)
    assert close(hessian(cubic, s), 8.0)
    assert close(jacobian(cubic, s), 5.0)


def test_create_graph_keeps_the_graph():
    x = t(X).requires_grad_()
    out, res = vjp(g_scalar, x, create_graph=True)
    assert out.requires_grad and res.requires_grad
    (gx,) = torch.autograd.grad(res.sum(), x)
    assert close(gx, np.array(hess_g(*X)).sum(0))
    out, res = vjp(g_scalar, x)  # without create_graph: detached results
    assert not out.requires_grad and not res.requires_grad
    h = hessian(g_scalar, x, create_graph=True)
    assert h.requires_grad
    j = jacobian(f_vec, x, create_graph=True)
    assert j.requires_grad and j.grad_fn is not None
    _, hv = hvp(g_scalar, x, t([1.0, 0.0]), create_graph=True)
    assert hv.requires_grad


def test_unused_input_gives_zeros_or_strict_error():
    a, b = t([1.0, 2.0]), t([3.0])
    _, (ga, gb) = vjp(lambda a, b: (a * a).sum(), (a, b))
    assert close(gb, [0.0])
    jac = jacobian(lambda a, b: a * 2, (a, b))
    assert close(jac[1], np.zeros((2, 1)))
    with pytest.raises(RuntimeError, match="The output of the user-provided function is "
                                           "independent of input 1. This is not allowed in "
                                           "strict mode."):
        vjp(lambda a, b: (a * a).sum(), (a, b), strict=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is "
                                           "independent of input 1"):
        jacobian(lambda a, b: a * 2, (a, b), strict=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not "
                                           "require gradients"):
        vjp(lambda a: torch.ones(2, dtype=D), a, a, strict=True)
    with pytest.raises(RuntimeError, match="While computing the hessian, found that the "
                                           "jacobian of the user-provided function with respect "
                                           "to input 0 is independent of the input"):
        hessian(lambda a: (a * 2).sum(), a, strict=True)
    with pytest.raises(RuntimeError, match="While computing the hessian"):
        hvp(lambda a: (a * 2).sum(), a, a, strict=True)


MESSAGES = [
    (lambda: vjp(lambda a: a * 2, t([1.0, 2.0])), RuntimeError,
     "The vector v can only be None if the user-provided function returns a single Tensor with "
     "a single element."),
    (lambda: jvp(lambda a: a * 2, t([1.0, 2.0])), RuntimeError,
     "The vector v can only be None if the input to the user-provided function is a single "
     "Tensor with a single element."),
    (lambda: hvp(lambda a: (a * a).sum(), t([1.0, 2.0])), RuntimeError,
     "The vector v can only be None if the input to the user-provided function is a single "
     "Tensor with a single element."),
    (lambda: vjp(lambda a: a * 2, t([1.0, 2.0]), t([1.0])), RuntimeError,
     "v has invalid size: should be torch.Size([2]) but got torch.Size([1])."),
    (lambda: jvp(lambda a, b: a, (t([1.0]), t([1.0, 2.0])), (t([1.0]),)), RuntimeError,
     "v is a tuple of invalid length: should be 2 but got 1."),
    (lambda: jvp(lambda a, b: a, (t([1.0]), t([1.0, 2.0])), (t([1.0]), t([1.0]))),
     RuntimeError, "Entry 1 in v has invalid size: should be torch.Size([2]) but got "
                   "torch.Size([1])."),
    (lambda: jvp(lambda a: a, t([1.0]), (t([1.0]), t([1.0]))), RuntimeError,
     "The given v should contain a single Tensor."),
    (lambda: vjp(lambda a: a, [t([1.0])]), TypeError,
     "The inputs given to vjp must be either a Tensor or a tuple of Tensors but the given "
     "inputs has type <class 'list'>."),
    (lambda: vjp(lambda a, b: a, (t([1.0]), 3)), TypeError,
     "The inputs given to vjp must be either a Tensor or a tuple of Tensors but the value at "
     "index 1 has type <class 'int'>."),
    (lambda: hessian(lambda a: a * 2, t([1.0, 2.0])), RuntimeError,
     "The Tensor returned by the function given to hessian should contain a single element"),
    (lambda: hessian(lambda a: (a, a), t([1.0])), RuntimeError,
     "The function given to hessian should return a single Tensor"),
    (lambda: hvp(lambda a: a * 2, t([1.0, 2.0]), t([1.0, 2.0])), RuntimeError,
     "The Tensor returned by the function given to hvp should contain a single element"),
    (lambda: jacobian(lambda a: a, t([1.0]), strategy="foo"), AssertionError,
     'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your function '
     'has more outputs than inputs, "forward-mode" tends to be more performant. Otherwise, '
     'prefer to use "reverse-mode".'),
    (lambda: jacobian(lambda a: a, t([1.0]), strategy="forward-mode"), NotImplementedError,
     "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly implemented "
     "for `vectorize=True`."),
    (lambda: jacobian(lambda a: a, t([1.0]), vectorize=True, strict=True), RuntimeError,
     "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
     "supported together. Please either set `strict=False` or `vectorize=False`."),
]


@pytest.mark.parametrize("call,exc,message", MESSAGES)
def test_error_messages_match_pytorch(call, exc, message):
    with pytest.raises(exc) as e:
        call()
    assert str(e.value) == message


def test_vectorize_gives_the_same_jacobian():
    x = t(X)
    assert close(jacobian(f_vec, x, vectorize=True), jacobian(f_vec, x))
    fwd = jacobian(f_vec, x, vectorize=True, strategy="forward-mode")
    assert close(fwd, jac_f_vec(*X))


def test_forward_over_reverse_hessian():
    h = hessian(g_scalar, t(X), vectorize=True, outer_jacobian_strategy="forward-mode")
    assert close(h, hess_g(*X))
    a, w = t([[0.2, -0.4, 0.9], [1.1, 0.3, -0.7]]), t([[0.5, -1.0], [0.3, 0.8], [-0.6, 0.1]])

    def f(a, w):
        return ((a @ w).tanh() ** 2).mean() + (a * a).sum().sqrt()
    rev = hessian(f, (a, w))
    fwd = hessian(f, (a, w), vectorize=True, outer_jacobian_strategy="forward-mode")
    for r_row, f_row in zip(rev, fwd):
        for r, fw in zip(r_row, f_row):
            assert close(r, fw, 1e-12)


def test_hvp_equals_hessian_times_v_for_an_mlp():
    a, w = t([[0.2, -0.4, 0.9], [1.1, 0.3, -0.7]]), t([[0.5, -1.0], [0.3, 0.8], [-0.6, 0.1]])

    def f(w):
        return ((a @ w).tanh() @ t([1.0, -2.0])).pow(2).mean()
    v = t([[1.0, 0.5], [-0.3, 0.2], [0.7, -1.1]])
    h = hessian(f, w)._data.reshape(6, 6)
    assert close(hvp(f, w, v)[1], (h @ v._data.reshape(6)).reshape(3, 2))
    assert close(vhp(f, w, v)[1], (v._data.reshape(6) @ h).reshape(3, 2))
    assert close(jvp(lambda w: (a @ w).tanh(), w, v)[1],
                 (jacobian(lambda w: (a @ w).tanh(), w)._data.reshape(4, 6)
                  @ v._data.reshape(6)).reshape(2, 2))


def _mlp():
    rng = np.random.default_rng(0)
    w1 = torch.tensor(rng.normal(size=(64, 128)) * 0.1, dtype=D)
    w2 = torch.tensor(rng.normal(size=(128, 1)) * 0.1, dtype=D)
    x = torch.tensor(rng.normal(size=(256, 64)), dtype=D)

    def loss(w1, w2):
        return ((x @ w1).tanh() @ w2).tanh().pow(2).mean()
    return loss, (w1, w2)


def test_hvp_matches_finite_differences_of_gradient():
    loss, (w1, w2) = _mlp()
    v = (torch.ones_like(w1) * 0.01, torch.ones_like(w2) * 0.02)
    _, (h1, h2) = hvp(loss, (w1, w2), v)
    eps = 1e-5

    def grads(s):
        _, g = vjp(loss, (w1 + s * v[0], w2 + s * v[1]))
        return g
    gp, gm = grads(eps), grads(-eps)
    assert np.allclose(h1._data, (gp[0]._data - gm[0]._data) / (2 * eps), atol=1e-8)
    assert np.allclose(h2._data, (gp[1]._data - gm[1]._data) / (2 * eps), atol=1e-8)


def test_hvp_costs_about_two_gradients():
    """hvp = forward + backward with create_graph + one backward through it: no recomputation,
    no third pass (PyTorch's hvp adds one for the double-backward trick)."""
    loss, (w1, w2) = _mlp()
    v = (torch.ones_like(w1), torch.ones_like(w2))
    calls = []

    def counted(*a):
        calls.append(1)
        return loss(*a)
    hvp(counted, (w1, w2), v)
    assert len(calls) == 1

    def best(f, n=7):
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return min(times)
    grad_time = best(lambda: vjp(loss, (w1, w2)))
    hvp_time = best(lambda: hvp(loss, (w1, w2), v))
    assert hvp_time < 3.5 * grad_time, (hvp_time, grad_time)  # measured: about 2.5x
