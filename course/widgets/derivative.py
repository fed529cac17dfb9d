"""``derivative_explorer``: f with its tangent at a slider-chosen x; the autograd derivative beside
forward and central finite differences (step h from a second slider) and the analytic one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as torch

from .._graph_model import fmt_number
from ..plots import _analytic, _call_scalar, _check_range, autograd_curve
from ._common import figure_output, output_area, show, value_label


class DerivativeExplorer(widgets.VBox):
    """The widget; ``.value`` holds the numbers shown, ``.figure`` the last plot."""

    def __init__(self, f: Callable, x_range: Any = (-3, 3), df: Callable | None = None,
                 h: float = 1e-3, dtype: Any = torch.float64) -> None:
        if not callable(f):
            raise TypeError(f"derivative_explorer: f must be a function of one tensor, e.g. "
                            f"lambda x: torch.sin(x), got {type(f).__name__}")
        if df is not None and not callable(df):
            raise TypeError(f"derivative_explorer: df must be a function (the analytic "
                            f"derivative) or None, got {type(df).__name__}")
        lo, hi = _check_range(x_range)
        if not 0 < h < 1:
            raise ValueError(f"derivative_explorer: h must be in (0, 1), got {h!r}")
        self.f, self.df, self.dtype = f, df, dtype
        self.x_range = (lo, hi)
        # the curve is computed once; moving a slider only evaluates f near x
        self._xs = np.linspace(lo, hi, 300)
        self._ys, _ = autograd_curve(f, self._xs, dtype)
        self.x_slider = widgets.FloatSlider(
            value=round((lo + hi) / 2 + (hi - lo) / 7, 4), min=lo, max=hi,
            step=(hi - lo) / 400, description="x", readout_format=".3f",
            continuous_update=False)
        self.h_slider = widgets.FloatLogSlider(
            value=h, base=10, min=-10, max=-0.3, step=0.1, description="h",
            readout_format=".1e", continuous_update=False)
        self.x_slider.add_class("course-x-slider")
        self.h_slider.add_class("course-h-slider")
        self.label = value_label()
        self.plot = output_area("course-plot")
        self.value: dict[str, float] = {}
        self.figure = None
        super().__init__([widgets.HBox([self.x_slider, self.h_slider]), self.label, self.plot])
        self.add_class("course-derivative-explorer")
        self.x_slider.observe(self._update, names="value")
        self.h_slider.observe(self._update, names="value")
        self._update()

    def _eval(self, x: float) -> float:
        y, _ = _call_scalar(self.f, x, self.dtype)
        return y

    def _update(self, change: Any = None) -> None:
        x, h = float(self.x_slider.value), float(self.h_slider.value)
        fx, grad = _call_scalar(self.f, x, self.dtype)
        self._fxh = self._eval(x + h)  # the secant's second point, drawn on the plot
        fwd = (self._fxh - fx) / h
        central = (self._fxh - self._eval(x - h)) / (2 * h)
        value = {"x": x, "h": h, "f": fx, "autograd": grad, "forward": fwd, "central": central}
        if self.df is not None:
            value["analytic"] = float(_analytic(self.df, np.array([x]))[0])
        self.value = value
        self.label.value = self._table(value)
        self.figure = self._draw(value)
        show(self.plot, figure_output(self.figure))

    @staticmethod
    def _table(v: dict) -> str:
        ref = v.get("analytic", v["autograd"])  # errors against the exact value when known
        rows = [("f(x)", v["f"], None),
                ("autograd f'(x)", v["autograd"], v["autograd"] - ref if "analytic" in v
                 else None),
                ("forward difference (f(x+h) - f(x)) / h", v["forward"], v["forward"] - ref),
                ("central difference (f(x+h) - f(x-h)) / 2h", v["central"], v["central"] - ref)]
        if "analytic" in v:
            rows.append(("analytic f'(x)", v["analytic"], None))
        err_head = "error vs analytic" if "analytic" in v else "error vs autograd"
        body = "".join(
            f"<tr><td>{name}</td><td style='text-align:right'>{fmt_number(val)}</td>"
            f"<td style='text-align:right'>{'' if err is None else f'{err:.2e}'}</td></tr>"
            for name, val, err in rows)
        return (f"<b>x = {v['x']:.4f}, h = {v['h']:.1e}</b>"
                f"<table><tr><th></th><th>value</th><th>{err_head}</th></tr>{body}</table>")

    def _draw(self, v: dict) -> Any:
        fig, ax = plt.subplots(figsize=(6, 3.6))
        ax.plot(self._xs, self._ys, color="C0", label="f(x)")
        x, fx, d = v["x"], v["f"], v["autograd"]
        span = (self.x_range[1] - self.x_range[0]) / 4
        tx = np.array([x - span, x + span])
        ax.plot(tx, fx + d * (tx - x), color="C3", label=f"tangent (slope {d:.4f})")
        ax.plot(tx, fx + v["forward"] * (tx - x), ":", color="C2",
                label=f"forward-difference slope {v['forward']:.4f}")
        ax.plot([x], [fx], "o", color="C3")
        ax.plot([x + v["h"]], [self._fxh], "o", color="C2", ms=4)
        finite = self._ys[np.isfinite(self._ys)]
        if finite.size:  # keep the view on f, not on a steep tangent
            lo, hi = finite.min(), finite.max()
            pad = 0.1 * (hi - lo) + 1e-6
            ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.set_title(f"f and its tangent at x = {x:.3f}")
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        return fig


def derivative_explorer(f: Callable, x_range: Any = (-3, 3), df: Callable | None = None,
                        h: float = 1e-3) -> DerivativeExplorer:
    """Sliders for x and the finite-difference step h; f with its tangent at x; the autograd
    derivative beside forward/central finite differences and the analytic ``df`` if given."""
    return DerivativeExplorer(f, x_range, df, h)
