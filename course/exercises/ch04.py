"""Chapter 4 exercises: the perceptron's gradients by hand, a BCE loss, one SGD step, gradient
descent, a training loop that reaches a target loss, and linear regression with nn/optim.

References are computed here in float64 with NumPy; the learner's tensors are only read.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite as torch
from course.checks import Fail, as_array, call, exercise, expect, expect_close

CGPA = [9.11, 8.9, 7.0, 6.56, 4.56]
PLACED = [1.0, 1.0, 0.0, 1.0, 0.0]
BEST_PLACEMENT_LOSS = 0.3695  # the minimum of the mean BCE of one sigmoid neuron on this data


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@exercise("4.1", points=2, title="manual_grads(x, y, w, b): ∂L/∂w and ∂L/∂b by the chain rule",
          hint="dL/dŷ · dŷ/dz = (ŷ − y)/(ŷ(1 − ŷ)) · ŷ(1 − ŷ) = ŷ − y; then dz/dw = x, dz/db = 1.")
def _ex_4_1(fn: Any) -> None:
    for x, y, w, b in ((6.7, 0.0, 1.0, 0.0), (8.0, 1.0, 0.5, -1.0), (5.0, 1.0, -0.2, 0.3)):
        got = call(fn, x, y, w, b, what="manual_grads")
        expect(isinstance(got, (tuple, list)) and len(got) == 2,
               "manual_grads should return a pair (dw, db).")
        dw, db = (as_array(g, "a gradient").reshape(-1) for g in got)
        expect(dw.size == 1 and db.size == 1, "dw and db are single numbers.")
        p = _sigmoid(w * x + b)
        if np.isclose(dw[0], (y - p) * x) and not np.isclose(p, y):
            raise Fail(f"manual_grads{(x, y, w, b)}: the sign is flipped; the loss falls when w "
                       "moves against (ŷ − y)·x, so ∂L/∂w = (ŷ − y)·x.")
        if np.isclose(dw[0], (p - y) / (p * (1 - p)) * x):
            raise Fail(f"manual_grads{(x, y, w, b)} left out dŷ/dz = ŷ(1 − ŷ), the sigmoid's "
                       "derivative.")
        expect_close(dw[0], (p - y) * x, what=f"dw at {(x, y, w, b)}")
        expect_close(db[0], p - y, what=f"db at {(x, y, w, b)}")


@exercise("4.2", points=2, title="bce(pred, target): mean binary cross-entropy on tensors",
          hint="−mean(y·log(p) + (1 − y)·log(1 − p)); clamp p to [1e-7, 1 − 1e-7] first so log(0) "
               "never happens.")
def _ex_4_2(fn: Any) -> None:
    p0 = np.array([0.9, 0.2, 0.6, 0.99])
    y0 = np.array([1.0, 0.0, 0.0, 1.0])
    pred = torch.tensor(p0.tolist(), requires_grad=True)
    target = torch.tensor(y0.tolist())
    loss = call(fn, pred, target, what="bce")
    expect(isinstance(loss, torch.Tensor),
           f"bce should return a tensor, got {type(loss).__name__}.")
    terms = -(y0 * np.log(p0) + (1 - y0) * np.log(1 - p0))
    got = as_array(loss, "bce").reshape(-1)
    expect(got.size == 1, f"bce should return one number (the mean), got shape {got.shape}.")
    if np.isclose(got[0], -terms.mean(), rtol=1e-4):
        raise Fail("bce is negative: the loss is MINUS the mean log-likelihood.")
    if np.isclose(got[0], terms.sum(), rtol=1e-4):
        raise Fail("bce returned the sum over the batch; take the mean, as nn.BCELoss does.")
    expect_close(got[0], terms.mean(), what="bce([0.9, 0.2, 0.6, 0.99], [1, 0, 0, 1])")
    expect(loss.requires_grad, "bce's result does not require grad: build it from the tensors "
                               "with autograd_lite operations (no .item(), no NumPy).")
    loss.backward()
    want = (p0 - y0) / (p0 * (1 - p0)) / p0.size
    expect_close(pred.grad, want, what="the gradient of bce w.r.t. pred")
    edge = call(fn, torch.tensor([1.0, 0.0]), torch.tensor([1.0, 0.0]), what="bce")
    edge_v = as_array(edge, "bce(p = y = [1, 0])")
    expect(np.all(np.isfinite(edge_v)), "bce([1, 0], [1, 0]) is not finite: clamp the prediction "
                                        "away from 0 and 1 before taking logs.")


@exercise("4.3", points=2, title="sgd_step(params, lr): update in place, then zero the gradients",
          hint="with torch.no_grad(): p -= lr * p.grad for each p; then p.grad.zero_().")
def _ex_4_3(fn: Any) -> None:
    w = torch.tensor([1.0, -2.0], requires_grad=True)
    b = torch.tensor(0.5, requires_grad=True)
    ((w * torch.tensor([3.0, 4.0])).sum() * b + b**2).backward()  # w.grad = 3b, 4b; b.grad = ...
    gw, gb = w.grad.numpy().copy(), float(b.grad.item())
    w_id, b_id = id(w), id(b)
    call(fn, [w, b], 0.1, what="sgd_step")
    expect(id(w) == w_id and id(b) == b_id and w.is_leaf,
           "the parameters must be updated in place (p -= ... under no_grad), not replaced.")
    got_w = as_array(w, "w after the step")
    if np.allclose(got_w, np.array([1.0, -2.0]) + 0.1 * gw):
        raise Fail("sgd_step moved the parameters uphill: subtract lr · grad.")
    expect_close(got_w, np.array([1.0, -2.0]) - 0.1 * gw, what="w after the step")
    expect_close(b, 0.5 - 0.1 * gb, what="b after the step")
    expect(w.grad is not None and b.grad is not None,
           "the gradients were set to None; zero them in place with p.grad.zero_().")
    expect(np.all(as_array(w.grad) == 0) and np.all(as_array(b.grad) == 0),
           "the gradients were not zeroed after the step; the next backward would add to them.")


@exercise("4.4", points=1, title="x after 10 steps of gradient descent on (x + 1)² from x = 2, "
                                 "lr = 0.2",
          hint="The gradient is 2(x + 1), so each step multiplies the distance to −1 by "
               "(1 − 2·lr) = 0.6.")
def _ex_4_4(answer: Any) -> None:
    got = as_array(answer, "x").reshape(-1)
    expect(got.size == 1, "x is one number.")
    if np.isclose(got[0], -1.0, atol=1e-3):
        raise Fail("−1 is the minimum itself; after 10 steps gradient descent has not reached it "
                   "yet. Run the loop and report x.")
    if np.isclose(got[0], -1 + 3 * 0.6**9, atol=1e-4) or np.isclose(got[0], -1 + 3 * 0.6**11,
                                                                     atol=1e-4):
        raise Fail("that is one step too few or too many: run exactly 10 updates.")
    expect_close(got[0], -1 + 3 * 0.6**10, what="x after 10 steps", rtol=1e-5, atol=1e-5)


@exercise("4.5", points=3, title="train_placement(): a training loop that reaches mean BCE < 0.40",
          hint="Standardise the CGPA ((x − mean) / std) so one learning rate suits w and b, and "
               "train for a few hundred epochs with lr ≈ 0.5; return a function that applies the "
               "same scaling before the neuron.")
def _ex_4_5(train: Any) -> None:
    model = call(train, what="train_placement")
    expect(callable(model), "train_placement() should return your trained model: a function "
                            f"from a tensor of CGPAs to probabilities, got {type(model).__name__}.")
    x = torch.tensor(CGPA)
    probs = as_array(call(model, x, what="your model"), "the predicted probabilities").reshape(-1)
    expect(probs.size == len(CGPA), f"the model should return one probability per CGPA "
                                    f"({len(CGPA)}), got {probs.size}.")
    expect(np.all((probs >= 0) & (probs <= 1)), "the model should return probabilities in [0, 1] "
                                                "(apply the sigmoid).")
    grid = as_array(call(model, torch.linspace(4.0, 10.0, 25), what="your model")).reshape(-1)
    steps = np.diff(grid)
    expect(grid.size == 25 and (np.all(steps >= -1e-6) or np.all(steps <= 1e-6)),
           "one sigmoid neuron of the CGPA is monotone in the CGPA; yours is not.")
    y = np.array(PLACED)
    p = np.clip(probs, 1e-7, 1 - 1e-7)
    loss = float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())
    expect(loss >= BEST_PLACEMENT_LOSS - 1e-3,
           f"loss {loss:.4f} is below {BEST_PLACEMENT_LOSS}, the best a single sigmoid neuron "
           "can do on this data: the model must be w·x + b followed by a sigmoid.")
    expect(loss < 0.40, f"your model's mean BCE on the placement data is {loss:.4f}; train until "
                        "it is below 0.40.")


@exercise("4.6", points=2, title="Linear regression with nn.Linear, nn.MSELoss and optim.SGD",
          hint="model = nn.Linear(1, 1); loop: optimizer.zero_grad(), loss = criterion(model(X), "
               "y), loss.backward(), optimizer.step(); lr 0.1 for ~200 epochs fits y = 2x + 1.")
def _ex_4_6(model: Any) -> None:
    expect(isinstance(model, torch.nn.Linear), "answer with your trained nn.Linear(1, 1).")
    expect(tuple(model.weight.shape) == (1, 1), "the model should be nn.Linear(1, 1).")
    w = float(as_array(model.weight).reshape(-1)[0])
    b = float(as_array(model.bias).reshape(-1)[0])
    expect(abs(w - 2.0) < 0.1 and abs(b - 1.0) < 0.1,
           f"the fitted line is y = {w:.3f}x + {b:.3f}; the data follow y = 2x + 1 (train longer "
           "or with a larger learning rate).")
