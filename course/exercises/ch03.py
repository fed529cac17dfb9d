"""Chapter 3 exercises: requires_grad and leaves, vector and non-scalar backward, accumulation,
multiple paths, retain_grad and gradients through Python control flow.

Reference values are computed here in float64 from the analytic derivatives, never taken from the
learner's code, so a right answer passes however it was computed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.checks import Fail, as_array, call, exercise, expect, expect_close


@exercise("3.1", points=1, title="∂f/∂x and ∂f/∂y of f = x²y + y³ at x = 2, y = 3",
          hint="Make x and y leaves with requires_grad=True, build f, call f.backward() and read "
               "x.grad and y.grad.")
def _ex_3_1(answer: Any) -> None:
    expect(isinstance(answer, (tuple, list)) and len(answer) == 2,
           "answer with a pair (df_dx, df_dy), e.g. (x.grad, y.grad).")
    dx = as_array(answer[0], "df_dx").reshape(-1)
    dy = as_array(answer[1], "df_dy").reshape(-1)
    expect(dx.size == 1 and dy.size == 1, "each partial derivative is one number.")
    if np.isclose(dx[0], 31.0) and np.isclose(dy[0], 12.0):
        raise Fail("the two partials are swapped: ∂f/∂x = 2xy comes first, "
                   "∂f/∂y = x² + 3y² second.")
    expect_close(dx[0], 2 * 2.0 * 3.0, what="∂f/∂x = 2xy")
    expect_close(dy[0], 2.0**2 + 3 * 3.0**2, what="∂f/∂y = x² + 3y²")


@exercise("3.2", points=2, title="mean_square_grad(values): the gradient of mean(x²)",
          hint="x = torch.tensor(values, requires_grad=True); (x ** 2).mean().backward(); "
               "return x.grad. Each element's derivative is 2x / n.")
def _ex_3_2(fn: Any) -> None:
    for values in ([1.0, 2.0, 3.0], [0.5, -1.5, 2.0, 4.0], [3.0]):
        got = as_array(call(fn, values, what="mean_square_grad"), "the gradient")
        x = np.asarray(values)
        if got.shape == x.shape and np.allclose(got, 2 * x, rtol=1e-4):
            if len(values) > 1:
                raise Fail(f"mean_square_grad({values}) gave 2x, the gradient of the *sum* of "
                           "squares; the mean divides every term by n.")
        expect_close(got, 2 * x / x.size, what=f"mean_square_grad({values})")


@exercise("3.3", points=2, title="weighted_grad(values, v): backward of a vector output with a "
                                 "gradient argument",
          hint="y = x ** 2 is a vector, so y.backward(v) needs the vector v (∂L/∂y); x.grad is "
               "then vᵀ·J = 2·x·v element by element.")
def _ex_3_3(fn: Any) -> None:
    cases = (([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]), ([1.0, 2.0, 3.0], [0.5, 0.0, -2.0]),
             ([-1.0, 4.0], [3.0, 0.25]))
    for values, v in cases:
        got = as_array(call(fn, values, v, what="weighted_grad"), "the gradient")
        x, w = np.asarray(values), np.asarray(v)
        if got.shape == x.shape and not np.allclose(w, 1) and np.allclose(got, 2 * x):
            raise Fail(f"weighted_grad({values}, {v}) gave 2x: the weights v were ignored; pass "
                       "them to y.backward(v).")
        expect_close(got, 2 * x * w, what=f"weighted_grad({values}, {v})")


@exercise("3.4", points=1, title="x.grad after x² and x³ are both backpropagated at x = 3",
          hint="backward() adds into x.grad: it is not reset between calls.")
def _ex_3_4(answer: Any) -> None:
    got = as_array(answer, "x.grad").reshape(-1)
    expect(got.size == 1, "x.grad here is one number.")
    if np.isclose(got[0], 27.0):
        raise Fail("27 is d(x³)/dx alone: the gradient of x² from the first backward is still "
                   "in x.grad, because gradients accumulate.")
    if np.isclose(got[0], 6.0):
        raise Fail("6 is d(x²)/dx alone; the second backward added d(x³)/dx into x.grad.")
    expect_close(got[0], 2 * 3.0 + 3 * 3.0**2, what="x.grad")


@exercise("3.5", points=2, title="Multiple paths: the gradient of sum(x²) + sum(x³) at x = [1, 2]",
          hint="Every path from x to the loss adds its share: ∂/∂x = 2x + 3x².")
def _ex_3_5(answer: Any) -> None:
    got = as_array(answer, "x.grad")
    expect(got.shape == (2,), f"x.grad has the shape of x, (2,); got {got.shape}.")
    if np.allclose(got, [4.0, 16.0]):
        raise Fail("[4, 16] is the number printed in the source notes, and it is wrong: at x = 1, "
                   "2x + 3x² = 2 + 3 = 5. Run the code and trust the engine.")
    if np.allclose(got, [2.0, 4.0]) or np.allclose(got, [3.0, 12.0]):
        raise Fail("that is only one path's share; the gradients of both terms add up.")
    expect_close(got, [5.0, 16.0], what="x.grad")


@exercise("3.6", points=2, title="intermediate_grad(x0): dz/dy for y = x², z = y³ with retain_grad",
          hint="y is not a leaf, so y.grad stays None unless you call y.retain_grad() before "
               "backward.")
def _ex_3_6(fn: Any) -> None:
    for x0 in (2.0, -1.5, 0.5):
        got = call(fn, x0, what="intermediate_grad")
        expect(got is not None, f"intermediate_grad({x0}) returned None: a non-leaf's .grad is "
                                "None unless you call retain_grad() on it before backward().")
        arr = as_array(got, "dz/dy").reshape(-1)
        expect(arr.size == 1, "dz/dy is one number.")
        if np.isclose(arr[0], 6 * x0**5) and not np.isclose(6 * x0**5, 3 * x0**4):
            raise Fail(f"intermediate_grad({x0}) gave dz/dx = 6x⁵ (x.grad); the question asks "
                       "for dz/dy = 3y² (y.grad).")
        expect_close(arr[0], 3 * x0**4, what=f"dz/dy at x = {x0}")


def _loop_grad(x0: float, n: int) -> float:
    """d r_n / d r_0 for r_{k+1} = r_k + 0.1 sin(r_k): the product of the step derivatives."""
    r, g = x0, 1.0
    for _ in range(n):
        g *= 1 + 0.1 * math.cos(r)
        r = r + 0.1 * math.sin(r)
    return g


@exercise("3.7", points=2, title="loop_grad(values, n): the gradient through a Python loop",
          hint="Start from x with requires_grad=True, run r = r + 0.1 * torch.sin(r) n times, "
               "then r.sum().backward(); the graph grows by one step per iteration.")
def _ex_3_7(fn: Any) -> None:
    for values, n in (([1.0, 2.0], 10), ([0.5, -3.0, 2.5], 3), ([1.0], 0)):
        got = as_array(call(fn, values, n, what="loop_grad"), "the gradient")
        want = np.array([_loop_grad(v, n) for v in values])
        last = np.array([1 + 0.1 * math.cos(v) for v in values])
        if n > 1 and got.shape == want.shape and np.allclose(got, last, rtol=1e-4):
            raise Fail(f"loop_grad({values}, {n}) differentiated one step only; the gradient "
                       "flows back through all n iterations.")
        expect_close(got, want, what=f"loop_grad({values}, {n})")
