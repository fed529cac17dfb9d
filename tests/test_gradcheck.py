"""gradcheck / gradgradcheck: pass for correct derivatives, fail with PyTorch's messages."""

import warnings

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite.autograd import GradcheckError, gradcheck, gradgradcheck

D = torch.float64


def x64(values, grad=True):
    return torch.tensor(values, dtype=D, requires_grad=grad)


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x


class WrongSquare(Square):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x  # deliberately wrong: d(x^2)/dx is 2x


class DetachedSquare(Square):
    """Right first derivative, but backward is not differentiable (detach)."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x.detach()


class IgnoresGradOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, g):
        return torch.ones_like(g)


class MulAdd(torch.autograd.Function):
    """Two inputs, two outputs: (a * b, a + b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b, a + b

    @staticmethod
    def backward(ctx, g1, g2):
        a, b = ctx.saved_tensors
        return g1 * b + g2, g1 * a + g2


OPS = {
    "exp": lambda x: x.exp(), "log": lambda x: (x * x + 1).log(), "sin": lambda x: x.sin(),
    "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(), "pow": lambda x: x ** 3,
    "div": lambda x: 1 / (x * x + 1), "sqrt": lambda x: (x * x + 1).sqrt(),
    "square_fn": Square.apply, "stack": lambda x: torch.stack([x * 2, x.cos()]),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck_passes_for_correct_derivatives(name):
    x = x64([0.3, -1.2, 2.0])
    assert gradcheck(OPS[name], (x,)) is True
    assert gradcheck(OPS[name], x, fast_mode=True) is True


@pytest.mark.parametrize("name", ["exp", "sin", "tanh", "pow", "div", "sigmoid", "square_fn"])
def test_gradgradcheck_passes(name):
    x = x64([0.3, -1.2, 2.0])
    assert gradgradcheck(OPS[name], (x,)) is True


def test_multiple_inputs_and_outputs():
    a, b = x64([1.0, 2.0]), x64([3.0, -4.0])
    assert gradcheck(MulAdd.apply, (a, b))
    assert gradcheck(lambda a, b: (a * b).sin() + b.exp(), (a, b))
    assert gradgradcheck(lambda a, b: (a * b).sin() + b.exp(), (a, b))
    c = x64([5.0], grad=False)  # inputs that do not require grad are left alone
    assert gradcheck(lambda a, c: a * c, (a, c))


def test_wrong_backward_fails_with_pytorch_message():
    x = x64([1.0, 2.0])
    with pytest.raises(GradcheckError) as e:
        gradcheck(WrongSquare.apply, (x,))
    assert str(e.value) == (
        "Jacobian mismatch for output 0 with respect to input 0,\n"
        "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 4.0000]], dtype=torch.float64)\n"
        "analytical:tensor([[3., 0.],\n        [0., 6.]], dtype=torch.float64)\n")
    assert isinstance(e.value, RuntimeError)
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
    assert gradcheck(WrongSquare.apply, (x,), fast_mode=True, raise_exception=False) is False
    with pytest.raises(GradcheckError, match="computed \nin fast mode"):
        gradcheck(WrongSquare.apply, (x,), fast_mode=True)


def test_mismatch_names_the_output_and_input():
    y, x = x64([0.5, -1.5, 2.0]), x64([1.0, 2.0])
    with pytest.raises(GradcheckError) as e:
        gradcheck(lambda a, b: (b * 2, WrongSquare.apply(a).sum()), (y, x))
    assert str(e.value).startswith("Jacobian mismatch for output 1 with respect to input 0,\n"
                                   "numerical:tensor([[ 1.0000],\n        [-3.0000],\n")


def test_gradgradcheck_catches_a_non_differentiable_backward():
    x = x64([0.3, -1.2, 2.0])
    assert gradcheck(DetachedSquare.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to "
                                             "input 0"):
        gradgradcheck(DetachedSquare.apply, (x,))
    assert gradgradcheck(DetachedSquare.apply, (x,), raise_exception=False) is False
    go = x64([1.0, 1.0, 1.0])
    assert gradgradcheck(Square.apply, (x,), (go,))


def test_other_checks():
    x = x64([1.5])
    with pytest.raises(GradcheckError, match="^backward not multiplied by grad_output$"):
        gradcheck(IgnoresGradOutput.apply, (x,))
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be "
                                             "zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))
    assert gradcheck(lambda a: (a > 0).to(D), (x,))  # constant: no differentiable output
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to "
                                         "require gradient, but none of them have "
                                         "requires_grad=True."):
        gradcheck(lambda a: a * 2, (x64([1.0], grad=False),))


def test_single_precision_warns():
    xf = torch.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert gradcheck(lambda a: a * 2, (xf,), eps=1e-3, atol=1e-2)
    messages = [str(m.message) for m in w if m.category is UserWarning]
    assert messages == ["Input #0 requires gradient and is not a double precision floating "
                        "point or complex. This check will likely fail if all the inputs are not "
                        "of double precision floating point or complex. "]


def test_inputs_are_restored():
    x = x64([0.1, 0.2, 0.3])
    before = x._data.copy()
    gradcheck(lambda a: a.exp() * a, (x,))
    assert np.array_equal(x._data, before) and x.grad is None
