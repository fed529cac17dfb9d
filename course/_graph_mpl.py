"""The matplotlib renderer of a computation graph, used when graphviz's ``dot`` is missing.

Layout as in dot, simplified: each node's layer is its longest path from a source (so every edge
points forward), nodes within a layer are ordered by a few barycentric sweeps (fewer crossings),
then layers become columns (rankdir LR/RL) or rows (TB/BT) of boxes joined by arrows.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ._graph_model import GraphModel

BOX_W = 2.2  # smallest box width in data units; the figure shows one unit as SCALE inches
CHAR_W = 0.115  # width of one character at the 8-point font, in data units
SCALE = 0.55
LAYER_GAP = 1.0
SLOT_GAP = 0.5
LINE_H = 0.32
# graphviz colour names that matplotlib does not know
MPL_COLORS = {"darkolivegreen1": "#caff70"}


def _adjacency(nodes: list[str], edges: list[tuple[str, str]]) -> tuple[dict, dict]:
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    succs: dict[str, list[str]] = {n: [] for n in nodes}
    for s, d in edges:
        preds[d].append(s)
        succs[s].append(d)
    return preds, succs


def layers(model: GraphModel) -> dict[str, int]:
    """Longest-path layering: each node one past its deepest input; then every source moves up
    to just before its first consumer (a leaf sits next to the op that uses it)."""
    ids = [n.id for n in model.nodes]
    preds, succs = _adjacency(ids, model.edges)
    indeg = {k: len(set(v)) for k, v in preds.items()}
    layer: dict[str, int] = {}
    ready = [i for i in ids if indeg[i] == 0]
    while ready:  # Kahn's order: a node is placed after all of its inputs
        nid = ready.pop()
        layer[nid] = max((layer[p] + 1 for p in preds[nid]), default=0)
        for d in dict.fromkeys(succs[nid]):
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    for nid in ids:
        if not preds[nid] and succs[nid]:
            layer[nid] = min(layer[d] for d in succs[nid]) - 1
    low = min(layer.values(), default=0)
    return {k: v - low for k, v in layer.items()}


def split_long_edges(model: GraphModel, layer: dict[str, int]) -> tuple[dict, list, list]:
    """Insert dummy nodes (``~k``) where an edge spans several layers, as dot does, so that long
    edges are routed between boxes instead of through them. Returns (layer, edges, paths)."""
    layer = dict(layer)
    edges, paths = [], []
    for k, (s, d) in enumerate(model.edges):
        chain = [s]
        for li in range(layer[s] + 1, layer[d]):
            dummy = f"~{k}.{li}"
            layer[dummy] = li
            chain.append(dummy)
        chain.append(d)
        edges.extend(zip(chain, chain[1:]))
        paths.append(chain)
    return layer, edges, paths


def order_layers(ids: list[str], edges: list[tuple[str, str]], layer: dict[str, int],
                 sweeps: int = 4) -> list[list[str]]:
    """Nodes per layer, ordered by barycentric sweeps (down, then up, repeated)."""
    depth = max(layer.values(), default=0) + 1
    rows: list[list[str]] = [[] for _ in range(depth)]
    for nid in ids:  # deterministic start: id order
        rows[layer[nid]].append(nid)
    preds, succs = _adjacency(ids, edges)

    def sweep(rng: range, nbrs: dict[str, list[str]], ref_offset: int) -> None:
        for i in rng:
            ref = {nid: k for k, nid in enumerate(rows[i + ref_offset])}
            old = {nid: k for k, nid in enumerate(rows[i])}
            keys = {}
            for nid in rows[i]:
                ks = [ref[m] for m in nbrs[nid] if m in ref]
                keys[nid] = (sum(ks) / len(ks) if ks else old[nid], old[nid])
            rows[i].sort(key=keys.__getitem__)

    for _ in range(sweeps):
        sweep(range(1, depth), preds, -1)
        sweep(range(depth - 2, -1, -1), succs, +1)
    return rows


def render_mpl(model: GraphModel, labels: dict[str, list[str]],
               styles: dict[str, dict[str, str]] | None = None, rankdir: str = "LR",
               edge_styles: dict[int, dict[str, str]] | None = None) -> Figure:
    """Draw the model on a new Figure (not registered with pyplot, so it never piles up)."""
    from .graph import fill_of

    styles = styles or {}
    edge_styles = edge_styles or {}
    layer, edges, paths = split_long_edges(model, layers(model))
    ids = [n.id for n in model.nodes] + [k for k in layer if k.startswith("~")]
    rows = order_layers(ids, edges, layer)
    size = {}  # (width, height) in data units
    for nid in ids:
        lines = labels.get(nid)
        if lines is None:
            size[nid] = (0.0, 0.0)
        else:
            size[nid] = (max(BOX_W, CHAR_W * max(len(s) for s in lines) + 0.4),
                         0.25 + LINE_H * len(lines))
    horizontal = rankdir in ("LR", "RL")
    # layout coordinates (along the layers, across them), turned into (x, y) at the end
    sa = {n: (size[n][0] if horizontal else size[n][1]) for n in ids}  # size along
    sx = {n: max(size[n][1] if horizontal else size[n][0], 0.2) for n in ids}  # size across
    lay: dict[str, tuple[float, float]] = {}
    bounds: list[tuple[float, float]] = []  # each layer's extent along
    along = 0.0
    for row in rows:
        extent = max((sa[n] for n in row), default=0.0)
        bounds.append((along, along + extent))
        c = (sum(sx[n] for n in row) + SLOT_GAP * (len(row) - 1)) / 2
        for nid in row:
            lay[nid] = (along + extent / 2, c - sx[nid] / 2)
            c -= sx[nid] + SLOT_GAP
        along += extent + LAYER_GAP

    def to_xy(al: float, ac: float) -> tuple[float, float]:
        return {"LR": (al, ac), "RL": (-al, ac), "TB": (ac, -al), "BT": (ac, al)}[rankdir]

    pos = {k: to_xy(*v) for k, v in lay.items()}

    x0 = min(pos[n][0] - size[n][0] / 2 for n in ids) - 0.3
    x1 = max(pos[n][0] + size[n][0] / 2 for n in ids) + 0.3
    y0 = min(pos[n][1] - size[n][1] / 2 for n in ids) - 0.3
    y1 = max(pos[n][1] + size[n][1] / 2 for n in ids) + 0.3
    fig = Figure(figsize=(max(3.0, (x1 - x0) * SCALE), max(2.0, (y1 - y0) * SCALE)))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axis("off")

    for n in model.nodes:
        x, y = pos[n.id]
        w, h = size[n.id]
        st = styles.get(n.id, {})
        fill = st.get("fillcolor", fill_of(model, n.id))
        box = FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                             boxstyle="square,pad=0" if n.kind == "op"
                             else "round,pad=0,rounding_size=0.15",
                             facecolor=MPL_COLORS.get(fill, fill),
                             edgecolor=st.get("color", "black"),
                             linewidth=float(st.get("penwidth", 1.0)), zorder=2)
        ax.add_patch(box)
        ax.text(x, y, "\n".join(labels[n.id]), ha="center", va="center", fontsize=8,
                family="sans-serif", zorder=3, linespacing=1.3)

    seen: dict[tuple[str, str], int] = {}
    for ei, chain in enumerate(paths):
        est = edge_styles.get(ei, {})
        color = est.get("color", "dimgray")
        key = (chain[0], chain[-1])
        k = seen.get(key, 0)  # a repeated edge (x * x) is shifted so that both arrows show
        seen[key] = k + 1
        shift = 0.18 * k
        src, dst = chain[0], chain[-1]
        # leave the source box, cross each layer in its gap (never through a box), enter dst
        pts = [(lay[src][0] + sa[src] / 2, lay[src][1]),
               (bounds[layer[src]][1], lay[src][1] + shift)]
        for dm in chain[1:-1]:
            pts += [(bounds[layer[dm]][0], lay[dm][1] + shift),
                    (bounds[layer[dm]][1], lay[dm][1] + shift)]
        pts += [(bounds[layer[dst]][0], lay[dst][1] + shift),
                (lay[dst][0] - sa[dst] / 2, lay[dst][1])]
        xy = [to_xy(*p) for p in pts]
        xs, ys = zip(*xy)
        ax.plot(xs, ys, color=color, lw=1.0, zorder=1)
        end = xy[-1]
        tail = next((p for p in reversed(xy[:-1])
                     if abs(p[0] - end[0]) + abs(p[1] - end[1]) > 1e-6), xy[0])
        ax.annotate("", xy=xy[-1], xytext=tail, zorder=1,
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.0,
                                "shrinkA": 0, "shrinkB": 0, "mutation_scale": 10})
        if "label" in est:
            (xa, ya), (xb, yb) = xy[-3], xy[-2]
            ax.text((xa + xb) / 2, (ya + yb) / 2, est["label"], fontsize=7, color=color,
                    ha="center", va="bottom", zorder=4)
    return fig
