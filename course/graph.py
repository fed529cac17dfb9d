"""Draw the computation graph that produced a tensor: ``draw_graph(y, names={"x": x})``.

Returns a ``graphviz.Digraph`` (SVG in Jupyter; ``.source`` is deterministic DOT text). Without the
``dot`` binary it prints one sentence on installing graphviz (once per process) and returns a
matplotlib Figure of the same graph, laid out in Python (course/_graph_mpl.py).
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import graphviz

from ._graph_model import GraphModel, build_model, default_labels

__all__ = ["draw_graph", "dot_available", "render_dot", "render", "INSTALL_HINT", "FORCE_NO_DOT"]

# Set to True (or the environment variable COURSE_NO_DOT=1) to use the matplotlib renderer even
# where graphviz's `dot` is installed: how the tests exercise the fallback.
FORCE_NO_DOT = False

INSTALL_HINT = ("The graphviz `dot` program is not installed, so this graph is drawn with "
                "matplotlib; for the graphviz drawing install it with `apt-get install graphviz` "
                "(Debian/Ubuntu), `brew install graphviz` (macOS) or `conda install graphviz`.")

_hint_printed = False

RANKDIRS = ("LR", "TB", "RL", "BT")

# torchviz's colours: leaves light blue, ops grey, the output green; named intermediates yellow
FILL = {"leaf": "lightblue", "op": "lightgrey", "tensor": "lightyellow", "constant": "white",
        "output": "darkolivegreen1"}


def dot_available() -> bool:
    """Whether graphviz's ``dot`` binary can be run (honours FORCE_NO_DOT / COURSE_NO_DOT)."""
    if FORCE_NO_DOT or os.environ.get("COURSE_NO_DOT", "") not in ("", "0"):
        return False
    return shutil.which("dot") is not None


def _print_hint_once() -> None:
    global _hint_printed
    if not _hint_printed:
        _hint_printed = True
        print(INSTALL_HINT)


def fill_of(model: GraphModel, node_id: str) -> str:
    n = model.node(node_id)
    return FILL["output"] if n.is_output and n.kind == "tensor" else FILL[n.kind]


def _dot_label(lines: list[str]) -> str:
    # graphviz (the Python package) quotes the label; backslashes are DOT escapes, so a literal
    # backslash in a name is doubled and lines are joined with DOT's centred line break
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)


def render_dot(model: GraphModel, labels: dict[str, list[str]],
               styles: dict[str, dict[str, str]] | None = None, rankdir: str = "LR",
               edge_styles: dict[int, dict[str, str]] | None = None) -> graphviz.Digraph:
    """The model as a Digraph. ``styles`` adds DOT attributes per node id (e.g. a highlight),
    ``edge_styles`` per edge index in ``model.edges`` (e.g. ``{"label": ..., "color": ...}``)."""
    styles = styles or {}
    edge_styles = edge_styles or {}
    g = graphviz.Digraph(
        "computation_graph",
        graph_attr={"rankdir": rankdir, "bgcolor": "white"},
        node_attr={"shape": "box", "style": "filled,rounded", "fontname": "Helvetica",
                   "fontsize": "11"},
        edge_attr={"arrowsize": "0.7", "fontname": "Helvetica", "fontsize": "10"})
    for n in model.nodes:
        attrs = {"fillcolor": fill_of(model, n.id)}
        if n.kind == "op":
            attrs["style"] = "filled"
        attrs.update(styles.get(n.id, {}))
        g.node(n.id, _dot_label(labels[n.id]), **attrs)
    for k, (src, dst) in enumerate(model.edges):
        attrs = dict(edge_styles.get(k, {}))
        if "label" in attrs:
            attrs["label"] = _dot_label([attrs["label"]])
        g.edge(src, dst, **attrs)
    return g


def render(model: GraphModel, labels: dict[str, list[str]],
           styles: dict[str, dict[str, str]] | None = None, rankdir: str = "LR",
           edge_styles: dict[int, dict[str, str]] | None = None, force_mpl: bool = False) -> Any:
    """A Digraph where ``dot`` exists, else (after the install hint) a matplotlib Figure;
    ``force_mpl`` skips both (for a ``dot`` that exists but fails)."""
    if not force_mpl:
        if dot_available():
            return render_dot(model, labels, styles, rankdir, edge_styles)
        _print_hint_once()
    from ._graph_mpl import render_mpl
    return render_mpl(model, labels, styles, rankdir, edge_styles)


def check_rankdir(rankdir: Any) -> str:
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)} "
                         f"(LR: left to right, TB: top to bottom), got {rankdir!r}")
    return rankdir


def draw_graph(t: Any, names: dict[str, Any] | None = None, show_data: bool = True,
               show_grad: bool = True, rankdir: str = "LR") -> Any:
    """Draw the graph that produced tensor ``t``.

    Leaves are labelled from ``names={"x": x, "w": w}`` (intermediate tensors too when the
    mapping has them), ops with their grad-fn names (``PowBackward0``); with ``show_data`` each
    tensor shows its value and, after ``backward()``, with ``show_grad`` its gradient.
    Returns a ``graphviz.Digraph``, or a matplotlib Figure when graphviz's ``dot`` is missing.
    """
    check_rankdir(rankdir)
    model = build_model(t, names, caller="draw_graph()")
    return render(model, default_labels(model, show_data, show_grad), None, rankdir)
