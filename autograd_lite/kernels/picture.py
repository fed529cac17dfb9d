"""Pictures of a simulated launch: which block (or thread) touched each element of each array,
and an ipywidgets explorer with sliders over the block size and the thread to highlight."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import library as lib
from .gridsim import Trace, blocks_for


def _as_2d(a: np.ndarray) -> np.ndarray:
    return a.reshape(1, -1) if a.ndim == 1 else a.reshape(a.shape[0], -1)


def access_figure(trace: Trace, arrays: list[str] | None = None, kind: str = "any",
                  highlight: int | None = None, title: str | None = None) -> Any:
    """One panel per array: each element coloured by the block that touched it (``kind``:
    'read', 'write' or 'any'); the elements global thread ``highlight`` read (x) and wrote (o)
    are marked. Returns the matplotlib Figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    names = arrays or [a for a in trace.shapes if a not in trace.shared]  # global memory
    fig, axes = plt.subplots(1, len(names), figsize=(3.4 * len(names) + 1.5, 3.8),
                             squeeze=False, layout="constrained")
    nblocks = trace.grid.x * trace.grid.y * trace.grid.z
    cmap = plt.get_cmap("tab20", max(nblocks, 2))
    tpb = trace.threads_per_block
    for ax, name in zip(axes[0], names):
        owner = _as_2d(trace.owner(name, kind, by="block")).astype(float)
        shown = np.ma.masked_less(owner, 0)
        im = ax.imshow(shown, cmap=cmap, vmin=-0.5, vmax=max(nblocks, 2) - 0.5,
                       aspect="auto", interpolation="nearest")
        if highlight is not None:
            acc = trace.accesses(name, "any")
            mine = acc["block"] * tpb + acc["thread"] == highlight
            cols = owner.shape[1]
            for k, mark in ((0, "x"), (1, "o")):
                kinds = np.asarray([trace.kind[i] for i in range(len(trace))
                                    if trace.array[i] == name])
                sel = mine & (np.minimum(kinds, 1) == k)
                idx = acc["index"][sel]
                ax.plot(idx % cols, idx // cols, mark, color="black", ms=7, mew=1.5)
        ax.set_title(f"{name} {tuple(trace.shapes[name])}")
        ax.set_xlabel("column" if owner.shape[0] > 1 else "element")
        ax.set_ylabel("row")
    fig.colorbar(im, ax=list(axes[0]), label="block (linear id)")
    handles = [Line2D([], [], ls="", marker="x", color="black", label="read by the thread"),
               Line2D([], [], ls="", marker="o", color="black", label="written by the thread")]
    if highlight is not None:
        axes[0][0].legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.25),
                          fontsize="small", ncol=2)
    fig.suptitle(title or f"who touched what ({kind}), grid {tuple(trace.grid)}, "
                 f"block {tuple(trace.block)}")
    return fig


def matmul_trace(m: int = 6, k: int = 5, n: int = 7, tile: int = 2, seed: int = 0) -> Trace:
    """Trace of the tiled matmul kernel on small random matrices."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    c = np.zeros((m, n))
    grid = (blocks_for(n, tile), blocks_for(m, tile))
    return lib.matmul_tiled(tile, np.float64).simulate(grid, (tile, tile), (a, b, c, m, k, n),
                                                       trace=True)


def sigmoid_trace(n: int = 20, block: int = 8) -> Trace:
    """Trace of the elementwise sigmoid kernel on ``n`` elements."""
    x = np.linspace(-3, 3, n)
    y = np.zeros(n)
    return lib.sigmoid_forward.simulate(blocks_for(n, block), block, (x, y, n), trace=True)


def access_explorer(problem: str = "matmul") -> Any:
    """Sliders over the block size (tile for matmul) and the highlighted thread; the picture of
    the simulated launch redraws. ``problem``: 'matmul' or 'sigmoid'."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    if problem not in ("matmul", "sigmoid"):
        raise ValueError(f"problem must be 'matmul' or 'sigmoid', got {problem!r}")
    size = widgets.IntSlider(value=2 if problem == "matmul" else 8,
                             min=1, max=4 if problem == "matmul" else 32,
                             description="tile" if problem == "matmul" else "block size")
    thread = widgets.IntSlider(value=0, min=0, max=0, description="thread")
    out = widgets.Output()
    box = widgets.VBox([size, thread, out])

    def redraw(*_: Any) -> None:
        tr = matmul_trace(tile=size.value) if problem == "matmul" else sigmoid_trace(
            block=size.value)
        total = tr.threads_per_block * tr.grid.x * tr.grid.y * tr.grid.z
        thread.max = total - 1
        box.trace = tr
        with out:
            out.clear_output(wait=True)
            fig = access_figure(tr, highlight=min(thread.value, total - 1))
            display(fig)
            plt.close(fig)

    size.observe(redraw, names="value")
    thread.observe(redraw, names="value")
    box.size_slider, box.thread_slider = size, thread
    redraw()
    return box
