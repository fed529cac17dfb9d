"""The backward engine: deep graphs, reuse, accumulation, hooks, retain_grad, retain_graph,
``inputs=``, ``autograd.grad`` (higher order too) and custom ``autograd.Function``s. Expected
numbers are computed by hand or were printed by PyTorch 2.13 for the same code."""

from __future__ import annotations

import gc
import math
import sys
import weakref

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.autograd import Function

FREED_MSG = (r"^Trying to backward through the graph a second time \(or directly access saved "
             r"tensors after they have already been freed\). Saved intermediate values of the "
             r"graph are freed when you call .backward\(\) or autograd.grad\(\). Specify "
             r"retain_graph=True if you need to backward through the graph a second time or if "
             r"you need to access saved tensors after calling backward.$")


def _close(t, expected, tol=1e-4):
    np.testing.assert_allclose(np.asarray(t.detach().numpy(), dtype=np.float64), expected,
                               rtol=0, atol=tol)


# --- the numbers of the course's examples -------------------------------------------------------


def test_square_gradients_at_2_and_3():
    for v, expected in ((2.0, 4.0), (3.0, 6.0)):
        x = al.tensor(v, requires_grad=True)
        y = x ** 2
        y.backward()
        assert x.grad.item() == expected
        assert repr(x.grad) == f"tensor({int(expected)}.)"


def test_sin_of_square_at_4():
    x = al.tensor(4.0, requires_grad=True)
    z = al.sin(x ** 2)
    assert repr(z) == "tensor(-0.2879, grad_fn=<SinBackward0>)"
    z.backward()
    assert repr(x.grad) == "tensor(-7.6613)"
    _close(x.grad, 2 * 4 * math.cos(16.0))


def test_cgpa_perceptron():
    x, y = al.tensor(6.7), al.tensor(0.0)
    w = al.tensor(1.0, requires_grad=True)
    b = al.tensor(0.0, requires_grad=True)
    z = w * x + b
    y_pred = al.sigmoid(z)
    loss = -(y * al.log(y_pred) + (1 - y) * al.log(1 - y_pred))
    assert repr(z) == "tensor(6.7000, grad_fn=<AddBackward0>)"
    assert repr(y_pred) == "tensor(0.9988, grad_fn=<SigmoidBackward0>)"
    assert repr(loss) == "tensor(6.7012, grad_fn=<NegBackward0>)"
    loss.backward()
    assert repr(w.grad) == "tensor(6.6918)" and repr(b.grad) == "tensor(0.9988)"
    _close(w.grad, 6.7 * (1 / (1 + math.exp(-6.7))))
    assert x.grad is None and y.grad is None


def test_gradients_accumulate_across_backward_calls():
    x = al.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward()
    assert x.grad.item() == 4.0
    y = x ** 2
    y.backward()
    assert x.grad.item() == 8.0
    x.grad.zero_()
    assert x.grad.item() == 0.0
    (x ** 2).backward()
    assert x.grad.item() == 4.0
    x.grad = None
    (x * 3).backward()
    assert x.grad.item() == 3.0
    assert not x.grad.requires_grad and x.grad.grad_fn is None


# --- graph shapes ------------------------------------------------------------------------------


def test_a_100000_deep_chain_needs_no_recursion():
    assert sys.getrecursionlimit() < 100_000
    x = al.tensor(1.5, requires_grad=True)
    y = x
    for i in range(100_000):
        y = y * 1.0 if i % 2 else y + 0.0
    y.backward()
    assert x.grad.item() == 1.0
    del y
    gc.collect()  # freeing the long chain must not recurse either


def test_a_deep_chain_with_create_graph():
    x = al.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y = y * y  # x**2 at the end of a long chain
    (g,) = al.autograd.grad(y, x, create_graph=True)
    assert g.item() == 4.0
    (g2,) = al.autograd.grad(g, x)
    assert g2.item() == 2.0


def test_reused_node_b_equals_a_plus_a():
    a = al.tensor([1.0, -2.0], requires_grad=True)
    b = a + a
    c = b * b  # c = 4 a^2, dc/da = 8 a
    c.backward(al.ones(2))
    assert a.grad.tolist() == [8.0, -16.0]


def test_the_same_tensor_on_both_sides_of_an_op():
    x = al.tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad.item() == 6.0
    x.grad = None
    (x / x).backward()
    assert x.grad.item() == 0.0


def test_diamond():
    x = al.tensor(0.5, requires_grad=True)
    u = al.sin(x)
    v = al.exp(x)
    w = u * v
    w.backward()
    _close(x.grad, math.exp(0.5) * (math.cos(0.5) + math.sin(0.5)), 1e-6)
    assert repr(x.grad) == "tensor(2.2373)"


def test_wide_fan_out_and_fan_in():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    total = x * 0
    for k in range(1, 51):
        total = total + x * k  # x used 50 times
    total.backward(al.ones(2))
    assert x.grad.tolist() == [1275.0, 1275.0]


def test_branches_that_do_not_require_grad_are_skipped():
    x = al.tensor(2.0, requires_grad=True)
    c = al.tensor(5.0)
    y = x * c + c * c + x.detach() * 100
    y.backward()
    assert x.grad.item() == 5.0 and c.grad is None


def test_next_functions_expose_the_graph():
    x = al.tensor(2.0, requires_grad=True)
    y = x * 3
    (node, nr), (none, _) = y.grad_fn.next_functions
    assert type(node).__name__ == "AccumulateGrad" and node.variable is x and nr == 0
    assert none is None
    z = y.exp()
    assert z.grad_fn.next_functions[0][0] is y.grad_fn


# --- backward(gradient=...), autograd.backward ------------------------------------------------


def test_backward_with_an_explicit_gradient():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=al.tensor([1.0, 10.0, 100.0]))
    assert x.grad.tolist() == [2.0, 40.0, 600.0]
    x.grad = None
    (x * 2).backward(al.tensor([1.0, 1.0, 1.0], dtype=al.float64))  # cast to the output dtype
    assert x.grad.dtype == al.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_backward_gradient_shape_is_checked():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"torch.Size\(\[3\]\) and output\[0\] has a shape of "
                                           r"torch.Size\(\[2\]\).$"):
        (x * 2).backward(al.ones(3))


def test_autograd_backward_with_several_outputs():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = x * 2, x * x
    al.autograd.backward([y1, y2], [al.ones(2), al.tensor([1.0, 0.5])])
    assert x.grad.tolist() == [4.0, 4.0]  # 2 + 2x * [1, 0.5]
    s = al.tensor(3.0, requires_grad=True)
    al.autograd.backward(s * s)
    assert s.grad.item() == 6.0


# --- hooks and retain_grad ---------------------------------------------------------------------


def test_leaf_hook_replaces_the_accumulated_gradient_and_can_be_removed():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return g * 2

    handle = x.register_hook(hook)
    (x * x).backward(al.ones(2))
    assert seen == [[2.0, 4.0]] and x.grad.tolist() == [4.0, 8.0]
    handle.remove()
    (x * x).backward(al.ones(2))
    assert seen == [[2.0, 4.0]] and x.grad.tolist() == [6.0, 12.0]
    handle.remove()  # removing twice is harmless


def test_hooks_run_in_registration_order_and_chain():
    x = al.tensor(1.0, requires_grad=True)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 2).backward()
    assert x.grad.item() == 30.0


def test_hook_returning_none_keeps_the_gradient():
    x = al.tensor(1.0, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 5).backward()
    assert calls == [5.0] and x.grad.item() == 5.0


def test_non_leaf_hook_changes_what_flows_upstream():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 10)
    (y * y).backward(al.ones(2))
    assert x.grad.tolist() == [180.0, 360.0]


def test_non_leaf_hook_sees_the_total_gradient_once():
    x = al.tensor(2.0, requires_grad=True)
    y = x * 1
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))
    z = y * y + y
    z.backward()
    assert seen == [5.0] and x.grad.item() == 5.0


@pytest.mark.parametrize("hook_first", [True, False], ids=["hook_then_retain", "retain_then_hook"])
def test_retain_grad_sees_the_hooked_gradient(hook_first):
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    if hook_first:
        y.register_hook(lambda g: g * 10)
        y.retain_grad()
    else:
        y.retain_grad()
        y.register_hook(lambda g: g * 10)
    (y * y).backward(al.ones(2))
    assert y.grad.tolist() == [60.0, 120.0]
    assert x.grad.tolist() == [180.0, 360.0]


def test_retain_grad_accumulates_and_is_detached():
    x = al.tensor(2.0, requires_grad=True)
    y = x * x
    y.retain_grad()
    z = y * 3
    z.backward(retain_graph=True)
    assert y.grad.item() == 3.0 and not y.grad.requires_grad
    z.backward()
    assert y.grad.item() == 6.0 and x.grad.item() == 24.0


def test_hook_on_a_tensor_used_by_create_graph():
    x = al.tensor(3.0, requires_grad=True)
    x.register_hook(lambda g: g * 2)
    (g,) = al.autograd.grad(x ** 2, x, create_graph=True)
    assert g.item() == 12.0 and g.requires_grad


# --- retain_graph and freeing ------------------------------------------------------------------


def test_retain_graph_allows_a_second_backward():
    x = al.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0
    with pytest.raises(RuntimeError, match=FREED_MSG):
        y.backward()


def test_saved_tensors_are_freed_after_backward():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    y = a * a  # saves a
    ref = weakref.ref(a)
    del a
    gc.collect()
    assert ref() is not None  # kept alive by the graph
    y.backward(al.ones(2), retain_graph=True)
    gc.collect()
    assert ref() is not None  # retain_graph keeps it
    y.backward(al.ones(2))
    gc.collect()
    assert ref() is None  # freed by the backward without retain_graph
    assert x.grad.tolist() == [16.0, 32.0]


def test_a_graph_without_saved_tensors_can_be_walked_twice():
    x = al.tensor(1.0, requires_grad=True)
    y = x + 2  # AddBackward0 saves nothing
    y.backward()
    y.backward()
    assert x.grad.item() == 2.0


# --- inputs= -----------------------------------------------------------------------------------


def test_backward_inputs_only_those_get_grad():
    a = al.tensor(2.0, requires_grad=True)
    b = al.tensor(3.0, requires_grad=True)
    d = (a * b) * (a * b)
    d.backward(inputs=[a])
    assert a.grad.item() == 36.0 and b.grad is None


def test_backward_inputs_non_leaf_gets_grad():
    a = al.tensor(2.0, requires_grad=True)
    b = al.tensor(3.0, requires_grad=True)
    c = a * b
    d = c * c
    d.backward(inputs=[c])
    assert c.grad.item() == 12.0 and a.grad is None and b.grad is None
    assert not c.is_leaf


def test_backward_inputs_must_require_grad_and_not_be_empty():
    x = al.tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^'inputs' argument to backward\(\) cannot be "
                                           r"empty.$"):
        (x * x).backward(inputs=[])
    with pytest.raises(RuntimeError, match="^can't retain_grad on Tensor that has "
                                           "requires_grad=False$"):  # PyTorch 2.13's words
        (x * x).backward(inputs=[al.tensor(1.0)])


# --- autograd.grad -----------------------------------------------------------------------------


def test_autograd_grad_returns_and_does_not_accumulate():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = al.autograd.grad(x * x, x, grad_outputs=al.tensor([1.0, 10.0, 100.0]))
    assert g.tolist() == [2.0, 40.0, 600.0] and x.grad is None
    assert isinstance(al.autograd.grad(x * 2, [x], grad_outputs=[al.ones(3)]), tuple)


def test_autograd_grad_retain_graph():
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    (g1,) = al.autograd.grad(y, x, grad_outputs=al.ones(3), retain_graph=True)
    (g2,) = al.autograd.grad(y, x, grad_outputs=al.ones(3))
    assert g1.tolist() == g2.tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(RuntimeError, match=FREED_MSG):
        al.autograd.grad(y, x, grad_outputs=al.ones(3))


def test_second_derivative_of_cube_at_2():
    x = al.tensor(2.0, requires_grad=True)
    y = x ** 3
    (g,) = al.autograd.grad(y, x, create_graph=True)
    assert g.item() == 12.0 and g.requires_grad and g.grad_fn is not None
    (g2,) = al.autograd.grad(g, x)
    assert g2.item() == 12.0
    # third derivative too
    x = al.tensor(2.0, requires_grad=True)
    (g,) = al.autograd.grad(x ** 3, x, create_graph=True)
    (g2,) = al.autograd.grad(g, x, create_graph=True)
    (g3,) = al.autograd.grad(g2, x)
    assert (g.item(), g2.item(), g3.item()) == (12.0, 12.0, 6.0)


def test_second_derivative_of_sin_of_square():
    x = al.tensor(4.0, requires_grad=True)
    (g,) = al.autograd.grad(al.sin(x ** 2), x, create_graph=True)
    (g2,) = al.autograd.grad(g, x)
    assert repr(g.detach()) == "tensor(-7.6613)" and repr(g2) == "tensor(16.5105)"
    expected = 2 * math.cos(16.0) - 4 * 16.0 * math.sin(16.0)
    _close(g2, expected, 1e-3)


def test_backward_with_create_graph_makes_a_differentiable_grad():
    x = al.tensor(3.0, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    assert x.grad.item() == 27.0 and x.grad.requires_grad
    (g2,) = al.autograd.grad(x.grad, x)
    assert g2.item() == 18.0


def test_allow_unused_and_materialize_grads():
    a = al.tensor(1.0, requires_grad=True)
    b = al.tensor(2.0, requires_grad=True)
    ga, gb = al.autograd.grad(a * 2, [a, b], allow_unused=True)
    assert ga.item() == 2.0 and gb is None
    ga, gb = al.autograd.grad(a * 2, [a, b], allow_unused=True, materialize_grads=True)
    assert ga.item() == 2.0 and gb.item() == 0.0


def test_grad_of_a_non_leaf_intermediate():
    x = al.tensor(2.0, requires_grad=True)
    h = x * x
    y = h * 3
    (gh, gx) = al.autograd.grad(y, [h, x])
    assert gh.item() == 3.0 and gx.item() == 12.0


# --- in-place and the version counter (positive cases) ------------------------------------------


def test_inplace_on_a_tensor_that_is_not_saved_is_fine():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x + 1  # AddBackward0 saves nothing
    y.add_(5)
    y.mul_(2)
    y.backward(al.ones(2))
    assert x.grad.tolist() == [2.0, 2.0]
    assert y._version == 2


def test_inplace_after_backward_is_fine():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = a * a
    y.backward(al.ones(2))
    a.add_(1)  # the graph is already used: no error
    assert x.grad.tolist() == [2.0, 4.0]


# --- custom autograd.Function ------------------------------------------------------------------


class MySquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


class MyScaledProduct(Function):
    """x * k * y with a non-tensor argument k and arbitrary ctx attributes."""

    @staticmethod
    def forward(ctx, x, k, y):
        ctx.save_for_backward(x, y)
        ctx.k = k
        ctx.seen_needs = ctx.needs_input_grad
        return x * k * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        ctx.backward_needs = ctx.needs_input_grad
        gx = grad * ctx.k * y if ctx.needs_input_grad[0] else None
        gy = grad * ctx.k * x if ctx.needs_input_grad[2] else None
        return gx, None, gy


class MyExp(Function):
    @staticmethod
    def forward(ctx, x):
        r = x.exp()
        ctx.save_for_backward(r)  # saving the output
        return r

    @staticmethod
    def backward(ctx, grad):
        (r,) = ctx.saved_tensors
        return grad * r


class RoundWithIndex(Function):
    @staticmethod
    def forward(ctx, x):
        idx = x.round()
        ctx.mark_non_differentiable(idx)
        return x * 2, idx

    @staticmethod
    def backward(ctx, grad, grad_idx):
        return grad * 2


class TooManyGrads(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


def test_custom_function_apply_name_and_gradient():
    x = al.tensor(3.0, requires_grad=True)
    y = MySquare.apply(x)
    assert repr(y) == "tensor(9., grad_fn=<MySquareBackward>)"
    assert y.grad_fn.name() == "MySquareBackward" and type(y.grad_fn).__name__ == \
        "MySquareBackward"
    y.backward()
    assert x.grad.item() == 6.0


def test_custom_function_double_backward():
    x = al.tensor(3.0, requires_grad=True)
    (g,) = al.autograd.grad(MySquare.apply(x), x, create_graph=True)
    (g2,) = al.autograd.grad(g, x)
    assert g.item() == 6.0 and g2.item() == 2.0
    x = al.tensor(0.5, requires_grad=True)
    y = MyExp.apply(x)
    (g,) = al.autograd.grad(y, x, create_graph=True)
    (g2,) = al.autograd.grad(g, x)
    assert repr(y) == "tensor(1.6487, grad_fn=<MyExpBackward>)"
    _close(g, math.exp(0.5), 1e-6)
    _close(g2, math.exp(0.5), 1e-6)


def test_custom_function_ctx_attributes_and_needs_input_grad():
    x = al.tensor(2.0, requires_grad=True)
    y = al.tensor(5.0)
    out = MyScaledProduct.apply(x, 3.0, y)
    assert repr(out) == "tensor(30., grad_fn=<MyScaledProductBackward>)"
    ctx = out.grad_fn
    assert ctx.k == 3.0 and tuple(ctx.seen_needs) == (True, False, False)
    out.backward()
    assert x.grad.item() == 15.0 and y.grad is None
    assert tuple(ctx.backward_needs) == (True, False, False)


def test_custom_function_saved_tensors_are_freed():
    x = al.tensor(3.0, requires_grad=True)
    y = MySquare.apply(x)
    y.backward(retain_graph=True)
    (saved,) = y.grad_fn.saved_tensors
    assert saved is x
    y.backward()
    with pytest.raises(RuntimeError, match=FREED_MSG):
        y.grad_fn.saved_tensors  # noqa: B018


def test_custom_function_mark_non_differentiable():
    x = al.tensor([1.4, -2.6], requires_grad=True)
    out, idx = RoundWithIndex.apply(x)
    assert not idx.requires_grad and idx.grad_fn is None and idx.tolist() == [1.0, -3.0]
    assert out.grad_fn.name() == "RoundWithIndexBackward"
    out.backward(al.ones(2))
    assert x.grad.tolist() == [2.0, 2.0]


def test_custom_function_without_grad_records_nothing():
    assert not MySquare.apply(al.tensor(2.0)).requires_grad
    x = al.tensor(2.0, requires_grad=True)
    with al.no_grad():
        y = MySquare.apply(x)
    assert not y.requires_grad and y.grad_fn is None and y.item() == 4.0


def test_custom_function_wrong_number_of_gradients():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^function TooManyGradsBackward returned an incorrect "
                                           r"number of gradients \(expected 1, got 2\)$"):
        TooManyGrads.apply(x).backward(al.ones(2))


def test_backward_of_a_leaf():
    x = al.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0
    x.backward(al.tensor(3.0))
    assert x.grad.item() == 4.0


def test_zeroing_through_grad_data():
    w = al.tensor([1.0, 2.0], requires_grad=True)
    (w * w).backward(al.ones(2))
    g = w.grad
    w.grad.data.zero_()  # the classic idiom: zeroes the gradient in place
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0]
    (w * w).backward(al.ones(2))
    assert w.grad.tolist() == [2.0, 4.0]


def test_retain_grad_under_create_graph_keeps_a_differentiable_grad():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = y * y
    (g,) = al.autograd.grad(z, x, al.ones(2), create_graph=True)
    assert g.tolist() == [8.0, 16.0] and g.requires_grad
    assert y.grad.tolist() == [4.0, 8.0] and y.grad.requires_grad
