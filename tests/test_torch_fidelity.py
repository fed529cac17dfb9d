"""PyTorch 2.13 behaviour pinned with values observed from torch: detach, next_functions edges,
nn.Linear graphs, device equality, __format__, is_inference, diagonal, quantile, node names and
inference-mode messages. (tests/test_torch_crosscheck.py compares live when torch is installed.)"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite import nn
from tests.gradtools import check


def _edges(t: torch.Tensor) -> tuple:
    """``grad_fn.next_functions`` with node names (PyTorch's ``name()``) instead of objects."""
    return tuple((None if n is None else n.name().replace("torch::autograd::", ""), i)
                 for n, i in t.grad_fn.next_functions)


# --- 1. detach -----------------------------------------------------------------------------------
def test_detach_shares_data_and_version_but_not_the_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    assert d._base is None and not d._is_view() and d.grad_fn is None and not d.requires_grad
    d[0] = 5.0  # shared data and version counter: the saved output of exp is now stale
    assert y[0].item() == 5.0 and y._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_detached_tensor_does_not_keep_the_graph_alive():
    x = torch.randn(50, requires_grad=True)
    h = x.exp()
    y = h.sin()  # SinBackward0 saves h
    d = y.detach()
    out_ref, saved_ref = weakref.ref(y), weakref.ref(h)
    del y, h
    gc.collect()
    assert out_ref() is None and saved_ref() is None
    assert d.shape == (50,)


# --- 2. next_functions ---------------------------------------------------------------------------
X = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
Y = torch.tensor([1.5, 2.5, 0.5], requires_grad=True)
C = torch.tensor([1.0, 2.0, 3.0])
A, N = "AccumulateGrad", None
# (expression, grad_fn name, next_functions) as printed by torch 2.13
EDGES = [
    (lambda: X ** 2, "PowBackward0", ((A, 0),)),
    (lambda: X + 2, "AddBackward0", ((A, 0), (N, 0))),
    (lambda: 2 + X, "AddBackward0", ((A, 0), (N, 0))),
    (lambda: X * 2, "MulBackward0", ((A, 0), (N, 0))),
    (lambda: 2 * X, "MulBackward0", ((A, 0), (N, 0))),
    (lambda: X / 2, "DivBackward0", ((A, 0), (N, 0))),
    (lambda: X - 2, "SubBackward0", ((A, 0), (N, 0))),
    (lambda: 2 ** X, "PowBackward2", ((A, 0),)),
    (lambda: 2 - X, "RsubBackward1", ((A, 0),)),
    (lambda: 2 / X, "MulBackward0", (("ReciprocalBackward0", 0), (N, 0))),
    (lambda: C / X, "DivBackward0", ((N, 0), (A, 0))),
    (lambda: C - X, "SubBackward0", ((N, 0), (A, 0))),
    (lambda: torch.add(X, Y, alpha=2), "AddBackward0", ((A, 0), (A, 0))),
    (lambda: torch.sub(X, Y, alpha=2), "SubBackward0", ((A, 0), (A, 0))),
    (lambda: torch.add(X, 3, alpha=2), "AddBackward0", ((A, 0), (N, 0))),
    (lambda: X ** Y, "PowBackward1", ((A, 0), (A, 0))),
    (lambda: C ** X, "PowBackward1", ((N, 0), (A, 0))),
    (lambda: X.clamp(0, 1), "ClampBackward1", ((A, 0),)),
    (lambda: X.clamp(min=0), "ClampBackward1", ((A, 0),)),
    (lambda: X.clamp(min=C), "ClampBackward0", ((A, 0), (N, 0), (N, 0))),
    (lambda: X.clamp(min=C, max=Y), "ClampBackward0", ((A, 0), (N, 0), (A, 0))),
    (lambda: torch.where(X > 0, X, 0.0), "WhereBackward0", ((A, 0), (N, 0))),
    (lambda: torch.where(X > 0, 0.0, X), "WhereBackward0", ((N, 0), (A, 0))),
    (lambda: torch.where(X > 0, X, Y), "WhereBackward0", ((A, 0), (A, 0))),
    (lambda: X.where(X > 0, 0.0), "WhereBackward0", ((A, 0), (N, 0))),
    (lambda: torch.maximum(X, C), "MaximumBackward0", ((A, 0), (N, 0))),
    (lambda: torch.minimum(C, X), "MinimumBackward0", ((N, 0), (A, 0))),
    (lambda: X[0], "SelectBackward0", ((A, 0),)),
    (lambda: X[1:], "SliceBackward0", ((A, 0),)),
    (lambda: X[X > 0], "IndexBackward0", ((A, 0),)),
    (lambda: X.sum(), "SumBackward0", ((A, 0),)),
    (lambda: X.sum(0), "SumBackward1", ((A, 0),)),
    (lambda: X.mean(), "MeanBackward0", ((A, 0),)),
    (lambda: X.round(), "RoundBackward0", ((A, 0),)),
    (lambda: X.round(decimals=1), "RoundBackward1", ((A, 0),)),
    (lambda: X.max(0)[0], "MaxBackward0", ((A, 0),)),
    (lambda: torch.softmax(X, 0), "SoftmaxBackward0", ((A, 0),)),
    (lambda: torch.cat([X, C]), "CatBackward0", ((A, 0), (N, 0))),
    (lambda: torch.stack([C, X]), "StackBackward0", ((N, 0), (A, 0))),
    (lambda: X.reshape(3, 1), "ViewBackward0", ((A, 0),)),
    (lambda: X.reshape(3, 1).t(), "TBackward0", (("ViewBackward0", 0),)),
    (lambda: X.expand(2, 3), "ExpandBackward0", ((A, 0),)),
    (lambda: X.to(torch.float64), "ToCopyBackward0", ((A, 0),)),
    (lambda: X.prod(), "ProdBackward0", ((A, 0),)),
    (lambda: X.std(), "StdBackward0", ((A, 0),)),
    (lambda: X.clone().clamp_(0, 1), "ClampBackward1", (("CloneBackward0", 0),)),
    (lambda: torch.nn.functional.mse_loss(X, C), "MseLossBackward0", ((A, 0), (N, 0))),
    (lambda: torch.nn.functional.cross_entropy(X.reshape(1, 3), torch.tensor([1])),
     "NllLossBackward0", (("LogSoftmaxBackward0", 0),)),
    (lambda: torch.nn.functional.leaky_relu(X, 0.1), "LeakyReluBackward0", ((A, 0),)),
    (lambda: X.reshape(1, 3).permute(1, 0), "PermuteBackward0", (("ViewBackward0", 0),)),
]


@pytest.mark.parametrize("i", range(len(EDGES)))
def test_next_functions_match_torch(i):
    make, name, edges = EDGES[i]
    y = make()
    assert y.grad_fn.name() == name
    assert _edges(y) == edges


def test_custom_function_edges_are_its_tensor_arguments():
    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, k, b):
            ctx.k = k
            return a * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None, None

    assert _edges(Scale.apply(X, 2.0, None)) == ((A, 0),)
    y = Scale.apply(X, 2.0, C)
    assert _edges(y) == ((A, 0), (N, 0))
    y.sum().backward()
    np.testing.assert_allclose(X.grad.numpy(), [2.0, 2.0, 2.0])
    X.grad = None


@pytest.mark.parametrize("make, expected", [
    (lambda x: 2 - x, [-1.0, -1.0, -1.0]),
    (lambda x: 2 ** x, list(np.log(2) * 2 ** np.array([0.5, -1.5, 2.0]))),
    (lambda x: torch.where(x > 0, 0.0, x * 3), [0.0, 3.0, 0.0]),
    (lambda x: x.clamp(0, 1), [1.0, 0.0, 0.0]),
    (lambda x: torch.sub(x * x, x, alpha=3), [-2.0, -6.0, 1.0]),
    (lambda x: torch.add(2.0 * x, x * x, alpha=0.5), [2.5, 0.5, 4.0]),
])
def test_gradients_still_reach_the_right_input(make, expected):
    x = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
    make(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_node_hooks_see_one_gradient_per_edge():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x ** 3
    seen = []
    y.grad_fn.register_hook(lambda gi, go: seen.append(len(gi)))
    z = torch.where(x > 1, x, 0.0)
    z.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, gi[1]))  # replace x's gradient
    (y.sum() + z.sum()).backward()
    assert seen == [1]
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0 + 10.0])


# --- 3. nn.Linear graphs -------------------------------------------------------------------------
def _walk(fn, names):
    if fn is None:
        return "None"
    if type(fn).__name__ == "AccumulateGrad":
        return f"Acc[{names.get(id(fn.variable), '?')}]"
    return fn.name() + "(" + ", ".join(_walk(n, names) for n, _ in fn.next_functions) + ")"


LINEAR_GRAPHS = {  # (bias, input shape, input requires grad) -> torch 2.13's graph
    (True, (3,), False): "ViewBackward0(AddmmBackward0(Acc[b], None, TBackward0(Acc[w])))",
    (True, (3,), True): "ViewBackward0(AddmmBackward0(Acc[b], ViewBackward0(MulBackward0(Acc[x], "
                        "None)), TBackward0(Acc[w])))",
    (True, (4, 3), False): "AddmmBackward0(Acc[b], None, TBackward0(Acc[w]))",
    (True, (4, 3), True): "AddmmBackward0(Acc[b], MulBackward0(Acc[x], None), "
                          "TBackward0(Acc[w]))",
    (True, (5, 4, 3), False): "ViewBackward0(AddmmBackward0(Acc[b], None, TBackward0(Acc[w])))",
    (True, (5, 4, 3), True): "ViewBackward0(AddmmBackward0(Acc[b], ViewBackward0(MulBackward0("
                             "Acc[x], None)), TBackward0(Acc[w])))",
    (False, (3,), False): "SqueezeBackward4(MmBackward0(None, TBackward0(Acc[w])))",
    (False, (3,), True): "SqueezeBackward4(MmBackward0(UnsqueezeBackward0(MulBackward0(Acc[x], "
                         "None)), TBackward0(Acc[w])))",
    (False, (4, 3), False): "MmBackward0(None, TBackward0(Acc[w]))",
    (False, (4, 3), True): "MmBackward0(MulBackward0(Acc[x], None), TBackward0(Acc[w]))",
    (False, (5, 4, 3), False): "UnsafeViewBackward0(MmBackward0(None, TBackward0(Acc[w])))",
    (False, (5, 4, 3), True): "UnsafeViewBackward0(MmBackward0(ViewBackward0(MulBackward0("
                              "Acc[x], None)), TBackward0(Acc[w])))",
}


@pytest.mark.parametrize("key", list(LINEAR_GRAPHS))
def test_linear_graph_matches_torch(key):
    bias, shape, rg = key
    torch.manual_seed(0)
    lin = nn.Linear(3, 2, bias=bias)
    x = torch.ones(*shape, requires_grad=rg)
    names = {id(lin.weight): "w", id(x): "x"}
    if bias:
        names[id(lin.bias)] = "b"
    y = lin(x * 1 if rg else x)
    assert _walk(y.grad_fn, names) == LINEAR_GRAPHS[key]
    assert y.shape == shape[:-1] + (2,)
    y.sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(),
                               np.full((2, 3), float(np.prod(shape[:-1]))))
    if bias:
        np.testing.assert_allclose(lin.bias.grad.numpy(), np.full(2, np.prod(shape[:-1])))
    if rg:
        np.testing.assert_allclose(x.grad.numpy(),
                                   np.broadcast_to(lin.weight.detach().numpy().sum(0), shape),
                                   rtol=1e-6)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 4, 3)])
def test_linear_derivatives(bias, shape):
    # (4, 3) with a bias takes ops/fastpath.py's linear_2d; the others the general path
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(shape), rng.standard_normal((2, 3)), rng.standard_normal(2)
    F = torch.nn.functional
    if bias:
        check(lambda s, u, c: F.linear(s, u, c).tanh(), x, w, b)
    else:
        check(lambda s, u: F.linear(s, u).tanh(), x, w)


def test_linear_weight_changed_in_place_is_detected():
    lin = nn.Linear(3, 2)
    y = lin(torch.ones(4, 3, requires_grad=True)).sum()
    with torch.no_grad():
        lin.weight.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# --- 4. devices ----------------------------------------------------------------------------------
def test_device_equality_follows_torch():
    assert torch.device("cuda") != torch.device("cuda:0")
    assert torch.device("cuda:0") == torch.device("cuda", 0)
    assert torch.device("cpu") != "cpu"
    t = torch.ones(2)
    assert t.to("cpu") is t and t.to(torch.device("cpu")) is t


# --- 5. __format__ -------------------------------------------------------------------------------
def test_format_like_torch():
    assert f"{torch.tensor(4.0)}" == "4.0"
    assert f"{torch.tensor(4.0):.2f}" == "4.00"
    assert f"{torch.tensor(3)}" == "3" and f"{torch.tensor(True)}" == "True"
    assert f"{torch.tensor(2.0, requires_grad=True) * 2}" == "4.0"
    assert f"{torch.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        f"{torch.tensor([1.0, 2.0]):.2f}"


# --- 6. is_inference, diagonal, quantile ---------------------------------------------------------
def test_is_inference():
    x = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        i = torch.ones(2)
    assert i.is_inference() and i.detach().is_inference()
    assert not x.is_inference() and not x.detach().is_inference()


@pytest.mark.parametrize("args, expected", [  # torch.diagonal(arange(24).reshape(2, 3, 4), *args)
    ((0, 0, 1), [[0.0, 16.0], [1.0, 17.0], [2.0, 18.0], [3.0, 19.0]]),
    ((1, 1, 2), [[1.0, 6.0, 11.0], [13.0, 18.0, 23.0]]),
    ((-1, -1, 0), [[1.0, 14.0], [5.0, 18.0], [9.0, 22.0]]),
    ((2, 2, 1), [[8.0], [20.0]]),
])
def test_diagonal_values_and_view(args, expected):
    d = torch.arange(24.0).reshape(2, 3, 4).requires_grad_()
    t = torch.diagonal(d, *args)
    assert t.grad_fn.name() == "DiagonalBackward0" and t._is_view()
    assert _edges(t) == ((A, 0),)
    assert t.tolist() == expected
    assert torch.diagonal(d, 5, 0, 1).shape == (4, 0)


def test_diagonal_is_a_writable_view_and_differentiable():
    m = torch.arange(9.0).reshape(3, 3)
    v = m.diagonal()
    v += 100
    assert m.tolist() == [[100.0, 1.0, 2.0], [3.0, 104.0, 5.0], [6.0, 7.0, 108.0]]
    rng = np.random.default_rng(0)
    check(lambda a: a.diagonal() ** 2, rng.standard_normal((3, 3)))
    check(lambda a: torch.diagonal(a, 1, 2, 0).sin(), rng.standard_normal((2, 3, 4)))
    check(lambda a: torch.diagonal(a * a, -1), rng.standard_normal((4, 3)))
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 1, 1"):
        torch.diagonal(m, 0, 1, 1)


QX = [[3.0, 1.0, 2.0, 2.0], [0.0, 5.0, 4.0, 1.0]]
# (q, dim, interpolation) -> (values, x.grad for backward(arange(1, ...))) observed in torch 2.13
QUANTILES = [
    (0.3, None, "linear", 1.100000023841858,
     [[0.0, 0.0, 0.10000014305114746, 0.0], [0.0, 0.0, 0.0, 0.8999998569488525]]),
    (0.3, None, "midpoint", 1.5, [[0.0, 0.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.5]]),
    (0.3, 1, "linear", [1.899999976158142, 0.8999999761581421],
     [[0.0, 0.09999996423721313, 0.9000000357627869, 0.0],
      [0.19999992847442627, 0.0, 0.0, 1.8000000715255737]]),
    (0.3, 1, "lower", [1.0, 0.0], [[0.0, 1.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0]]),
    (0.3, 1, "higher", [2.0, 1.0], [[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 2.0]]),
    (0.5, 0, "nearest", [0.0, 1.0, 2.0, 1.0], [[0.0, 2.0, 3.0, 0.0], [1.0, 0.0, 0.0, 4.0]]),
    (0.3, 0, "linear", [0.8999999761581421, 2.200000047683716, 2.5999999046325684,
                        1.2999999523162842],
     [[0.30000001192092896, 1.399999976158142, 2.0999999046325684, 1.2000000476837158],
      [0.699999988079071, 0.6000000238418579, 0.9000000357627869, 2.799999952316284]]),
    ([0.25, 0.5, 0.9], 1, "linear", [[1.75, 0.75], [2.0, 2.5], [2.700000047683716,
                                                                 4.699999809265137]],
     None),
]


@pytest.mark.parametrize("q, dim, interp, values, grad", QUANTILES)
def test_quantile_matches_torch(q, dim, interp, values, grad):
    x = torch.tensor(QX, requires_grad=True)
    qt = torch.tensor(q) if isinstance(q, list) else q
    y = torch.quantile(x, qt, dim=dim, interpolation=interp)
    assert y.grad_fn.name() == "SqueezeBackward4"
    np.testing.assert_allclose(y.detach().numpy(), values, rtol=1e-6)
    y.backward(torch.arange(1.0, y.numel() + 1).reshape(y.shape))
    if grad is not None:
        np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-6, atol=1e-7)
    assert x.quantile(qt, dim=dim, keepdim=True, interpolation=interp).shape == (
        (len(q),) if isinstance(q, list) else ()) + ((1, 1) if dim is None else
                                                     (2, 1) if dim == 1 else (1, 4))


def test_quantile_nan_and_derivatives():
    n = torch.tensor([[1.0, float("nan"), 2.0], [3.0, 1.0, 2.0]], requires_grad=True)
    r = torch.quantile(n, 0.5, dim=1)
    assert np.isnan(r[0].item()) and r[1].item() == 2.0
    r.sum().backward()
    assert n.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    rng = np.random.default_rng(3)
    check(lambda a: torch.quantile(a, 0.3, dim=1) ** 2, rng.standard_normal((3, 5)))
    check(lambda a: torch.quantile(a.tanh(), torch.tensor([0.2, 0.7], dtype=torch.float64)),
          rng.standard_normal((2, 4)))


@pytest.mark.parametrize("call, message", [
    (lambda x: torch.quantile(x, 1.5), r"quantile\(\) q must be in the range \[0, 1\] but got 1.5"),
    (lambda x: torch.quantile(x.long(), 0.5),
     r"quantile\(\) input tensor must be either float or double dtype"),
    (lambda x: torch.quantile(x, 0.5, interpolation="cubic"),
     r"quantile\(\) interpolation must be one of linear, lower, higher, midpoint or nearest, "
     r"but got cubic"),
    (lambda x: torch.quantile(x, torch.tensor([[0.5]])),
     r"quantile\(\) q must be a scalar or 1D tensor"),
    (lambda x: torch.quantile(x, torch.tensor([0.5], dtype=torch.float64)),
     r"quantile\(\) q tensor must be same dtype as the input tensor"),
    (lambda x: torch.quantile(x, torch.tensor([0.5, 2.0])),
     r"quantile\(\) q values must be in the range \[0, 1\]"),
    (lambda x: torch.quantile(torch.ones(0), 0.5), r"quantile\(\) input tensor must be non-empty"),
])
def test_quantile_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call(torch.tensor(QX))
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)"):
        torch.quantile(torch.tensor(QX), 0.5, dim=2)


# --- 7, 8. node names and inference-mode messages ------------------------------------------------
def test_accumulate_grad_name():
    x = torch.ones(2, requires_grad=True)
    node = (x * 2).grad_fn.next_functions[0][0]
    assert node.name() == "torch::autograd::AccumulateGrad"
    assert type(node).__name__ == "AccumulateGrad"
    assert repr(node).startswith("<AccumulateGrad object at 0x")


def test_inference_mode_messages():
    with torch.inference_mode():
        t = torch.ones(2)
    with pytest.raises(RuntimeError) as e:
        t.add_(1)
    assert str(e.value) == (
        "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
        "clone to get a normal tensor before doing inplace update.See "
        "https://github.com/pytorch/rfcs/pull/17 for more details.")
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        w * t
    assert str(e.value) == (
        "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
        "inference mode in computation tracked by autograd. To work around this, you can make a "
        "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead "
        "of `torch.inference_mode()`.")


def test_mul_and_div_keep_only_the_factors_a_gradient_needs():
    # PyTorch saves a factor only for the other one's gradient: changing a factor whose
    # gradient is not needed, after the product, is not an error
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    w = torch.tensor([2.0, 3.0])
    y = h * 0.5 + h * w + h / w
    h.add_(1)
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([0.5 + 2.0 + 0.5, 0.5 + 3.0 + 1 / 3])
    w2 = torch.tensor([2.0, 3.0], requires_grad=True)
    h = x * 1
    y = h / w2  # w2's gradient needs h
    h.add_(1)
    with pytest.raises(RuntimeError, match="which is output 0 of Add, is at version 1"):
        y.sum().backward()


def test_hooks_on_a_leafs_accumulate_grad_node_run_in_torchs_order():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
    seen = []
    x.register_hook(lambda g: seen.append(("tensor", g.tolist())) or g * 2)
    acc.register_prehook(lambda go: seen.append(("pre", go[0].tolist())) or (go[0] + 1,))
    acc.register_hook(lambda gi, go: seen.append(("post", gi, go[0].tolist())))
    y.backward()
    assert seen == [("tensor", [3.0, 3.0]), ("pre", [6.0, 6.0]), ("post", (), [7.0, 7.0])]
    assert x.grad.tolist() == [7.0, 7.0]


def test_copy_slices_names_and_version_message():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h ** 2
    h[0] = 5.0
    assert h.grad_fn.name() == "torch::autograd::CopySlices"
    assert repr(h) == "tensor([5., 2.], grad_fn=<CopySlices>)"
    with pytest.raises(RuntimeError, match="which is output 0 of torch::autograd::CopySlices, is "
                                           "at version 1; expected version 0 instead"):
        y.sum().backward()


def test_index_select_matches_torch():
    x = torch.arange(6.0).reshape(2, 3).requires_grad_()
    y = x.index_select(1, torch.tensor([2, 0, 2]))
    assert type(y.grad_fn).__name__ == "IndexSelectBackward0"
    assert y.tolist() == [[2.0, 0.0, 2.0], [5.0, 3.0, 5.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 2.0], [1.0, 0.0, 2.0]]
    assert torch.index_select(x, 0, torch.tensor(1)).shape == (1, 3)
    assert x.index_select(1, torch.tensor([1], dtype=torch.int32)).tolist() == [[1.0], [4.0]]
    s = torch.tensor(5.0, requires_grad=True)
    r = torch.index_select(s, 0, torch.tensor([0]))
    assert r.shape == () and type(r.grad_fn).__name__ == "IndexSelectBackward0"
    for idx, err, msg in [
            (torch.tensor([[0, 1]]), IndexError,
             "index_select(): Index is supposed to be a vector"),
            (torch.tensor([0.0]), RuntimeError,
             "index_select(): Expected dtype int32 or int64 for index"),
            (torch.tensor([5]), RuntimeError,
             "INDICES element is out of DATA bounds, id=5 axis_dim=3"),
            (torch.tensor([-1]), RuntimeError,
             "INDICES element is out of DATA bounds, id=-1 axis_dim=3")]:
        with pytest.raises(err) as e:
            x.index_select(1, idx)
        assert str(e.value) == msg
    with pytest.raises(RuntimeError, match=r"Index to scalar can have only 1 value, got 2 value"):
        torch.index_select(s, 0, torch.tensor([0, 0]))


def test_clamp_follows_pytorchs_result_type():
    assert torch.tensor([1, 5]).clamp(0.5, 2.5).tolist() == [1.0, 2.5]
    assert torch.tensor([1, 5]).clamp(0.5, 2.5).dtype == torch.float32
    assert torch.tensor([1, 5]).clamp(2, 3).dtype == torch.int64
    assert torch.tensor([1.0, 5.0], dtype=torch.float64).clamp(2.5).dtype == torch.float64
