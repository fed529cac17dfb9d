"""``backprop_stepper(y, names={"x": x})``: Next / Back / Reset walk the backward pass node by node.

The gradients come from one real backward pass of autograd_lite (``autograd.grad`` with
``retain_graph=True``, so ``.grad`` fields and the graph stay untouched), recorded with node hooks:
for each op the gradient it receives and the gradients it sends to its inputs. Step k shows the
first k nodes of the engine's own order: the current node highlighted, each op with the gradient it
received, each leaf with the sum of the gradients that have reached it so far.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

import autograd_lite as torch
from autograd_lite import Tensor

from .._graph_model import GraphModel, build_model, fmt_tensor
from ..graph import check_rankdir
from ._common import draw, num, output_area, show, value_label

CURRENT = {"color": "red", "penwidth": "3"}
DONE = {"color": "darkgreen", "penwidth": "2"}


def record_backward(model: GraphModel, output: Tensor) -> tuple[dict, dict]:
    """Run the backward pass once; return ``{op id: grad received}`` and
    ``{edge index: gradient sent along it}`` (edges of op nodes into their inputs)."""
    received: dict[str, Any] = {}
    sent: dict[int, Any] = {}
    edge_of: dict[tuple[str, int], int] = {}  # (consumer id, k-th input) -> edge index
    count: dict[str, int] = {}
    for ei, (_, dst) in enumerate(model.edges):
        k = count.get(dst, 0)
        count[dst] = k + 1
        edge_of[(dst, k)] = ei

    def hook_for(nid: str, fn: Any) -> Any:
        def hook(grad_inputs: tuple, grad_outputs: tuple) -> None:
            received[nid] = grad_outputs[0] if len(grad_outputs) == 1 else grad_outputs
            k = 0
            for (nxt, _), g in zip(fn.next_functions, grad_inputs):
                if nxt is None:
                    continue
                if g is not None:
                    sent[edge_of[(nid, k)]] = g
                k += 1
        return hook

    handles = [n.fn.register_hook(hook_for(n.id, n.fn)) for n in model.nodes if n.kind == "op"]
    leaves = [n.tensor for n in model.nodes if n.kind == "leaf"]
    seed = None if output.numel() == 1 else torch.ones_like(output)
    try:
        torch.autograd.grad(output, leaves, grad_outputs=seed, retain_graph=True,
                            allow_unused=True)
    except RuntimeError as e:
        if "second time" in str(e):
            raise RuntimeError(
                "backprop_stepper replays the backward pass, which needs the graph's saved "
                "values, but backward() already freed them: build the output again (or call "
                "backward(retain_graph=True)) before backprop_stepper(output)") from None
        raise
    finally:
        for h in handles:
            h.remove()
    return received, sent


class BackpropStepper(widgets.VBox):
    """The widget; ``.step`` (0 = before the backward pass), ``.order`` (node names in the order
    the engine runs them), ``.value`` (the gradients shown), ``.source`` (DOT text)."""

    def __init__(self, output: Any, names: dict[str, Tensor] | None = None,
                 rankdir: str = "LR") -> None:
        self.model = build_model(output, names, caller="backprop_stepper()")
        if not output.requires_grad:
            raise RuntimeError("backprop_stepper: the output does not require grad, so there is "
                               "no backward pass; build it from tensors created with "
                               "requires_grad=True")
        self.output = output
        self.rankdir = check_rankdir(rankdir)
        self.order_ids = self.model.backward_order()
        self.order = [self._name(i) for i in self.order_ids]
        self._received, self._sent = record_backward(self.model, output)
        self.step = 0
        self.next_button = widgets.Button(description="Next", icon="step-forward")
        self.back_button = widgets.Button(description="Back", icon="step-backward")
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        for b, css in ((self.next_button, "course-next"), (self.back_button, "course-back"),
                       (self.reset_button, "course-reset")):
            b.add_class(css)
        self.label = value_label()
        self.graph = output_area("course-graph")
        self.value: dict[str, Any] = {}
        self.source = ""
        super().__init__([widgets.HBox([self.back_button, self.next_button, self.reset_button]),
                          self.label, self.graph])
        self.add_class("course-backprop-stepper")
        self.next_button.on_click(lambda _: self.next())
        self.back_button.on_click(lambda _: self.back())
        self.reset_button.on_click(lambda _: self.reset())
        self._render()

    def _name(self, nid: str) -> str:
        n = self.model.node(nid)
        return n.title or f"leaf {nid}"

    # --- navigation ---------------------------------------------------------------------------
    def next(self) -> None:
        if self.step < len(self.order_ids):
            self.step += 1
            self._render()

    def back(self) -> None:
        if self.step > 0:
            self.step -= 1
            self._render()

    def reset(self) -> None:
        self.step = 0
        self._render()

    # --- state at the current step -----------------------------------------------------------
    def _state(self) -> tuple[dict[str, list[str]], dict, dict, dict[str, Any]]:
        done = self.order_ids[:self.step]
        run = set(done)
        current = done[-1] if done else None
        labels: dict[str, list[str]] = {}
        leaf_grads: dict[str, Any] = {}
        for n in self.model.nodes:
            lines = [n.title] if n.title else []
            if n.tensor is not None:
                lines.append("value " + fmt_tensor(n.tensor))
            labels[n.id] = lines
        out = self.model.node(self.model.output)
        seed = torch.ones_like(self.output)
        labels[out.id].append("grad " + fmt_tensor(seed))  # d out / d out = 1
        for n in self.model.nodes:
            if n.kind == "op" and n.id in run:
                g = self._received.get(n.id)
                labels[n.id].append("grad in " + (fmt_tensor(g) if g is not None else "None"))
            elif n.kind == "tensor" and not n.is_output and n.inputs[0] in run:
                g = self._received.get(n.inputs[0])
                if g is not None:
                    labels[n.id].append("grad " + fmt_tensor(g))
        # a leaf's .grad: the sum of what its consumers have sent so far
        parts: dict[str, list[Any]] = {}
        for ei, (src, dst) in enumerate(self.model.edges):
            if dst in run and ei in self._sent and self.model.node(src).kind == "leaf":
                parts.setdefault(src, []).append(self._sent[ei])
        for nid, gs in parts.items():
            total = gs[0]
            for g in gs[1:]:
                total = total + g
            text = "grad " + fmt_tensor(total)
            if len(gs) > 1 and total.numel() == 1:
                text += " = " + " + ".join(fmt_tensor(g) for g in gs)
            labels[nid].append(text)
            leaf_grads[self._name(nid)] = num(total)
        for nid in labels:
            if not labels[nid]:
                labels[nid] = ["leaf"]
        styles = {nid: dict(DONE) for nid in done}
        edge_styles = {}
        if current is not None:
            styles[current] = dict(CURRENT)
            for ei, (_, dst) in enumerate(self.model.edges):
                if dst == current and ei in self._sent:
                    edge_styles[ei] = {"label": fmt_tensor(self._sent[ei]), "color": "red",
                                       "fontcolor": "red"}
        return labels, styles, edge_styles, leaf_grads

    def _render(self) -> None:
        labels, styles, edge_styles, leaf_grads = self._state()
        n = len(self.order_ids)
        current = self.order_ids[self.step - 1] if self.step else None
        value: dict[str, Any] = {"step": self.step, "steps": n,
                                 "node": self._name(current) if current else None,
                                 "leaf_grads": leaf_grads}
        if current is None:
            text = (f"Step 0 of {n}: the backward pass starts at the output with gradient "
                    f"{fmt_tensor(torch.ones_like(self.output))}. Press Next.")
        else:
            node = self.model.node(current)
            if node.kind == "op":
                g = self._received.get(current)
                value["grad_in"] = num(g) if g is not None else None
                text = (f"Step {self.step} of {n}: {node.title} receives gradient "
                        f"{fmt_tensor(g) if g is not None else 'None'} and sends one to each "
                        f"input (red arrows).")
            else:
                total = leaf_grads.get(self._name(current))
                value["grad_in"] = total
                text = (f"Step {self.step} of {n}: leaf {self._name(current)} accumulates its "
                        f"gradient into .grad = {labels[current][-1].removeprefix('grad ')}.")
        if self.step == n:
            text += " Done: every leaf has its gradient."
        self.value = value
        self.label.value = text
        self.next_button.disabled = self.step >= n
        self.back_button.disabled = self.step == 0
        self.source, data = draw(self.model, labels, styles, self.rankdir, edge_styles)
        show(self.graph, data)


def backprop_stepper(output: Tensor, names: dict[str, Tensor] | None = None) -> BackpropStepper:
    """Next / Back / Reset walk the backward pass of ``output`` in the engine's topological order,
    highlighting the current node and showing each gradient as it is accumulated."""
    return BackpropStepper(output, names)
