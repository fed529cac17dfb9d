"""Chapter 2 exercises: the chain rule, backward order in a graph, and scalar autograd nodes.

Exercises 2.4 and 2.5 extend the notebook's scalar ``Value`` class (``data``, ``grad``, ``_prev``,
``_backward``, ``backward()``); their checkers receive the class and build small graphs with it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_lite as torch
from course.checks import Fail, as_array, call, exercise, expect, expect_close


@exercise("2.1", points=1, title="du/dx for u = e^{sin(x²)} at x = 1, by hand",
          hint="Three links: d(e^z)/dz = e^z, d(sin y)/dy = cos y, d(x²)/dx = 2x; multiply them.")
def _ex_2_1(answer: Any) -> None:
    got = as_array(answer, "du/dx at x = 1")
    expect(got.size == 1, f"du/dx is one number, got an array of shape {got.shape}.")
    value = got.item()
    outer = math.exp(math.sin(1.0))
    if np.isclose(value, outer * math.cos(1.0)):
        raise Fail("you multiplied e^{sin(x²)} and cos(x²) but left out the innermost link "
                   "d(x²)/dx = 2x.")
    if np.isclose(value, outer):
        raise Fail(f"{value:.4f} is u(1) itself, not its derivative.")
    expect_close(value, 2.0 * math.cos(1.0) * outer, what="du/dx at x = 1")


def _dh_reference(x: float) -> float:
    return -6 * x**2 * math.cos(x**3) * math.sin(x**3)


@exercise("2.2", points=2, title="dh_dx(x) for h(x) = cos(x³)², the chain rule in code",
          hint="Outer square: 2·cos(x³); middle cos: −sin(x³); inner cube: 3x². Multiply them.")
def _ex_2_2(dh_dx: Any) -> None:
    for x in (0.3, 0.8, 1.0, -0.6, 1.4):
        got = as_array(call(dh_dx, x, what="dh_dx"), f"dh_dx({x})")
        if not np.isclose(_dh_reference(x), 0.0) and np.isclose(
                got, _dh_reference(x) / (3 * x**2), rtol=1e-5):
            raise Fail(f"dh_dx({x}) is missing the innermost factor d(x³)/dx = 3x².")
        expect_close(got, _dh_reference(x), what=f"dh_dx({x})", rtol=1e-5, atol=1e-8)


def _diamond() -> torch.Tensor:
    # a feeds both the sum directly and a longer exp-exp chain: a node reached twice.
    x = torch.tensor(0.5, requires_grad=True)
    a = x * x
    return a + torch.exp(torch.exp(a))


def _two_leaves() -> torch.Tensor:
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(-1.0, requires_grad=True)
    z = w * 0.5 + b
    return torch.sigmoid(z) * torch.tanh(z) + w


def _reachable(output: torch.Tensor) -> dict[int, Any]:
    found: dict[int, Any] = {}
    stack = [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in found:
            continue
        found[id(node)] = node
        stack.extend(parent for parent, _ in node.next_functions)
    return found


def _name(node: Any) -> str:
    return type(node).__name__


@exercise("2.3", points=2, title="topo_order(output): the order in which backward visits nodes",
          hint="Depth-first search from output.grad_fn through next_functions, append a node after "
               "all its inputs (post-order), then reverse the list.")
def _ex_2_3(topo_order: Any) -> None:
    for build in (_diamond, _two_leaves):
        out = build()
        order = call(topo_order, out, what="topo_order")
        expect(isinstance(order, (list, tuple)),
               f"topo_order should return a list of nodes, got {type(order).__name__}.")
        want = _reachable(out)
        ids = [id(n) for n in order]
        expect(len(ids) == len(set(ids)), "a node appears twice: visit each node once.")
        missing = [_name(n) for k, n in want.items() if k not in ids]
        expect(not missing, f"nodes missing from the order: {missing} (include every node "
                            "reachable through next_functions, AccumulateGrad ones too).")
        extra = [_name(n) for n in order if id(n) not in want]
        expect(not extra, f"not nodes of this graph: {extra}.")
        position = {k: i for i, k in enumerate(ids)}
        for node in order:
            for parent, _ in node.next_functions:
                if parent is not None and position[id(parent)] < position[id(node)]:
                    raise Fail(f"{_name(parent)} comes before {_name(node)}, which feeds it its "
                               "gradient: a node may only run once every consumer has run.")


def _value_grads(Value: Any, build: Any, *args: float) -> tuple:
    """Build a graph of Values, run backward, return (output data, [leaf grads])."""
    leaves, out = build(Value, *args)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def _quotient(V: Any) -> tuple:
    a, b = V(3.0), V(2.0)
    return [a, b], a / b


def _quotient_plus(V: Any) -> tuple:
    a, b = V(3.0), V(2.0)
    return [a, b], a / b + a


def _self_quotient(V: Any) -> tuple:
    a = V(4.0)
    return [a], a / a


def _by_number(V: Any) -> tuple:
    a = V(2.0)
    return [a], a / 4.0


@exercise("2.4", points=3, title="Value.__truediv__: a two-input scalar autograd node",
          hint="out = Value(a / b, (self, other)); in _backward: self.grad += out.grad / b and "
               "other.grad += -a / b**2 * out.grad (use +=: a value may feed several nodes).")
def _ex_2_4(Value: Any) -> None:
    expect(isinstance(Value, type), f"pass the class Value itself, got {type(Value).__name__}.")
    cases = [
        ("a / b with a = 3, b = 2", _quotient, 1.5, [0.5, -0.75]),
        ("a / b + a with a = 3, b = 2", _quotient_plus, 4.5, [1.5, -0.75]),
        ("a / a with a = 4 (a feeds the node twice)", _self_quotient, 1.0, [0.0]),
        ("a / 4.0 (a plain number: wrap it in a Value)", _by_number, 0.5, [0.25]),
    ]
    for what, build, value, grads in cases:
        data, got = call(_value_grads, Value, build, what="Value division")
        expect_close(data, value, what=f"the value of {what}")
        expect_close(np.asarray(got, dtype=float), grads, what=f"the leaf gradients of {what}")


def _tanh_of(V: Any, x: float) -> tuple:
    a = V(x)
    return [a], a.tanh()


def _tanh_plus(V: Any, x: float) -> tuple:
    a = V(x)
    return [a], a.tanh() + a


@exercise("2.5", points=2, title="Value.tanh: a one-input node whose backward uses its output",
          hint="t = math.tanh(self.data); d tanh(x)/dx = 1 − t²; accumulate with +=.")
def _ex_2_5(Value: Any) -> None:
    expect(isinstance(Value, type), f"pass the class Value itself, got {type(Value).__name__}.")
    expect(callable(getattr(Value, "tanh", None)),
           "Value has no tanh method yet: assign your function with Value.tanh = value_tanh.")
    for x in (0.5, -1.2, 2.0):
        data, got = call(_value_grads, Value, _tanh_of, x, what="Value.tanh")
        t = math.tanh(x)
        expect_close(data, t, what=f"tanh({x})")
        if np.isclose(got[0], 1 - x * x):
            raise Fail("the gradient is 1 − x²: the derivative is 1 − tanh(x)², use the output.")
        expect_close(got[0], 1 - t * t, what=f"d tanh(x)/dx at x = {x}")
    data, got = call(_value_grads, Value, _tanh_plus, 0.7, what="Value.tanh")
    expect_close(got[0], 2 - math.tanh(0.7) ** 2,
                 what="the gradient of tanh(a) + a at a = 0.7 (a used twice: accumulate)")


@exercise("2.6", points=1, title="forward vs reverse mode: passes for a 1000-parameter gradient",
          hint="Forward mode (jvp) gives one directional derivative per pass; reverse mode (vjp) "
               "gives the whole gradient of one output per pass.")
def _ex_2_6(answer: Any) -> None:
    got = as_array(answer, "(forward-mode passes, reverse-mode passes)")
    expect(got.shape == (2,), "answer with a pair: (forward-mode passes, reverse-mode passes).")
    if np.allclose(got, [1, 1000]):
        raise Fail("that is the wrong way round: reverse mode is the cheap one for many inputs "
                   "and one output.")
    expect_close(got, [1000, 1], what="(forward-mode passes, reverse-mode passes)")
