"""Adam and AdamW: adaptive moment estimation, with PyTorch's bias correction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..backend import array_module
from ..creation import tensor, zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer
from .sgd import _scalar


class Adam(Optimizer):
    """Adam: ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``,
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``.

    ``weight_decay`` adds ``weight_decay * p`` to the gradient (AdamW instead shrinks ``p``);
    ``amsgrad`` uses the running maximum of ``v``. Updates run in place on the arrays.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = (_scalar(betas[0]), _scalar(betas[1]))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("decoupled_weight_decay", False)
            group.setdefault("fused", None)
            for p in group["params"]:
                s = self.state.get(p, {})
                if s and not isinstance(s["step"], Tensor):
                    s["step"] = tensor(float(s["step"]))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = self._closure_loss(closure)
        for group in self.param_groups:
            lr, eps = _scalar(group["lr"]), group["eps"]
            beta1, beta2 = group["betas"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            maximize, decoupled = group["maximize"], group["decoupled_weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = tensor(0.0)
                    state["exp_avg"] = zeros_like(p)
                    state["exp_avg_sq"] = zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_like(p)
                _adam_update(p, state, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize,
                             decoupled)
        return loss


def _adam_update(p: Tensor, state: dict, lr: float, beta1: float, beta2: float, eps: float,
                 weight_decay: float, amsgrad: bool, maximize: bool, decoupled: bool) -> None:
    """PyTorch's single-tensor Adam step, in place on the arrays."""
    x = p._data
    xp = array_module(x)
    g = p._grad._data
    if maximize:
        g = -g
    step_t = state["step"]
    step_t._data += 1
    if weight_decay != 0:
        if decoupled:
            x *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * x
    m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
    w = 1 - beta1
    if abs(w) < 0.5:  # m.lerp_(g, w), with lerp's two formulas
        m += w * (g - m)
    else:
        m[...] = g - (g - m) * (1 - w)
    v *= beta2
    v += (1 - beta2) * g * g
    step = float(step_t._data)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2 ** 0.5
    if amsgrad:
        vmax = state["max_exp_avg_sq"]._data
        xp.maximum(vmax, v, out=vmax)
        denom = xp.sqrt(vmax)
    else:
        denom = xp.sqrt(v)
    denom /= bias_correction2_sqrt
    denom += eps
    upd = -step_size * m
    upd /= denom
    x += upd
    for t in (p, state["exp_avg"], state["exp_avg_sq"], step_t):
        t._bump_version()


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` before the update."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
