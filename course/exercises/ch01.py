"""Chapter 1 exercises: derivatives by hand, finite differences and a gradient checker.

Each checker compares the learner's answer with a value computed independently here (analytic
formulas in float64), so a right answer passes whatever way it was computed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite as torch
from course.checks import Fail, as_array, call, exercise, expect, expect_close


@exercise("1.1", points=1, title="f'(3) for f(x) = x³ − 2x, by hand",
          hint="Power rule term by term: d/dx x³ = 3x², d/dx 2x = 2.")
def _ex_1_1(answer: Any) -> None:
    got = as_array(answer, "f'(3)")
    expect(got.size == 1, f"f'(3) is one number, got an array of shape {got.shape}.")
    if np.isclose(got.item(), 3.0**3 - 2 * 3.0):
        raise Fail("21 is f(3), the value of the function; the question asks for its slope f'(3).")
    expect_close(got.item(), 3 * 3.0**2 - 2, what="f'(3)")


def _product_rule_reference(x: float) -> float:
    return 2 * x * math.sin(x) + x**2 * math.cos(x)


@exercise("1.2", points=2, title="df(x) for f(x) = x² sin x (product rule), in code",
          hint="(uv)' = u'v + uv' with u = x², v = sin x.")
def _ex_1_2(df: Any) -> None:
    for x in (0.5, 1.0, 2.0, -1.3, 3.0):
        got = call(df, x, what="df")
        expect_close(got, _product_rule_reference(x), what=f"df({x})")


def _square(x: float) -> float:
    return x * x


@exercise("1.3", points=2, title="central_diff(f, x, h): the central difference",
          hint="(f(x + h) − f(x − h)) / (2h): one step to each side, divided by the full width 2h.")
def _ex_1_3(central_diff: Any) -> None:
    # For x² the central difference is exact for every h; forward/backward are off by ±h.
    got = as_array(call(central_diff, _square, 1.0, 0.1, what="central_diff"))
    if np.isclose(got, 2.1):
        raise Fail("central_diff(x², 1, h=0.1) gave 2.1, the forward difference "
                   "(f(x+h) − f(x)) / h; step to both sides.")
    if np.isclose(got, 1.9):
        raise Fail("central_diff(x², 1, h=0.1) gave 1.9, the backward difference; "
                   "step to both sides.")
    expect_close(got, 2.0, what="central_diff(x², 1, h=0.1)", rtol=1e-9, atol=1e-9)
    got = as_array(call(central_diff, math.sin, 1.0, 1e-5, what="central_diff"))
    expect_close(got, math.cos(1.0), what="central_diff(sin, 1, h=1e-5)", rtol=1e-7, atol=1e-9)
    got = as_array(call(central_diff, lambda x: x**3, 2.0, 0.5, what="central_diff"))
    # (2.5³ − 1.5³) / 1 = 12.25 = f'(2) + h² (the truncation error of the central difference)
    expect_close(got, 12.25, what="central_diff(x³, 2, h=0.5)", rtol=1e-9, atol=1e-9)


def _cf(x: Any) -> Any:
    return (torch.sin(x**2) + torch.cos(x)).sum()


def _cf_grad(x: np.ndarray) -> np.ndarray:
    return 2 * x * np.cos(x**2) - np.sin(x)


@exercise("1.4", points=3, title="numerical_gradient(f, x, h): one central difference per element",
          hint="Loop over x.numel(): clone x twice, add ±h to element i (x.view(-1)[i]), and store "
               "(f(x+) − f(x−)) / (2h) in element i of a zeros_like(x) tensor.")
def _ex_1_4(numerical_gradient: Any) -> None:
    for values in ([1.5, 2.0], [[0.3, -1.0, 2.2], [1.1, 0.0, -0.7]]):
        x = torch.tensor(values, dtype=torch.float64)
        before = x.detach().numpy().copy()
        got = call(numerical_gradient, _cf, x, 1e-6, what="numerical_gradient")
        expect(got is not None, "numerical_gradient returned None; return the gradient tensor.")
        expect(np.array_equal(x.detach().numpy(), before),
               "numerical_gradient changed its input x; perturb clones of x, not x itself.")
        want = _cf_grad(np.asarray(values, dtype=np.float64))
        arr = as_array(got, "the numerical gradient")
        expect(arr.shape == want.shape,
               f"the gradient should have x's shape {want.shape}, got {arr.shape}.")
        if np.allclose(arr, 2 * want, rtol=1e-4, atol=1e-6):
            raise Fail("every element is twice the true gradient: divide by 2h, not h.")
        expect_close(arr, want, what=f"numerical_gradient at x = {values}", rtol=1e-5, atol=1e-7)


def _good(x: Any) -> Any:
    return (x**3).sum()


def _broken(x: Any) -> Any:
    # autograd sees x * const, so it reports x instead of the true derivative 2x
    return (x * x.detach()).sum()


@exercise("1.5", points=3, title="grad_check(f, x, tol): compare autograd with finite differences",
          hint="Autograd: xa = x.clone().requires_grad_(True); f(xa).backward(); xa.grad. "
               "Numerical: your numerical_gradient idea. Return True when max |difference| <= tol, "
               "else False.")
def _ex_1_5(grad_check: Any) -> None:
    x = torch.tensor([0.5, -1.2, 2.0], dtype=torch.float64)
    ok = call(grad_check, _good, x, 1e-6, what="grad_check")
    expect(isinstance(ok, (bool, np.bool_)),
           f"grad_check should return True or False, got {type(ok).__name__}.")
    expect(bool(ok), "grad_check said the gradient of sum(x³) is wrong, but autograd gets it "
                     "right: compare with a central difference in float64 and a tolerance.")
    expect(x.grad is None and not x.requires_grad,
           "grad_check changed the caller's x (set requires_grad or .grad); work on a clone.")
    bad = call(grad_check, _broken, x, 1e-6, what="grad_check")
    expect(not bool(bad), "grad_check accepted f(x) = sum(x * x.detach()), whose autograd "
                          "gradient is x while the true gradient is 2x; it must return False.")


@exercise("1.6", points=1, title="cost: function evaluations of a central-difference gradient",
          hint="Each of the n inputs needs its own pair f(x + h·eᵢ), f(x − h·eᵢ).")
def _ex_1_6(answer: Any) -> None:
    got = as_array(answer, "the number of evaluations")
    expect(got.size == 1, "answer with one number: evaluations of f for n = 1000.")
    value = got.item()
    if value in (1000, 1001):
        raise Fail(f"{value:g} is the cost of a forward-difference gradient; the central "
                   "difference evaluates f twice per input.")
    if value in (1, 2):
        raise Fail(f"{value:g} is the cost of one reverse-mode (autograd) pass, not of finite "
                   "differences.")
    expect_close(value, 2000, what="evaluations for n = 1000")
