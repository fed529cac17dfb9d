"""gather / scatter / scatter_add / masked_fill (and their in-place forms): values, gradients of
first and second order, node names, forward-mode AD and errors, against PyTorch 2.13 (expected
values and messages were computed with torch 2.13 and are written out here)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograd_lite as torch
import autograd_lite.autograd.forward_ad as fwAD
from autograd_lite.autograd import gradcheck, gradgradcheck
from autograd_lite.autograd.functional import hessian, hvp, jacobian

D = torch.float64
X = [[0., 1, 2], [3, 4, 5]]
I2 = [[0, 0], [1, 0]]
MASK = [True, False, True]


def rnd(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=D,
                        requires_grad=True)


def x_leaf() -> torch.Tensor:
    return torch.tensor(X, requires_grad=True)


def values(t: torch.Tensor) -> list:
    return t.detach().tolist()


# --- values ------------------------------------------------------------------------------------
def test_gather_values():
    x = torch.arange(12.).reshape(3, 4)
    assert values(torch.gather(x, 0, torch.tensor([[2, 0, 1, 2], [0, 0, 2, 1]]))) == \
        [[8, 1, 6, 11], [0, 1, 10, 7]]
    assert values(x.gather(-1, torch.tensor([[3, 3], [0, 1], [2, 2]]))) == \
        [[3, 3], [4, 5], [10, 10]]
    x3 = torch.arange(24.).reshape(2, 3, 4)
    assert values(x3.gather(1, torch.tensor([[[1], [2]], [[0], [0]]]))) == \
        [[[4.0], [8.0]], [[12.0], [12.0]]]
    # int32 index; index longer than input along dim; a smaller index elsewhere
    assert values(torch.gather(x_leaf(), 1, torch.tensor([[0, 1, 2, 2, 1]], dtype=torch.int32))) \
        == [[0, 1, 2, 2, 1]]
    a = torch.tensor(3.0)  # a 0-d input is one element along dim 0
    assert values(torch.gather(a, 0, torch.tensor([0, 0]))) == [3, 3]
    assert torch.gather(a, -1, torch.tensor(0)).shape == ()
    assert torch.gather(x_leaf(), 1, torch.zeros(2, 0, 1, dtype=torch.int64)).shape == (2, 0, 1)
    assert torch.gather(torch.tensor(X, dtype=torch.int64), 1, torch.tensor(I2)).dtype == \
        torch.int64


def test_scatter_values():
    x, i = x_leaf(), torch.tensor(I2)
    assert values(torch.scatter(x, 1, i, torch.ones(2, 2))) == [[1, 1, 2], [1, 1, 5]]
    assert values(x.scatter(1, i, 5.0)) == [[5, 1, 2], [5, 5, 5]]
    assert values(x.scatter(1, i, value=2.0)) == values(torch.scatter(x, dim=1, index=i, value=2))
    assert values(x.scatter(1, i, src=torch.ones(2, 2))) == [[1, 1, 2], [1, 1, 5]]
    assert values(torch.zeros(3, 4).scatter(0, torch.tensor([[2, 0, 1, 2]]),
                                            torch.tensor([[1., 2, 3, 4]]))) == \
        [[0, 2, 0, 0], [0, 0, 3, 0], [1, 0, 0, 4]]
    # repeated places: the last write wins (PyTorch's CPU result)
    assert values(torch.zeros(5).scatter(0, torch.tensor([1, 1, 1]), torch.tensor([1., 2, 3]))) \
        == [0, 3, 0, 0, 0]
    xi = torch.tensor([[0, 1, 2], [3, 4, 5]])
    out = xi.scatter(1, i, 1.5)  # cast to the tensor's dtype
    assert out.dtype == torch.int64 and values(out) == [[1, 1, 2], [1, 1, 5]]
    assert values(torch.scatter(torch.tensor(3.0), 0, torch.tensor([0, 0]), 4.0)) == 4.0
    assert values(torch.scatter(x, 1, torch.zeros(2, 0, dtype=torch.int64), 1.0)) == X


def test_scatter_reduce_argument():
    i = torch.tensor(I2)
    assert values(torch.ones(2, 3).scatter(1, i, 2.0, reduce="multiply")) == \
        [[4, 1, 1], [2, 2, 1]]
    with pytest.warns(UserWarning, match="The reduce argument of torch.scatter with Tensor src "
                      "is deprecated"):
        out = torch.scatter(x_leaf(), 1, i, torch.ones(2, 2), reduce="add")
    assert values(out) == [[2, 1, 2], [4, 5, 5]] and out.grad_fn.name() == "NotImplemented"
    with pytest.raises(RuntimeError, match="^derivative for aten::scatter is not implemented$"):
        out.sum().backward()
    with pytest.raises(RuntimeError, match="^reduce argument must be either add or multiply.$"):
        torch.scatter(x_leaf(), 1, i, 1.0, reduce="mean")


def test_scatter_add_values():
    x, i = x_leaf(), torch.tensor(I2)
    assert values(torch.scatter_add(x, 1, i, torch.ones(2, 2))) == [[2, 1, 2], [4, 5, 5]]
    assert values(torch.zeros(2, 4).scatter_add(-1, torch.tensor([[0, 0, 3], [1, 1, 1]]),
                                                torch.tensor([[1., 2, 3], [4, 5, 6]]))) == \
        [[3, 0, 0, 3], [0, 15, 0, 0]]
    assert values(torch.scatter_add(torch.tensor(3.0), 0, torch.tensor([0, 0]),
                                    torch.tensor([1.0, 2.0]))) == 6.0
    assert values(torch.scatter_add(torch.zeros(3), 0, torch.tensor(1), torch.tensor(2.0))) == \
        [0, 2, 0]


def test_masked_fill_values():
    x, m = x_leaf(), torch.tensor(MASK)
    assert values(torch.masked_fill(x, m, 2.0)) == [[2, 1, 2], [2, 4, 2]]
    assert values(x.masked_fill(m, torch.tensor(2.0))) == [[2, 1, 2], [2, 4, 2]]
    # the mask broadcasts against the input (out of place: both broadcast)
    assert values(torch.zeros(3).masked_fill(torch.tensor([[True], [False]]), 1.0)) == \
        [[1, 1, 1], [0, 0, 0]]
    xi = torch.zeros(2, 3, dtype=torch.int64)
    assert values(xi.masked_fill(torch.tensor([True, False, False]), 2.7)) == [[2, 0, 0]] * 2
    assert values(xi.masked_fill(torch.tensor([True, False, False]), -2.7)) == [[-2, 0, 0]] * 2
    out = torch.zeros(2, 3).masked_fill(m, torch.tensor(2.5, dtype=D))
    assert out.dtype == torch.float32 and values(out) == [[2.5, 0, 2.5]] * 2
    assert values(torch.zeros(3, dtype=torch.uint8).masked_fill(m, -1)) == [255, 0, 255]
    assert values(torch.masked_fill(torch.tensor(3.0), torch.tensor([True, False]), 5.0)) == \
        [5, 3]


# --- graph: node names, edges, gradients -------------------------------------------------------
def test_node_names_and_edges():
    x, i, m = x_leaf(), torch.tensor(I2), torch.tensor(MASK)
    src = torch.ones(2, 2, requires_grad=True)
    cases = [(torch.gather(x, 1, i), "GatherBackward0", 1),
             (torch.scatter(x, 1, i, src), "ScatterBackward0", 2),
             (torch.scatter(x, 1, i, 5.0), "ScatterBackward1", 1),
             (torch.scatter_add(x, 1, i, src), "ScatterAddBackward0", 2),
             (x.masked_fill(m, 2.0), "MaskedFillBackward0", 1),
             (x.masked_fill(m, torch.tensor(2.0)), "MaskedFillBackward1", 2)]
    for out, name, n_edges in cases:
        assert out.grad_fn.name() == name
        assert len(out.grad_fn.next_functions) == n_edges
        assert repr(out).endswith(f"grad_fn=<{name}>)")
    # a value that does not require grad still has its (None, 0) edge, as in PyTorch
    assert cases[-1][0].grad_fn.next_functions[1] == (None, 0)
    v = torch.tensor(2.0, requires_grad=True)
    out = torch.tensor(X).masked_fill(m, v)
    assert out.grad_fn.name() == "MaskedFillBackward1"
    assert out.grad_fn.next_functions[0] == (None, 0)


def test_gradient_values():
    x = torch.zeros(3, 4, requires_grad=True)  # repeated picks add up
    torch.gather(x, 1, torch.tensor([[0, 0, 3], [1, 1, 1], [2, 0, 2]])).backward(
        torch.tensor([[1., 2, 3], [4, 5, 6], [7, 8, 9]]))
    assert values(x.grad) == [[3, 0, 0, 3], [0, 15, 0, 0], [8, 0, 16, 0]]
    s = torch.tensor([[1., 2, 3], [4, 5, 6]], requires_grad=True)
    y = torch.zeros(2, 4).scatter_add(-1, torch.tensor([[0, 0, 3], [1, 1, 1]]), s)
    y.backward(torch.tensor([[1., 2, 3, 4], [5, 6, 7, 8]]))
    assert values(s.grad) == [[1, 1, 4], [6, 6, 6]]
    g = torch.tensor([[1., 2, 3], [4, 5, 6]])
    xx = torch.tensor([[1., 2, 3], [4, 5, 6]], requires_grad=True)
    xx.scatter(1, torch.tensor([[2], [0]]), 0.5).backward(g)
    assert values(xx.grad) == [[1, 2, 0], [0, 5, 6]]
    xx.grad, v = None, torch.tensor(2.0, requires_grad=True)
    xx.masked_fill(torch.tensor([[True], [False]]), v).backward(g)
    assert values(xx.grad) == [[0, 0, 0], [4, 5, 6]] and values(v.grad) == 6.0


def test_broadcast_and_larger_src_gradients():
    x = torch.zeros(3, requires_grad=True)  # x broadcast by the mask: its gradient sums back
    x.masked_fill(torch.tensor([[True, False, False], [False, False, False]]), 1.0).sum().backward()
    assert values(x.grad) == [1, 2, 2]
    # src larger than index: the entries never read get zero (PyTorch 2.13 raises instead)
    src = torch.arange(9.).reshape(3, 3).requires_grad_()
    torch.scatter_add(torch.zeros(2, 3), 1, torch.tensor(I2), src).sum().backward()
    assert values(src.grad) == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]


GATHER_CASES = [((4,), 0, [3, 3, 0, 1, 1]), ((3, 4), 1, [[0, 2, 2], [1, 1, 0], [3, 0, 0]]),
                ((3, 4), -2, [[0, 2, 2, 1], [0, 0, 1, 2]]), ((2, 3, 2), -1, [[[1], [1], [0]]]),
                ((2, 3, 2), 1, [[[2, 2], [0, 2]], [[1, 1], [1, 1]]]), ((), 0, [0, 0])]


@pytest.mark.parametrize("shape,dim,index", GATHER_CASES)
def test_gather_and_scatter_add_gradcheck(shape, dim, index):
    x, i = rnd(*shape), torch.tensor(index)
    assert gradcheck(lambda a: torch.gather(a, dim, i) ** 2, (x,))
    assert gradgradcheck(lambda a: torch.gather(a, dim, i) ** 2, (x,))
    src = rnd(*i.shape, seed=1)
    assert gradgradcheck(lambda a, s: torch.scatter_add(a, dim, i, s) ** 2, (x, src))
    assert gradgradcheck(lambda a, s: a.scatter_add(dim, i, s * s), (x, src))


SCATTER_CASES = [((5,), 0, [3, 0, 1]), ((3, 4), 1, [[3, 0, 2], [1, 2, 0], [0, 1, 3]]),
                 ((3, 4), -2, [[2, 0, 1, 1], [0, 1, 0, 2]]), ((2, 3, 2), -1, [[[1], [0], [1]]]),
                 ((), 0, 0)]


@pytest.mark.parametrize("shape,dim,index", SCATTER_CASES)
def test_scatter_gradcheck(shape, dim, index):
    # (unique places: with repeats only the last write is used, and its gradient is undefined)
    x, i = rnd(*shape), torch.tensor(index)
    src = rnd(*i.shape, seed=2)
    assert gradgradcheck(lambda a, s: torch.scatter(a, dim, i, s) ** 2, (x, src))
    assert gradgradcheck(lambda a: a.scatter(dim, i, 3.0) ** 2, (x,))


@pytest.mark.parametrize("shape,mask", [((2, 3), [True, False, True]), ((3,), [[True], [False]]),
                                        ((2, 1), [[False, True, True]]), ((), True)])
def test_masked_fill_gradcheck(shape, mask):
    x, m, v = rnd(*shape), torch.tensor(mask), rnd(seed=3)
    assert gradgradcheck(lambda a, w: a.masked_fill(m, w) ** 2, (x, v))
    assert gradgradcheck(lambda a: torch.masked_fill(a, m, -1.5) ** 3, (x,))


def test_double_backward_graph():
    x, i = rnd(2, 3), torch.tensor([[0, 0], [2, 1]])
    g = x.gather(1, i)
    (gx,) = torch.autograd.grad((g ** 2).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "ScatterAddBackward0"
    assert gx.grad_fn.next_functions[0] == (None, 0)
    (gs,) = torch.autograd.grad((torch.zeros(2, 3, dtype=D).scatter(1, i, g) ** 2).sum(), g,
                                create_graph=True)
    assert gs.grad_fn.name() == "GatherBackward0"
    (gx,) = torch.autograd.grad((x.scatter(1, i, 1.0) ** 2).sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "ScatterBackward1"
    (gx,) = torch.autograd.grad((x.masked_fill(torch.tensor(MASK), 1.0) ** 2).sum(), x,
                                create_graph=True)
    assert gx.grad_fn.name() == "MaskedFillBackward0"


def test_hvp_through_gather_equals_hessian():
    x0, i = rnd(3, 4).detach(), torch.tensor([[0, 2, 2], [1, 1, 0], [3, 0, 0]])
    v = rnd(3, 4, seed=5).detach()

    def f(a):
        return (torch.gather(a, 1, i) ** 3).sum() + (a.masked_fill(a > 0, 0.0) ** 2).sum()
    _, hv = hvp(f, x0, v)
    h = hessian(f, x0)
    expected = (h.detach().numpy().reshape(12, 12) @ v.numpy().reshape(-1)).reshape(3, 4)
    np.testing.assert_allclose(hv.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_forward_ad_tangents():
    x, i, m = rnd(3, 4).detach(), torch.tensor([[0, 2, 2], [1, 1, 0], [3, 0, 0]]), \
        torch.tensor([True, False, True, False])
    src, w = rnd(3, 3, seed=1).detach(), rnd(seed=2).detach()
    fns = [lambda a, s, c: torch.gather(a, 1, i) * 1,
           lambda a, s, c: torch.scatter(a, 1, torch.tensor([[0, 2, 1]] * 3), s),
           lambda a, s, c: a.scatter(1, i, 2.0), lambda a, s, c: a.scatter_add(-1, i, s),
           lambda a, s, c: a.masked_fill(m, c), lambda a, s, c: torch.masked_fill(a, m, 0.5)]
    tangents = [rnd(3, 4, seed=7).detach(), rnd(3, 3, seed=8).detach(), rnd(seed=9).detach()]
    for f in fns:
        with fwAD.dual_level():
            duals = [fwAD.make_dual(p, t) for p, t in zip((x, src, w), tangents)]
            tangent = fwAD.unpack_dual(f(*duals)).tangent
        jac = jacobian(f, (x, src, w))
        out = f(x, src, w)
        expected = sum(j.numpy().reshape(out.numel(), -1) @ t.numpy().reshape(-1)
                       for j, t in zip(jac, tangents)).reshape(out.shape)
        np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-12, atol=1e-12)


# --- in place ----------------------------------------------------------------------------------
def test_inplace_seed_pattern_and_versions():
    torch.manual_seed(0)
    logits = torch.randn(4, 5)
    y_soft = torch.softmax(logits, dim=-1)
    y_hard = torch.zeros_like(logits)
    out = y_hard.scatter_(-1, y_soft.argmax(dim=-1, keepdim=True), 1.0)
    assert out is y_hard and y_hard._version == 1
    np.testing.assert_array_equal(y_hard.numpy().argmax(-1), y_soft.numpy().argmax(-1))
    assert values(y_hard.sum(-1)) == [1, 1, 1, 1]
    c = torch.zeros(2, 3)
    c.scatter_add_(1, torch.tensor(I2), torch.ones(2, 2))
    c.masked_fill_(torch.tensor(MASK), 7.0)
    assert values(c) == [[7, 0, 7], [7, 1, 7]] and c._version == 2


def test_inplace_records_and_is_detected():
    src = torch.ones(2, 2, requires_grad=True)
    b = torch.zeros(2, 3)
    b.scatter_(1, torch.tensor(I2), src)
    assert b.grad_fn.name() == "ScatterBackward0" and b.requires_grad and b._version == 1
    b.sum().backward()
    assert values(src.grad) == [[1, 1], [1, 1]]
    v = torch.tensor(2.0, requires_grad=True)
    c = torch.zeros(2, 3).masked_fill_(torch.tensor(MASK), v)
    assert c.grad_fn.name() == "MaskedFillBackward1"
    x = x_leaf()
    for change in (lambda t: t.scatter_(1, torch.tensor(I2), 1.0),
                   lambda t: t.scatter_add_(1, torch.tensor(I2), torch.ones(2, 2)),
                   lambda t: t.masked_fill_(torch.tensor(MASK), 0.0)):
        y = x * 1
        z = y * y  # saves y
        change(y)
        with pytest.raises(RuntimeError, match="one of the variables needed for gradient "
                           "computation has been modified by an inplace operation"):
            z.sum().backward()
    idx = torch.tensor(I2)  # the index (and the mask) are saved too, as in PyTorch
    g = x.gather(1, idx)
    idx[0, 0] = 1
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: "
                       r"\[torch.LongTensor \[2, 2\]\] is at version 1; expected version 0"):
        g.sum().backward()


# --- errors: PyTorch 2.13's types and messages -------------------------------------------------
XE, IE = torch.tensor(X), torch.tensor(I2)
ERRORS = [
    (lambda: torch.gather(XE, 1, IE.double()), RuntimeError,
     "gather(): Expected dtype int32/int64 for index"),
    (lambda: torch.gather(XE, 1, IE[0]), RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda: torch.gather(XE, 1, torch.tensor([[5]])), RuntimeError,
     "index 5 is out of bounds for dimension 1 with size 3"),
    (lambda: torch.gather(XE, 1, torch.tensor([[-1]])), RuntimeError,
     "index -1 is out of bounds for dimension 1 with size 3"),
    (lambda: torch.gather(XE, 0, torch.tensor([[0, 7, 1], [5, 0, 0]])), RuntimeError,
     "index 7 is out of bounds for dimension 0 with size 2"),
    (lambda: torch.gather(XE, 2, IE), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: torch.gather(XE, 0, torch.zeros(1, 4, dtype=torch.int64)), RuntimeError,
     "Size does not match at dimension 1 expected index [1, 4] to be no larger than self [2, 3] "
     "apart from dimension 0"),
    (lambda: torch.gather(torch.tensor(3.0), 0, torch.tensor(1)), RuntimeError,
     "index 1 is out of bounds for dimension 0 with size 1"),
    (lambda: torch.gather(XE, 1.0, IE), TypeError,
     "gather(): argument 'dim' (position 2) must be int, not float"),
    (lambda: XE.gather(1, [[0]]), TypeError,
     "gather(): argument 'index' (position 2) must be Tensor, not list"),
    (lambda: torch.scatter(XE, 1, IE.int().float(), 1.0), RuntimeError,
     "scatter(): Expected dtype int32/int64 for index"),
    (lambda: torch.scatter(XE, 1, IE, torch.ones(2, 2, dtype=D)), RuntimeError,
     "scatter(): Expected self.dtype to be equal to src.dtype"),
    (lambda: torch.scatter(XE, 1, torch.tensor([0]), 1.0), RuntimeError,
     "Index tensor must have the same number of dimensions as self tensor"),
    (lambda: torch.scatter(XE, 1, IE, torch.tensor(5.0)), RuntimeError,
     "Index tensor must have the same number of dimensions as src tensor"),
    (lambda: torch.scatter(XE, 1, IE, torch.ones(5)), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda: torch.scatter(XE, 1, IE, torch.ones(1, 1)), RuntimeError,
     "Expected index [2, 2] to be no larger than self [2, 3] apart from dimension 1 and to be no "
     "larger size than src [1, 1]"),
    (lambda: torch.scatter(XE, 0, torch.zeros(1, 4, dtype=torch.int64), 1.0), RuntimeError,
     "Expected index [1, 4] to be no larger than self [2, 3] apart from dimension 0"),
    (lambda: torch.scatter(XE, 1, torch.tensor([[9], [0]]), torch.ones(2, 2)), RuntimeError,
     "index 9 is out of bounds for dimension 1 with size 3"),
    (lambda: torch.scatter(torch.ones(3), 0, torch.tensor([0, 1]), torch.tensor(1.)),
     RuntimeError, "Expected index [2] to be no larger than self [3] apart from dimension 0 and "
     "to be no larger size than src []"),
    (lambda: torch.zeros(2, 3, dtype=torch.int32).scatter(1, IE, 2 ** 40), RuntimeError,
     "value cannot be converted to type int without overflow"),
    (lambda: torch.scatter_add(XE, 1, IE.double(), torch.ones(2, 2)), RuntimeError,
     "scatter(): Expected dtype int32/int64 for index"),
    (lambda: torch.scatter_add(XE, 1, torch.tensor([[7]]), torch.ones(1, 1)), RuntimeError,
     "index 7 is out of bounds for dimension 1 with size 3"),
    (lambda: torch.scatter_add(XE, 1, IE, 1.0), TypeError,
     "scatter_add(): argument 'src' (position 4) must be Tensor, not float"),
    (lambda: XE.scatter_add(1, [[0]], torch.ones(2, 2)), TypeError,
     "scatter_add(): argument 'index' (position 2) must be Tensor, not list"),
    (lambda: XE.masked_fill(torch.tensor(MASK).long(), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    (lambda: XE.masked_fill(torch.tensor(MASK).int(), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype int"),
    (lambda: XE.masked_fill(torch.tensor(MASK).float(), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype float"),
    (lambda: XE.masked_fill(torch.tensor(MASK), torch.tensor([1.0])), RuntimeError,
     "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 "
     "dimension(s)."),
    (lambda: XE.masked_fill(torch.tensor([True, False]), 1.0), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1"),
    (lambda: XE.masked_fill_(torch.tensor([True, False]), 1.0), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"),
    (lambda: torch.zeros(3).masked_fill_(torch.ones(2, 3).bool(), 1.0), RuntimeError,
     "output with shape [3] doesn't match the broadcast shape [2, 3]"),
    (lambda: torch.zeros(3).masked_fill_(torch.ones(2, 3).int(), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype int"),
    (lambda: torch.zeros(3, dtype=torch.int8).masked_fill(torch.tensor(MASK), 300), RuntimeError,
     "value cannot be converted to type int8_t without overflow"),
    (lambda: torch.zeros(3).masked_fill(torch.tensor(MASK), 1e300), RuntimeError,
     "value cannot be converted to type float without overflow"),
    (lambda: torch.zeros(3).masked_fill(torch.tensor(MASK), 2 ** 70), OverflowError,
     "int too big to convert"),
    (lambda: x_leaf().scatter_(1, IE, 1.0), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation."),
    (lambda: x_leaf().scatter_add_(1, IE, torch.ones(2, 2)), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation."),
    (lambda: x_leaf().masked_fill_(torch.tensor([True, False]), 1.0), RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation."),
]


@pytest.mark.parametrize("call,kind,message", ERRORS, ids=[str(k) for k in range(len(ERRORS))])
def test_errors(call, kind, message):
    with pytest.raises(kind) as err:
        call()
    assert str(err.value) == message


@pytest.mark.parametrize("call,first_line", [
    (lambda: torch.scatter(XE, 1, [[0]], 1.0), "scatter() received an invalid combination of "
     "arguments - got (Tensor, int, list, float), but expected one of:"),
    (lambda: XE.scatter(1, IE), "scatter() received an invalid combination of arguments - got "
     "(int, Tensor), but expected one of:"),
    (lambda: XE.masked_fill(MASK, 1.0), "masked_fill() received an invalid combination of "
     "arguments - got (list, float), but expected one of:"),
    (lambda: torch.masked_fill(XE, torch.tensor(MASK), None), "masked_fill() received an invalid "
     "combination of arguments - got (Tensor, Tensor, NoneType), but expected one of:")])
def test_invalid_argument_combinations(call, first_line):
    with pytest.raises(TypeError) as err:
        call()
    lines = str(err.value).splitlines()
    assert lines[0] == first_line and lines[1].startswith(" * (")


def test_no_sparse_gradients():
    with pytest.raises(NotImplementedError, match="use sparse_grad=False"):
        torch.gather(XE, 1, IE, sparse_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the plain ops never warn
        torch.gather(x_leaf(), 1, IE, sparse_grad=False).sum().backward()
