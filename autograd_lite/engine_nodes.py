"""What the backward engine does besides running a formula: gradients handed to leaves
(``.grad``), tensor and node hooks, ``retain_grad``, gradients captured for ``autograd.grad``,
and broadcast gradients fitted to their input's shape. ``engine.py`` calls these for every node
that its inlined fast path does not cover.
"""

from __future__ import annotations

from typing import Any

from numpy import ndarray

from .function import AccumulateGrad, pick_edges, unpick_edges
from .ops import formula
from .tensor import Tensor


def fit(g: Any, meta: tuple, node: Any, edge: tuple) -> Any:
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


def wrap(g: Any) -> Any:
    """An array gradient as a Tensor, for user code (hooks, custom Functions, ``.grad``)."""
    return g if g is None or isinstance(g, Tensor) else Tensor._make(g)


def unwrap(g: Any, raw: bool) -> Any:
    return g._data if raw and isinstance(g, Tensor) else g


def accumulate_grad(var: Tensor, g: Any, create_graph: bool, shared: set | None = None) -> None:
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
        var._grad = old + wrap(g)
    else:
        old._data += g._data if isinstance(g, Tensor) else g
        old._bump_version()


def run_hooks(hooks: dict, g: Any, raw: bool) -> Any:
    t = wrap(g)
    for hook in list(hooks.values()):
        r = hook(t)
        if r is not None:
            t = r
    return unwrap(t, raw)


def add_to(buffers: dict, node: Any, nr: int, g: Any) -> None:
    """Add gradient ``g`` for output ``nr`` of ``node`` to what is waiting for it."""
    if node._nout == 1:
        old = buffers.get(node)
        buffers[node] = g if old is None else old + g
        return
    buf = buffers.get(node)
    if buf is None:
        buf = buffers[node] = [None] * node._nout
    buf[nr] = g if buf[nr] is None else buf[nr] + g


class Run:
    """The settings of one backward pass, handed to each node."""

    __slots__ = ("keep", "create_graph", "raw", "run", "capture", "captured", "accumulate",
                 "buffers", "shared")

    def __init__(self, keep: bool, create_graph: bool, raw: bool, run: set | None,
                 capture: dict, captured: list, accumulate: bool, buffers: dict,
                 shared: set) -> None:
        self.keep, self.create_graph, self.raw, self.run = keep, create_graph, raw, run
        self.capture, self.captured, self.accumulate = capture, captured, accumulate
        self.buffers, self.shared = buffers, shared


def _node_hooks(node: Any, buf: list, r: Run) -> list:
    """Tensor hooks, node pre-hooks and retain_grad of a non-leaf node's outputs."""
    raw = r.raw
    if node._pre_hooks is not None:
        for nr, hooks in node._pre_hooks.items():
            if buf[nr] is not None and hooks:
                buf[nr] = run_hooks(hooks, buf[nr], raw)
    if node._node_pre_hooks:
        for hook in list(node._node_pre_hooks.values()):
            res = hook(tuple(wrap(g) for g in buf))
            if res is not None:
                buf = [unwrap(g, raw) for g in res]
    if node._retain is not None:
        for nr, ref in node._retain.items():
            t = ref()
            if t is not None and buf[nr] is not None:
                g = wrap(buf[nr])
                g = g if r.create_graph else g.detach()
                t._grad = g.clone() if t._grad is None else t._grad + g
    r.shared.update(id(g) for g in buf if g is not None)  # hooks may have returned user arrays
    return buf


def run_node(node: Any, buf: list, r: Run) -> tuple:
    """Hooks, capture, and the node's backward: the gradients for its inputs."""
    raw = r.raw
    if node.__class__ is AccumulateGrad:
        var = node.variable
        g = buf[0]
        if g is None:
            return ()
        hooked = bool(var._hooks or node._node_pre_hooks)  # g may be an array user code holds
        if var._hooks:
            g = run_hooks(var._hooks, g, raw)
        if node._node_pre_hooks:  # grad_fn.register_prehook on the leaf's node, as in PyTorch
            for hook in list(node._node_pre_hooks.values()):
                res = hook((wrap(g),))
                if res is not None:
                    g = unwrap(res[0], raw)
        slots = r.capture.get((node, 0)) if r.capture else None
        if slots is not None:
            for i in slots:
                r.captured[i] = g
        if r.accumulate and (r.run is None or slots is not None):
            accumulate_grad(var, g, r.create_graph, r.shared if raw and not hooked else None)
        if node._post_hooks:  # (grad_inputs, grad_outputs): a leaf's node has no inputs
            for hook in list(node._post_hooks.values()):
                hook((), (wrap(g),))
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
                        accumulate_grad(t, buf[nr], r.create_graph)
    if r.run is not None and node not in r.run:
        return ()
    if all(g is None for g in buf):
        return ()
    if node._nout > 1 and node.materialize_grads:
        buf = [g if g is not None else formula.zeros_like(meta[2] if raw else
                                                          Tensor._make(meta[2]))
               for g, meta in zip(buf, node._out_meta)]
    if raw and not node.builtin:  # custom Functions always see tensors
        results = tuple(unwrap(g, True) for g in node._run_backward([wrap(g) for g in buf]))
        r.shared.update(id(g) for g in results if g is not None)
    else:
        results = node._run_backward(buf)
    if node._post_hooks:  # hooks see the gradients of the edges in next_functions only
        for hook in list(node._post_hooks.values()):
            res = hook(tuple(wrap(g) for g in pick_edges(node, results)),
                       tuple(wrap(g) for g in buf))
            if res is not None:
                results = unpick_edges(node, [unwrap(g, raw) for g in res])
                r.shared.update(id(g) for g in results if g is not None)
    if not r.keep:
        node._release()
    return results


def _find_output(node: Any, nr: int) -> Tensor | None:
    """The tensor registered as output ``nr`` of ``node`` for ``backward(inputs=...)``."""
    refs = getattr(node, "_input_targets", None)
    return refs.get(nr) if refs else None


