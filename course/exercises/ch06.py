"""Chapter 6 exercises: higher-order derivatives, Hessians, HVPs, Newton steps, forward mode.

Each checker compares the learner's function with references computed here from closed-form
derivatives in float64, so a right answer passes however it was computed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite as torch
from course.checks import Fail, as_array, call, exercise, expect, expect_close, expect_shape


def _cubic(x: Any) -> Any:
    return x**3 - 2 * x**2 + x + 1


def _as_float(value: Any, what: str) -> float:
    arr = as_array(value, what)
    expect(arr.size == 1, f"{what} should be one number, got an array of shape {arr.shape}.")
    return float(arr.item())


@exercise("6.1", points=2, title="nth_derivative(f, x, n): repeated autograd.grad",
          hint="Call torch.autograd.grad n times, each with create_graph=True so that the result "
               "can be differentiated again; return the last one as a float.")
def _ex_6_1(nth_derivative: Any) -> None:
    # f = x³ − 2x² + x + 1 at 2: f' = 5, f'' = 8, f''' = 6, f'''' = 0 (the chapter's numbers).
    got = [_as_float(call(nth_derivative, _cubic, 2.0, n, what="nth_derivative"),
                     f"nth_derivative(f, 2.0, {n})") for n in (1, 2, 3)]
    if np.allclose(got, [3.0, 5.0, 8.0]):
        raise Fail("nth_derivative(f, 2, n) gave the (n−1)-th derivative (f(2) = 3 for n = 1); "
                   "differentiate n times, starting from f.")
    expect_close(got, [5.0, 8.0, 6.0], what="[f'(2), f''(2), f'''(2)] of x³ − 2x² + x + 1")
    for n, want in ((1, math.cos(0.7)), (2, -math.sin(0.7)), (3, -math.cos(0.7)),
                    (4, math.sin(0.7))):
        g = _as_float(call(nth_derivative, torch.sin, 0.7, n, what="nth_derivative"),
                      f"nth_derivative(sin, 0.7, {n})")
        expect_close(g, want, what=f"the {n}-th derivative of sin at 0.7")


def _poly2(x: Any) -> Any:
    # x0³ + x0·x1² + x1⁴ (seed 004's example) — its Hessian is [[6x0, 2x1], [2x1, 2x0 + 12x1²]]
    return x[0] ** 3 + x[0] * x[1] ** 2 + x[1] ** 4


def _poly2_hessian(x: np.ndarray) -> np.ndarray:
    return np.array([[6 * x[0], 2 * x[1]], [2 * x[1], 2 * x[0] + 12 * x[1] ** 2]])


def _mixed3(x: Any) -> Any:
    # sin(x0)·x1 + x1·x2² + exp(x0·x2)
    return torch.sin(x[0]) * x[1] + x[1] * x[2] ** 2 + torch.exp(x[0] * x[2])


def _mixed3_hessian(x: np.ndarray) -> np.ndarray:
    e = math.exp(x[0] * x[2])
    return np.array([
        [-math.sin(x[0]) * x[1] + x[2] ** 2 * e, math.cos(x[0]), e + x[0] * x[2] * e],
        [math.cos(x[0]), 0.0, 2 * x[2]],
        [e + x[0] * x[2] * e, 2 * x[2], 2 * x[1] + x[0] ** 2 * e],
    ])


def _mixed3_grad(x: np.ndarray) -> np.ndarray:
    e = math.exp(x[0] * x[2])
    return np.array([math.cos(x[0]) * x[1] + x[2] * e, math.sin(x[0]) + x[2] ** 2,
                     2 * x[1] * x[2] + x[0] * e])


@exercise("6.2", points=3, title="hessian_of(f, x): the Hessian by double backprop",
          hint="g = autograd.grad(f(x), x, create_graph=True)[0]; row i of the Hessian is "
               "autograd.grad(g[i], x, retain_graph=True)[0]. Stack the rows.")
def _ex_6_2(hessian_of: Any) -> None:
    for f, ref, point in ((_poly2, _poly2_hessian, [1.0, 2.0]),
                          (_mixed3, _mixed3_hessian, [0.3, -1.2, 0.8])):
        x = torch.tensor(point)
        got = expect_shape(call(hessian_of, f, x, what="hessian_of"), (len(point),) * 2,
                           f"hessian_of(f, x) for {len(point)} inputs")
        want = ref(np.array(point))
        if np.allclose(np.diag(got), np.diag(want), rtol=1e-4) and not np.allclose(got, want,
                                                                                   rtol=1e-4):
            raise Fail("the diagonal is right but the off-diagonal entries ∂²f/∂xᵢ∂xⱼ are not; "
                       "each row needs the gradient of one gradient component w.r.t. all of x.")
        expect_close(got, want, what=f"the Hessian at {point}", rtol=1e-4, atol=1e-4)


@exercise("6.3", points=2, title="hvp_of(f, x, v): a Hessian-vector product without the Hessian",
          hint="g = autograd.grad(f(x), x, create_graph=True)[0], then "
               "autograd.grad(g, x, grad_outputs=v)[0] (or differentiate (g * v).sum()).")
def _ex_6_3(hvp_of: Any) -> None:
    point, v = np.array([0.3, -1.2, 0.8]), np.array([1.0, -2.0, 0.5])
    x, vt = torch.tensor(point.tolist()), torch.tensor(v.tolist())
    got = expect_shape(call(hvp_of, _mixed3, x, vt, what="hvp_of"), (3,), "hvp_of(f, x, v)")
    if np.allclose(got, _mixed3_grad(point) * v, rtol=1e-4):
        raise Fail("you returned the gradient times v element by element; the HVP is the "
                   "derivative of (gradient · v) with respect to x.")
    expect_close(got, _mixed3_hessian(point) @ v, what="H(x) @ v", rtol=1e-4, atol=1e-4)
    point2, v2 = np.array([1.0, 2.0]), np.array([0.0, 1.0])
    x2, vt2 = torch.tensor(point2.tolist()), torch.tensor(v2.tolist())
    got = call(hvp_of, _poly2, x2, vt2, what="hvp_of")
    expect_close(got, _poly2_hessian(point2) @ v2, what="H(x) @ v for x0³ + x0·x1² + x1⁴",
                 rtol=1e-4, atol=1e-4)


def _rosen(x: Any) -> Any:
    return (1 - x[0]) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2


def _rosen_grad(x: np.ndarray) -> np.ndarray:
    return np.array([-2 * (1 - x[0]) - 40 * x[0] * (x[1] - x[0] ** 2), 20 * (x[1] - x[0] ** 2)])


def _rosen_hessian(x: np.ndarray) -> np.ndarray:
    return np.array([[2 - 40 * x[1] + 120 * x[0] ** 2, -40 * x[0]], [-40 * x[0], 20.0]])


@exercise("6.4", points=3, title="newton_step(f, x): x − H⁻¹∇f",
          hint="Compute the gradient g and the Hessian H at x, then return "
               "x − torch.linalg.solve(H, g) (solving beats inverting).")
def _ex_6_4(newton_step: Any) -> None:
    point = np.array([-0.5, 1.5])
    g, h = _rosen_grad(point), _rosen_hessian(point)
    x = torch.tensor(point.tolist())
    got = expect_shape(call(newton_step, _rosen, x, what="newton_step"), (2,), "newton_step(f, x)")
    if np.allclose(got, point - g, rtol=1e-4) or np.allclose(got, point - 0.1 * g, rtol=1e-4):
        raise Fail("that is a gradient-descent step; Newton's step divides by the curvature: "
                   "x − H⁻¹ g.")
    if np.allclose(got, point + np.linalg.solve(h, g), rtol=1e-4):
        raise Fail("the step goes the wrong way: subtract H⁻¹ g from x.")
    if np.allclose(got, point - h @ g, rtol=1e-4):
        raise Fail("you multiplied by H; Newton's step multiplies by its inverse (solve H s = g).")
    expect_close(got, point - np.linalg.solve(h, g), what="the Newton step from [-0.5, 1.5]",
                 rtol=1e-4, atol=1e-4)
    # On a quadratic, one Newton step lands exactly on the minimum.
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    at, bt = torch.tensor(a.tolist()), torch.tensor(b.tolist())

    def quad(x: Any) -> Any:
        return 0.5 * (x * (at @ x)).sum() - (bt * x).sum()

    got = call(newton_step, quad, torch.tensor([5.0, -4.0]), what="newton_step")
    expect_close(got, np.linalg.solve(a, b), what="one Newton step on a quadratic (its minimum)",
                 rtol=1e-4, atol=1e-4)


def _vec(x: Any) -> Any:
    # R² -> R³: [x0² x1, sin(x0), x0 + 3 x1]
    return torch.stack([x[0] ** 2 * x[1], torch.sin(x[0]), x[0] + 3 * x[1]])


def _vec_jacobian(x: np.ndarray) -> np.ndarray:
    return np.array([[2 * x[0] * x[1], x[0] ** 2], [math.cos(x[0]), 0.0], [1.0, 3.0]])


@exercise("6.5", points=2, title="jvp_forward(f, x, v): J v in one forward pass (dual numbers)",
          hint="with torch.autograd.forward_ad.dual_level(): make_dual(x, v), run f on it, and "
               "return unpack_dual(out).tangent.")
def _ex_6_5(jvp_forward: Any) -> None:
    point, v = np.array([1.5, -0.5]), np.array([2.0, 1.0])
    x, vt = torch.tensor(point.tolist()), torch.tensor(v.tolist())
    out = call(jvp_forward, _vec, x, vt, what="jvp_forward")
    jac = _vec_jacobian(point)
    got = as_array(out, "jvp_forward(f, x, v)")
    if got.shape == (2,):
        raise Fail("you returned a vector the size of the input: that is a vector-Jacobian "
                   "product (reverse mode). J v has one entry per output (3 here).")
    expect_close(got, jac @ v, what="J @ v for f: R² → R³", rtol=1e-4, atol=1e-5)


@exercise("6.6", points=1, title="cheaper_mode(n_inputs, n_outputs): forward or reverse?",
          hint="A full Jacobian takes one JVP per input column (forward mode) or one VJP per "
               "output row (reverse mode): pick the smaller count.")
def _ex_6_6(cheaper_mode: Any) -> None:
    cases = {(1_000_000, 1): "reverse", (3, 500): "forward", (784, 10): "reverse",
             (1, 1000): "forward", (50, 2): "reverse", (2, 50): "forward"}
    for (n_in, n_out), want in cases.items():
        got = call(cheaper_mode, n_in, n_out, what="cheaper_mode")
        expect(got in ("forward", "reverse"),
               f"cheaper_mode should return 'forward' or 'reverse', got {got!r}.")
        expect(got == want, f"cheaper_mode({n_in}, {n_out}) should be {want!r}, got {got!r}: "
                            f"forward mode needs {n_in} passes, reverse mode {n_out}.")
