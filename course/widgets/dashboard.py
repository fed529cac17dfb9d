"""``training_dashboard(model, loss_fn, X, y)``: learning-rate and epochs controls, a Train button,
a progress bar, the live loss curve and (for 1-D/2-D inputs) the decision boundary."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

import autograd_lite as torch
from autograd_lite import Tensor

from .. import plots
from .._graph_model import fmt_number
from ._common import figure_output, output_area, show, value_label

REDRAWS = 5  # plot updates during a training run: live enough, and cheap


class TrainingDashboard(widgets.VBox):
    """The widget; ``.losses`` (one float per epoch trained), ``.value``, ``.train()`` (what the
    Train button does), ``.reset()`` (back to the initial parameters)."""

    def __init__(self, model: Any, loss_fn: Callable, X: Tensor, y: Tensor, lr: float = 0.1,
                 epochs: int = 100) -> None:
        if not hasattr(model, "parameters") or not callable(model):
            raise TypeError("training_dashboard: model must be an autograd_lite.nn.Module (its "
                            f"parameters are trained), got {type(model).__name__}")
        if not isinstance(X, Tensor) or not isinstance(y, Tensor):
            raise TypeError("training_dashboard: X and y must be tensors, e.g. "
                            "X = torch.tensor(data, dtype=torch.float32)")
        if len(X) != len(y):
            raise ValueError(f"training_dashboard: X has {len(X)} rows but y has {len(y)}")
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"training_dashboard: lr must be a positive number, got {lr!r}")
        if not (isinstance(epochs, int) and epochs >= 1):
            raise ValueError(f"training_dashboard: epochs must be a positive int, got {epochs!r}")
        self.params = list(model.parameters())
        if not self.params:
            raise ValueError("training_dashboard: the model has no parameters to train")
        self.model, self.loss_fn, self.X, self.y = model, loss_fn, X, y
        self._initial = [p.detach().clone() for p in self.params]
        loss = self._loss()  # fails here, clearly, when loss_fn does not fit the data
        self.losses: list[float] = []
        self._start_loss = float(loss.item())
        lr_exp = math.log10(lr)
        self.lr_slider = widgets.FloatLogSlider(
            value=lr, base=10, min=min(-4, math.floor(lr_exp)), max=max(1, math.ceil(lr_exp)),
            step=0.1, description="learning rate", readout_format=".2g",
            style={"description_width": "initial"})
        self.epochs_slider = widgets.IntSlider(
            value=epochs, min=1, max=max(1000, epochs), step=1, description="epochs")
        self.lr_slider.add_class("course-lr-slider")
        self.epochs_slider.add_class("course-epochs-slider")
        self.train_button = widgets.Button(description="Train", button_style="primary",
                                           icon="play")
        self.train_button.add_class("course-train")
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.reset_button.add_class("course-reset")
        self.progress = widgets.IntProgress(value=0, min=0, max=epochs, description="progress")
        self.progress.add_class("course-progress")
        self.label = value_label()
        self.plot = output_area("course-plot")
        self.value: dict[str, Any] = {}
        self.figure = None
        super().__init__([widgets.HBox([self.lr_slider, self.epochs_slider]),
                          widgets.HBox([self.train_button, self.reset_button, self.progress]),
                          self.label, self.plot])
        self.add_class("course-training-dashboard")
        self.train_button.on_click(lambda _: self.train())
        self.reset_button.on_click(lambda _: self.reset())
        self._refresh()

    def _loss(self) -> Tensor:
        out = self.model(self.X)
        loss = self.loss_fn(out, self.y)
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise TypeError("training_dashboard: loss_fn(model(X), y) must return a scalar "
                            f"tensor, got {type(loss).__name__}"
                            + (f" of shape {tuple(loss.shape)}" if isinstance(loss, Tensor)
                               else ""))
        return loss

    def train(self) -> list[float]:
        """Train for the epochs on the slider with plain SGD at the slider's learning rate
        (continuing from the current parameters); return the losses of this run."""
        epochs, lr = int(self.epochs_slider.value), float(self.lr_slider.value)
        opt = torch.optim.SGD(self.params, lr=lr)
        self.progress.max, self.progress.value = epochs, 0
        self.train_button.disabled = True
        run: list[float] = []
        every = max(1, epochs // REDRAWS)
        try:
            for epoch in range(epochs):
                opt.zero_grad()
                loss = self._loss()
                loss.backward()
                opt.step()
                run.append(float(loss.item()))
                self.losses.append(run[-1])
                self.progress.value = epoch + 1
                if (epoch + 1) % every == 0 and epoch + 1 < epochs:
                    self._refresh()
        finally:
            self.train_button.disabled = False
        self._refresh()
        return run

    def reset(self) -> None:
        """Restore the initial parameters and clear the loss history."""
        with torch.no_grad():
            for p, p0 in zip(self.params, self._initial):
                p.copy_(p0)
                p.grad = None
        self.losses = []
        self.progress.value = 0
        self._refresh()

    def _current_loss(self) -> float:
        with torch.no_grad():
            return float(self._loss().item())

    def _refresh(self) -> None:
        loss = self._current_loss()
        self.value = {"epochs_trained": len(self.losses), "loss": loss,
                      "lr": float(self.lr_slider.value), "epochs": int(self.epochs_slider.value)}
        self.label.value = (f"epochs trained: {len(self.losses)} &nbsp;|&nbsp; loss: "
                            f"{fmt_number(loss)} (start {fmt_number(self._start_loss)})")
        # a decision boundary makes sense for 1-D/2-D inputs and a few class labels
        boundary = (self.X.ndim == 1 or self.X.ndim == 2 and self.X.shape[1] in (1, 2)) \
            and len(np.unique(self.y.detach().numpy())) <= 10
        fig, axes = plt.subplots(1, 2 if boundary else 1, figsize=(10 if boundary else 5.5, 3.8),
                                 squeeze=False)
        losses = self.losses if self.losses else [self._start_loss]
        plots.loss_curve(losses, ax=axes[0][0], title="Training loss")
        axes[0][0].set_xlabel("epoch")
        if boundary:
            plots.decision_boundary(self.model, self.X, self.y, ax=axes[0][1])
        fig.tight_layout()
        self.figure = fig
        show(self.plot, figure_output(fig))


def training_dashboard(model: Any, loss_fn: Callable, X: Tensor, y: Tensor, lr: float = 0.1,
                       epochs: int = 100) -> TrainingDashboard:
    """Learning-rate and epochs controls, a Train button, a progress bar, the live loss curve and
    the decision boundary for 1-D/2-D inputs; ``loss_fn(model(X), y)`` is minimised with SGD."""
    return TrainingDashboard(model, loss_fn, X, y, lr, epochs)
