"""Right and deliberately wrong answers for the chapter 7 exercises (custom Functions, hooks)."""

from __future__ import annotations

import autograd_lite as torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad_output


class CubeIgnoresUpstream(Cube):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 3 * x**2


class CubeWrongDerivative(Cube):
    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return 2 * x * grad_output


class SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1)


class SignPlainSTE(SignSTE):
    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class SignTrueDerivative(SignSTE):
    @staticmethod
    def backward(ctx, grad_output):
        return torch.zeros_like(grad_output)


class ScaledTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, a):
        t = torch.tanh(x)
        ctx.save_for_backward(t, a)
        return a * t

    @staticmethod
    def backward(ctx, grad_output):
        t, a = ctx.saved_tensors
        return grad_output * a * (1 - t**2), (grad_output * t).sum()


class ScaledTanhSwapped(ScaledTanh):
    @staticmethod
    def backward(ctx, grad_output):
        t, a = ctx.saved_tensors
        return grad_output * t, (grad_output * a * (1 - t**2)).sum()


class ScaledTanhOnlyX(ScaledTanh):
    @staticmethod
    def backward(ctx, grad_output):
        t, a = ctx.saved_tensors
        return grad_output * a * (1 - t**2), None


def make_clip_hook(max_norm):
    def hook(grad):
        return grad * torch.clamp(max_norm / grad.norm(), max=1.0)
    return hook


def make_clip_hook_seed_style(max_norm):
    """What seed 004's hook amounts to: clip_grad_norm_ on the tensor does nothing (.grad unset)."""
    def hook(grad):
        return grad
    return hook


def make_clip_hook_elementwise(max_norm):
    def hook(grad):
        return torch.clamp(grad, -max_norm, max_norm)
    return hook


def attach_norm_monitor(tensors):
    log = {}
    for name, t in tensors.items():
        log[name] = []
        t.register_hook(lambda grad, out=log[name]: out.append(grad.norm().item()))
    return log


def attach_value_norm_monitor(tensors):
    log = {}
    for name, t in tensors.items():
        log[name] = []
        t.register_hook(lambda grad, out=log[name], t=t: out.append(t.norm().item()))
    return log


def attach_norm_monitor_normalising(tensors):
    """Records the norm but also returns a normalised gradient (changes training)."""
    log = {}
    for name, t in tensors.items():
        log[name] = []

        def hook(grad, out=log[name]):
            out.append(grad.norm().item())
            return grad / grad.norm()
        t.register_hook(hook)
    return log


def accumulate_gradients(model, loss_fn, micro_batches):
    model.zero_grad()
    total = 0.0
    for X, y in micro_batches:
        loss = loss_fn(model(X), y) / len(micro_batches)
        loss.backward()
        total += loss.item()
    return total


def accumulate_unscaled(model, loss_fn, micro_batches):
    model.zero_grad()
    for X, y in micro_batches:
        loss_fn(model(X), y).backward()


def accumulate_no_zeroing(model, loss_fn, micro_batches):
    for X, y in micro_batches:
        (loss_fn(model(X), y) / len(micro_batches)).backward()


def accumulate_zero_in_loop(model, loss_fn, micro_batches):
    for X, y in micro_batches:
        model.zero_grad()
        (loss_fn(model(X), y) / len(micro_batches)).backward()


CASES = {
    "7.1": (Cube, [CubeIgnoresUpstream, CubeWrongDerivative]),
    "7.2": (SignSTE, [SignPlainSTE, SignTrueDerivative]),
    "7.3": (ScaledTanh, [ScaledTanhSwapped, ScaledTanhOnlyX]),
    "7.4": (make_clip_hook, [make_clip_hook_seed_style, make_clip_hook_elementwise]),
    "7.5": (attach_norm_monitor, [attach_value_norm_monitor, attach_norm_monitor_normalising]),
    "7.6": (accumulate_gradients, [accumulate_unscaled, accumulate_no_zeroing,
                                   accumulate_zero_in_loop]),
}
