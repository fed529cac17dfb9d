"""Plots for the course: a function with its derivative and tangent, activations and their
gradients, loss curves, gradient-descent paths (1-D and 2-D) and decision boundaries.

Every derivative shown is computed by autograd_lite. Each function draws on ``ax`` when given,
else on a new ``plt.subplots`` figure, and returns the Figure (``fig = plots.loss_curve(losses)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import autograd_lite as torch
from autograd_lite import Tensor
from autograd_lite.nn import functional as F

__all__ = ["function_and_derivative", "activation_gradients", "loss_curve", "gd_path_1d",
           "gd_path_2d", "decision_boundary", "autograd_curve", "ACTIVATIONS"]

ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "gelu": F.gelu,
    "softplus": lambda x: torch.log(1 + torch.exp(x)),
    "silu": lambda x: x * torch.sigmoid(x),
}


def _axes(ax: Any) -> tuple[Figure, Any]:
    if ax is None:
        return plt.subplots(figsize=(6, 4))
    return ax.figure, ax


def _check_range(x_range: Any, name: str = "x_range") -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), e.g. (-3, 3); "
                        f"got {x_range!r}") from None
    if not lo < hi:
        raise ValueError(f"{name} must have low < high, got {x_range!r}")
    return lo, hi


def _scalar(v: Any, what: str) -> float:
    if isinstance(v, Tensor):
        if v.numel() != 1:
            raise ValueError(f"{what} must be a scalar (one element), got shape {tuple(v.shape)}")
        return float(v.item())
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number or a one-element tensor, got "
                        f"{type(v).__name__}") from None


def _call_scalar(f: Callable, x: float, dtype: Any) -> tuple[float, float]:
    """f(x) and df/dx at one point, by autograd_lite."""
    xt = torch.tensor(x, dtype=dtype, requires_grad=True)
    y = f(xt)
    if not isinstance(y, Tensor):
        raise TypeError(f"f must compute with autograd_lite operations and return a tensor "
                        f"(e.g. f = lambda x: torch.sin(x) * x); it returned "
                        f"{type(y).__name__}")
    if y.numel() != 1:
        raise ValueError(f"f must return a scalar for a scalar input; got shape {tuple(y.shape)}")
    if not y.requires_grad:
        return float(y.item()), 0.0  # f does not depend on x (a constant)
    y.backward()
    return float(y.item()), float(xt.grad.item()) if xt.grad is not None else 0.0


def autograd_curve(f: Callable, xs: Any, dtype: Any = torch.float64) -> tuple[np.ndarray,
                                                                               np.ndarray]:
    """Values and autograd derivatives of a scalar function f at the points ``xs``.

    Tries one vectorized call (f applied elementwise to a tensor of all points, gradients of the
    sum), and falls back to one call per point for functions that only take scalars.
    """
    xs = np.asarray(xs, dtype=np.float64)
    try:
        xt = torch.tensor(xs, dtype=dtype, requires_grad=True)
        y = f(xt)
        if isinstance(y, Tensor) and tuple(y.shape) == xs.shape and y.requires_grad:
            y.sum().backward()
            return y.detach().numpy().astype(np.float64), xt.grad.numpy().astype(np.float64)
    except Exception:  # any failure means "not vectorizable": try point by point
        pass
    pairs = [_call_scalar(f, float(x), dtype) for x in xs]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def _analytic(df: Callable, xs: np.ndarray) -> np.ndarray:
    """Values of a user-given derivative formula (tensor ops or NumPy/float code)."""
    try:
        out = df(torch.tensor(xs, dtype=torch.float64))
        out = np.asarray(out.detach().numpy() if isinstance(out, Tensor) else out, np.float64)
        if out.shape == xs.shape:
            return out
    except Exception:  # a scalar-only formula: evaluate point by point
        pass
    return np.array([_scalar(df(torch.tensor(float(x), dtype=torch.float64)), "df(x)")
                     for x in xs])


def function_and_derivative(f: Callable, x_range: Sequence[float] = (-3, 3),
                            df: Callable | None = None, x0: float | None = None,
                            ax: Any = None, n: int = 400) -> Figure:
    """f and its autograd derivative over ``x_range``; the analytic ``df`` (dashed) if given,
    and the tangent line at ``x0``."""
    lo, hi = _check_range(x_range)
    fig, ax = _axes(ax)
    xs = np.linspace(lo, hi, n)
    ys, dys = autograd_curve(f, xs)
    name = getattr(f, "__name__", "f")
    name = "f" if name == "<lambda>" else name
    ax.plot(xs, ys, label=f"{name}(x)", color="C0")
    ax.plot(xs, dys, label=f"{name}'(x) (autograd)", color="C1")
    if df is not None:
        ax.plot(xs, _analytic(df, xs), "--", color="k", lw=1, label=f"{name}'(x) (analytic)")
    if x0 is not None:
        x0 = _scalar(x0, "x0")
        y0, d0 = _call_scalar(f, x0, torch.float64)
        span = (hi - lo) / 4
        tx = np.array([x0 - span, x0 + span])
        ax.plot(tx, y0 + d0 * (tx - x0), color="C3", lw=1.5,
                label=f"tangent at x={x0:.2f} (slope {d0:.3f})")
        ax.plot([x0], [y0], "o", color="C3")
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_xlabel("x")
    ax.set_ylabel("value")
    ax.set_title(f"{name}(x) and its derivative")
    ax.legend(loc="best", fontsize=8)
    return fig


def activation_gradients(names: Sequence[str] = ("sigmoid", "tanh", "relu"),
                         x_range: Sequence[float] = (-6, 6)) -> Figure:
    """Each activation and its autograd derivative, side by side: where gradients flow or vanish."""
    if isinstance(names, str):
        names = (names,)
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown or not names:
        raise ValueError(f"unknown activation {unknown!r}; choose from {', '.join(ACTIVATIONS)}")
    lo, hi = _check_range(x_range)
    fig, axes = plt.subplots(1, len(names), figsize=(3.6 * len(names), 3.4), squeeze=False)
    xs = np.linspace(lo, hi, 401)
    for ax, name in zip(axes[0], names):
        ys, dys = autograd_curve(ACTIVATIONS[name], xs)
        ax.plot(xs, ys, label=name, color="C0")
        ax.plot(xs, dys, label="derivative (autograd)", color="C1")
        ax.axhline(0, color="gray", lw=0.5)
        ax.set_title(name)
        ax.set_xlabel("x")
        ax.set_ylabel("value")
        ax.legend(loc="best", fontsize=8)
    fig.suptitle("Activations and their gradients")
    fig.tight_layout()
    return fig


def _floats(values: Any, what: str) -> list[float]:
    if isinstance(values, Tensor):
        values = values.detach().numpy().reshape(-1).tolist()
    try:
        return [_scalar(v, what) for v in values]
    except TypeError:
        raise TypeError(f"{what} must be a list of numbers (or scalar tensors), got "
                        f"{type(values).__name__}") from None


def loss_curve(losses: Any, ax: Any = None, title: str = "Training loss",
               labels: Sequence[str] | None = None) -> Figure:
    """Loss per step: ``losses`` is a list (one curve), a list of lists (with ``labels``) or a
    dict label -> list."""
    if isinstance(losses, dict):
        curves = {str(k): _floats(v, f"losses[{k!r}]") for k, v in losses.items()}
    elif isinstance(losses, (list, tuple)) and losses and all(
            isinstance(v, (list, tuple, np.ndarray)) for v in losses):
        names = list(labels) if labels is not None else [f"run {i + 1}" for i in range(len(losses))]
        if len(names) != len(losses):
            raise ValueError(f"labels has {len(names)} names for {len(losses)} curves")
        curves = {nm: _floats(v, "losses") for nm, v in zip(names, losses)}
    else:
        label = labels[0] if labels else "loss"
        curves = {label: _floats(losses, "losses")}
    fig, ax = _axes(ax)
    for name, vals in curves.items():
        ax.plot(range(len(vals)), vals, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    return fig


def gd_path_1d(f: Callable, path: Any, ax: Any = None, label: str = "gradient descent") -> Figure:
    """f around the iterates of an optimizer (``label`` names it), drawn on the curve."""
    pts = np.array(_floats(path, "path"))
    if pts.size == 0:
        raise ValueError("path is empty: pass the iterates x0, x1, ... of gradient descent")
    lo, hi = pts.min(), pts.max()
    pad = max(0.5, 0.25 * (hi - lo))
    xs = np.linspace(lo - pad, hi + pad, 400)
    ys, _ = autograd_curve(f, xs)
    fy, _ = autograd_curve(f, pts)
    fig, ax = _axes(ax)
    ax.plot(xs, ys, color="C0", label="f(x)")
    ax.plot(pts, fy, "-o", color="C3", ms=4, lw=1, label=f"{label} ({len(pts)} points)")
    ax.plot(pts[:1], fy[:1], "s", color="k", ms=7, label="start")
    ax.plot(pts[-1:], fy[-1:], "*", color="gold", mec="k", ms=13, label="end")
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title("Gradient descent on f")
    ax.legend(loc="best", fontsize=8)
    return fig


def _path_2d(path: Any) -> np.ndarray:
    """The iterates as an (n, 2) array; points may be pairs of floats, tensors or arrays."""
    if isinstance(path, Tensor):
        path = path.detach().numpy()
    rows = []
    for p in path:
        if isinstance(p, Tensor):
            p = p.detach().numpy()
        if isinstance(p, np.ndarray):
            vals = p.astype(np.float64).reshape(-1)
        elif isinstance(p, (list, tuple)):
            vals = np.array([_scalar(v, "a path point") for v in p])
        else:
            raise TypeError(f"each point of a 2-D path must be a pair (x, y), got {p!r}")
        if vals.size != 2:
            raise ValueError(f"each point of a 2-D path must be a pair (x, y), got {p!r}")
        rows.append(vals)
    if not rows:
        raise ValueError("path is empty: pass the iterates (x, y) of gradient descent")
    return np.array(rows)


def _grid_values(f: Callable, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """f on a grid: one call with grid tensors when f is elementwise, else point by point."""
    try:
        Z = f(torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64))
        Z = np.asarray(Z.detach().numpy() if isinstance(Z, Tensor) else Z, dtype=np.float64)
        if Z.shape == X.shape:
            return Z
    except Exception:  # scalar-only f: evaluate each point with floats
        pass
    return np.array([[_scalar(f(float(x), float(y)), "f(x, y)") for x, y in zip(rx, ry)]
                     for rx, ry in zip(X, Y)])


def gd_path_2d(f: Callable, path: Any, xlim: Sequence[float] = (-2, 2),
               ylim: Sequence[float] = (-2, 2), ax: Any = None,
               label: str = "gradient descent") -> Figure:
    """Contours of f(x, y) with the iterates of an optimizer (``label`` names it) drawn on them."""
    x0, x1 = _check_range(xlim, "xlim")
    y0, y1 = _check_range(ylim, "ylim")
    pts = _path_2d(path)
    X, Y = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
    Z = _grid_values(f, X, Y)
    fig, ax = _axes(ax)
    cs = ax.contourf(X, Y, Z, levels=30, cmap="viridis")
    ax.contour(X, Y, Z, levels=15, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(cs, ax=ax, label="f(x, y)")
    ax.plot(pts[:, 0], pts[:, 1], "-o", color="C3", ms=3, lw=1.2,
            label=f"{label} ({len(pts)} points)")
    ax.plot(pts[:1, 0], pts[:1, 1], "s", color="white", mec="k", ms=7, label="start")
    ax.plot(pts[-1:, 0], pts[-1:, 1], "*", color="gold", mec="k", ms=13, label="end")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Gradient descent on f(x, y)")
    ax.legend(loc="best", fontsize=8)
    return fig


def _probabilities(model: Callable, pts: np.ndarray, dtype: Any) -> np.ndarray:
    """Model outputs as probabilities: (n,) for binary (logits go through a sigmoid), (n, k)
    for k classes (logits through a softmax)."""
    with torch.no_grad():
        out = model(torch.tensor(pts, dtype=dtype))
    if not isinstance(out, Tensor):
        raise TypeError(f"model must return a tensor, got {type(out).__name__}")
    o = out.detach().numpy().astype(np.float64)
    if o.ndim == 2 and o.shape[1] == 1:
        o = o[:, 0]
    if o.shape[0] != len(pts):
        raise ValueError(f"model returned shape {tuple(out.shape)} for {len(pts)} inputs; "
                         "expected (n,), (n, 1) or (n, classes)")
    is_prob = np.all((o >= 0) & (o <= 1))
    if o.ndim == 1:
        return o if is_prob else 1 / (1 + np.exp(-o))
    if is_prob and np.allclose(o.sum(axis=1), 1, atol=1e-3):
        return o
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _as_numpy(a: Any) -> np.ndarray:
    return a.detach().numpy() if isinstance(a, Tensor) else np.asarray(a)


def decision_boundary(model: Callable, X: Any, y: Any, ax: Any = None) -> Figure:
    """The data and the model's decision regions (2-D inputs) or probability curve (1-D)."""
    Xn = _as_numpy(X).astype(np.float64)
    yn = _as_numpy(y).reshape(-1)
    if Xn.ndim == 1:
        Xn = Xn[:, None]
    if Xn.ndim != 2 or Xn.shape[1] not in (1, 2):
        raise ValueError(f"decision_boundary draws 1-D or 2-D inputs: X must have shape (n, 1) or "
                         f"(n, 2), got {tuple(Xn.shape)}")
    if len(yn) != len(Xn):
        raise ValueError(f"X has {len(Xn)} rows but y has {len(yn)} labels")
    dtype = X.dtype if isinstance(X, Tensor) else torch.float32
    fig, ax = _axes(ax)
    classes = np.unique(yn)
    if Xn.shape[1] == 1:
        lo, hi = Xn.min(), Xn.max()
        pad = 0.1 * (hi - lo) + 0.5
        xs = np.linspace(lo - pad, hi + pad, 300)
        p = _probabilities(model, xs[:, None], dtype)
        p1 = p if p.ndim == 1 else p[:, -1]
        ax.plot(xs, p1, color="k", label="P(class 1)")
        for c in classes:
            m = yn == c
            ax.plot(Xn[m, 0], yn[m].astype(float), "o", ms=5, alpha=0.7, label=f"class {c:g}")
        cross = np.nonzero(np.diff(np.sign(p1 - 0.5)))[0]
        for i, k in enumerate(cross):
            ax.axvline(xs[k], color="C3", ls="--", label="boundary (P = 0.5)" if i == 0 else None)
        ax.set_xlabel("x")
        ax.set_ylabel("probability / label")
    else:
        (x0, y0), (x1, y1) = Xn.min(axis=0), Xn.max(axis=0)
        px, py = 0.1 * (x1 - x0) + 0.5, 0.1 * (y1 - y0) + 0.5
        GX, GY = np.meshgrid(np.linspace(x0 - px, x1 + px, 150), np.linspace(y0 - py, y1 + py, 150))
        p = _probabilities(model, np.stack([GX.ravel(), GY.ravel()], axis=1), dtype)
        if p.ndim == 1:
            P = p.reshape(GX.shape)
            cs = ax.contourf(GX, GY, P, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
            fig.colorbar(cs, ax=ax, label="P(class 1)")
            ax.contour(GX, GY, P, levels=[0.5], colors="k", linewidths=1.5)
        else:
            k = p.shape[1]
            ax.contourf(GX, GY, p.argmax(axis=1).reshape(GX.shape), levels=np.arange(k + 1) - 0.5,
                        cmap="tab10", vmin=0, vmax=9, alpha=0.3)
        for i, c in enumerate(classes):
            m = yn == c
            ax.scatter(Xn[m, 0], Xn[m, 1], s=18, color=f"C{i}", edgecolors="k", linewidths=0.4,
                       label=f"class {c:g}")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    ax.set_title("Decision boundary")
    ax.legend(loc="best", fontsize=8)
    return fig
