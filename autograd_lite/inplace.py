"""In-place operations (``add_``, ``x *= 2``, ``fill_``...): PyTorch's checks, the op run out of
place and written back into the tensor's storage, the version bump that lets backward detect a
changed saved value, and, under forward AD, the new tangent.

These are methods of ``Tensor`` (attached at the end of this module).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backend import array_module
from .function import _NOGRAD_CTX, FW_LEVEL
from .grad_mode import STATE
from .tensor import Tensor

_KINDS = {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}


def _check_inplace(self: Tensor) -> None:
    """Raise PyTorch's error if ``self`` may not be changed in place now."""
    if self._inference and not STATE.inference:
        raise RuntimeError("Inplace update to inference tensor outside InferenceMode is not "
                           "allowed.You can make a clone to get a normal tensor before doing "
                           "inplace update.See https://github.com/pytorch/rfcs/pull/17 for "
                           "more details.")
    if STATE.enabled and self._rg:
        if self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        base = self._base
        if base is not None and base._rg:
            if base.grad_fn is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being "
                                   "used in an in-place operation.")
            raise RuntimeError(
                "autograd_lite does not track in-place operations on views of tensors that "
                "require grad; modify the base tensor, or .clone() the view first.")


def _apply_inplace(self: Tensor, op: Any, *args: Any) -> Tensor:
    """Run ``op`` out of place, then write its result into this tensor's storage; the tensor
    takes the op's node (when recording) and its tangent (under forward AD)."""
    self._check_inplace()
    record = STATE.enabled and (self._rg or any(
        isinstance(a, Tensor) and a._rg for a in args))
    dual = FW_LEVEL[0] >= 0 and (self._fw_grad is not None or any(
        isinstance(a, Tensor) and a._fw_grad is not None for a in args))
    if record or dual:
        old = Tensor._make(self._data.copy(), self._rg, self.grad_fn, self._output_nr)
        if self._fw_grad is not None:
            old._fw_grad = self._fw_grad
        result = op.apply(old, *args)
    else:
        result = Tensor._make(op.forward(_NOGRAD_CTX, self, *args))
    self._write(result._data)
    if record:
        self.grad_fn, self._output_nr, self._rg = result.grad_fn, result._output_nr, True
    if dual:  # the tangent of the new value, noted at the new version (not a stale one)
        from .autograd.forward_ad import _remember
        self._fw_grad = result._fw_grad
        _remember(self)
    return self


def _write(self: Tensor, values: Any) -> None:
    """Copy ``values`` into this tensor's storage and bump its version."""
    mine = self._data.dtype
    if values.dtype != mine and not np.can_cast(values.dtype, mine, "same_kind"):
        raise RuntimeError(f"result type {_KINDS.get(values.dtype.kind, values.dtype)} can't "
                           f"be cast to the desired output type {_KINDS.get(mine.kind, mine)}")
    if values.shape != self._data.shape:
        try:
            values = array_module(values).broadcast_to(values, self._data.shape)
        except ValueError:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match "
                               f"the broadcast shape {list(values.shape)}") from None
    self._data[...] = values
    self._bump_version()


Tensor._check_inplace, Tensor._apply_inplace, Tensor._write = \
    _check_inplace, _apply_inplace, _write
