"""Errors a learner meets: exception type and message, as PyTorch 2.13 raises them.

Where PyTorch 2.13 reworded a message that the course text quotes from an earlier release, the
pattern accepts both wordings (noted at the pattern)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import autograd_lite as al

FREED_MSG = (r"^Trying to backward through the graph a second time \(or directly access saved "
             r"tensors after they have already been freed\). Saved intermediate values of the "
             r"graph are freed when you call .backward\(\) or autograd.grad\(\). Specify "
             r"retain_graph=True if you need to backward through the graph a second time or if "
             r"you need to access saved tensors after calling backward.$")
LEAF_INPLACE_MSG = r"^a leaf Variable that requires grad is being used in an in-place operation.$"
VERSION_PREFIX = ("one of the variables needed for gradient computation has been modified by an "
                  "inplace operation")
UNUSED_MSG = (r"^The differentiated Tensor at index {} appears to not have been used in the "
              r"graph. Set allow_unused=True if this is the desired behavior.$")  # PyTorch 2.13
NON_LEAF_GRAD_WARNING = ("The .grad attribute of a Tensor that is not a leaf Tensor is being "
                         "accessed. Its .grad attribute won't be populated during "
                         "autograd.backward(). If you indeed want the .grad field to be populated "
                         "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.")


# --- backward ------------------------------------------------------------------------------------


def test_backward_twice_without_retain_graph():
    x = al.tensor(2.0, requires_grad=True)
    y = al.sin(x * x)
    y.backward()
    with pytest.raises(RuntimeError, match=FREED_MSG):
        y.backward()
    assert x.grad.item() == pytest.approx(4 * np.cos(4.0), abs=1e-6)  # unchanged by the failure


def test_autograd_grad_twice_without_retain_graph():
    x = al.tensor(2.0, requires_grad=True)
    y = x.exp()
    al.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match=FREED_MSG):
        al.autograd.grad(y, x)


def test_implicit_gradient_needs_a_scalar_output():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar "
                                           "outputs$"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar "
                                           "outputs$"):
        al.autograd.grad(x * 2, x)
    w = al.tensor([[3.0]], requires_grad=True)
    (w * 2).backward()  # one element (not 0-d) is fine, as in PyTorch
    assert w.grad.tolist() == [[2.0]]


def test_backward_of_a_tensor_that_does_not_require_grad():
    msg = "^element 0 of tensors does not require grad and does not have a grad_fn$"
    with pytest.raises(RuntimeError, match=msg):
        al.tensor(1.0).backward()
    with pytest.raises(RuntimeError, match=msg):
        (al.tensor([1.0, 2.0]) * 2).backward(al.ones(2))
    x = al.tensor(1.0, requires_grad=True)
    with al.no_grad():
        y = x * 2
    with pytest.raises(RuntimeError, match=msg):
        y.backward()
    with pytest.raises(RuntimeError, match=msg):
        al.autograd.grad(al.tensor(1.0), x)
    with pytest.raises(RuntimeError, match="^element 1 of tensors does not require grad and does "
                                           "not have a grad_fn$"):
        al.autograd.backward([x * 2, al.tensor(2.0)])


def test_grad_outputs_shape_mismatch():
    x = al.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"torch.Size\(\[2\]\) and output\[0\] has a shape of "
                                           r"torch.Size\(\[\]\).$"):
        al.autograd.grad(x * 2, x, grad_outputs=al.ones(2))


def test_differentiating_with_respect_to_a_tensor_without_grad():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require "
                                           "grad$"):
        al.autograd.grad(x * 2, al.tensor([1.0]), grad_outputs=al.ones(2))


def test_unused_input_in_autograd_grad():
    a = al.tensor(1.0, requires_grad=True)
    b = al.tensor(2.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=UNUSED_MSG.format(1)):
        al.autograd.grad(a * 2, [a, b])
    with pytest.raises(RuntimeError, match=UNUSED_MSG.format(0)):
        al.autograd.grad(a * 2, [b])
    assert al.autograd.grad(a * 2, [a, b], allow_unused=True)[1] is None


# --- in-place ----------------------------------------------------------------------------------


@pytest.mark.parametrize("op", [
    lambda x: x.add_(1), lambda x: x.sub_(1), lambda x: x.mul_(2), lambda x: x.div_(2),
    lambda x: x.zero_(), lambda x: x.fill_(1.0), lambda x: x.exp_(), lambda x: x.clamp_(0, 1),
    lambda x: x.__iadd__(1), lambda x: x.__imul__(2),
], ids=["add_", "sub_", "mul_", "div_", "zero_", "fill_", "exp_", "clamp_", "+=", "*="])
def test_inplace_on_a_leaf_that_requires_grad(op):
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_INPLACE_MSG):
        op(x)
    assert x.tolist() == [1.0, 2.0] and x._version == 0 and x.is_leaf


def test_augmented_assignment_on_a_leaf_outside_no_grad():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=LEAF_INPLACE_MSG):
        x -= 0.1
    with al.no_grad():
        x -= 0.5  # the fix: an update under no_grad
    assert x.detach().tolist() == [0.5, 1.5]


def _version_error(excinfo) -> str:
    msg = str(excinfo.value)
    assert msg.startswith(VERSION_PREFIX), msg
    return msg


def test_inplace_change_of_a_saved_input():
    a = al.tensor([1.0, 2.0], requires_grad=True)
    c = a * 1
    d = c * c  # MulBackward0 saves c
    c.add_(1)
    with pytest.raises(RuntimeError, match=f"^{VERSION_PREFIX}") as excinfo:
        d.backward(al.ones(2))
    msg = _version_error(excinfo)
    assert "[torch.FloatTensor [2]], which is output 0 of Add" in msg
    assert "is at version 1; expected version 0 instead." in msg
    assert "Mul" in msg.split("instead.", 1)[1]  # the op that needed it is named


def test_inplace_change_of_a_saved_output():
    a = al.tensor([1.0, 2.0], requires_grad=True)
    c = a.exp()  # ExpBackward0 saves its output
    c.add_(1)
    with pytest.raises(RuntimeError) as excinfo:
        c.backward(al.ones(2))
    msg = _version_error(excinfo)
    assert "which is output 0 of Exp" in msg
    assert "is at version 1; expected version 0 instead." in msg


def test_inplace_change_of_a_saved_intermediate_for_sin():
    a = al.tensor([1.0, 2.0], requires_grad=True)
    c = a * 1
    d = c.sin()
    c.mul_(2)
    with pytest.raises(RuntimeError) as excinfo:
        d.backward(al.ones(2))
    msg = _version_error(excinfo)
    assert "which is output 0 of Mul" in msg and "Sin" in msg


def test_leaf_updated_under_no_grad_before_backward():
    w = al.tensor([1.0, 2.0], requires_grad=True)
    y = w * w
    with al.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError) as excinfo:
        y.backward(al.ones(2))
    msg = _version_error(excinfo)
    assert re.search(r"\[torch.FloatTensor \[2\]\] is at version 1; expected version 0 instead.",
                     msg)


def test_saved_tensor_changed_twice_reports_the_version():
    x = al.tensor([1.0, 2.0], dtype=al.float64, requires_grad=True)
    h = x * 1
    y = h * x
    h.add_(1)
    h.add_(1)
    with pytest.raises(RuntimeError) as excinfo:
        y.backward(al.ones(2, dtype=al.float64))
    msg = _version_error(excinfo)
    assert "[torch.DoubleTensor [2]]" in msg and "is at version 2; expected version 0" in msg


def test_saved_tensor_already_changed_before_saving_is_checked_from_that_version():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    h.add_(1)  # version 1 when saved: unchanged afterwards means no error
    (h * h).backward(al.ones(2))
    assert x.grad.tolist() == [4.0, 6.0]
    h = x * 1
    h.add_(1)
    y = h.sin()
    h.add_(1)
    with pytest.raises(RuntimeError) as excinfo:
        y.backward(al.ones(2))
    assert "is at version 2; expected version 1 instead." in _version_error(excinfo)


def test_saved_tensor_changed_through_a_view_made_after_saving():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    w = al.ones(2)
    y = x * w  # w saved before it has a version counter
    w[0:1].mul_(2)  # the view shares the counter it gets now
    with pytest.raises(RuntimeError) as excinfo:
        y.backward(al.ones(2))
    assert re.search(r"\[torch.FloatTensor \[2\]\] is at version 1; expected version 0 instead.",
                     _version_error(excinfo))


def test_custom_function_saving_a_number_is_a_type_error():
    class Twice(al.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.raises(TypeError, match="^save_for_backward can only save variables, but "
                                        "argument 1 is of type int$"):
        Twice.apply(al.ones(2, requires_grad=True))


# --- reading and conversions ------------------------------------------------------------------


def test_reading_grad_of_a_non_leaf_warns_and_returns_none():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning) as record:
        assert y.grad is None
    assert len(record) == 1 and str(record[0].message).startswith(NON_LEAF_GRAD_WARNING)
    y.backward(al.ones(2))
    with pytest.warns(UserWarning, match="is not a leaf Tensor"):
        assert y.grad is None
    z = x * 3
    z.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert z.grad is None  # retain_grad: no warning
        assert x.grad.tolist() == [2.0, 2.0]  # leaves: no warning


def test_numpy_of_a_tensor_that_requires_grad():
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires grad. "
                                           r"Use tensor.detach\(\).numpy\(\) instead.$"):
        x.numpy()
    with pytest.raises(RuntimeError, match=r"^Can't call numpy\(\) on Tensor that requires grad"):
        (x * 2).numpy()
    assert x.detach().numpy().tolist() == [1.0, 2.0]


def test_broadcasting_shape_mismatch():
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(2\) at non-singleton dimension 0$"):
        al.tensor([1.0, 2.0, 3.0]) + al.tensor([1.0, 2.0])
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(2\) at non-singleton dimension 0$"):
        x * al.tensor([1.0, 2.0])


def test_hooks_need_requires_grad():
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't "
                                           "require gradient$"):
        al.tensor([1.0, 2.0]).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="^can't retain_grad on Tensor that has "
                                           "requires_grad=False$"):
        al.tensor(1.0).retain_grad()


def test_item_of_a_multi_element_tensor():
    with pytest.raises(RuntimeError, match="^a Tensor with 2 elements cannot be converted to "
                                           "Scalar$"):
        al.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="^a Tensor with 0 elements cannot be converted to "
                                           "Scalar$"):
        al.zeros(0).item()
    with pytest.raises(RuntimeError, match="^Boolean value of Tensor with more than one value is "
                                           "ambiguous$"):
        bool(al.tensor([1.0, 2.0]))


def test_requires_grad_on_integer_tensors():
    pattern = r"^Only Tensors of floating point and complex dtype can require gradients$"
    with pytest.raises(RuntimeError, match=pattern):
        al.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(RuntimeError, match=pattern):
        al.arange(3).requires_grad_()


def test_changing_requires_grad_of_a_non_leaf():
    y = al.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="^you can only change requires_grad flags of leaf "
                                           "variables. If you want to use a computed variable "
                                           "in a subgraph that doesn't require differentiation "
                                           r"use var_no_grad = var.detach\(\).$"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match="^you can only change requires_grad flags of leaf "
                                           "variables"):
        y.requires_grad_(False)
    assert y.requires_grad


@pytest.mark.parametrize("dtype, name", [
    (al.int32, "torch.IntTensor"), (al.int64, "torch.LongTensor"),
    (al.float64, "torch.DoubleTensor"), (al.bool, "CPUBoolType")])
def test_version_message_names_the_type_as_pytorch(dtype, name):
    x = al.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = al.tensor([1, 0, 1]).to(dtype)
    y = x.masked_fill(m, 0.0) if dtype == al.bool else x * m
    m[0] = 0
    expected = rf"\[{name} \[3\]\] is at version 1; expected version 0"
    with pytest.raises(RuntimeError, match=expected):
        y.sum().backward()


def test_creation_and_conversion_errors_as_pytorch():
    with pytest.raises(TypeError, match=r"^zeros\(\): argument 'size' \(position 1\) must be "
                                        r"tuple of ints, not str$"):
        al.zeros("a")
    with pytest.raises(TypeError, match=r"^randn\(\): argument 'size' failed to unpack the object "
                                        r"at pos 2 with error \"type must be tuple of ints,but "
                                        r"got str\"$"):
        al.randn(2, "a")
    with pytest.raises(RuntimeError, match=r"^n must be greater or equal to 0, got -1$"):
        al.eye(-1)
    with pytest.raises(RuntimeError, match=r"^m must be greater or equal to 0, got -2$"):
        al.eye(2, -2)
    for convert in (float, int):
        with pytest.raises(ValueError, match=r"^only one element tensors can be converted to "
                                             r"Python scalars$"):
            convert(al.ones(2))
    x = al.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Can't detach views in-place\. Use detach\(\) "
                                           r"instead\."):
        x[0].detach_()
