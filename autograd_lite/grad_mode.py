"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (also as decorators)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class _State:
    """Global autograd switches; read on every op, so plain attributes."""

    __slots__ = ("enabled", "inference")

    def __init__(self) -> None:
        self.enabled = True
        self.inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations are recorded for backward."""
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return STATE.inference


class _GradModeBase:
    """Context manager that is also a decorator, as in PyTorch."""

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(*self._args()):
                return fn(*args, **kwargs)
        return wrapper

    def _args(self) -> tuple:
        return ()

    def __enter__(self) -> None:
        self._prev = (STATE.enabled, STATE.inference)
        self._set()

    def __exit__(self, *exc: object) -> None:
        STATE.enabled, STATE.inference = self._prev

    def _set(self) -> None:
        raise NotImplementedError


class no_grad(_GradModeBase):
    """Disable graph recording: results have ``requires_grad=False``."""

    def _set(self) -> None:
        STATE.enabled = False


class enable_grad(_GradModeBase):
    """Re-enable graph recording inside ``no_grad``."""

    def _set(self) -> None:
        STATE.enabled = True


class set_grad_enabled(_GradModeBase):
    """``set_grad_enabled(False)`` switches recording off now; as a context manager, for a block."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = (STATE.enabled, STATE.inference)
        STATE.enabled = self.mode  # takes effect immediately when called as a function

    def _args(self) -> tuple:
        return (self.mode,)

    def __call__(self, fn: Callable) -> Callable:
        STATE.enabled = self._prev[0]  # used as a decorator: undo the immediate switch
        return super().__call__(fn)

    def __enter__(self) -> None:
        STATE.enabled = self.mode

    def _set(self) -> None:
        STATE.enabled = self.mode


class inference_mode(_GradModeBase):
    """Like ``no_grad``, and the tensors made inside can never join a graph later."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def _args(self) -> tuple:
        return (self.mode,)

    def _set(self) -> None:
        if self.mode:
            STATE.enabled = False
            STATE.inference = True
        else:  # as PyTorch's InferenceMode(false): grad mode back on, inference off
            STATE.enabled = True
            STATE.inference = False
