"""``graph_explorer(build, x=2.0, w=(0.5, -1, 1))``: one slider per input; the computation graph
of ``build(**tensors)`` with values and gradients redraws as the sliders move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

import autograd_lite as torch
from autograd_lite import Tensor

from .._graph_model import build_model, default_labels, fmt_tensor
from ..graph import check_rankdir
from ._common import draw, num, output_area, show, value_label


def _slider_spec(name: str, spec: Any) -> tuple[float, float, float, float]:
    """(value, min, max, step) from a float or a tuple (value, min, max[, step])."""
    if isinstance(spec, bool) or not isinstance(spec, (int, float, tuple, list)):
        raise TypeError(f"graph_explorer: input {name}={spec!r} must be a number or a tuple "
                        f"(value, min, max) or (value, min, max, step), e.g. {name}=(1.0, -2, 2)")
    if isinstance(spec, (int, float)):
        v = float(spec)
        span = max(1.0, 2 * abs(v))
        return v, v - span, v + span, span / 50
    if len(spec) not in (3, 4):
        raise ValueError(f"graph_explorer: input {name}={spec!r} must be (value, min, max) or "
                         f"(value, min, max, step)")
    v, lo, hi = (float(s) for s in spec[:3])
    step = float(spec[3]) if len(spec) == 4 else (hi - lo) / 100
    if not lo <= v <= hi:
        raise ValueError(f"graph_explorer: input {name}: value {v} is outside [{lo}, {hi}]")
    if step <= 0:
        raise ValueError(f"graph_explorer: input {name}: step must be positive, got {step}")
    return v, lo, hi, step


class GraphExplorer(widgets.VBox):
    """The widget; ``.value`` has the inputs, the output and ``grad_<name>`` of each input;
    ``.source`` the DOT text of the graph shown; ``.sliders[name]`` the controls."""

    def __init__(self, build: Callable[..., Tensor], rankdir: str = "LR",
                 **inputs: Any) -> None:
        if not callable(build):
            raise TypeError(f"graph_explorer: build must be a function of the inputs returning "
                            f"the output tensor, got {type(build).__name__}")
        if not inputs:
            raise ValueError("graph_explorer needs at least one input, e.g. "
                             "graph_explorer(build, x=2.0) for build(x)")
        self.build = build
        self.rankdir = check_rankdir(rankdir)
        self.sliders: dict[str, widgets.FloatSlider] = {}
        for name, spec in inputs.items():
            v, lo, hi, step = _slider_spec(name, spec)
            self.sliders[name] = widgets.FloatSlider(
                value=v, min=lo, max=hi, step=step, description=name, readout_format=".3f",
                continuous_update=False)
            self.sliders[name].add_class("course-slider")
            self.sliders[name].add_class(f"course-slider-{name}")
        self.label = value_label()
        self.graph = output_area("course-graph")
        self.value: dict[str, Any] = {}
        self.source = ""
        self.output: Tensor | None = None
        self.tensors: dict[str, Tensor] = {}
        super().__init__([widgets.VBox(list(self.sliders.values())), self.label, self.graph])
        self.add_class("course-graph-explorer")
        self._update(raise_errors=True)  # a broken build fails here, with a clear message
        for s in self.sliders.values():
            s.observe(self._update, names="value")

    def _compute(self) -> tuple[dict[str, Tensor], Tensor]:
        tensors = {name: torch.tensor(float(s.value), requires_grad=True)
                   for name, s in self.sliders.items()}
        out = self.build(**tensors)
        if not isinstance(out, Tensor):
            raise TypeError(f"graph_explorer: build(**inputs) must return the output tensor, got "
                            f"{type(out).__name__}" + (" (did you forget `return`?)"
                                                        if out is None else ""))
        if out.requires_grad:
            # a non-scalar output is seeded with ones: the gradients of out.sum()
            out.backward(None if out.numel() == 1 else torch.ones_like(out))
        return tensors, out

    def _update(self, change: Any = None, raise_errors: bool = False) -> None:
        try:
            tensors, out = self._compute()
        except Exception as e:  # a slider value where build fails: say so, keep the widget alive
            if raise_errors:
                raise
            self.label.value = f"<b>build failed:</b> {type(e).__name__}: {e}"
            return
        self.tensors, self.output = tensors, out
        value: dict[str, Any] = {name: float(s.value) for name, s in self.sliders.items()}
        value["output"] = num(out)
        for name, t in tensors.items():
            value[f"grad_{name}"] = num(t.grad) if t.grad is not None else 0.0
        self.value = value
        parts = [f"output = {fmt_tensor(out)}"] + [
            f"d output / d {name} = {fmt_tensor(t.grad) if t.grad is not None else '0 (unused)'}"
            for name, t in tensors.items()]
        self.label.value = " &nbsp;|&nbsp; ".join(parts)
        model = build_model(out, tensors, caller="graph_explorer")
        self.source, data = draw(model, default_labels(model), None, self.rankdir)
        show(self.graph, data)


def graph_explorer(build: Callable[..., Tensor], **inputs: Any) -> GraphExplorer:
    """One slider per input (a float, or ``(value, min, max[, step])``); ``build(**tensors)`` gets
    leaf tensors that require grad and returns the output; its graph with values and gradients
    (after ``backward()``) redraws as the sliders move."""
    return GraphExplorer(build, **inputs)
