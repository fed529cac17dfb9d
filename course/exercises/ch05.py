"""Chapter 5 exercises: choosing a gradient-control method, freezing, detach, in-place pitfalls,
gradient clipping by the global norm and a train/eval switch with set_grad_enabled.

Each checker builds its own tensors and models and computes the reference in NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as torch
from course.checks import Fail, as_array, call, exercise, expect, expect_close

METHODS = ("requires_grad_", "detach", "no_grad", "inference_mode", "set_grad_enabled")

# The scenarios of exercise 5.1 (the exercise notebook prints the same text) and the method each
# one calls for.
SCENARIOS = {
    "a": "Fine-tune a network but keep its first layer's weights fixed for the whole run.",
    "b": "Use another network's output as a constant target inside this network's loss; "
         "that other output must get no gradient from this loss.",
    "c": "Update a weight by hand, w -= lr * w.grad, without the update entering the graph.",
    "d": "Serve predictions in production; the results are never used in autograd again, "
         "and you want the least overhead.",
    "e": "Write one function evaluate(model, X, y, train) that records the graph only when "
         "train is True.",
}
ANSWERS = {"a": "requires_grad_", "b": "detach", "c": "no_grad", "d": "inference_mode",
           "e": "set_grad_enabled"}
WHY = {
    "a": "a flag on the parameters themselves, set once: p.requires_grad_(False).",
    "b": "detach() cuts one tensor out of the graph while the rest keeps tracking.",
    "c": "a short block in which nothing is recorded: with torch.no_grad().",
    "d": "inference_mode is no_grad that also skips version counting; its tensors can never "
         "enter autograd, which production inference does not need.",
    "e": "set_grad_enabled(train) takes the on/off decision as an argument.",
}


def _normalise(name: Any) -> str:
    s = str(name).strip().replace("torch.", "")
    for tail in ("(False)", "(True)", "()", "(train)"):
        s = s.replace(tail, "")
    return s


@exercise("5.1", points=2, title="Choose the gradient-control method for each scenario",
          hint="requires_grad_ changes a tensor for good, detach makes one tensor constant, the "
               "context managers switch recording off for a block of code.")
def _ex_5_1(answer: Any) -> None:
    expect(isinstance(answer, dict), "answer with a dict mapping each scenario letter to a method "
                                     "name, e.g. {'a': 'no_grad', ...}.")
    missing = sorted(set(SCENARIOS) - set(answer))
    expect(not missing, f"scenarios without an answer: {', '.join(missing)}.")
    for key in sorted(SCENARIOS):
        got = _normalise(answer[key])
        expect(got in METHODS,
               f"scenario {key}: {answer[key]!r} is not one of {', '.join(METHODS)}.")
        if got != ANSWERS[key]:
            raise Fail(f"scenario {key} ({SCENARIOS[key]}) is not best served by {got}. "
                       f"Think about what it needs: {WHY[key].split(':')[0]}.")


def _mlp() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2),
                               torch.nn.Tanh(), torch.nn.Linear(2, 1))


@exercise("5.2", points=2, title="freeze_all_but_last(model): train only the last layer",
          hint="for p in model.parameters(): p.requires_grad_(False); then switch model[-1]'s "
               "parameters back on; count p.numel() over the ones that still require grad.")
def _ex_5_2(fn: Any) -> None:
    model = _mlp()
    n = call(fn, model, what="freeze_all_but_last")
    flags = [(name, p.requires_grad) for name, p in model.named_parameters()]
    last = {"4.weight", "4.bias"}
    wrong_on = [name for name, rg in flags if rg and name not in last]
    wrong_off = [name for name, rg in flags if not rg and name in last]
    expect(not wrong_off, f"the last layer must stay trainable, but {', '.join(wrong_off)} "
                          "no longer require grad.")
    expect(not wrong_on, f"{', '.join(wrong_on)} still require grad; freeze every layer but "
                         "the last.")
    expect(n is not None, "freeze_all_but_last should return the number of trainable parameters.")
    expect_close(n, 3, what="the number of trainable parameters (2 weights + 1 bias)")
    loss = model(torch.ones(5, 3)).sum()
    loss.backward()
    expect(model[0].weight.grad is None and model[4].weight.grad is not None,
           "after backward a frozen layer should have no gradient and the last layer one.")


@exercise("5.3", points=1, title="x.grad of x² · x.detach() at x = 3",
          hint="x.detach() is a constant c = 3 to autograd: d(x²·c)/dx = 2x·c.")
def _ex_5_3(answer: Any) -> None:
    got = as_array(answer, "x.grad").reshape(-1)
    expect(got.size == 1, "x.grad here is one number.")
    if np.isclose(got[0], 27.0):
        raise Fail("27 = d(x³)/dx treats the detached factor as x; detach makes it a constant.")
    if np.isclose(got[0], 9.0):
        raise Fail("9 is x² · 1: that differentiates the detached factor and keeps x² constant, "
                   "the other way round.")
    expect_close(got[0], 18.0, what="x.grad")


SNIPPETS = {
    "a": "a = x * 2; b = a + 1; a.add_(1); b.sum().backward()",
    "b": "a = x.exp(); a.add_(1); a.sum().backward()",
    "c": "a = x * 2; b = a ** 2; a.mul_(3); b.sum().backward()",
    "d": "a = x * 2; a.mul_(3); b = a ** 2; b.sum().backward()",
    "e": "x.add_(1)",
}
OUTCOMES = {"a": "ok", "b": "version", "c": "version", "d": "ok", "e": "leaf"}


@exercise("5.4", points=2, title="Which in-place snippets fail, and with which error?",
          hint="An in-place change fails backward only if an op saved that tensor for its "
               "backward (pow saves its input, exp its output; add saves nothing). A leaf that "
               "requires grad may not be changed in place outside no_grad at all.")
def _ex_5_4(answer: Any) -> None:
    expect(isinstance(answer, dict), "answer with a dict mapping each snippet letter to "
                                     "'ok', 'version' or 'leaf'.")
    missing = sorted(set(SNIPPETS) - set(answer))
    expect(not missing, f"snippets without an answer: {', '.join(missing)}.")
    for key in sorted(SNIPPETS):
        got = str(answer[key]).strip().lower()
        expect(got in ("ok", "version", "leaf"),
               f"snippet {key}: answer 'ok', 'version' or 'leaf', not {answer[key]!r}.")
        if got != OUTCOMES[key]:
            raise Fail(f"snippet {key} ({SNIPPETS[key]}) does not give {got!r}; run it on "
                       "x = torch.tensor([1.0, 2.0], requires_grad=True) and read the error.")


def _params_with_grads(grads: list[list[float]]) -> list[Any]:
    params = []
    for g in grads:
        p = torch.nn.Parameter(torch.zeros(len(g)))
        p.grad = torch.tensor(g)
        params.append(p)
    return params


@exercise("5.5", points=3, title="clip_by_total_norm(params, max_norm): clip_grad_norm_ by hand",
          hint="total = sqrt(sum over params of (p.grad ** 2).sum()); if total > max_norm, "
               "multiply every p.grad in place by max_norm / total; return total.")
def _ex_5_5(fn: Any) -> None:
    grads = [[3.0, 4.0], [0.0, 12.0, 0.0]]  # global norm 13, per-tensor norms 5 and 12
    params = _params_with_grads(grads)
    total = call(fn, params, 1.0, what="clip_by_total_norm")
    expect(total is not None, "clip_by_total_norm should return the norm before clipping.")
    expect_close(total, 13.0, what="the returned total norm")
    got = [as_array(p.grad) for p in params]
    if np.allclose(got[0], [0.6, 0.8]) and np.allclose(got[1], [0.0, 1.0, 0.0]):
        raise Fail("each tensor was clipped to norm 1 on its own; clip_grad_norm_ scales all "
                   "gradients by one factor so that their *global* norm is max_norm.")
    if np.allclose(got[0], [1.0, 1.0]) and np.allclose(got[1], [0.0, 1.0, 0.0]):
        raise Fail("the gradients were clipped element by element (that is clip_grad_value_); "
                   "scale them all by max_norm / total instead.")
    expect_close(got[0], [3 / 13, 4 / 13], what="the first gradient after clipping")
    expect_close(got[1], [0.0, 12 / 13, 0.0], what="the second gradient after clipping")
    small = _params_with_grads([[0.3, -0.4]])
    total = call(fn, small, 1.0, what="clip_by_total_norm")
    expect_close(total, 0.5, what="the returned norm of [0.3, -0.4]")
    expect_close(small[0].grad, [0.3, -0.4],
                 what="a gradient whose norm is already below max_norm (it must not change)")


@exercise("5.6", points=2, title="evaluate(model, X, y, train): a graph only when training",
          hint="Wrap the forward pass in `with torch.set_grad_enabled(train):` and return the "
               "loss; the context manager restores the previous mode on exit.")
def _ex_5_6(fn: Any) -> None:
    before = torch.is_grad_enabled()
    try:
        _check_evaluate(fn)
    finally:  # a wrong answer may switch gradient mode off for good: never let it leak out
        torch.set_grad_enabled(before)


def _check_evaluate(fn: Any) -> None:
    model = _mlp()
    X, y = torch.ones(4, 3), torch.zeros(4, 1)
    loss = call(fn, model, X, y, False, what="evaluate")
    expect(isinstance(loss, torch.Tensor), f"evaluate should return the loss tensor, got "
                                           f"{type(loss).__name__}.")
    expect(not loss.requires_grad, "with train=False the loss should not require grad: no graph "
                                   "should be recorded.")
    expect(torch.is_grad_enabled(), "after evaluate(..., train=False) gradient mode is still off: "
                                    "use a context manager so it is restored.")
    loss = call(fn, model, X, y, True, what="evaluate")
    expect(loss.requires_grad and loss.grad_fn is not None,
           "with train=True the loss should carry a graph (grad_fn) for backward.")
    with torch.no_grad():
        loss = call(fn, model, X, y, True, what="evaluate")
    expect(loss.requires_grad, "evaluate(..., train=True) inside a no_grad block should still "
                               "record: set_grad_enabled(train) decides, whatever the caller's "
                               "mode.")
    want = float(((model(X) - y) ** 2).mean().item())
    expect_close(loss, want, what="the loss (mean squared error, nn.MSELoss)")
