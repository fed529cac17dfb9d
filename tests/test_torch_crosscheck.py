"""Cross-check against a real PyTorch: values, gradients and second derivatives of random expression
graphs (elementwise ops, plus sum/mean/matmul where autograd_lite has them), special points, and
type promotion. Skipped when torch is not installed (it is not a project dependency)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import autograd_lite as al

torch = pytest.importorskip("torch")

HAS_SUM = hasattr(al.Tensor, "sum")
HAS_MEAN = hasattr(al.Tensor, "mean")
HAS_MATMUL = hasattr(al, "matmul") and hasattr(al.Tensor, "__matmul__")


def _sum(m, a):
    return a.sum() if HAS_SUM else a


def _mean_last(m, a):
    return a.mean(-1, keepdim=True) if HAS_MEAN and a.ndim else a


# ops written once against a module ``m`` (autograd_lite or torch share the API)
UNARY = {
    "sin": lambda m, a: m.sin(a), "cos": lambda m, a: m.cos(a), "tanh": lambda m, a: m.tanh(a),
    "sigmoid": lambda m, a: m.sigmoid(a), "neg": lambda m, a: -a,
    "exp": lambda m, a: m.exp(m.tanh(a)), "log": lambda m, a: m.log(a * a + 1),
    "sqrt": lambda m, a: m.sqrt(a * a + 1), "square": lambda m, a: a ** 2,
    "cube": lambda m, a: m.pow(a, 3), "relu": lambda m, a: m.relu(a), "abs": lambda m, a: m.abs(a),
    "clamp": lambda m, a: m.clamp(a, -0.5, 0.8), "rsub": lambda m, a: 1 - a,
    "rdiv": lambda m, a: 2 / (a * a + 1), "tan": lambda m, a: m.tan(0.5 * m.tanh(a)),
    "rpow": lambda m, a: 2 ** a, "round": lambda m, a: m.round(a) * a,
    # ops/math_more.py and ops/order.py (shape-preserving ones), inputs kept in their domains
    "log2": lambda m, a: m.log2(a * a + 0.5), "log10": lambda m, a: m.log10(a * a + 0.5),
    "exp2": lambda m, a: m.exp2(m.tanh(a)), "asin": lambda m, a: m.asin(0.9 * m.tanh(a)),
    "acos": lambda m, a: m.acos(0.9 * m.tanh(a)), "atan": lambda m, a: m.atan(a),
    "sinh": lambda m, a: m.sinh(m.tanh(a)), "cosh": lambda m, a: m.cosh(m.tanh(a)),
    "asinh": lambda m, a: m.asinh(a), "acosh": lambda m, a: m.acosh(a * a + 1.5),
    "atanh": lambda m, a: m.atanh(0.9 * m.tanh(a)), "frac": lambda m, a: m.frac(a),
    "trunc": lambda m, a: m.trunc(a) * a, "nan_to_num": lambda m, a: m.nan_to_num(a),
    "cumprod": lambda m, a: m.cumprod(a, -1) if a.ndim else a,
    "tril": lambda m, a: m.tril(a) if a.ndim >= 2 else a,
    "triu": lambda m, a: m.triu(a, 1) if a.ndim >= 2 else a,
}
if HAS_SUM:
    UNARY["sum"] = _sum
if HAS_MEAN:
    UNARY["mean_last"] = _mean_last
BINARY = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (b * b + 1), "pow": lambda m, a, b: (a * a + 1) ** m.tanh(b),
    "maximum": lambda m, a, b: m.maximum(a, b), "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a * b, a - b),
    "add_alpha": lambda m, a, b: m.add(a, b, alpha=0.5),
    "atan2": lambda m, a, b: m.atan2(a, b * b + 0.5), "hypot": lambda m, a, b: m.hypot(a, b),
    "logaddexp": lambda m, a, b: m.logaddexp(a, b), "lerp": lambda m, a, b: m.lerp(a, b, 0.3),
    "lerp_tensor": lambda m, a, b: m.lerp(a, b, m.sigmoid(b)),
    "addcmul": lambda m, a, b: m.addcmul(a, b, a, value=0.5),
    "addcdiv": lambda m, a, b: m.addcdiv(b, a, b * b + 0.5, value=-2.0),
}


def random_expr(rng, n_leaves, depth):
    if depth == 0 or rng.random() < 0.2:
        return ("leaf", int(rng.integers(n_leaves)))
    if rng.random() < 0.5:
        return ("u", str(rng.choice(sorted(UNARY))), random_expr(rng, n_leaves, depth - 1))
    return ("b", str(rng.choice(sorted(BINARY))), random_expr(rng, n_leaves, depth - 1),
            random_expr(rng, n_leaves, depth - 1))


def evaluate(expr, leaves, m):
    if expr[0] == "leaf":
        return leaves[expr[1]]
    if expr[0] == "u":
        return UNARY[expr[1]](m, evaluate(expr[2], leaves, m))
    return BINARY[expr[1]](m, evaluate(expr[2], leaves, m), evaluate(expr[3], leaves, m))


def random_shapes(rng, n):
    base = tuple(int(s) for s in rng.integers(1, 4, size=rng.integers(0, 3)))
    shapes = []
    for _ in range(n):
        dims = base[int(rng.integers(0, len(base) + 1)):]
        shapes.append(tuple(1 if rng.random() < 0.3 else s for s in dims))
    return shapes


def _np(t):
    """A NumPy copy of a torch or autograd_lite tensor (force: torch's ZeroTensor gradients)."""
    return np.array(t.detach().numpy(force=True))


def derivatives(m, expr, arrays, v, us, dtype):
    """(value, first derivatives, second derivatives along us) computed with module m."""
    xs = [m.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    out = evaluate(expr, xs, m)
    gs = m.autograd.grad(out, xs, grad_outputs=m.tensor(v, dtype=out.dtype), create_graph=True,
                         allow_unused=True)
    first = [np.zeros(a.shape) if g is None else _np(g) for g, a in zip(gs, arrays)]
    pairs = [(g, m.tensor(u, dtype=g.dtype)) for g, u in zip(gs, us)
             if g is not None and g.requires_grad]
    second = [np.zeros(a.shape) for a in arrays]
    if pairs:
        hs = m.autograd.grad([g for g, _ in pairs], xs, grad_outputs=[u for _, u in pairs],
                             allow_unused=True)
        second = [np.zeros(a.shape) if h is None else _np(h) for h, a in zip(hs, arrays)]
    return _np(out), first, second


@pytest.mark.parametrize("seed", range(150))
def test_random_graphs_match_torch(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    arrays = [rng.uniform(-1.5, 1.5, s) for s in random_shapes(rng, n)]
    expr = random_expr(rng, n, depth=4)
    with torch.no_grad():
        out_shape = tuple(evaluate(expr, [torch.tensor(a) for a in arrays], torch).shape)
    v = rng.standard_normal(out_shape)
    us = [rng.standard_normal(a.shape) for a in arrays]
    broadcasting = any(a.shape != out_shape for a in arrays)
    for dtype_name, tol in (("float64", 1e-9), ("float32", 2e-4)):
        t_val, t_first, t_second = derivatives(torch, expr, arrays, v, us,
                                               getattr(torch, dtype_name))
        if broadcasting and not hasattr(al.Tensor, "sum_to_size"):
            xs = [al.tensor(a, dtype=getattr(al, dtype_name), requires_grad=True)
                  for a in arrays]
            out = evaluate(expr, xs, al)
            gs = al.autograd.grad(out, xs, grad_outputs=al.tensor(v, dtype=out.dtype),
                                  allow_unused=True)
            a_val = out.detach().numpy()
            a_first = [np.zeros(a.shape) if g is None else g.numpy() for g, a in zip(gs, arrays)]
            a_second = None  # create_graph through broadcasting needs ops/reduce.py
        else:
            a_val, a_first, a_second = derivatives(al, expr, arrays, v, us,
                                                   getattr(al, dtype_name))
        assert a_val.dtype == t_val.dtype and a_val.shape == t_val.shape, expr
        scale = 1 + max([np.abs(t_val).max(initial=0)] + [np.abs(g).max(initial=0)
                                                            for g in t_first])
        np.testing.assert_allclose(a_val, t_val, rtol=tol, atol=tol * scale, err_msg=str(expr))
        for k, (ga, gt) in enumerate(zip(a_first, t_first)):
            np.testing.assert_allclose(ga, gt, rtol=tol, atol=tol * scale,
                                       err_msg=f"d/dx{k} of {expr}")
        if a_second is not None:
            s2 = 1 + max(np.abs(h).max(initial=0) for h in t_second)
            for k, (ha, ht) in enumerate(zip(a_second, t_second)):
                np.testing.assert_allclose(ha, ht, rtol=tol, atol=tol * s2,
                                           err_msg=f"d2/dx{k} of {expr}")


@pytest.mark.skipif(not (HAS_MATMUL and HAS_SUM), reason="matmul/sum not there yet")
@pytest.mark.parametrize("seed", range(5))
def test_matmul_graphs_match_torch(seed):
    rng = np.random.default_rng(100 + seed)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)]

    def f(m, a, w, b):
        h = m.tanh(a @ w + b)
        return (m.sigmoid(h @ w.T) * a).sum()

    results = []
    for m in (torch, al):
        xs = [m.tensor(a, requires_grad=True) for a in arrays]
        out = f(m, *xs)
        gs = m.autograd.grad(out, xs, create_graph=True)
        us = [m.tensor(np.ones(a.shape)) for a in arrays]
        hs = m.autograd.grad(list(gs), xs, grad_outputs=us)
        results.append([_np(out)] + [_np(g) for g in gs] + [_np(h) for h in hs])
    for a_res, t_res in zip(results[1], results[0]):
        np.testing.assert_allclose(a_res, t_res, rtol=1e-9, atol=1e-9)


# --- special points -----------------------------------------------------------------------------

SPECIAL = [
    ("relu", lambda m, x: m.relu(x), [[0.0, -1.0, 2.0]]),
    ("abs", lambda m, x: m.abs(x), [[0.0, -1.0, 2.0]]),
    ("clamp", lambda m, x: m.clamp(x, -1, 1), [[-1.0, 1.0, 0.0, 2.0, -3.0]]),
    ("maximum", lambda m, x, y: m.maximum(x, y), [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    ("minimum", lambda m, x, y: m.minimum(x, y), [[1.0, 2.0, 3.0], [1.0, 1.0, 4.0]]),
    ("sqrt0", lambda m, x: m.sqrt(x), [[0.0, 4.0]]),
    ("pow_tensor", lambda m, x, y: x ** y, [[0.0, 0.0, 2.0, -2.0], [2.0, 0.0, 3.0, 2.0]]),
    ("pow0", lambda m, x: x ** 0, [[0.0, 2.0]]),
    ("pow_half", lambda m, x: x ** 0.5, [[0.0, 4.0]]),
    ("round", lambda m, x: m.round(x), [[0.5, 1.5, 2.5, -0.5, -1.5, 1.2]]),
    ("sigmoid_big", lambda m, x: m.sigmoid(x), [[-1000.0, 1000.0, 0.0, -30.0, 30.0]]),
    ("tanh_big", lambda m, x: m.tanh(x), [[-1000.0, 1000.0]]),
    ("exp_big", lambda m, x: m.exp(x), [[1000.0, -1000.0]]),
    ("log0", lambda m, x: m.log(x), [[0.0, 1.0]]),
    ("div0", lambda m, x, y: x / y, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]]),
    ("where", lambda m, x, y: m.where(x > 0, x, y), [[1.0, -1.0, 0.0], [5.0, 6.0, 7.0]]),
    ("cumprod_zeros", lambda m, x: m.cumprod(x, 0), [[2.0, 0.0, 3.0, 0.0, 5.0]]),
    ("atan2_quadrants", lambda m, y, x: m.atan2(y, x), [[1.0, 1.0, -1.0, -1.0, 0.0],
                                                         [1.0, -1.0, 1.0, -1.0, -2.0]]),
    ("nan_to_num", lambda m, x: m.nan_to_num(x, posinf=5.0), [[np.nan, np.inf, -np.inf, 2.0]]),
    ("logaddexp_big", lambda m, x, y: m.logaddexp(x, y), [[1000.0, -1000.0], [999.0, -1000.0]]),
]


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("name, fn, values", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_points_match_torch(name, fn, values, dtype_name):
    results = []
    for m in (torch, al):
        xs = [m.tensor(v, dtype=getattr(m, dtype_name), requires_grad=True) for v in values]
        out = fn(m, *xs)
        gs = m.autograd.grad(out, xs, grad_outputs=m.ones_like(out), allow_unused=True)
        results.append([_np(out)] + [_np(g) for g in gs])
    for a_res, t_res in zip(results[1], results[0]):
        assert a_res.dtype == t_res.dtype
        np.testing.assert_allclose(a_res, t_res, rtol=1e-6, atol=0, equal_nan=True)


# --- type promotion ---------------------------------------------------------------------------

OPERANDS = {
    "f32": lambda m: m.tensor([1.0, 2.0]), "f64": lambda m: m.tensor([1.0, 2.0],
                                                                   dtype=m.float64),
    "i64": lambda m: m.tensor([1, 2]), "i32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "bool": lambda m: m.tensor([True, False]), "f32_0d": lambda m: m.tensor(2.0),
    "f64_0d": lambda m: m.tensor(2.0, dtype=m.float64), "i64_0d": lambda m: m.tensor(2),
    "int": lambda m: 3, "float": lambda m: 2.5, "pybool": lambda m: True,
}
OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
       "/": lambda a, b: a / b}


@pytest.mark.parametrize("op", sorted(OPS))
def test_type_promotion_matches_torch(op):
    checked = 0
    for (na, fa), (nb, fb) in itertools.product(OPERANDS.items(), repeat=2):
        ta, tb = fa(torch), fb(torch)
        if not isinstance(ta, torch.Tensor) and not isinstance(tb, torch.Tensor):
            continue
        try:
            expected = OPS[op](ta, tb)
        except (RuntimeError, TypeError):
            continue  # e.g. bool - bool is an error in torch
        got = OPS[op](fa(al), fb(al))
        assert str(got.dtype) == str(expected.dtype), f"{na} {op} {nb}"
        np.testing.assert_allclose(got.numpy().astype(np.float64),
                                   expected.numpy().astype(np.float64), rtol=1e-6)
        checked += 1
    assert checked > 50


def test_unary_result_dtypes_match_torch():
    for name in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "abs",
                 "neg"):
        for make in (lambda m: m.tensor([1, 4]), lambda m: m.tensor([1.0, 4.0]),
                     lambda m: m.tensor([1.0, 4.0], dtype=m.float64)):
            t = getattr(torch, name)(make(torch))
            a = getattr(al, name)(make(al))
            assert str(a.dtype) == str(t.dtype), name
            np.testing.assert_allclose(a.numpy().astype(np.float64),
                                       t.numpy().astype(np.float64), rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 42, 2 ** 40 + 5])
def test_random_numbers_match_torch(seed):
    """The generator: the same seed gives PyTorch's numbers (float32 normals of 16 or more values
    to within a last bit: PyTorch computes those with single-precision vector functions)."""
    for n in (1, 3, 15, 16, 17, 31, 100):
        for dt, tdt in ((al.float32, torch.float32), (al.float64, torch.float64)):
            al.manual_seed(seed)
            torch.manual_seed(seed)
            ours = [al.randn(n, dtype=dt).numpy(), al.rand(n, dtype=dt).numpy()]
            theirs = [torch.randn(n, dtype=tdt).numpy(), torch.rand(n, dtype=tdt).numpy()]
            np.testing.assert_allclose(ours[0], theirs[0], rtol=0,
                                       atol=1e-6 if dt == al.float32 else 1e-15)
            np.testing.assert_array_equal(ours[1], theirs[1])
    al.manual_seed(seed)
    torch.manual_seed(seed)
    assert al.randint(-3, 7, (50,)).tolist() == torch.randint(-3, 7, (50,)).tolist()
    assert al.randperm(40).tolist() == torch.randperm(40).tolist()
    lin, tlin = al.nn.Linear(5, 4), torch.nn.Linear(5, 4)
    np.testing.assert_array_equal(lin.weight.detach().numpy(), tlin.weight.detach().numpy())
    np.testing.assert_array_equal(lin.bias.detach().numpy(), tlin.bias.detach().numpy())
