"""The computation graph behind a tensor, as plain data: leaf, op and tensor nodes with stable ids.

Built by walking ``grad_fn.next_functions`` from the output (as torchviz does). Both renderers
(graphviz DOT and the matplotlib fallback) and the backprop stepper use this one model, so they
always show the same graph. Node ids are ``n0, n1, ...`` in breadth-first order from the output,
never ``id()``: the same computation always gives the same ids and the same DOT text.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_lite import Tensor
from autograd_lite.function import AccumulateGrad


@dataclass
class GNode:
    """One drawn node: a leaf tensor, an op (a grad-fn node) or a named/output tensor."""

    id: str
    kind: str  # "leaf" | "op" | "tensor" (a named intermediate or the output) | "constant"
    title: str  # the name from the mapping, the op's grad-fn name, or "" for an unnamed leaf
    tensor: Tensor | None = None  # the tensor shown (leaf, intermediate, output); None for ops
    fn: Any = None  # the autograd node: the op's grad_fn, or a leaf's AccumulateGrad
    output_nr: int = 0  # for "tensor" nodes: which output of ``fn`` this tensor is
    is_output: bool = False
    inputs: list[str] = field(default_factory=list)  # ids feeding this node (forward direction)


@dataclass
class GraphModel:
    """Nodes in id order and forward edges ``(src, dst)`` (an input used twice gives two edges)."""

    nodes: list[GNode]
    edges: list[tuple[str, str]]
    output: str

    def node(self, node_id: str) -> GNode:
        return self.nodes[int(node_id[1:])]

    def backward_order(self) -> list[str]:
        """Ids of the op and leaf nodes in the order autograd_lite's engine runs them.

        Kahn's algorithm over the backward edges; among ready nodes the most recently created
        runs first (largest ``_seq``), exactly the engine's rule (autograd_lite/engine.py).
        """
        runnable = [n for n in self.nodes if n.kind in ("op", "leaf")]
        # backward edges go from a consumer op to the nodes producing its inputs; a named tensor
        # node in between is transparent
        producers: dict[str, list[str]] = {n.id: [] for n in runnable}
        deps = {n.id: 0 for n in runnable}
        for n in runnable:
            if n.kind != "op":
                continue
            for src in n.inputs:
                p = self._producer(src)
                if p is not None:
                    producers[n.id].append(p)
                    deps[p] += 1
        start = self._producer(self.output)
        if start is None:
            return []
        ready = [(-self._seq(start), start)]
        order = []
        while ready:
            _, nid = heapq.heappop(ready)
            order.append(nid)
            for p in producers[nid]:
                deps[p] -= 1
                if deps[p] == 0:
                    heapq.heappush(ready, (-self._seq(p), p))
        return order

    def _producer(self, node_id: str) -> str | None:
        """The op or leaf node whose backward runs for gradients arriving at ``node_id``."""
        n = self.node(node_id)
        if n.kind in ("op", "leaf"):
            return n.id
        if n.kind == "tensor" and n.inputs:
            return n.inputs[0]
        return None

    def _seq(self, node_id: str) -> int:
        return getattr(self.node(node_id).fn, "_seq", 0)


def check_names(names: Any, caller: str) -> dict[str, Tensor]:
    """Validate a ``names={"x": x}`` mapping (torchviz's ``params`` convention)."""
    if names is None:
        return {}
    if not isinstance(names, dict):
        raise TypeError(f"{caller}: names must be a dict mapping a name to a tensor, e.g. "
                        f"names={{'x': x, 'w': w}}; got {type(names).__name__}")
    for k, v in names.items():
        if not isinstance(k, str):
            raise TypeError(f"{caller}: names keys must be strings, got {k!r}")
        if not isinstance(v, Tensor):
            raise TypeError(f"{caller}: names[{k!r}] must be a Tensor, got {type(v).__name__}")
    return dict(names)


def build_model(t: Any, names: dict[str, Tensor] | None = None,
                caller: str = "draw_graph()") -> GraphModel:
    """Walk the graph that produced ``t`` (breadth-first from the output) into a GraphModel."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{caller} expects an autograd_lite Tensor (the result of a computation, "
                        f"e.g. y = torch.sin(x ** 2)), got {type(t).__name__}")
    names = check_names(names, caller)
    leaf_names = {}  # by identity: tensors are unhashable by value and equal data != same tensor
    inter_names = {}
    for name, v in names.items():
        if v.grad_fn is None:
            leaf_names.setdefault(id(v), name)
        else:
            inter_names.setdefault((id(v.grad_fn), getattr(v, "_output_nr", 0)), (name, v))
    out_name = next((k for k, v in names.items() if v is t), "output")

    nodes: list[GNode] = []
    edges: list[tuple[str, str]] = []

    def new(kind: str, title: str, **kw: Any) -> GNode:
        n = GNode(f"n{len(nodes)}", kind, title, **kw)
        nodes.append(n)
        return n

    if t.grad_fn is None:  # a leaf (or a constant): the whole graph is one node
        kind = "leaf" if t.requires_grad else "constant"
        fn = t._accumulate_node() if t.requires_grad else None
        n = new(kind, leaf_names.get(id(t), "" if out_name == "output" else out_name),
                tensor=t, fn=fn, is_output=True)
        return GraphModel(nodes, edges, n.id)

    root = new("tensor", out_name, tensor=t, fn=t.grad_fn,
               output_nr=getattr(t, "_output_nr", 0), is_output=True)
    op_ids: dict[int, GNode] = {}  # id(grad-fn node) -> its GNode; the walk keeps nodes alive
    tensor_ids: dict[tuple[int, int], GNode] = {}
    queue: deque = deque()

    def op_node(fn: Any) -> GNode:
        n = op_ids.get(id(fn))
        if n is None:
            if isinstance(fn, AccumulateGrad):
                v = fn.variable
                n = new("leaf", leaf_names.get(id(v), ""), tensor=v, fn=fn)
            else:
                n = new("op", type(fn).__name__, fn=fn)  # as PyTorch prints it
            op_ids[id(fn)] = n
            queue.append(n)
        return n

    def source_of(fn: Any, nr: int) -> GNode:
        """The node an edge (fn, output nr) starts from: a named tensor node, else the op."""
        named = inter_names.get((id(fn), nr))
        if named is None:
            return op_node(fn)
        n = tensor_ids.get((id(fn), nr))
        if n is None:
            n = new("tensor", named[0], tensor=named[1], fn=fn, output_nr=nr)
            tensor_ids[(id(fn), nr)] = n
            src = op_node(fn)
            n.inputs.append(src.id)
            edges.append((src.id, n.id))
        return n

    first = op_node(t.grad_fn)
    root.inputs.append(first.id)
    edges.append((first.id, root.id))
    while queue:
        n = queue.popleft()
        if n.kind != "op":
            continue
        for fn, nr in n.fn.next_functions:
            if fn is None:
                continue
            src = source_of(fn, nr)
            n.inputs.append(src.id)
            edges.append((src.id, n.id))
    return GraphModel(nodes, edges, root.id)


# --- formatting values ----------------------------------------------------------------------------
def fmt_number(v: float) -> str:
    """``4.0000``; scientific notation only where fixed point would hide the value."""
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-4) and np.isfinite(v):
        return f"{v:.3e}"
    return f"{v:.4f}"


def fmt_tensor(t: Any, max_values: int = 3) -> str:
    """A compact text for a tensor: ``4.0000``, ``[1.0000, 2.0000]`` or ``(2, 3) [0.1000, ...]``."""
    arr = np.asarray(t.detach().numpy() if isinstance(t, Tensor) else t, dtype=np.float64)
    if arr.size == 1:
        return fmt_number(float(arr.reshape(())))
    flat = arr.reshape(-1)
    vals = ", ".join(fmt_number(float(v)) for v in flat[:max_values])
    if arr.size > max_values:
        vals += ", ..."
    if arr.ndim == 1 and arr.size <= max_values:
        return f"[{vals}]"
    return f"{tuple(arr.shape)} [{vals}]"


def tensor_grad(t: Tensor) -> Tensor | None:
    """``t.grad`` where PyTorch populates it (leaves, retain_grad), without its warning."""
    if t.is_leaf or t.retains_grad:
        return t.grad
    return None


def default_labels(model: GraphModel, show_data: bool = True,
                   show_grad: bool = True) -> dict[str, list[str]]:
    """The text lines of every node: title, then ``value ...`` and ``grad ...`` when known."""
    labels = {}
    for n in model.nodes:
        lines = [n.title] if n.title else []
        if n.tensor is not None:
            if show_data:
                lines.append("value " + fmt_tensor(n.tensor))
            g = tensor_grad(n.tensor) if show_grad else None
            if g is not None:
                lines.append("grad " + fmt_tensor(g))
        if not lines:
            lines = ["leaf"]
        labels[n.id] = lines
    return labels
