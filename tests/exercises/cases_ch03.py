"""Right and deliberately wrong answers for the chapter 3 exercises (autograd mechanics)."""

from __future__ import annotations

import warnings

from cases_support import Fresh

import autograd_lite as torch


def partials() -> tuple:
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.tensor(3.0, requires_grad=True)
    (x**2 * y + y**3).backward()
    return x.grad, y.grad


def mean_square_grad(values):
    x = torch.tensor(values, requires_grad=True)
    (x**2).mean().backward()
    return x.grad


def sum_square_grad(values):
    x = torch.tensor(values, requires_grad=True)
    (x**2).sum().backward()  # the sum, not the mean: 2x instead of 2x/n
    return x.grad


def weighted_grad(values, v):
    x = torch.tensor(values, requires_grad=True)
    (x**2).backward(torch.tensor(v))
    return x.grad


def weighted_grad_ignoring_v(values, v):
    x = torch.tensor(values, requires_grad=True)
    (x**2).backward(torch.ones(len(values)))
    return x.grad


def multi_path_grad():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    ((x**2).sum() + (x**3).sum()).backward()
    return x.grad


def intermediate_grad(x0):
    x = torch.tensor(x0, requires_grad=True)
    y = x**2
    y.retain_grad()
    (y**3).backward()
    return y.grad


def intermediate_grad_no_retain(x0):
    x = torch.tensor(x0, requires_grad=True)
    y = x**2
    (y**3).backward()
    with warnings.catch_warnings():  # reading a non-leaf's .grad warns, as in PyTorch
        warnings.simplefilter("ignore")
        return y.grad  # None: a non-leaf keeps no gradient without retain_grad()


def intermediate_grad_of_x(x0):
    x = torch.tensor(x0, requires_grad=True)
    y = x**2
    (y**3).backward()
    return x.grad


def loop_grad(values, n):
    x = torch.tensor(values, requires_grad=True)
    r = x
    for _ in range(n):
        r = r + 0.1 * torch.sin(r)
    r.sum().backward()
    return x.grad


def loop_grad_last_step(values, n):
    x = torch.tensor(values)
    for _ in range(n - 1):
        x = x + 0.1 * torch.sin(x)  # the first n - 1 steps are not tracked
    x.requires_grad_(True)
    r = x + 0.1 * torch.sin(x) if n > 0 else x
    r.sum().backward()
    return x.grad


CASES = {
    "3.1": (Fresh(partials), [(torch.tensor(31.0), torch.tensor(12.0)), (4.0, 27.0), 12.0]),
    "3.2": (mean_square_grad, [sum_square_grad]),
    "3.3": (weighted_grad, [weighted_grad_ignoring_v, mean_square_grad]),
    "3.4": (33.0, [27.0, 6.0, 9.0]),
    "3.5": (Fresh(multi_path_grad), [torch.tensor([4.0, 16.0]), [2.0, 4.0], [5.0]]),
    "3.6": (intermediate_grad, [intermediate_grad_no_retain, intermediate_grad_of_x]),
    "3.7": (loop_grad, [loop_grad_last_step, lambda values, n: torch.ones(len(values))]),
}
