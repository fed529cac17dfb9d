"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled; as context
managers and decorators; nesting and exceptions restore the previous state (PyTorch 2.13)."""

from __future__ import annotations

import pytest

import autograd_lite as al

pytestmark = pytest.mark.usefixtures("restore_grad_mode")

INFERENCE_SAVE_MSG = "^Inference tensors cannot be saved for backward."
INFERENCE_INPLACE_MSG = (r"^Inplace update to inference tensor outside InferenceMode is not "
                         r"allowed.You can make a clone to get a normal tensor before doing "
                         r"inplace update.")
INFERENCE_RG_MSG = (r"^Setting requires_grad=True on inference tensor outside InferenceMode is "
                    r"not allowed.$")


def test_no_grad_stops_recording():
    x = al.tensor(1.0, requires_grad=True)
    assert al.is_grad_enabled()
    with al.no_grad():
        assert not al.is_grad_enabled()
        y = x * 2
        z = al.exp(x) + x ** 2
    assert al.is_grad_enabled()
    for t in (y, z):
        assert not t.requires_grad and t.grad_fn is None and t.is_leaf
    assert (x * 2).requires_grad  # recording again after the block


def test_enable_grad_inside_no_grad():
    x = al.tensor(1.0, requires_grad=True)
    with al.no_grad():
        with al.enable_grad():
            assert al.is_grad_enabled()
            z = x * 2
        assert not al.is_grad_enabled()
        w = x * 2
    assert z.requires_grad and z.grad_fn.name() == "MulBackward0"
    assert not w.requires_grad
    z.backward()
    assert x.grad.item() == 2.0


def test_set_grad_enabled_as_a_call():
    x = al.tensor(1.0, requires_grad=True)
    al.set_grad_enabled(False)
    try:
        assert not al.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        al.set_grad_enabled(True)
    assert al.is_grad_enabled() and (x * 2).requires_grad


def test_set_grad_enabled_as_a_context_manager():
    x = al.tensor(1.0, requires_grad=True)
    with al.set_grad_enabled(False):
        assert not al.is_grad_enabled()
        assert not (x * 2).requires_grad
        with al.set_grad_enabled(True):
            assert al.is_grad_enabled() and (x * 2).requires_grad
        assert not al.is_grad_enabled()
    assert al.is_grad_enabled()
    with al.no_grad():
        with al.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not al.is_grad_enabled()


def test_decorators():
    x = al.tensor(1.0, requires_grad=True)

    @al.no_grad()
    def f(a):
        """doc of f"""
        return a * 2, al.is_grad_enabled()

    out, enabled = f(x)
    assert not out.requires_grad and not enabled and al.is_grad_enabled()
    assert f.__name__ == "f" and f.__doc__ == "doc of f"

    @al.enable_grad()
    def g(a):
        return a * 2

    with al.no_grad():
        assert g(x).requires_grad
        assert not al.is_grad_enabled()

    @al.set_grad_enabled(False)
    def h(a):
        return a * 2

    assert al.is_grad_enabled()  # decorating does not switch the mode
    assert not h(x).requires_grad and al.is_grad_enabled()

    @al.inference_mode()
    def k(a):
        return a * 2, al.is_inference_mode_enabled()

    out, inference = k(x)
    assert not out.requires_grad and inference
    assert not al.is_inference_mode_enabled() and al.is_grad_enabled()


def test_decorated_functions_can_be_called_repeatedly_and_nested():
    calls = []

    @al.no_grad()
    def inner():
        calls.append(al.is_grad_enabled())

    @al.enable_grad()
    def outer():
        calls.append(al.is_grad_enabled())
        inner()
        calls.append(al.is_grad_enabled())

    for _ in range(2):
        outer()
    assert calls == [True, False, True] * 2 and al.is_grad_enabled()


@pytest.mark.parametrize("make", [al.no_grad, al.enable_grad, lambda: al.set_grad_enabled(False),
                                  al.inference_mode],
                         ids=["no_grad", "enable_grad", "set_grad_enabled", "inference_mode"])
def test_state_is_restored_after_an_exception(make):
    with pytest.raises(ValueError):
        with make():
            raise ValueError("boom")
    assert al.is_grad_enabled() and not al.is_inference_mode_enabled()
    with al.no_grad():
        with pytest.raises(KeyError):
            with al.enable_grad():
                raise KeyError
        assert not al.is_grad_enabled()

    @al.no_grad()
    def fails():
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        fails()
    assert al.is_grad_enabled()


def test_deep_nesting_restores_each_level():
    states = []
    with al.no_grad():
        states.append(al.is_grad_enabled())
        with al.enable_grad():
            states.append(al.is_grad_enabled())
            with al.set_grad_enabled(False):
                states.append(al.is_grad_enabled())
                with al.inference_mode():
                    states.append((al.is_grad_enabled(), al.is_inference_mode_enabled()))
                states.append((al.is_grad_enabled(), al.is_inference_mode_enabled()))
            states.append(al.is_grad_enabled())
        states.append(al.is_grad_enabled())
    states.append(al.is_grad_enabled())
    assert states == [False, True, False, (False, True), (False, False), True, False, True]


# --- inference_mode ----------------------------------------------------------------------------


def test_inference_mode_disables_grad():
    x = al.tensor(1.0, requires_grad=True)
    with al.inference_mode():
        assert not al.is_grad_enabled() and al.is_inference_mode_enabled()
        y = x * 2
        assert not y.requires_grad and y.grad_fn is None
    assert al.is_grad_enabled() and not al.is_inference_mode_enabled()


def test_inference_mode_false_inside_inference_mode():
    with al.inference_mode():
        with al.inference_mode(False):
            # PyTorch: InferenceMode(false) turns grad mode back on
            assert al.is_grad_enabled() and not al.is_inference_mode_enabled()
        assert not al.is_grad_enabled() and al.is_inference_mode_enabled()
    assert al.is_grad_enabled()


def test_inference_tensors_cannot_be_saved_for_backward_later():
    with al.inference_mode():
        i = al.ones(2) * 3
    w = al.ones(2, requires_grad=True)
    assert not i.requires_grad
    with pytest.raises(RuntimeError, match=INFERENCE_SAVE_MSG):
        i * w  # MulBackward0 would save i
    assert (i + w).requires_grad  # AddBackward0 saves nothing: allowed, as in PyTorch
    with pytest.raises(RuntimeError, match=INFERENCE_SAVE_MSG):
        al.maximum(w, i)


def test_inference_tensors_cannot_be_changed_in_place_outside():
    with al.inference_mode():
        i = al.ones(2)
    with pytest.raises(RuntimeError, match=INFERENCE_INPLACE_MSG):
        i.add_(1)
    with pytest.raises(RuntimeError, match=INFERENCE_RG_MSG):
        i.requires_grad_()
    c = i.clone()  # the documented way out
    c.add_(1)
    assert c.tolist() == [2.0, 2.0]
    c.requires_grad_()
    assert c.requires_grad
    with al.inference_mode():
        i.add_(1)  # fine inside
    assert i.tolist() == [2.0, 2.0]


def test_no_grad_tensors_are_ordinary_tensors():
    with al.no_grad():
        t = al.ones(2)
        t.add_(1)
    t.requires_grad_()
    w = t * t
    w.backward(al.ones(2))
    assert t.grad.tolist() == [4.0, 4.0]


def test_grad_mode_does_not_affect_backward_itself():
    x = al.tensor(2.0, requires_grad=True)
    y = x ** 2
    with al.no_grad():
        y.backward()  # backward works under no_grad, as in PyTorch
        assert not al.is_grad_enabled()
    assert x.grad.item() == 4.0
