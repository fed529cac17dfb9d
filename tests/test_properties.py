"""Property-based tests: random expression graphs of elementwise ops on float64 tensors with random
(broadcasting) shapes. Autograd must agree with NumPy (values) and with central finite differences
(first and second derivatives); the plain and create_graph backward passes must agree exactly."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al

# Each op is written once against a module ``m`` (autograd_lite or NumPy); domains are safe by
# construction (log/sqrt/pow get arguments >= 1, exp gets arguments in [-1, 1]).
UNARY = {
    "sin": lambda m, a: m.sin(a),
    "cos": lambda m, a: m.cos(a),
    "tanh": lambda m, a: m.tanh(a),
    "sigmoid": lambda m, a: m.sigmoid(a) if m is al else 1 / (1 + np.exp(-a)),
    "neg": lambda m, a: -a,
    "exp_tanh": lambda m, a: m.exp(m.tanh(a)),
    "log_sq1": lambda m, a: m.log(a * a + 1),
    "sqrt_sq1": lambda m, a: m.sqrt(a * a + 1),
    "square": lambda m, a: a ** 2,
    "cube": lambda m, a: a ** 3,
    "affine": lambda m, a: 0.5 * a - 1,
    "rsub_rdiv": lambda m, a: 1 - 2 / (a * a + 1),
}
BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (b * b + 1),
    "pow": lambda m, a, b: (a * a + 1) ** m.tanh(b),
    "pow_fn": lambda m, a, b: al.pow(a * a + 1, 0.5 * b) if m is al else
    np.power(a * a + 1, 0.5 * b),
    "add_alpha": lambda m, a, b: al.add(a, b, alpha=-0.5) if m is al else a - 0.5 * b,
}


def expressions(n_leaves: int):
    leaf = st.integers(0, n_leaves - 1).map(lambda i: ("leaf", i))
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), kids),
            st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), kids, kids)),
        max_leaves=6)


def evaluate(expr, leaves, m):
    kind = expr[0]
    if kind == "leaf":
        return leaves[expr[1]]
    if kind == "u":
        return UNARY[expr[1]](m, evaluate(expr[2], leaves, m))
    return BINARY[expr[1]](m, evaluate(expr[2], leaves, m), evaluate(expr[3], leaves, m))


@st.composite
def graphs(draw):
    """(expression, list of float64 input arrays whose shapes broadcast together)."""
    n = draw(st.integers(1, 3))
    base = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    shapes = []
    for _ in range(n):
        drop = draw(st.integers(0, len(base)))
        dims = [1 if draw(st.booleans()) else s for s in base[drop:]]
        shapes.append(tuple(dims))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.2, 1.2, s) for s in shapes]
    return draw(expressions(n)), arrays


@settings(max_examples=50, deadline=None)
@given(graphs())
def test_random_graphs_values_and_derivatives(check_grads, graph):
    expr, arrays = graph
    fn = lambda *xs: evaluate(expr, xs, al)  # noqa: E731
    expected = evaluate(expr, arrays, np)
    with al.no_grad():
        got = fn(*[al.tensor(a) for a in arrays])
    assert got.dtype == al.float64
    np.testing.assert_allclose(got.numpy(), np.broadcast_to(expected, got.shape),
                               rtol=1e-12, atol=1e-12)
    check_grads(fn, arrays, seed=len(arrays), rtol=1e-5, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(graphs())
def test_backward_accumulates_what_autograd_grad_returns(graph):
    expr, arrays = graph
    xs = [al.tensor(a, requires_grad=True) for a in arrays]
    out = evaluate(expr, xs, al)
    v = al.tensor(np.random.default_rng(0).standard_normal(out.shape))
    grads = al.autograd.grad(out, xs, grad_outputs=v, retain_graph=True, allow_unused=True)
    out.backward(v, retain_graph=True)
    out.backward(v)
    for x, g in zip(xs, grads):
        if g is None:
            assert x.grad is None
        else:
            assert x.grad.shape == x.shape and g.shape == x.shape
            np.testing.assert_allclose(x.grad.numpy(), 2 * g.numpy(), rtol=1e-12, atol=1e-12)
