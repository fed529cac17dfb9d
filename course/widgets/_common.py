"""Shared pieces of the widgets: showing figures and graphs in an Output, number formatting.

Outputs are set as ready-made display data (``Output.outputs``) instead of ``with out:``
printing: it works the same in a kernel, in a callback and in plain Python tests, and the data
(``image/png``, ``image/svg+xml``) can be read back by tests.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import graphviz
import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .. import graph as _graph
from .._graph_model import GraphModel


def figure_output(fig: Figure) -> dict:
    """A figure as PNG display data; the figure is closed so figures don't pile up."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)  # no bbox_inches="tight": it draws twice
    plt.close(fig)
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                     "text/plain": "<Figure>"}}


def graph_output(drawing: Any) -> dict:
    """A Digraph as SVG display data, or a fallback Figure as PNG."""
    if isinstance(drawing, graphviz.Digraph):
        svg = drawing.pipe(format="svg", encoding="utf-8")
        return {"output_type": "display_data", "metadata": {},
                "data": {"image/svg+xml": svg, "text/plain": "<computation graph>"}}
    return figure_output(drawing)


def show(out: widgets.Output, output: dict) -> None:
    """Replace what ``out`` shows."""
    out.outputs = (output,)


def draw(model: GraphModel, labels: dict, styles: dict | None = None, rankdir: str = "LR",
         edge_styles: dict | None = None) -> tuple[str, dict]:
    """(DOT source, display data) of a graph; the source exists even without ``dot``."""
    digraph = _graph.render_dot(model, labels, styles, rankdir, edge_styles)
    force = False
    if _graph.dot_available():
        try:
            return digraph.source, graph_output(digraph)
        except (graphviz.ExecutableNotFound, graphviz.CalledProcessError):
            force = True  # dot present but failing: fall back like a missing one
    drawing = _graph.render(model, labels, styles, rankdir, edge_styles, force_mpl=force)
    return digraph.source, graph_output(drawing)


def num(v: Any) -> Any:
    """A tensor or array as a float (one element) or nested list, for ``.value`` dicts."""
    if hasattr(v, "detach"):
        v = v.detach().numpy()
    if hasattr(v, "tolist"):
        v = v.tolist()
    return v


def output_area(css: str) -> widgets.Output:
    out = widgets.Output()
    out.add_class(css)
    return out


def value_label(css: str = "course-value") -> widgets.HTML:
    label = widgets.HTML()
    label.add_class(css)
    return label
