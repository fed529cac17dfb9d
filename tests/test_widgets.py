"""course.widgets: set a control, assert the state (numbers, plot, graph) changed."""

from __future__ import annotations

import base64
import math

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import autograd_lite as torch  # noqa: E402
from course import graph  # noqa: E402
from course.widgets import (  # noqa: E402
    backprop_stepper,
    derivative_explorer,
    graph_explorer,
    training_dashboard,
)


def shown(out: widgets.Output) -> dict:
    assert len(out.outputs) == 1
    return out.outputs[0]["data"]


def png(out: widgets.Output) -> bytes:
    data = base64.b64decode(shown(out)["image/png"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


# --- derivative_explorer -------------------------------------------------------------------------
def test_derivative_explorer_slider_updates_numbers_and_plot():
    w = derivative_explorer(lambda x: torch.sin(x ** 2), (-2, 2),
                            df=lambda x: 2 * x * torch.cos(x ** 2))
    assert "course-derivative-explorer" in w._dom_classes
    assert "course-value" in w.label._dom_classes and "course-plot" in w.plot._dom_classes
    before_png, before_label = png(w.plot), w.label.value
    w.x_slider.value = 1.0
    v = w.value
    assert v["x"] == 1.0
    assert v["autograd"] == pytest.approx(2 * math.cos(1.0), rel=1e-12)
    assert v["analytic"] == pytest.approx(v["autograd"], rel=1e-12)
    assert abs(v["central"] - v["autograd"]) < abs(v["forward"] - v["autograd"])
    assert png(w.plot) != before_png and w.label.value != before_label
    assert "1.0000" in w.label.value
    assert w.figure.axes[0].get_title() == "f and its tangent at x = 1.000"
    assert not plt.get_fignums()  # shown figures are closed


def test_derivative_explorer_h_slider_changes_differences():
    w = derivative_explorer(torch.exp, (-1, 1))
    w.x_slider.value = 0.0
    w.h_slider.value = 0.1
    coarse = w.value["forward"] - 1.0
    w.h_slider.value = 1e-4
    fine = w.value["forward"] - 1.0
    assert coarse == pytest.approx(0.0517, abs=1e-3)  # (e^h - 1)/h - 1 ~ h/2
    assert abs(fine) < abs(coarse) / 100
    assert "analytic" not in w.value


def test_derivative_explorer_bad_input():
    with pytest.raises(TypeError, match="f must be a function"):
        derivative_explorer(3.0, (-1, 1))
    with pytest.raises(ValueError, match="low < high"):
        derivative_explorer(torch.sin, (2, 1))
    with pytest.raises(TypeError, match="return a tensor"):
        derivative_explorer(lambda x: 1.0, (-1, 1))


# --- graph_explorer ------------------------------------------------------------------------------
def test_graph_explorer_slider_redraws_values_and_gradients(with_dot):
    w = graph_explorer(lambda x, w: torch.sin(x * w) + w, x=2.0, w=(0.5, -1, 1))
    assert "course-graph-explorer" in w._dom_classes and "course-graph" in w.graph._dom_classes
    assert set(w.sliders) == {"x", "w"}
    assert (w.sliders["w"].min, w.sliders["w"].max) == (-1, 1)
    assert w.value["grad_x"] == pytest.approx(0.5 * math.cos(1.0), rel=1e-6)
    src0, svg0 = w.source, shown(w.graph)["image/svg+xml"]
    assert "x\\nvalue 2.0000\\ngrad 0.2702" in src0
    w.sliders["x"].value = 1.0
    assert w.value["x"] == 1.0
    assert w.value["output"] == pytest.approx(math.sin(0.5) + 0.5, rel=1e-6)
    assert w.value["grad_w"] == pytest.approx(math.cos(0.5) + 1, rel=1e-6)
    assert "x\\nvalue 1.0000" in w.source and w.source != src0
    assert shown(w.graph)["image/svg+xml"] != svg0 and "<svg" in svg0


def test_graph_explorer_without_dot_shows_png(monkeypatch, capsys):
    monkeypatch.setattr(graph, "FORCE_NO_DOT", True)
    monkeypatch.setattr(graph, "_hint_printed", False)
    w = graph_explorer(lambda x: x ** 3, x=1.0)
    first = png(w.graph)
    w.sliders["x"].value = 2.0
    assert png(w.graph) != first
    assert w.value["grad_x"] == pytest.approx(12.0)
    assert "x\\nvalue 2.0000\\ngrad 12.0000" in w.source  # the DOT text exists regardless
    assert capsys.readouterr().out.count("`dot` program is not installed") == 1


def test_graph_explorer_bad_input():
    with pytest.raises(TypeError, match=r"must return the output tensor, got NoneType \(did you "
                                        r"forget `return`\?\)"):
        graph_explorer(lambda x: None, x=1.0)
    with pytest.raises(TypeError, match="must return the output tensor, got float"):
        graph_explorer(lambda x: 2.0, x=1.0)
    with pytest.raises(ValueError, match="at least one input"):
        graph_explorer(lambda: torch.tensor(1.0))
    with pytest.raises(ValueError, match="outside"):
        graph_explorer(lambda x: x, x=(5.0, -1, 1))
    with pytest.raises(TypeError, match="must be a number or a tuple"):
        graph_explorer(lambda x: x, x="big")


def test_graph_explorer_build_error_on_slider_is_shown_not_raised():
    def build(x):
        if x.item() > 1.5:
            raise ValueError("x too large")
        return x * 2
    w = graph_explorer(build, x=(1.0, 0, 2))
    w.sliders["x"].value = 1.8
    assert "x too large" in w.label.value
    assert w.value["x"] == 1.0  # the last good state stays


# --- backprop_stepper ----------------------------------------------------------------------------
def test_backprop_stepper_walks_the_backward_pass():
    x = torch.tensor(2.0, requires_grad=True)
    a = x * x
    y = a * (a + x)
    w = backprop_stepper(y, names={"x": x, "a": a})
    assert "course-backprop-stepper" in w._dom_classes
    assert w.order == ["MulBackward0", "AddBackward0", "MulBackward0", "x"]
    assert w.step == 0 and w.back_button.disabled and not w.next_button.disabled
    seen = [w.source]
    w.next_button.click()
    assert w.step == 1 and w.value["node"] == "MulBackward0" and w.value["grad_in"] == 1.0
    assert "color=red" in w.source
    w.next_button.click()
    assert w.value["node"] == "AddBackward0" and w.value["grad_in"] == 4.0  # d y / d(a + x) = a
    assert w.value["leaf_grads"] == {"x": 4.0}
    w.next_button.click()
    w.next_button.click()
    assert w.step == 4 and w.next_button.disabled
    assert w.value["leaf_grads"] == {"x": 44.0}  # 4x^3 + 3x^2 at x = 2
    assert "44.0000 = 20.0000 + 20.0000 + 4.0000" in w.source
    seen.append(w.source)
    w.next()  # past the end: stays
    assert w.step == 4
    w.back_button.click()
    assert w.step == 3 and w.value["node"] == "MulBackward0"
    w.reset_button.click()
    assert w.step == 0 and w.source == seen[0]
    assert x.grad is None  # the stepper never touches .grad
    y.backward()  # and leaves the graph usable
    assert x.grad.item() == 44.0


def test_backprop_stepper_vector_leaves_and_bad_input(with_dot):
    w_ = torch.tensor([1.0, -2.0], requires_grad=True)
    loss = (w_ * torch.tensor([3.0, 4.0])).sum()
    s = backprop_stepper(loss, names={"w": w_})
    for _ in s.order:
        s.next()
    assert s.value["leaf_grads"] == {"w": [3.0, 4.0]}
    assert "<svg" in shown(s.graph)["image/svg+xml"]
    with pytest.raises(TypeError, match="expects an autograd_lite Tensor"):
        backprop_stepper(3.0)
    with pytest.raises(RuntimeError, match="does not require grad"):
        backprop_stepper(torch.tensor(1.0) * 2)
    x = torch.tensor(1.0, requires_grad=True)
    y = torch.sin(x)
    y.backward()
    with pytest.raises(RuntimeError, match="build the output again"):
        backprop_stepper(y)


# --- training_dashboard --------------------------------------------------------------------------
def data():
    torch.manual_seed(0)
    X = torch.randn(60, 2)
    y = (X[:, 0] - X[:, 1] > 0).float().reshape(-1, 1)
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
    return model, X, y


def test_training_dashboard_trains_and_resets():
    model, X, y = data()
    d = training_dashboard(model, torch.nn.BCELoss(), X, y, lr=0.5, epochs=40)
    assert "course-training-dashboard" in d._dom_classes
    assert d.losses == [] and d.value["epochs_trained"] == 0
    start = d.value["loss"]
    first_png = png(d.plot)
    d.lr_slider.value = 1.0
    d.epochs_slider.value = 30
    d.train_button.click()
    assert len(d.losses) == 30 and d.progress.value == 30 == d.progress.max
    assert d.losses[-1] < d.losses[0] and d.value["loss"] < start
    assert d.value["lr"] == 1.0 and d.value["epochs_trained"] == 30
    assert png(d.plot) != first_png
    assert [a.get_title() for a in d.figure.axes[:2]] == ["Training loss", "Decision boundary"]
    run = d.train()  # continues from where it stopped
    assert len(run) == 30 and run[0] <= d.losses[29] + 1e-6 and len(d.losses) == 60
    d.reset_button.click()
    assert d.losses == [] and d.value["loss"] == pytest.approx(start)
    assert not plt.get_fignums()


def test_training_dashboard_bad_input():
    model, X, y = data()
    with pytest.raises(TypeError, match="nn.Module"):
        training_dashboard(lambda t: t, torch.nn.MSELoss(), X, y)
    with pytest.raises(ValueError, match="60 rows but y has 3"):
        training_dashboard(model, torch.nn.BCELoss(), X, y[:3])
    with pytest.raises(TypeError, match="scalar tensor"):
        training_dashboard(model, lambda out, t: out - t, X, y)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        training_dashboard(model, torch.nn.BCELoss(), X, y, lr=-1)
