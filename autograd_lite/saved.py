"""Tensors saved for backward, with the version they had when saved (in-place change detection)."""

from __future__ import annotations

from typing import Any

Tensor: Any = None  # set by tensor.py (import cycle)


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved.

    Outputs of the node itself are kept as (array, output number) rather than as the Tensor, so the
    node does not hold a reference cycle through its own output; unpacking rebuilds the output.
    """

    __slots__ = ("tensor", "data", "box", "version", "output_nr", "requires_grad", "fw")

    def __init__(self, tensor: Any, output_nr: int = -1) -> None:
        box = tensor._vc
        if box is None:
            box = tensor._vc = [0]
        self.box, self.version = box, box[0]
        self.output_nr = output_nr
        if output_nr >= 0:
            self.tensor, self.data, self.requires_grad = None, tensor._data, tensor._rg
            self.fw = tensor._fw_grad  # forward-AD tangent, for forward-over-reverse
        else:
            self.tensor, self.data, self.requires_grad, self.fw = tensor, None, False, None

    def unpack(self, node: Any, raw: bool = False) -> Any:
        """The saved tensor (its array when ``raw``); raises if it was changed in place."""
        if raw and self.box[0] == self.version:
            return self.data if self.output_nr >= 0 else self.tensor._data
        if self.box[0] != self.version:
            t = self.tensor
            shape = list((t._data if t is not None else self.data).shape)
            dt = (t._data if t is not None else self.data).dtype
            kind = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor"}
            tname = f"torch.{kind.get(str(dt), str(dt))} {shape}"
            if self.output_nr >= 0:
                origin, producer = f"output {self.output_nr} of {node.name()}", node.name()
            elif t.grad_fn is not None:
                origin, producer = f"output {t._output_nr} of {t.grad_fn.name()}", None
            else:
                origin, producer = None, None
            where = f"[{tname}], which is {origin}," if origin else f"[{tname}]"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {where} is at version {self.box[0]}; expected version "
                f"{self.version} instead. Hint: {node.name()} needs this value unchanged"
                f"{'' if producer is None else ' (its own output)'}; use an out-of-place "
                "operation (x = x * 2 instead of x *= 2) or .clone() the tensor before "
                "changing it.")
        if raw:
            return self.data if self.output_nr >= 0 else self.tensor._data
        if self.output_nr >= 0:
            t = Tensor._make(self.data, self.requires_grad, node if self.requires_grad
                             else None, self.output_nr, self.box)
            if self.fw is not None:
                t._fw_grad = self.fw
            return t
        return self.tensor
