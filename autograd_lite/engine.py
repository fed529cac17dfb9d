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
from typing import Any, Sequence

from .function import AccumulateGrad, _edge
from .grad_mode import STATE
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
    if not isinstance(g, Tensor):
        raise TypeError(f"function {node.name()} returned a gradient of type "
                        f"{type(g).__name__} at index {i}; expected a Tensor or None")
    shape, dt = meta
    if g._data.shape != shape:
        try:
            g = g.sum_to_size(shape)
        except RuntimeError:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} "
                               f"- got {list(g._data.shape)} but expected shape compatible with "
                               f"{list(shape)}") from None
    if g._data.dtype != dt:
        g = g.to(dt)
    return g


def _accumulate(var: Tensor, g: Tensor, create_graph: bool) -> None:
    """Add ``g`` into ``var.grad``: in place normally, out of place when building a graph."""
    old = var._grad
    if old is None:
        var._grad = g if create_graph else Tensor._make(g._data.copy())
    elif create_graph or old._rg:
        var._grad = old + g
    else:
        old._data += g._data
        old._bump_version()


def _run_hooks(hooks: dict, g: Tensor) -> Tensor:
    for hook in list(hooks.values()):
        r = hook(g)
        if r is not None:
            g = r
    return g


def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any],
                 retain_graph: bool | None, create_graph: bool,
                 inputs: Sequence[Tensor] | None = None, accumulate: bool = True) -> list:
    """Run the backward pass; return the gradients captured for ``inputs`` (if given)."""
    outputs = list(outputs)
    grads = _root_grads(outputs, list(grad_outputs), create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    root_edges = [_edge(o) for o in outputs]
    roots = list(dict.fromkeys(n for n, _ in root_edges))
    deps = _discover(roots)

    capture: dict = {}  # (node, output_nr) -> position in inputs
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

    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    try:
        while ready:
            _, node = heapq.heappop(ready)
            buf = buffers.pop(node, None)
            if buf is not None and any(g is not None for g in buf):
                _run_node(node, buf, keep, create_graph, run, capture, captured, accumulate,
                          buffers)
            for nxt, _ in node.next_functions:
                if nxt is None:
                    continue
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heapq.heappush(ready, (-nxt._seq, nxt))
    finally:
        STATE.enabled = prev_mode
    return captured


def _run_node(node: Any, buf: list, keep: bool, create_graph: bool, run: set | None,
              capture: dict, captured: list, accumulate: bool, buffers: dict) -> None:
    """Hooks, capture, and the node's backward; sends results into the next buffers."""
    if node.__class__ is AccumulateGrad:
        var = node.variable
        g = buf[0]
        if var._hooks:
            g = _run_hooks(var._hooks, g)
        slots = capture.get((node, 0))
        if slots is not None:
            for i in slots:
                captured[i] = g
        if accumulate and (run is None or slots is not None):
            _accumulate(var, g, create_graph)
        return
    if node._pre_hooks is not None:
        for nr, hooks in node._pre_hooks.items():
            if buf[nr] is not None and hooks:
                buf[nr] = _run_hooks(hooks, buf[nr])
    if node._node_pre_hooks:
        for hook in list(node._node_pre_hooks.values()):
            r = hook(tuple(buf))
            if r is not None:
                buf = list(r)
    if node._retain is not None:
        for nr, ref in node._retain.items():
            t = ref()
            if t is not None and buf[nr] is not None:
                g = buf[nr] if create_graph else buf[nr].detach()
                t._grad = g.clone() if t._grad is None else t._grad + g
    if capture:
        for nr in range(node._nout):
            slots = capture.get((node, nr))
            if slots is not None:
                for i in slots:
                    captured[i] = buf[nr]
                if accumulate and buf[nr] is not None:  # backward(inputs=[non-leaf])
                    t = _find_output(node, nr)
                    if t is not None:
                        _accumulate(t, buf[nr], create_graph)
    if run is not None and node not in run:
        return
    if node._nout > 1 and node.materialize_grads:
        from .creation import zeros_like_array
        buf = [g if g is not None else Tensor._make(zeros_like_array(meta[2]))
               for g, meta in zip(buf, node._out_meta)]
    results = node._run_backward(buf)
    if node._post_hooks:
        for hook in list(node._post_hooks.values()):
            r = hook(results, tuple(buf))
            if r is not None:
                results = tuple(r)
    if not keep:
        node._release()
    metas = node._in_meta
    for i, ((nxt, nr), g) in enumerate(zip(node.next_functions, results)):
        if nxt is None or g is None:
            continue
        meta = metas[i]
        if g.__class__ is not Tensor or g._data.shape != meta[0] or g._data.dtype != meta[1]:
            g = _fit(g, meta, node, i)
        nbuf = buffers.get(nxt)
        if nbuf is None:
            nbuf = buffers[nxt] = [None] * nxt._nout
        old = nbuf[nr]
        nbuf[nr] = g if old is None else old + g


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
