"""Finite-difference checking shared by the op tests: first derivatives (plain and create_graph
backward) and a Hessian-vector product, against central differences in float64."""

from __future__ import annotations

import numpy as np

import autograd_lite as al
from autograd_lite import autograd

RNG = np.random.default_rng(1234)


def _fd(f, arrays, eps=1e-6):
    """Central differences of the scalar f(*arrays), one gradient per array."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gf = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            fp = f()
            flat[i] = orig - eps
            fm = f()
            flat[i] = orig
            gf[i] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def check(fn, *arrays, second=True, atol=1e-5, rtol=1e-4):
    """First derivatives (plain and create_graph backward) and second derivatives (a Hessian-vector
    product through create_graph) of ``sum(fn(*xs) * R)`` against finite differences."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    xs = [al.from_numpy(a).requires_grad_() for a in arrays]
    out = fn(*xs)
    r = RNG.standard_normal(out.shape)

    def loss():
        return (fn(*xs) * al.from_numpy(r)).sum()

    def value():
        with al.no_grad():
            return float(loss())

    plain = autograd.grad(loss(), xs, allow_unused=True)
    graph = autograd.grad(loss(), xs, create_graph=True, allow_unused=True)
    for x, g1, g2, num in zip(xs, plain, graph, _fd(value, arrays)):
        g1 = np.zeros(x.shape) if g1 is None else g1.detach().numpy()
        g2 = np.zeros(x.shape) if g2 is None else g2.detach().numpy()
        np.testing.assert_allclose(g1, num, atol=atol, rtol=rtol)
        np.testing.assert_allclose(g2, g1, atol=1e-10, rtol=1e-10)
    if not second:
        return
    vs = [RNG.standard_normal(a.shape) for a in arrays]

    def gv(create):
        gs = autograd.grad(loss(), xs, create_graph=create, allow_unused=True)
        terms = [(g * al.from_numpy(v)).sum() for g, v in zip(gs, vs) if g is not None]
        return sum(terms[1:], terms[0]) if terms else None

    s = gv(True)
    hv = autograd.grad(s, xs, allow_unused=True) if s is not None and s.requires_grad \
        else [None] * len(xs)

    def s_value():
        t = gv(False)
        return 0.0 if t is None else float(t)

    for x, h, num in zip(xs, hv, _fd(s_value, arrays)):
        h = np.zeros(x.shape) if h is None else h.detach().numpy()
        np.testing.assert_allclose(h, num, atol=10 * atol, rtol=10 * rtol)
