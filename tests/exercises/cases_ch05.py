"""Right and deliberately wrong answers for the chapter 5 exercises (gradient control)."""

from __future__ import annotations

import autograd_lite as torch
from autograd_lite import nn

CHOICES = {"a": "requires_grad_", "b": "detach", "c": "no_grad", "d": "inference_mode",
           "e": "set_grad_enabled"}


def freeze_all_but_last(model):
    for p in model.parameters():
        p.requires_grad_(False)
    for p in model[-1].parameters():
        p.requires_grad_(True)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def freeze_everything(model):
    for p in model.parameters():
        p.requires_grad_(False)
    return 0


def freeze_first_only(model):
    for p in model[0].parameters():
        p.requires_grad_(False)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def clip_by_total_norm(params, max_norm):
    total = sum(float((p.grad**2).sum()) for p in params) ** 0.5
    if total > max_norm:
        with torch.no_grad():
            for p in params:
                p.grad.mul_(max_norm / total)
    return total


def clip_each_tensor(params, max_norm):
    total = sum(float((p.grad**2).sum()) for p in params) ** 0.5
    for p in params:
        norm = float((p.grad**2).sum()) ** 0.5
        if norm > max_norm:
            p.grad.mul_(max_norm / norm)
    return total


def clip_by_value(params, max_norm):
    total = sum(float((p.grad**2).sum()) for p in params) ** 0.5
    for p in params:
        p.grad.clamp_(-max_norm, max_norm)
    return total


def clip_always(params, max_norm):
    total = sum(float((p.grad**2).sum()) for p in params) ** 0.5
    for p in params:
        p.grad.mul_(max_norm / total)  # also scales small gradients *up*
    return total


def evaluate(model, X, y, train):
    with torch.set_grad_enabled(train):
        return nn.MSELoss()(model(X), y)


def evaluate_set_globally(model, X, y, train):
    torch.set_grad_enabled(train)  # the function form: the mode stays switched after returning
    return nn.MSELoss()(model(X), y)


def evaluate_always_no_grad(model, X, y, train):
    with torch.no_grad():
        return nn.MSELoss()(model(X), y)


def evaluate_respecting_caller(model, X, y, train):
    if train:
        return nn.MSELoss()(model(X), y)  # inside the caller's no_grad this records nothing
    with torch.no_grad():
        return nn.MSELoss()(model(X), y)


CASES = {
    "5.1": (CHOICES, [dict.fromkeys(CHOICES, "no_grad"),
                      {**CHOICES, "a": "detach", "b": "requires_grad_"},
                      {**CHOICES, "d": "no_grad"}, {"a": "requires_grad_"}]),
    "5.2": (freeze_all_but_last, [freeze_everything, freeze_first_only]),
    "5.3": (18.0, [27.0, 9.0, 6.0]),
    "5.4": ({"a": "ok", "b": "version", "c": "version", "d": "ok", "e": "leaf"},
            [{"a": "version", "b": "version", "c": "version", "d": "version", "e": "leaf"},
             {"a": "ok", "b": "ok", "c": "version", "d": "ok", "e": "leaf"},
             {"a": "ok", "b": "version", "c": "version", "d": "ok", "e": "version"}]),
    "5.5": (clip_by_total_norm, [clip_each_tensor, clip_by_value, clip_always]),
    "5.6": (evaluate, [evaluate_set_globally, evaluate_always_no_grad,
                       evaluate_respecting_caller]),
}
