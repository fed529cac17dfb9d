"""Chapter 7 exercises: custom autograd Functions, straight-through estimators, hooks and
gradient accumulation.

Checkers run the learner's Function or hook on fresh tensors and compare values and gradients
with closed-form references computed here in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as torch
from course.checks import (
    Fail,
    NotAttempted,
    as_array,
    call,
    exercise,
    expect,
    expect_close,
    is_unanswered,
)


def _function_class(answer: Any, name: str) -> type:
    """The learner's class, which must subclass torch.autograd.Function."""
    if is_unanswered(answer):
        raise NotAttempted()
    expect(isinstance(answer, type) and issubclass(answer, torch.autograd.Function),
           f"{name} should be a class that subclasses torch.autograd.Function, "
           f"got {answer!r}.")
    return answer


def _run(fn: Any, *args: Any, what: str) -> Any:
    """Call ``fn`` (an ``apply``); NotImplementedError in forward/backward means not attempted."""
    return call(fn, *args, what=what)


def _backward(out: Any, grad: Any, what: str) -> None:
    expect(hasattr(out, "grad_fn") and out.grad_fn is not None,
           f"{what} returned a tensor without grad_fn: return the result of your forward "
           "computation and call the class through .apply.")
    call(out.backward, grad, what=f"backward through {what}")


@exercise("7.1", points=2, title="Cube: a custom Function with its backward",
          hint="forward: ctx.save_for_backward(x); return x ** 3. backward: "
               "x, = ctx.saved_tensors; return 3 * x ** 2 * grad_output (always multiply by the "
               "incoming gradient).")
def _ex_7_1(Cube: Any) -> None:
    Cube = _function_class(Cube, "Cube")
    xs = np.array([1.5, -2.0, 0.5])
    up = np.array([1.0, 2.0, -1.0])
    x = torch.tensor(xs.tolist(), requires_grad=True)
    y = _run(Cube.apply, x, what="Cube.apply")
    expect_close(y, xs**3, what="Cube.apply(x)")
    _backward(y, torch.tensor(up.tolist()), "Cube.apply")
    expect(x.grad is not None, "x.grad is None after backward: return the gradient w.r.t. x.")
    got = as_array(x.grad, "x.grad")
    if np.allclose(got, 3 * xs**2):
        raise Fail("x.grad is 3x² whatever the upstream gradient: multiply by grad_output "
                   "(the chain rule), here [1, 2, -1].")
    expect_close(got, 3 * xs**2 * up, what="x.grad for upstream gradient [1, 2, -1]")
    inp = torch.tensor([0.3, -1.1, 2.0], dtype=torch.float64, requires_grad=True)
    expect(torch.autograd.gradcheck(Cube.apply, (inp,), raise_exception=False),
           "gradcheck(Cube.apply, ...) fails in float64: the backward formula is not 3x².")


@exercise("7.2", points=2, title="SignSTE: sign forward, clipped straight-through backward",
          hint="forward: save x, return torch.sign(x). backward: pass grad_output where "
               "|x| <= 1 and 0 elsewhere, e.g. grad_output * (x.abs() <= 1).")
def _ex_7_2(SignSTE: Any) -> None:
    SignSTE = _function_class(SignSTE, "SignSTE")
    xs = np.array([-2.0, -0.6, 0.2, 0.9, 1.7])
    x = torch.tensor(xs.tolist(), requires_grad=True)
    y = _run(SignSTE.apply, x, what="SignSTE.apply")
    expect_close(y, np.sign(xs), what="SignSTE.apply(x) (the forward pass)")
    up = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    _backward(y, torch.tensor(up.tolist()), "SignSTE.apply")
    expect(x.grad is not None, "x.grad is None after backward: return a gradient for x.")
    got = as_array(x.grad, "x.grad")
    if np.allclose(got, 0):
        raise Fail("x.grad is all zeros — the true derivative of sign, which is why we need a "
                   "straight-through estimator: pass grad_output through where |x| <= 1.")
    if np.allclose(got, up):
        raise Fail("x.grad passes every gradient through, also where |x| > 1; the clipped "
                   "estimator zeroes the gradient there (x = -2.0 and 1.7).")
    expect_close(got, np.where(np.abs(xs) <= 1, up, 0.0),
                 what="x.grad for upstream gradient [1, 2, 3, 4, 5]")


@exercise("7.3", points=3, title="ScaledTanh(x, a) = a·tanh(x): two inputs, two gradients",
          hint="Save x and a (or tanh(x) and a). backward returns one gradient per input, in "
               "order: grad_output * a * (1 - tanh(x)**2), then grad_output * tanh(x).")
def _ex_7_3(ScaledTanh: Any) -> None:
    ScaledTanh = _function_class(ScaledTanh, "ScaledTanh")
    xs, a_val = np.array([-1.0, 0.25, 2.0]), 1.5
    x = torch.tensor(xs.tolist(), requires_grad=True)
    a = torch.tensor(a_val, requires_grad=True)
    y = _run(ScaledTanh.apply, x, a, what="ScaledTanh.apply")
    expect_close(y, a_val * np.tanh(xs), what="ScaledTanh.apply(x, a)")
    up = np.array([1.0, -2.0, 0.5])
    _backward(y, torch.tensor(up.tolist()), "ScaledTanh.apply")
    expect(x.grad is not None and a.grad is not None,
           "after backward x.grad or a.grad is None: backward must return a gradient for "
           "each input of forward, in the same order (x, then a).")
    gx, ga = as_array(x.grad, "x.grad"), as_array(a.grad, "a.grad")
    want_gx = up * a_val * (1 - np.tanh(xs) ** 2)
    want_ga = float(np.sum(up * np.tanh(xs)))
    if ga.size == 1 and np.allclose(ga, np.sum(want_gx)):
        raise Fail("a.grad looks like the gradient meant for x: return (grad_x, grad_a) in the "
                   "order of forward's inputs.")
    expect_close(gx, want_gx, what="x.grad")
    expect_close(ga, want_ga, what="a.grad (a scalar: sum over the elements)")
    inputs = (torch.tensor([0.4, -0.7], dtype=torch.float64, requires_grad=True),
              torch.tensor(0.8, dtype=torch.float64, requires_grad=True))
    expect(torch.autograd.gradcheck(ScaledTanh.apply, inputs, raise_exception=False),
           "gradcheck(ScaledTanh.apply, ...) fails in float64: check both gradient formulas.")


@exercise("7.4", points=2, title="make_clip_hook(max_norm): a hook that clips a gradient",
          hint="A tensor hook receives the gradient and may return a replacement: return "
               "grad * min(1, max_norm / grad.norm()). Changing tensor.grad inside the hook does "
               "nothing: the gradient has not been stored yet.")
def _ex_7_4(make_clip_hook: Any) -> None:
    for values, max_norm in (([3.0, 4.0], 1.0), ([0.3, 0.4], 1.0), ([6.0, -8.0, 0.0], 5.0)):
        hook = call(make_clip_hook, max_norm, what="make_clip_hook")
        expect(callable(hook), f"make_clip_hook should return a function, got {hook!r}.")
        w = torch.tensor(values, requires_grad=True)
        handle = w.register_hook(hook)
        call((w * w / 2).sum().backward, what="backward with your hook")  # grad = w
        handle.remove()
        expect(w.grad is not None, "w.grad is None after backward.")
        v = np.array(values)
        want = v * min(1.0, max_norm / np.linalg.norm(v))
        got = as_array(w.grad, "w.grad")
        if np.allclose(got, v) and not np.allclose(want, v):
            raise Fail(f"the gradient {values} came through unclipped: the hook must return the "
                       "clipped gradient (clip_grad_norm_ on the tensor inside a hook has no "
                       "effect, its .grad is not set yet).")
        if np.allclose(got, np.clip(v, -max_norm, max_norm)) and not np.allclose(got, want):
            raise Fail("you clipped each element; clip the norm instead, keeping the direction: "
                       "grad * max_norm / grad.norm() when the norm is larger than max_norm.")
        expect_close(got, want, what=f"the clipped gradient of {values} (max_norm={max_norm})")


@exercise("7.5", points=2, title="attach_norm_monitor(tensors): record gradient norms with hooks",
          hint="For each name, t in tensors.items(): make a list, and register a hook on t that "
               "appends grad.norm().item() to it and returns None (leaving the gradient as is).")
def _ex_7_5(attach_norm_monitor: Any) -> None:
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    log = call(attach_norm_monitor, {"w": w, "b": b}, what="attach_norm_monitor")
    expect(isinstance(log, dict) and set(log) == {"w", "b"},
           f"attach_norm_monitor should return a dict with keys 'w' and 'b', got {log!r}.")
    for scale in (1.0, 3.0):  # two backward passes: each appends one norm per tensor
        loss = scale * ((w * w).sum() + b * b)  # grads: 2·scale·w (norm 10·scale), 2·scale·b
        call(loss.backward, what="backward with your hooks")
    expect(np.allclose(as_array(w.grad), [24.0, 32.0]),
           "the hooks changed the gradients: a monitoring hook returns None.")
    want = {"w": [10.0, 30.0], "b": [4.0, 12.0]}
    value_norms = {"w": 5.0, "b": 2.0}
    for name in ("w", "b"):
        got = [float(v) for v in log[name]]
        expect(len(got) == 2, f"log[{name!r}] should have one entry per backward pass (2), "
                              f"got {got}.")
        if np.allclose(got, value_norms[name]):
            raise Fail("you recorded the norm of the tensor's value; record the norm of the "
                       "gradient the hook receives.")
        expect_close(got, want[name], what=f"log[{name!r}]")


def _data() -> tuple:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(8, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(8, 1))
    return X, y


@exercise("7.6", points=3, title="accumulate_gradients: micro-batches adding up to one batch",
          hint="model.zero_grad() once before the loop; for each micro-batch compute "
               "loss_fn(model(X), y) / len(micro_batches) and call backward (grads add up).")
def _ex_7_6(accumulate_gradients: Any) -> None:
    X, y = _data()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    w0, b0 = as_array(model.weight).copy(), as_array(model.bias).copy()
    with torch.no_grad():  # stale gradients from an earlier step must not leak in
        model.weight.grad = torch.ones_like(model.weight)
        model.bias.grad = torch.ones_like(model.bias)
    batches = [(torch.tensor(X[i:i + 2].tolist()), torch.tensor(y[i:i + 2].tolist()))
               for i in range(0, 8, 2)]
    call(accumulate_gradients, model, torch.nn.MSELoss(), batches, what="accumulate_gradients")
    expect(np.allclose(as_array(model.weight), w0) and np.allclose(as_array(model.bias), b0),
           "accumulate_gradients changed the parameters; it only computes the gradients.")
    expect(model.weight.grad is not None, "model.weight.grad is None after accumulation.")
    resid = X @ w0.T + b0 - y                    # full-batch MSE gradient, by hand
    want_w, want_b = (2 / 8) * resid.T @ X, (2 / 8) * resid.sum(0)
    got_w, got_b = as_array(model.weight.grad), as_array(model.bias.grad)
    if np.allclose(got_w, 4 * want_w, rtol=1e-4):
        raise Fail("the gradient is 4× the full-batch gradient: divide each micro-batch loss "
                   "by the number of micro-batches.")
    if np.allclose(got_w, want_w + 1, rtol=1e-4):
        raise Fail("the stale gradient (all ones) from before is still in there: zero the "
                   "gradients once, before the first micro-batch.")
    expect_close(got_w, want_w, what="weight.grad (the full-batch gradient)", rtol=1e-4)
    expect_close(got_b, want_b, what="bias.grad (the full-batch gradient)", rtol=1e-4)
