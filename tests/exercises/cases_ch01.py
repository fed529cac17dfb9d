"""Right and deliberately wrong answers for the chapter 1 exercises (finite differences)."""

from __future__ import annotations

import math

import autograd_lite as torch


def df(x: float) -> float:
    return 2 * x * math.sin(x) + x**2 * math.cos(x)


def df_wrong_rule(x: float) -> float:
    return 2 * x * math.cos(x)  # derivative of each factor multiplied: not the product rule


def central_diff(f, x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def forward_diff(f, x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x)) / h


def central_diff_half_width(f, x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x - h)) / h


def numerical_gradient(f, x, h: float = 1e-6):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        xp, xm = x.clone(), x.clone()
        xp.view(-1)[i] += h
        xm.view(-1)[i] -= h
        grad.view(-1)[i] = (f(xp) - f(xm)) / (2 * h)
    return grad


def numerical_gradient_by_h(f, x, h: float = 1e-6):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        xp, xm = x.clone(), x.clone()
        xp.view(-1)[i] += h
        xm.view(-1)[i] -= h
        grad.view(-1)[i] = (f(xp) - f(xm)) / h
    return grad


def numerical_gradient_in_place(f, x, h: float = 1e-6):
    # perturbs x itself and forgets to restore it
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        x.view(-1)[i] += h
        up = f(x)
        x.view(-1)[i] -= 2 * h
        grad.view(-1)[i] = (up - f(x)) / (2 * h)
    return grad


def numerical_gradient_first_only(f, x, h: float = 1e-6):
    grad = torch.zeros_like(x)
    xp, xm = x.clone(), x.clone()
    xp.view(-1)[0] += h
    xm.view(-1)[0] -= h
    grad.view(-1)[0] = (f(xp) - f(xm)) / (2 * h)
    return grad


def grad_check(f, x, tol: float = 1e-6) -> bool:
    xa = x.clone().requires_grad_(True)
    f(xa).backward()
    numeric = numerical_gradient(f, x)
    return bool(torch.max(torch.abs(xa.grad - numeric)).item() <= tol)


def grad_check_always(f, x, tol: float = 1e-6) -> bool:
    return True


def grad_check_autograd_vs_itself(f, x, tol: float = 1e-6) -> bool:
    # compares autograd with autograd: can never find a wrong gradient
    xa = x.clone().requires_grad_(True)
    f(xa).backward()
    xb = x.clone().requires_grad_(True)
    f(xb).backward()
    return bool(torch.max(torch.abs(xa.grad - xb.grad)).item() <= tol)


def grad_check_on_callers_x(f, x, tol: float = 1e-6) -> bool:
    x.requires_grad_(True)
    f(x).backward()
    numeric = numerical_gradient(f, x.detach())
    return bool(torch.max(torch.abs(x.grad - numeric)).item() <= tol)


CASES = {
    "1.1": (25.0, [21.0, 27.0, 7.0]),
    "1.2": (df, [df_wrong_rule, math.sin]),
    "1.3": (central_diff, [forward_diff, central_diff_half_width]),
    "1.4": (numerical_gradient, [numerical_gradient_by_h, numerical_gradient_in_place,
                                 numerical_gradient_first_only]),
    "1.5": (grad_check, [grad_check_always, grad_check_autograd_vs_itself,
                         grad_check_on_callers_x]),
    "1.6": (2000, [1000, 1001, 1]),
}
