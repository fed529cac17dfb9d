"""course.plots: each plot returns its Figure, labelled, with autograd derivatives."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import autograd_lite as torch  # noqa: E402
from course import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def line(ax, label_start: str):
    return next(l for l in ax.get_lines() if l.get_label().startswith(label_start))


def assert_labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None


def test_function_and_derivative_uses_autograd():
    fig = plots.function_and_derivative(lambda x: torch.sin(x) * x, (-3, 3),
                                        df=lambda x: torch.cos(x) * x + torch.sin(x), x0=1.0)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert_labelled(ax)
    xs, d = line(ax, "f'(x) (autograd)").get_data()
    np.testing.assert_allclose(d, np.cos(xs) * xs + np.sin(xs), atol=1e-10)
    _, analytic = line(ax, "f'(x) (analytic)").get_data()
    np.testing.assert_allclose(analytic, d, atol=1e-10)
    tx, ty = line(ax, "tangent").get_data()
    slope = (ty[1] - ty[0]) / (tx[1] - tx[0])
    assert slope == pytest.approx(np.cos(1) + np.sin(1), rel=1e-9)


def test_function_and_derivative_scalar_only_f_and_given_ax():
    fig0, ax = plt.subplots()
    # .item() makes f scalar-only: the plot falls back to one autograd call per point
    fig = plots.function_and_derivative(lambda x: x ** 3 if x.item() > 0 else -x, (-1, 1), ax=ax)
    assert fig is fig0
    xs, d = line(ax, "f'(x)").get_data()
    np.testing.assert_allclose(d, np.where(xs > 0, 3 * xs ** 2, -1.0), atol=1e-9)


def test_function_and_derivative_errors():
    with pytest.raises(TypeError, match="return a tensor"):
        plots.function_and_derivative(lambda x: 3.0, (-1, 1))
    with pytest.raises(ValueError, match="low < high"):
        plots.function_and_derivative(torch.sin, (1, -1))
    with pytest.raises(TypeError, match="pair"):
        plots.function_and_derivative(torch.sin, 5)


def test_activation_gradients():
    fig = plots.activation_gradients(("sigmoid", "tanh", "relu"), x_range=(-4, 4))
    axes = fig.axes
    assert [a.get_title() for a in axes] == ["sigmoid", "tanh", "relu"]
    for ax in axes:
        assert_labelled(ax)
    xs, d = line(axes[0], "derivative").get_data()
    s = 1 / (1 + np.exp(-xs))
    np.testing.assert_allclose(d, s * (1 - s), atol=1e-10)
    xs, d = line(axes[2], "derivative").get_data()
    np.testing.assert_array_equal(d[xs > 0.01], 1.0)
    np.testing.assert_array_equal(d[xs < -0.01], 0.0)
    with pytest.raises(ValueError, match="unknown activation.*choose from"):
        plots.activation_gradients(("swish2",))


def test_loss_curve_list_dict_and_labels():
    ax = plots.loss_curve([3.0, 2.0, torch.tensor(1.0)]).axes[0]
    assert_labelled(ax)
    assert ax.get_title() == "Training loss"
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [3.0, 2.0, 1.0])
    ax = plots.loss_curve({"sgd": [3, 2], "adam": [3, 1]}, title="Optimizers").axes[0]
    assert [l.get_label() for l in ax.get_lines()] == ["sgd", "adam"]
    assert ax.get_title() == "Optimizers"
    ax = plots.loss_curve([[1, 0.5], [1, 0.2]], labels=["a", "b"]).axes[0]
    assert [l.get_label() for l in ax.get_lines()] == ["a", "b"]
    with pytest.raises(ValueError, match="labels has 1 names for 2 curves"):
        plots.loss_curve([[1, 0.5], [1, 0.2]], labels=["a"])
    with pytest.raises(TypeError, match="losses"):
        plots.loss_curve(["high", "low"])


def test_gd_path_1d():
    path = [3.0, 2.0, 1.5, 1.25]
    ax = plots.gd_path_1d(lambda x: (x - 1) ** 2, path).axes[0]
    assert_labelled(ax)
    xs, ys = line(ax, "gradient descent").get_data()
    np.testing.assert_allclose(xs, path)
    np.testing.assert_allclose(ys, [(p - 1) ** 2 for p in path], rtol=1e-6)
    with pytest.raises(ValueError, match="empty"):
        plots.gd_path_1d(lambda x: x ** 2, [])
    newton = plots.gd_path_1d(lambda x: (x - 1) ** 2, path, label="Newton").axes[0]
    assert line(newton, "Newton (4 points)")


def test_gd_path_2d_tensor_and_float_functions():
    path = [(1.5, 1.5), (torch.tensor(1.0), torch.tensor(0.2)), torch.tensor([0.5, 0.1])]
    for f in (lambda x, y: x ** 2 + 3 * y ** 2, lambda x, y: float(x) ** 2 + 3 * float(y) ** 2):
        fig = plots.gd_path_2d(f, path, xlim=(-2, 2), ylim=(-2, 2))
        ax = fig.axes[0]
        assert_labelled(ax)
        xs, ys = line(ax, "gradient descent").get_data()
        np.testing.assert_allclose(xs, [1.5, 1.0, 0.5], rtol=1e-6)
        np.testing.assert_allclose(ys, [1.5, 0.2, 0.1], rtol=1e-6)
    with pytest.raises(ValueError, match=r"pair \(x, y\)"):
        plots.gd_path_2d(lambda x, y: x + y, [(1.0, 2.0, 3.0)])


def test_decision_boundary_2d_and_1d():
    torch.manual_seed(0)
    X = torch.randn(40, 2)
    y = (X[:, 0] + X[:, 1] > 0).float()
    lin = torch.nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[4.0, 4.0]]))
        lin.bias.zero_()
    ax = plots.decision_boundary(lin, X, y).axes[0]  # logits
    assert_labelled(ax)
    assert ax.get_title() == "Decision boundary"
    assert len(ax.collections) >= 3  # regions, boundary contour, class points
    X1 = torch.linspace(-2, 2, 30).reshape(-1, 1)
    y1 = (X1[:, 0] > 0.5).float()
    ax = plots.decision_boundary(lambda t: torch.sigmoid(5 * (t - 0.5)), X1, y1).axes[0]
    vlines = [l for l in ax.get_lines() if l.get_label().startswith("boundary")]
    assert len(vlines) == 1 and vlines[0].get_xdata()[0] == pytest.approx(0.5, abs=0.05)
    with pytest.raises(ValueError, match=r"\(n, 1\) or \(n, 2\)"):
        plots.decision_boundary(lin, torch.randn(5, 3), torch.zeros(5))
    with pytest.raises(ValueError, match="rows but y has"):
        plots.decision_boundary(lin, X, y[:3])
