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

from numpy import ndarray

from .apply import _SAME, _SAME_NONE
from .backend import array_module
from .function import FREED, FW_LEVEL, RAW, AccumulateGrad, _edge, pick_edges, unpick_edges
from .grad_mode import STATE
from .ops import formula
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


def _fit(g: Any, meta: tuple, node: Any, edge: tuple) -> Any:
    """Reduce a broadcast gradient to the input's shape and cast it to the input's dtype."""
    tensor_mode = isinstance(g, Tensor)
    if not tensor_mode and not hasattr(g, "shape"):
        raise TypeError(f"function {node.name()} returned a gradient of type "
                        f"{type(g).__name__} at index {_index(node, edge)}; expected a Tensor "
                        "or None")
    shape, dt = meta
    if tuple(g.shape) != shape:
        try:
            g = formula.sum_to(g, shape)
        except RuntimeError:
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index "
                               f"{_index(node, edge)} - got {list(g.shape)} but expected shape "
                               f"compatible with {list(shape)}") from None
    gdt = g._data.dtype if tensor_mode else g.dtype
    if gdt != dt:
        g = formula.cast(g, dt)
    return g


def _index(node: Any, edge: tuple) -> int:
    """The input position of ``edge`` among the node's edges (for error messages)."""
    return next(i for i, e in enumerate(node._edges) if e is edge)


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
        if shared is not None and g.__class__ is ndarray and g.base is not None \
                and id(g) not in shared and g.base.__class__ is ndarray and g.base.base is None \
                and g.base.shape == g.shape and g.flags.c_contiguous \
                and g.base.flags.c_contiguous:  # e.g. x.t().t() of a fresh array: the array
            g = g.base
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
    order = _discover(roots)

    capture: dict = {}  # (node, output_nr) -> positions in inputs
    if inputs is not None:
        for i, t in enumerate(inputs):
            capture.setdefault(_edge(t), []).append(i)
        run = _needed(order, {n for n, _ in capture})
    else:
        run = None
    captured: list = [None] * (len(inputs) if inputs is not None else 0)

    # gradients waiting for a node: the array/tensor itself for a one-output node, a list
    # indexed by output number for the others
    buffers: dict = {}
    for (node, nr), g in zip(root_edges, grads):
        _add_to(buffers, node, nr, g)
    # arrays user code may hold: never stolen into a leaf's .grad (see _accumulate)
    shared = set(map(id, grads))
    ctx = _Run(keep, create_graph, raw, run, capture, captured, accumulate, buffers, shared)
    # the nodes that need more than their formula: inputs to capture, nodes not to run
    special = None if run is None else {n for n, _ in capture}

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
            else:
                results = _run_node(node, g0 if node._nout > 1 else [g0], ctx)
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
                        g = _fit(g, meta, node, edge)
                elif g.__class__ is not Tensor or g._data.dtype is not meta[1] or \
                        g._data.shape != meta[0]:
                    g = _fit(g, meta, node, edge)
                if nxt._nout == 1:
                    old = get(nxt)
                    buffers[nxt] = g if old is None else old + g
                else:
                    _add_to(buffers, nxt, edge[1], g)
    finally:
        STATE.enabled, RAW[0] = prev_mode, prev_raw
    return [_wrap(g) for g in captured]


def _add_to(buffers: dict, node: Any, nr: int, g: Any) -> None:
    """Add gradient ``g`` for output ``nr`` of ``node`` to what is waiting for it."""
    if node._nout == 1:
        old = buffers.get(node)
        buffers[node] = g if old is None else old + g
        return
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._nout
    buf[nr] = g if buf[nr] is None else buf[nr] + g


class _Run:
    """The settings of one backward pass, handed to each node."""

    __slots__ = ("keep", "create_graph", "raw", "run", "capture", "captured", "accumulate",
                 "buffers", "shared")

    def __init__(self, keep: bool, create_graph: bool, raw: bool, run: set | None,
                 capture: dict, captured: list, accumulate: bool, buffers: dict,
                 shared: set) -> None:
        self.keep, self.create_graph, self.raw, self.run = keep, create_graph, raw, run
        self.capture, self.captured, self.accumulate = capture, captured, accumulate
        self.buffers, self.shared = buffers, shared


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
    if node._post_hooks:  # hooks see the gradients of the edges in next_functions only
        for hook in list(node._post_hooks.values()):
            res = hook(tuple(_wrap(g) for g in pick_edges(node, results)),
                       tuple(_wrap(g) for g in buf))
            if res is not None:
                results = unpick_edges(node, [_unwrap(g, raw) for g in res])
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
