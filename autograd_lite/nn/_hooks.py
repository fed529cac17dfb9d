"""Module hooks: forward (pre-)hooks and backward hooks, and the ``__call__`` that runs them.

Backward hooks put an identity node in front of the module's tensor inputs and one behind its
tensor outputs. The output node's pre-hook sees ``grad_output``; the input node's pre-hook sees
``grad_input`` (the gradients w.r.t. the module's inputs) and calls the user's hooks with both,
as ``register_full_backward_hook`` does in PyTorch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..function import Function, HookDict, RemovableHandle
from ..grad_mode import STATE
from ..tensor import Tensor


class BackwardHookFunction(Function):
    """Identity on several tensors at once: one node whose hooks see all their gradients."""

    builtin, grad_fn_name = True, "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx: Any, *tensors: Tensor) -> tuple:
        return tuple(t._data for t in tensors)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        return grads


def _add_hook(hooks: HookDict, hook: Callable, prepend: bool = False) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    if prepend:
        rest = dict(hooks)
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(rest)
    else:
        hooks[handle.id] = hook
    return handle


def _tensor_positions(values: tuple) -> list:
    return [i for i, v in enumerate(values) if isinstance(v, Tensor)]


def _wrap(values: tuple, positions: list) -> tuple[tuple, Any]:
    """Route the tensors at ``positions`` through one BackwardHookFunction node."""
    outs = BackwardHookFunction.apply(*(values[i] for i in positions))
    values = list(values)
    for i, o in zip(positions, outs):
        values[i] = o
    node = next((o.grad_fn for o in outs if o.grad_fn is not None), None)
    return tuple(values), node


class _BackwardHookState:
    """What one forward call's backward hooks share: the module and the captured grad_output."""

    def __init__(self, module: Any, n_inputs: int, input_positions: list | None) -> None:
        self.module = module
        self.n_inputs = n_inputs
        self.input_positions = input_positions
        self.grad_outputs: tuple | None = None

    def _full_grad_input(self, grads: tuple) -> tuple:
        full = [None] * self.n_inputs
        for i, g in zip(self.input_positions, grads):
            full[i] = g
        return tuple(full)

    def on_outputs(self, grads: tuple) -> tuple | None:
        module = self.module
        changed = False
        for hook in list(module._backward_pre_hooks.values()):
            r = hook(module, grads)
            if r is not None:
                grads, changed = tuple(r) if isinstance(r, (tuple, list)) else (r,), True
        self.grad_outputs = grads
        if self.input_positions is None and module._backward_hooks:  # no input needs grad
            warnings.warn("Full backward hook is firing when gradients are computed with respect "
                          "to module outputs since no inputs require gradients. See "
                          "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                          "#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=5)
            grad_input = (None,) * self.n_inputs
            for hook in list(module._backward_hooks.values()):
                r = hook(module, grad_input, grads)
                if r is not None and not (isinstance(r, tuple) and all(x is None for x in r)):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
        return grads if changed else None

    def on_inputs(self, grads: tuple) -> tuple | None:
        module = self.module
        grad_input = self._full_grad_input(grads)
        grad_output = self.grad_outputs if self.grad_outputs is not None else ()
        changed = False
        for hook in list(module._backward_hooks.values()):
            r = hook(module, grad_input, grad_output)
            if r is None:
                continue
            r = tuple(r) if isinstance(r, (tuple, list)) else (r,)
            if len(r) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                   f"{len(r)}, but expected {len(grad_input)}")
            grad_input, changed = r, True
        if not changed:
            return None
        return tuple(grad_input[i] for i in self.input_positions)


class HooksMixin:
    """The hook registries of ``Module`` and the ``__call__`` that runs them."""

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; a returned value replaces ``args``."""
        handle = _add_hook(self._forward_pre_hooks, hook, prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; a returned value replaces the
        output."""
        handle = _add_hook(self._forward_hooks, hook, prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        return handle

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_output)`` runs when the gradients w.r.t. the outputs are known;
        it may return new ones."""
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when the gradients w.r.t. the module's
        inputs are computed; it may return a new ``grad_input``."""
        if self._is_full_backward_hook is False:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks "
                               "on a single Module. Please use only one of them.")
        self._is_full_backward_hook = True
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """Deprecated form of ``register_full_backward_hook`` (same behaviour here)."""
        if self._is_full_backward_hook is True:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks "
                               "on a single Module. Please use only one of them.")
        self._is_full_backward_hook = False
        return _add_hook(self._backward_hooks, hook)

    def _call_impl(self, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        if not (d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"]
                or d["_backward_pre_hooks"]):
            return self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                r = hook(self, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {r}.")
                    args, kwargs = r
            else:
                r = hook(self, args)
                if r is not None:
                    args = r if isinstance(r, tuple) else (r,)
        state = None
        if (self._backward_hooks or self._backward_pre_hooks) and STATE.enabled:
            positions = [i for i in _tensor_positions(args) if args[i]._rg]
            if positions:
                state = _BackwardHookState(self, len(args), positions)
                args, node = _wrap(args, positions)
                node.register_prehook(state.on_inputs)
            else:
                state = _BackwardHookState(self, len(args), None)
        result = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                r = hook(self, args, kwargs, result)
            else:
                r = hook(self, args, result)
            if r is not None:
                result = r
        if state is not None:
            result = _wrap_outputs(result, state)
        return result

    __call__ = _call_impl


def _wrap_outputs(result: Any, state: _BackwardHookState) -> Any:
    single = isinstance(result, Tensor)
    values = (result,) if single else result
    if not isinstance(values, (tuple, list)):
        return result
    positions = [i for i in _tensor_positions(tuple(values)) if values[i]._rg]
    if not positions:
        return result
    wrapped, node = _wrap(tuple(values), positions)
    node.register_prehook(state.on_outputs)
    if single:
        return wrapped[0]
    return type(result)(wrapped) if isinstance(result, list) else wrapped


def _register_forward_rule() -> None:
    """Forward-mode AD passes tangents through the identity node unchanged."""
    from ..autograd import forward_ad
    forward_ad._RULES[BackwardHookFunction] = lambda ctx, args, tans, outs: tuple(tans)


_register_forward_rule()
