"""The backward engine: walks the graph from the outputs in topological order, without recursion.

1. Count, for every node reachable from the outputs, how many edges lead into it.
2. Start from the output nodes; a node runs once every edge into it has delivered its gradient
   (Kahn's algorithm). Among ready nodes the most recently created runs first, as in PyTorch.
3. Running a node = tensor hooks on its incoming gradient, ``retain_grad``, then its backward
   formula; leaves (AccumulateGrad) add the gradient into ``.grad``.
Backward formulas are ordinary tensor code: under ``create_graph=True`` they are recorded, which
is how second and higher derivatives work.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from numpy import ndarray

from .function import FW_LEVEL, RAW, AccumulateGrad, _edge
from .grad_mode import STATE
from .ops import formula
from .tensor import Tensor


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _root_grads(outputs: list, grads: list, create_graph: bool) -> list:
    """Check outputs and make the implicit ``1`` gradient for scalar outputs."""
    from .creation import ones_like
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
            g = ones_like(out)
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
            if not create_graph:
                g = g.detach()
        result.append(g)
    return result


def _discover(roots: list) -> dict:
    """Number of edges into each node reachable from ``roots``."""
    deps: dict = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _needed(roots: list, deps: dict, targets: set) -> set:
    """Nodes whose backward must run to reach a target (children before parents)."""
    order = []
    remaining = dict(deps)
    ready = [n for n in roots if remaining.get(n, 0) == 0]
    seen = set()
    while ready:
        node = ready.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            remaining[nxt] -= 1
            if remaining[nxt] == 0:
                ready.append(nxt)
    run = set()
    reaches = set()
    for node in reversed(order):
        if any(nxt in reaches for nxt, _ in node.next_functions if nxt is not None):
            run.add(node)
            reaches.add(node)
        if node in targets:
            reaches.add(node)
    return run


def _fit(g: Any, meta: tuple, node: Any, i: int) -> Any:
    """Reduce a broadcast gradient to the input's shape and cast it to the input's dtype."""
    tensor_mode = isinstance(g, Tensor)
    if not tensor_mode and not hasattr(g, "shape"):
        raise TypeError(f"function {node.name()} returned a gradient of type "
                        f"{type(g).__name__} at index {i}; expected a Tensor or None")
    shape, dt = meta
    if tuple(g.shape) != shape:
        try:
            g = formula.sum_to(g, shape)
        except RuntimeError:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} "
                               f"- got {list(g.shape)} but expected shape compatible with "
                               f"{list(shape)}") from None
    gdt = g._data.dtype if tensor_mode else g.dtype
    if gdt != dt:
        g = formula.cast(g, dt)
    return g


def _wrap(g: Any) -> Any:
    """An array gradient as a Tensor, for user code (hooks, custom Functions, ``.grad``)."""
    return g if g is None or isinstance(g, Tensor) else Tensor._make(g)


def _unwrap(g: Any, raw: bool) -> Any:
    return g._data if raw and isinstance(g, Tensor) else g


def _accumulate(var: Tensor, g: Any, create_graph: bool, shared: set | None = None) -> None:
    """Add ``g`` into ``var.grad``: in place normally, out of place when building a graph.

    A fresh array that the engine computed becomes ``.grad`` without a copy; ``shared`` holds the
    ids of arrays that user code may also hold (root gradients, hook and custom-Function
    results, arrays already given to a leaf): those are copied.
    """
    old = var._grad
    if old is None:
        if shared is not None and g.__class__ is ndarray and g.base is None \
                and g.flags.writeable and id(g) not in shared:
            shared.add(id(g))
            var._grad = Tensor._make(g)
        elif isinstance(g, Tensor):
            if not create_graph:
                g = Tensor._make(g._data.copy())
            elif not getattr(g._data.flags, "writeable", True):  # e.g. sum's expanded gradient
                g = g.clone()
            var._grad = g
        else:
            var._grad = Tensor._make(g.copy())
    elif create_graph or old._rg:
        var._grad = old + _wrap(g)
    else:
        old._data += g._data if isinstance(g, Tensor) else g
        old._bump_version()


def _run_hooks(hooks: dict, g: Any, raw: bool) -> Any:
    t = _wrap(g)
    for hook in list(hooks.values()):
        r = hook(t)
        if r is not None:
            t = r
    return _unwrap(t, raw)


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
    roots = list(dict.fromkeys(n for n, _ in root_edges))
    deps = _discover(roots)

    capture: dict = {}  # (node, output_nr) -> positions in inputs
    if inputs is not None:
        for i, t in enumerate(inputs):
            capture.setdefault(_edge(t), []).append(i)
        run = _needed(roots, deps, {n for n, _ in capture})
    else:
        run = None
    captured: list = [None] * (len(inputs) if inputs is not None else 0)

    buffers: dict = {}
    for (node, nr), g in zip(root_edges, grads):
        buf = buffers.setdefault(node, [None] * node._nout)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = [(-n._seq, n) for n in roots if deps.get(n, 0) == 0]
    heapq.heapify(ready)
    # arrays user code may hold: never stolen into a leaf's .grad (see _accumulate)
    shared = {id(g) for g in grads}
    ctx = _Run(keep, create_graph, raw, run, capture, captured, accumulate, buffers, shared)

    prev_mode, prev_raw = STATE.enabled, RAW[0]
    STATE.enabled, RAW[0] = create_graph, raw
    heappop, heappush = heapq.heappop, heapq.heappush
    try:
        while ready:
            node = heappop(ready)[1]
            buf = buffers.pop(node, None)
            if buf is None:  # no gradient reached this node: its inputs get none from it
                results = ()
            elif (raw and node.builtin and node._nout == 1 and not node._has_hooks
                  and run is None and buf[0] is not None):
                # the common case, inlined: a built-in op's formula on arrays
                results = node._run_backward(buf)
                if not keep:
                    node._release()
            else:
                results = _run_node(node, buf, ctx)
            metas = node._in_meta
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = results[i] if i < len(results) else None
                if g is not None:
                    meta = metas[i]
                    if raw:
                        if g.__class__ is not ndarray or g.shape != meta[0] or \
                                g.dtype != meta[1]:
                            g = _fit(g, meta, node, i)
                    elif g.__class__ is not Tensor or g._data.shape != meta[0] or \
                            g._data.dtype != meta[1]:
                        g = _fit(g, meta, node, i)
                    nbuf = buffers.get(nxt)
                    if nbuf is None:
                        nbuf = buffers[nxt] = [None] * nxt._nout
                    old = nbuf[nr]
                    nbuf[nr] = g if old is None else old + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heappush(ready, (-nxt._seq, nxt))
    finally:
        STATE.enabled, RAW[0] = prev_mode, prev_raw
    return [_wrap(g) for g in captured]


class _Run:
    """The settings of one backward pass, handed to each node."""

    __slots__ = ("keep", "create_graph", "raw", "run", "capture", "captured", "accumulate",
                 "buffers", "shared")

    def __init__(self, *values: Any) -> None:
        for name, v in zip(self.__slots__, values):
            setattr(self, name, v)


def _node_hooks(node: Any, buf: list, r: _Run) -> list:
    """Tensor hooks, node pre-hooks and retain_grad of a non-leaf node's outputs."""
    raw = r.raw
    if node._pre_hooks is not None:
        for nr, hooks in node._pre_hooks.items():
            if buf[nr] is not None and hooks:
                buf[nr] = _run_hooks(hooks, buf[nr], raw)
    if node._node_pre_hooks:
        for hook in list(node._node_pre_hooks.values()):
            res = hook(tuple(_wrap(g) for g in buf))
            if res is not None:
                buf = [_unwrap(g, raw) for g in res]
    if node._retain is not None:
        for nr, ref in node._retain.items():
            t = ref()
            if t is not None and buf[nr] is not None:
                g = _wrap(buf[nr])
                g = g if r.create_graph else g.detach()
                t._grad = g.clone() if t._grad is None else t._grad + g
    r.shared.update(id(g) for g in buf if g is not None)  # hooks may have returned user arrays
    return buf


def _run_node(node: Any, buf: list, r: _Run) -> tuple:
    """Hooks, capture, and the node's backward: the gradients for its inputs."""
    raw = r.raw
    if node.__class__ is AccumulateGrad:
        var = node.variable
        g = buf[0]
        if g is None:
            return ()
        if var._hooks:
            g = _run_hooks(var._hooks, g, raw)
        slots = r.capture.get((node, 0)) if r.capture else None
        if slots is not None:
            for i in slots:
                r.captured[i] = g
        if r.accumulate and (r.run is None or slots is not None):
            _accumulate(var, g, r.create_graph, r.shared if raw and not var._hooks else None)
        return ()
    if node._has_hooks:
        buf = _node_hooks(node, buf, r)
    if r.capture:
        for nr in range(node._nout):
            slots = r.capture.get((node, nr))
            if slots is not None:
                for i in slots:
                    r.captured[i] = buf[nr]
                if r.accumulate and buf[nr] is not None:  # backward(inputs=[non-leaf])
                    t = _find_output(node, nr)
                    if t is not None:
                        _accumulate(t, buf[nr], r.create_graph)
    if r.run is not None and node not in r.run:
        return ()
    if all(g is None for g in buf):
        return ()
    if node._nout > 1 and node.materialize_grads:
        buf = [g if g is not None else formula.zeros_like(meta[2] if raw else
                                                          Tensor._make(meta[2]))
               for g, meta in zip(buf, node._out_meta)]
    if raw and not node.builtin:  # custom Functions always see tensors
        results = tuple(_unwrap(g, True) for g in node._run_backward([_wrap(g) for g in buf]))
        r.shared.update(id(g) for g in results if g is not None)
    else:
        results = node._run_backward(buf)
    if node._post_hooks:
        for hook in list(node._post_hooks.values()):
            res = hook(tuple(_wrap(g) for g in results), tuple(_wrap(g) for g in buf))
            if res is not None:
                results = tuple(_unwrap(g, raw) for g in res)
                r.shared.update(id(g) for g in results if g is not None)
    if not r.keep:
        node._release()
    return results


def _find_output(node: Any, nr: int) -> Tensor | None:
    """The tensor registered as output ``nr`` of ``node`` for ``backward(inputs=...)``."""
    refs = getattr(node, "_input_targets", None)
    return refs.get(nr) if refs else None


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
            if not t._rg:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
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
    for t, g in zip(ins, result):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            if materialize_grads:
                from .creation import zeros_like
                g = zeros_like(t)
        final.append(g)
    del single
    return tuple(final)
