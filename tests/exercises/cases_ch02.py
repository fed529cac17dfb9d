"""Right and deliberately wrong answers for the chapter 2 exercises (chain rule, graphs, Value)."""

from __future__ import annotations

import math

from cases_support import Fresh


def dh_dx(x: float) -> float:
    return 2 * math.cos(x**3) * -math.sin(x**3) * 3 * x**2


def dh_dx_no_inner(x: float) -> float:
    return 2 * math.cos(x**3) * -math.sin(x**3)


def dh_dx_sign(x: float) -> float:
    return 2 * math.cos(x**3) * math.sin(x**3) * 3 * x**2


def topo_order(output) -> list:
    order, seen = [], set()

    def visit(node) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        for parent, _ in node.next_functions:
            visit(parent)
        order.append(node)

    visit(output.grad_fn)
    return order[::-1]


def topo_preorder(output) -> list:
    # depth-first pre-order: a shared node can run before one of its consumers
    order, seen, stack = [], set(), [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(parent for parent, _ in reversed(node.next_functions))
    return order


def topo_bfs(output) -> list:
    order, seen, queue = [], set(), [output.grad_fn]
    while queue:
        node = queue.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        queue.extend(parent for parent, _ in node.next_functions)
    return order


def topo_no_dedup(output) -> list:
    order: list = []

    def visit(node) -> None:
        if node is None:
            return
        for parent, _ in node.next_functions:
            visit(parent)
        order.append(node)

    visit(output.grad_fn)
    return order[::-1]


def topo_ops_only(output) -> list:
    return [n for n in topo_order(output) if type(n).__name__ != "AccumulateGrad"]


class Value:
    """The exercise notebook's scalar autograd value (add, mul, backward)."""

    def __init__(self, data: float, _children: tuple = ()) -> None:
        self.data = float(data)
        self.grad = 0.0
        self._prev = _children
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        order, seen = [], set()

        def visit(v) -> None:
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v._backward()


def _truediv(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data / other.data, (self, other))

    def _backward() -> None:
        self.grad += out.grad / other.data
        other.grad += -self.data / other.data**2 * out.grad

    out._backward = _backward
    return out


def _truediv_assign(self, other):
    # '=' instead of '+=': a value used twice keeps only its last contribution
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data / other.data, (self, other))

    def _backward() -> None:
        self.grad = out.grad / other.data
        other.grad = -self.data / other.data**2 * out.grad

    out._backward = _backward
    return out


def _truediv_sign(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data / other.data, (self, other))

    def _backward() -> None:
        self.grad += out.grad / other.data
        other.grad += self.data / other.data**2 * out.grad

    out._backward = _backward
    return out


def _truediv_values_only(self, other):
    out = Value(self.data / other.data, (self, other))

    def _backward() -> None:
        self.grad += out.grad / other.data
        other.grad += -self.data / other.data**2 * out.grad

    out._backward = _backward
    return out


def _tanh(self):
    t = math.tanh(self.data)
    out = Value(t, (self,))

    def _backward() -> None:
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def _tanh_input_squared(self):
    out = Value(math.tanh(self.data), (self,))

    def _backward() -> None:
        self.grad += (1 - self.data**2) * out.grad

    out._backward = _backward
    return out


def _tanh_assign(self):
    t = math.tanh(self.data)
    out = Value(t, (self,))

    def _backward() -> None:
        self.grad = (1 - t**2) * out.grad

    out._backward = _backward
    return out


def value_with(**methods) -> type:
    """A fresh subclass of Value with the given methods, e.g. value_with(__truediv__=...)."""
    return type("Value", (Value,), methods)


CASES = {
    "2.1": (2 * math.cos(1.0) * math.exp(math.sin(1.0)),
            [math.cos(1.0) * math.exp(math.sin(1.0)), math.exp(math.sin(1.0)), 2.0]),
    "2.2": (dh_dx, [dh_dx_no_inner, dh_dx_sign]),
    "2.3": (topo_order, [topo_preorder, topo_bfs, topo_no_dedup, topo_ops_only]),
    "2.4": (Fresh(lambda: value_with(__truediv__=_truediv)),
            [Fresh(lambda: value_with(__truediv__=_truediv_assign)),
             Fresh(lambda: value_with(__truediv__=_truediv_sign)),
             Fresh(lambda: value_with(__truediv__=_truediv_values_only)),
             Fresh(lambda: Value)]),
    "2.5": (Fresh(lambda: value_with(tanh=_tanh)),
            [Fresh(lambda: value_with(tanh=_tanh_input_squared)),
             Fresh(lambda: value_with(tanh=_tanh_assign)),
             Fresh(lambda: Value)]),
    "2.6": ((1000, 1), [(1, 1000), (1000, 1000), (1, 1)]),
}
