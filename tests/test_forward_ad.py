"""Forward-mode AD (autograd.forward_ad): tangents equal Jacobian @ v, levels, errors."""

import numpy as np
import pytest

import autograd_lite as torch
import autograd_lite.autograd.forward_ad as fwAD
from autograd_lite.autograd.functional import jacobian

D = torch.float64


def rnd(*shape, lo=-1.0, hi=1.0, seed=0):
    rng = np.random.default_rng(seed + 17 * len(shape))
    return torch.tensor(rng.uniform(lo, hi, shape), dtype=D)


def fd_jvp(f, xs, vs, eps=1e-6):
    """Central-difference directional derivative of f at xs along vs."""
    plus = f(*[x + eps * v for x, v in zip(xs, vs)])
    minus = f(*[x - eps * v for x, v in zip(xs, vs)])
    return (plus._data - minus._data) / (2 * eps)


def fw_tangent(f, xs, vs):
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x, v) for x, v in zip(xs, vs)]
        out = f(*duals)
        primal, tangent = fwAD.unpack_dual(out)
    assert np.allclose(primal._data, f(*xs)._data)
    return tangent


def jac_times_v(f, xs, vs):
    """sum_j J_j @ v_j from the reverse-mode Jacobian."""
    jac = jacobian(f, tuple(xs))
    out = f(*xs)
    total = np.zeros(out.shape)
    for j, v in zip(jac, vs):
        total += (j._data.reshape(out.numel(), -1) @ v._data.reshape(-1)).reshape(out.shape)
    return total


UNARY = {
    "exp": (torch.exp, -1, 1), "log": (torch.log, 0.5, 2), "sqrt": (torch.sqrt, 0.5, 2),
    "sin": (torch.sin, -2, 2), "cos": (torch.cos, -2, 2), "tan": (torch.tan, -1, 1),
    "tanh": (torch.tanh, -2, 2), "log1p": (torch.log1p, -0.5, 2),
    "expm1": (torch.expm1, -1, 1), "abs": (torch.abs, 0.2, 1), "neg": (torch.neg, -1, 1),
    "sigmoid": (torch.sigmoid, -3, 3), "relu": (torch.relu, 0.1, 1),
    "relu_neg": (torch.relu, -1, -0.1), "clone": (torch.clone, -1, 1),
    "pow": (lambda x: x ** 3, -1, 1), "pow_half": (lambda x: x ** 0.5, 0.5, 2),
    "pow0": (lambda x: x ** 0, 0.5, 2), "rpow": (lambda x: 2.0 ** x, -1, 1),
    "rsub": (lambda x: 3.0 - x, -1, 1), "rdiv": (lambda x: 2.0 / x, 0.5, 2),
    "clamp": (lambda x: torch.clamp(x, -0.3, 0.4), -1, 1),
    "clamp_min": (lambda x: x.clamp(min=0.0), -1, 1),
    "where": (lambda x: torch.where(x > 0, x * 2, 5.0), -1, 1),
    "double": (lambda x: x.to(torch.float64) * 1, -1, 1),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_tangent_is_jacobian_times_v(name):
    f, lo, hi = UNARY[name]
    x, v = rnd(5, lo=lo, hi=hi), rnd(5, seed=1)
    t = fw_tangent(f, [x], [v])
    assert t.dtype == D and t.shape == x.shape
    assert np.allclose(t._data, jac_times_v(f, [x], [v]), atol=1e-12)
    assert np.allclose(t._data, fd_jvp(f, [x], [v]), atol=1e-6)


BINARY = {
    "add": (torch.add, False), "sub": (torch.sub, False), "mul": (torch.mul, False),
    "div": (torch.div, True), "pow_tensor": (torch.pow, True),
    "maximum": (torch.maximum, False), "minimum": (torch.minimum, False),
    "where": (lambda a, b: torch.where(a > b, a, b), False),
    "clamp_tensor": (lambda a, b: torch.clamp(a, min=b), False),
    "mixed": (lambda a, b: (a * b).sin() / (1 + b * b) + a.exp() * b, False),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("which", ["both", "first", "second"])
def test_binary_tangent_is_jacobian_times_v(name, which):
    f, positive = BINARY[name]
    lo = 0.5 if positive else -1.0
    a, b = rnd(4, lo=lo, hi=2, seed=2), rnd(4, lo=lo, hi=2, seed=3)
    va, vb = rnd(4, seed=4), rnd(4, seed=5)
    if which == "first":
        vb = torch.zeros(4, dtype=D)
    elif which == "second":
        va = torch.zeros(4, dtype=D)
    t = fw_tangent(f, [a, b], [va, vb])
    assert np.allclose(t._data, fd_jvp(f, [a, b], [va, vb]), atol=1e-6)
    if name != "clamp_tensor":  # reverse mode gives no gradient to a tensor bound (yet)
        assert np.allclose(t._data, jac_times_v(f, [a, b], [va, vb]), atol=1e-12)


def test_only_one_dual_operand_and_broadcasting():
    x, v = rnd(3), rnd(3, seed=1)
    y = rnd(2, 3, seed=2)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        out = d * y + 1.0
        t = fwAD.unpack_dual(out).tangent
        assert fwAD.unpack_dual(y * 2).tangent is None
    assert t.shape == (2, 3)
    assert np.allclose(t._data, v._data * y._data)


def test_round_and_sign_have_zero_tangent():
    x, v = rnd(4), rnd(4, seed=1)
    for f in (torch.round, torch.sign):
        assert np.all(fw_tangent(f, [x], [v])._data == 0)


def test_shape_ops_apply_to_tangent():
    x, v = rnd(2, 3), rnd(2, 3, seed=1)
    for f in (lambda a: a.reshape(3, 2), lambda a: a.T, lambda a: a[1], lambda a: a[:, 1:],
              lambda a: torch.stack([a, 2 * a]), lambda a: torch.cat([a, x], 1),
              lambda a: a.unsqueeze(0).expand(2, 2, 3), lambda a: a.permute(1, 0).flatten()):
        t = fw_tangent(f, [x], [v])
        assert np.allclose(t._data, fd_jvp(f, [x], [v]), atol=1e-8)


def test_reductions_and_matmul():
    x, v = rnd(3, 4), rnd(3, 4, seed=1)
    w, vw = rnd(4, 2, seed=2), rnd(4, 2, seed=3)
    for f in (lambda a: a.sum(), lambda a: a.sum(1), lambda a: a.mean(),
              lambda a: a.mean(0, keepdim=True), lambda a: (a * a).sum(dim=1)):
        t = fw_tangent(f, [x], [v])
        assert np.allclose(t._data, jac_times_v(f, [x], [v]), atol=1e-12)
    for f in (torch.matmul, lambda a, b: (a @ b).tanh().sum()):
        t = fw_tangent(f, [x, w], [v, vw])
        assert np.allclose(t._data, jac_times_v(f, [x, w], [v, vw]), atol=1e-12)
        assert np.allclose(t._data, fd_jvp(f, [x, w], [v, vw]), atol=1e-6)


def test_level_and_errors():
    x = torch.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"no level exists, make sure to enter_dual_level\(\)"):
        fwAD.make_dual(x, torch.ones(3))
    assert fwAD.unpack_dual(x) == (x, None)
    with fwAD.dual_level() as level:
        assert level == 0
        msg = ("Trying to set a forward gradient that has a different size than that of the "
               "original Tensor, this is not supported. Tensor is of size [3] while the given "
               "forward gradient is of size [2].")
        with pytest.raises(RuntimeError) as e:
            fwAD.make_dual(x, torch.ones(2))
        assert str(e.value) == msg
        with pytest.raises(ValueError, match="Expected tangent to be floating point"):
            fwAD.make_dual(x, torch.ones(3, dtype=torch.int64))
        with pytest.raises(ValueError, match="Expected primal to be floating point"):
            fwAD.make_dual(torch.ones(3, dtype=torch.int64), torch.ones(3))
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwAD.enter_dual_level()
        d = fwAD.make_dual(x, torch.ones(3))
        with pytest.raises(RuntimeError, match="already has a forward gradient"):
            fwAD.make_dual(d, torch.ones(3))
        with pytest.raises(RuntimeError, match="not the last one"):
            fwAD.exit_dual_level(level=3)
        u = fwAD.unpack_dual(d)
        assert type(u).__name__ == "UnpackedDualTensor" and u.primal is not d
        assert u.primal._fw_grad is None and u.tangent is d._fw_grad
        y = d * d
    assert y._fw_grad is None and d._fw_grad is None  # cleared when the level exits
    assert fwAD.unpack_dual(y).tangent is None
    with pytest.raises(RuntimeError, match="Dual level must be a positive number"):
        fwAD.exit_dual_level()


def test_make_dual_is_differentiable_and_tangents_do_not_record():
    x = torch.tensor([1.0, 2.0], dtype=D, requires_grad=True)
    v = torch.tensor([1.0, 1.0], dtype=D, requires_grad=True)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        assert d.requires_grad and d.grad_fn is not None
        p, t = fwAD.unpack_dual((d * d).sum())
        assert not t.requires_grad  # tangents are computed under no_grad
        p.backward()
    assert np.allclose(x.grad._data, [2.0, 4.0])
    assert float(t) == 6.0


class ScaledProduct(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_forward(a, b)
        ctx.k = k
        return a * b * k, a + b

    @staticmethod
    def backward(ctx, g1, g2):
        raise AssertionError("not used")

    @staticmethod
    def jvp(ctx, ta, tb, tk):
        a, b = ctx.saved_tensors
        assert tk is None
        return (ta * b + a * tb) * ctx.k, ta + tb


def test_custom_function_jvp():
    x, y = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
    with fwAD.dual_level():
        d = fwAD.make_dual(x, torch.ones(2))
        o1, o2 = ScaledProduct.apply(d, y, 2.0)  # y gets a zero tangent in jvp
        assert np.allclose(fwAD.unpack_dual(o1).tangent._data, [6.0, 8.0])
        assert np.allclose(fwAD.unpack_dual(o2).tangent._data, [1.0, 1.0])


def test_missing_rules_raise():
    class NoJvp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class MyBuiltinOp(torch.autograd.Function):
        builtin = True

        @staticmethod
        def forward(ctx, a):
            return a._data * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with fwAD.dual_level():
        d = fwAD.make_dual(torch.ones(2), torch.ones(2))
        with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
            NoJvp.apply(d)
        with pytest.raises(NotImplementedError, match="Trying to use forward AD with "
                                                      "my_builtin_op that does not support it"):
            MyBuiltinOp.apply(d)


def test_forward_mode_jacobian_matches_reverse_mode():
    def f(a, b):
        return (a * b).sin(), a.exp() * 2 + b

    a, b = rnd(3), rnd(3, seed=1)
    rev = jacobian(f, (a, b))
    fwd = jacobian(f, (a, b), vectorize=True, strategy="forward-mode")
    for r_row, f_row in zip(rev, fwd):
        for r, fw in zip(r_row, f_row):
            assert r.shape == fw.shape
            assert np.allclose(r._data, fw._data)


def test_decorator():
    @fwAD.dual_level()
    def tangent_of_square(x, v):
        return fwAD.unpack_dual(fwAD.make_dual(x, v) ** 2).tangent

    assert np.allclose(tangent_of_square(rnd(3), torch.ones(3, dtype=D))._data,
                       2 * rnd(3)._data)


def test_in_place_ops_carry_the_tangent_and_repr_shows_it():
    fa = torch.autograd.forward_ad
    with fa.dual_level():
        x = fa.make_dual(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
        assert repr(x) == "tensor([1., 2.], tangent=tensor([1., 0.]))"
        y = x * 1
        y.mul_(3)  # d(3y) = 3 dy
        assert fa.unpack_dual(y).tangent.tolist() == [3.0, 0.0]
        y += x
        assert fa.unpack_dual(y).tangent.tolist() == [4.0, 0.0]
        z = fa.make_dual(torch.tensor([1.0, 2.0, 3.0]), torch.ones(3)).clone()
        z[0] = 5.0  # a constant written in: its tangent is zero there
        assert repr(z) == "tensor([5., 2., 3.], tangent=tensor([0., 1., 1.]))"
        s = fa.make_dual(torch.tensor(3.0, dtype=torch.float64),
                         torch.tensor(1.0, dtype=torch.float64))
        assert repr(s) == "tensor(3., dtype=torch.float64, tangent=1.0)"
    assert repr(x) == "tensor([1., 2.])"  # tangents end with the level
