"""The backward engine: walks the graph from the outputs in topological order, without recursion.

1. Find the nodes reachable from the outputs and put them in order: latest created first, which
   runs every node after all the nodes that send it a gradient (see ``_discover``).
2. Run them in that order, each on the sum of the gradients its outputs received.
3. Running a node = tensor hooks on its incoming gradient, ``retain_grad``, then its backward
   formula; leaves (AccumulateGrad) add the gradient into ``.grad``.
Backward formulas are ordinary tensor code: under ``create_graph=True`` they are recorded, which
is how second and higher derivatives work.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np
from numpy import ndarray

from .apply import _SAME, _SAME_NONE
from .backend import array_module
from .engine_nodes import Run, accumulate_grad, add_to, fit, run_node, wrap
from .function import FREED, FW_LEVEL, RAW, AccumulateGrad, _edge
from .grad_mode import STATE
from .tensor import Tensor

_SEQ = attrgetter("_seq")
_FIRST = float("inf")


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _root_grads(outputs: list, grads: list, create_graph: bool) -> list:
    """Check outputs and make the implicit ``1`` gradient for scalar outputs."""
    if len(outputs) == 1:  # the usual call, checked at once: loss.backward(), y.backward(g)
        out = outputs[0]
        d = out._data
        g = grads[0] if grads else None
        if out._rg and d.__class__ is ndarray:
            if g is None and d.size == 1:
                return [Tensor._make(np.ones(d.shape, d.dtype))]
            if g.__class__ is Tensor and not g._rg and g._data.shape == d.shape and \
                    g._data.dtype == d.dtype:
                return [g]
    if len(grads) < len(outputs):
        grads = grads + [None] * (len(outputs) - len(grads))
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not out._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._make(array_module(out._data).ones_like(out._data))
        else:
            if not isinstance(g, Tensor):
                from .creation import tensor
                g = tensor(g, dtype=out.dtype)
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape!r} and "
                    f"output[{i}] has a shape of {out.shape!r}.")
            if g._data.dtype != out._data.dtype:
                g = g.to(out.dtype)
            if not create_graph and g._rg:
                g = g.detach()
        result.append(g)
    return result


def _discover(roots: list) -> list:
    """Every node reachable from ``roots``, in the order the engine runs them.

    A node is created after the nodes of its inputs, so it has a larger sequence number: running
    nodes latest first runs each one after all the nodes that send it a gradient (PyTorch's engine
    also runs the latest ready node first). Leaves (AccumulateGrad) run as soon as they are ready,
    as in PyTorch: right after their earliest consumer.
    """
    key = {n: n._seq for n in roots if n.__class__ is not AccumulateGrad}
    leaves = {n: None for n in roots if n.__class__ is AccumulateGrad}  # -> earliest consumer
    stack = list(key)
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        for nxt, _ in node._edges:
            if nxt is None:
                continue
            if nxt.__class__ is AccumulateGrad:
                first = leaves.get(nxt)
                if first is None or node._seq < first:
                    leaves[nxt] = node._seq
            elif nxt not in key:
                key[nxt] = nxt._seq
                push(nxt)
    for leaf in sorted(leaves, key=_SEQ):  # leaves ready together: oldest first (stable sort)
        first = leaves[leaf]
        key[leaf] = first - 0.5 if first is not None else _FIRST  # (a root leaf: at once)
    order = list(key)
    order.sort(key=key.__getitem__, reverse=True)
    return order


def _needed(order: list, targets: set) -> set:
    """Nodes whose backward must run to reach a target."""
    run = set()
    reaches = set(targets)  # the targets and the nodes in run
    for node in reversed(order):  # inputs before the nodes that use them
        for nxt, _ in node._edges:
            if nxt in reaches:  # (None never is)
                run.add(node)
                reaches.add(node)
                break
    return run


def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any],
                 retain_graph: bool | None, create_graph: bool,
                 inputs: Sequence[Tensor] | None = None, accumulate: bool = True) -> list:
    """Run the backward pass; return the gradients captured for ``inputs`` (if given)."""
    outputs = list(outputs)
    grads = _root_grads(outputs, list(grad_outputs), create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    # Plain backward runs the formulas on arrays; create_graph (or forward AD) needs tensors.
    raw = not create_graph and FW_LEVEL[0] < 0
    if raw:
        grads = [g._data for g in grads]
    root_edges = [_edge(o) for o in outputs]
    roots = [root_edges[0][0]] if len(root_edges) == 1 else \
        list(dict.fromkeys(n for n, _ in root_edges))
    order = _discover(roots)

    capture: dict = {}  # (node, output_nr) -> positions in inputs
    run = special = None  # the nodes to run, and those that need more than their formula
    if inputs is not None:
        for i, t in enumerate(inputs):
            capture.setdefault(_edge(t), []).append(i)
        special = {n for n, _ in capture}
        run = _needed(order, special)
    captured: list = [None] * (len(inputs) if inputs is not None else 0)

    # gradients waiting for a node: the array/tensor itself for a one-output node, a list
    # indexed by output number for the others
    buffers: dict = {}
    for (node, nr), g in zip(root_edges, grads):
        add_to(buffers, node, nr, g)
    # arrays user code may hold: never stolen into a leaf's .grad (see accumulate_grad)
    shared = set(map(id, grads))
    leaf_shared = shared if raw else None
    leaves_inline = accumulate and special is None
    r = None  # the settings handed to run_node, made when a node first needs them

    prev_mode, prev_raw = STATE.enabled, RAW[0]
    STATE.enabled, RAW[0] = create_graph, raw
    pop, get = buffers.pop, buffers.get
    try:
        for node in order:
            g0 = pop(node, None)
            if g0 is None:  # no gradient reached this node: its inputs get none from it
                continue
            if node._plain and (special is None or (node in run and node not in special)):
                # the common case, inlined: a one-output built-in op's formula (on arrays in a
                # plain backward, recorded on tensors under create_graph)
                results = node._formula(g0)
                if not keep and node._saved is not None:
                    node._saved = FREED
                in_meta = node._in_meta
                if in_meta is _SAME or in_meta is _SAME_NONE:
                    # one tensor input, elementwise (sin, t * 0.5...): its gradient as it is
                    g = results[0] if results.__class__ is tuple else results
                    nxt = node._edges[0][0]
                    if g is not None and nxt._nout == 1:
                        old = get(nxt)
                        buffers[nxt] = g if old is None else old + g
                        continue
            elif leaves_inline and node.__class__ is AccumulateGrad and not node._has_hooks \
                    and not node.variable._hooks:
                accumulate_grad(node.variable, g0, create_graph, leaf_shared)  # a leaf's .grad
                continue
            else:
                if r is None:
                    r = Run(keep, create_graph, raw, run, capture, captured, accumulate, buffers,
                            shared)
                results = run_node(node, g0 if node._nout > 1 else [g0], r)
            if results.__class__ is not tuple:  # one gradient, for a one-input op
                results = (results,)
            # (an edge without a gradient, also past the end of results, gets nothing)
            for edge, g, meta in zip(node._edges, results, node._in_meta):
                if g is None:
                    continue
                nxt = edge[0]
                if nxt is None:
                    continue
                if meta is None:  # an elementwise op: nothing to fit
                    pass
                elif raw:
                    if g.__class__ is not ndarray or g.dtype is not meta[1] or \
                            g.shape != meta[0]:
                        g = fit(g, meta, node, edge)
                elif g.__class__ is not Tensor or g._data.dtype is not meta[1] or \
                        g._data.shape != meta[0]:
                    g = fit(g, meta, node, edge)
                if nxt._nout == 1:
                    old = get(nxt)
                    buffers[nxt] = g if old is None else old + g
                else:
                    add_to(buffers, nxt, edge[1], g)
    finally:
        STATE.enabled, RAW[0] = prev_mode, prev_raw
    return [wrap(g) for g in captured]


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """``autograd.backward``: accumulate gradients of ``tensors`` into the leaves' ``.grad``."""
    outs = _as_list(tensors)
    grads = _as_list(grad_tensors)
    if inputs is not None:
        inputs = _as_list(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        for t in inputs:
            if not t._rg:  # (PyTorch 2.13's wording)
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            if t.grad_fn is not None:  # a non-leaf input gets its .grad like a leaf
                targets = getattr(t.grad_fn, "_input_targets", None)
                if targets is None:
                    targets = t.grad_fn._input_targets = {}
                targets[t._output_nr] = t
    try:
        run_backward(outs, grads, retain_graph, create_graph, inputs=inputs, accumulate=True)
    finally:
        for t in inputs or ():
            if t.grad_fn is not None:
                t.grad_fn.__dict__.pop("_input_targets", None)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple:
    """``autograd.grad``: gradients of ``outputs`` w.r.t. ``inputs``, returned, not accumulated."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    single = isinstance(inputs, Tensor)
    for t in ins:
        if not isinstance(t, Tensor):
            raise TypeError("grad(): inputs must be Tensors")
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if allow_unused is None:
        allow_unused = materialize_grads
    result = run_backward(outs, _as_list(grad_outputs), retain_graph, create_graph,
                          inputs=ins, accumulate=False)
    final = []
    for i, (t, g) in enumerate(zip(ins, result)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                from .creation import zeros_like
                g = zeros_like(t)
        final.append(g)
    del single
    return tuple(final)
