"""Right and deliberately wrong answers for the chapter 4 exercises (perceptron training)."""

from __future__ import annotations

import math

from cases_support import Fresh

import autograd_lite as torch
from autograd_lite import nn

CGPA = [9.11, 8.9, 7.0, 6.56, 4.56]
PLACED = [1.0, 1.0, 0.0, 1.0, 0.0]


def manual_grads(x, y, w, b):
    y_pred = 1 / (1 + math.exp(-(w * x + b)))
    return (y_pred - y) * x, y_pred - y


def manual_grads_flipped(x, y, w, b):
    y_pred = 1 / (1 + math.exp(-(w * x + b)))
    return (y - y_pred) * x, y - y_pred


def manual_grads_no_sigmoid_derivative(x, y, w, b):
    y_pred = 1 / (1 + math.exp(-(w * x + b)))
    dl_dy = (y_pred - y) / (y_pred * (1 - y_pred))
    return dl_dy * x, dl_dy


def bce(pred, target):
    p = torch.clamp(pred, 1e-7, 1 - 1e-7)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()


def bce_positive(pred, target):
    p = torch.clamp(pred, 1e-7, 1 - 1e-7)
    return (target * torch.log(p) + (1 - target) * torch.log(1 - p)).mean()


def bce_sum(pred, target):
    p = torch.clamp(pred, 1e-7, 1 - 1e-7)
    return -(target * torch.log(p) + (1 - target) * torch.log(1 - p)).sum()


def bce_unclamped(pred, target):
    return -(target * torch.log(pred) + (1 - target) * torch.log(1 - pred)).mean()


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
    for p in params:
        p.grad.zero_()


def sgd_step_no_zero(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def sgd_step_uphill(params, lr):
    with torch.no_grad():
        for p in params:
            p += lr * p.grad
            p.grad.zero_()


def sgd_step_grad_none(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None


def train_placement(epochs: int = 500, lr: float = 0.5, scale: bool = True):
    """One sigmoid neuron on the (optionally standardised) CGPA; returns the model function."""
    x, y = torch.tensor(CGPA), torch.tensor(PLACED)
    mean, std = (x.mean(), x.std()) if scale else (torch.tensor(0.0), torch.tensor(1.0))
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    for _ in range(epochs):
        loss = bce(torch.sigmoid(w * (x - mean) / std + b), y)
        loss.backward()
        sgd_step([w, b], lr)

    def model(cgpa):
        with torch.no_grad():
            return torch.sigmoid(w * (cgpa - mean) / std + b)

    return model


def lookup_table(cgpa):
    """Memorises the labels: loss near 0, which no single sigmoid neuron can reach."""
    known = dict(zip(CGPA, PLACED))
    return torch.tensor([known.get(round(float(c), 2), 0.5) for c in cgpa.tolist()])


def fit_line(epochs: int = 200, lr: float = 0.1):
    torch.manual_seed(42)
    X = torch.randn(100, 1)
    y = 2 * X + 1 + torch.randn(100, 1) * 0.1
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.MSELoss()
    for _ in range(epochs):
        optimizer.zero_grad()
        criterion(model(X), y).backward()
        optimizer.step()
    return model


CASES = {
    "4.1": (manual_grads, [manual_grads_flipped, manual_grads_no_sigmoid_derivative]),
    "4.2": (bce, [bce_positive, bce_sum, bce_unclamped]),
    "4.3": (sgd_step, [sgd_step_no_zero, sgd_step_uphill, sgd_step_grad_none]),
    "4.4": (-1 + 3 * 0.6**10, [-1.0, -1 + 3 * 0.6**9, 2.0]),
    "4.5": (train_placement, [lambda: train_placement(epochs=1000, lr=0.1, scale=False),
                              lambda: train_placement(epochs=0), lambda: lookup_table]),
    "4.6": (Fresh(fit_line), [Fresh(lambda: fit_line(epochs=5)), Fresh(lambda: nn.Linear(1, 1))]),
}
