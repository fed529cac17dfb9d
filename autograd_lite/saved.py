"""Tensors saved for backward, with the version they had when saved (in-place change detection).

A saved entry is the tensor itself or a plain tuple (saving is on the hot path of every op):

* an input whose version is 0: the tensor itself. A tensor gets its version counter (a one-element
  list, then shared with its views) on its first in-place change or view, and versions only go
  up, so "no counter, or a counter at 0" later means unchanged;
* an input already at a later version: ``(tensor, version)``;
* an output of the node itself: ``(None, version, array, counter, output_nr, requires_grad,
  tangent)``; it is kept as its array, not as the Tensor, so that the node does not hold a
  reference cycle through its own output; unpacking rebuilds the output;
* anything else (None, or a number a built-in op keeps) is stored as it is.
"""

from __future__ import annotations

import re
from typing import Any

from .grad_mode import STATE

Tensor: Any = None  # set by tensor.py (import cycle)
INFERENCE_SAVED = (  # PyTorch 2.13's wording
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`.")


def pack_input(t: Any) -> Any:
    """The entry of an input tensor."""
    if t._inference and not STATE.inference:
        raise RuntimeError(INFERENCE_SAVED)
    vc = t._vc
    return t if vc is None or vc[0] == 0 else (t, vc[0])


def pack_output(t: Any, output_nr: int) -> tuple:
    """The entry of output ``output_nr`` of the node being built."""
    box = t._vc
    if box is None:
        box = t._vc = [0]
    return (None, box[0], t._data, box, output_nr, t._rg, t._fw_grad)


def unpack(s: Any, node: Any, raw: bool) -> Any:
    """The saved value (its array when ``raw``); raises if it was changed in place."""
    if s.__class__ is not tuple:
        if isinstance(s, Tensor):
            vc = s._vc
            if vc is not None and vc[0] != 0:
                raise _modified((s, 0), node)
            return s._data if raw else s
        return s
    t = s[0]
    if t is not None:
        vc = t._vc
        if (0 if vc is None else vc[0]) != s[1]:
            raise _modified(s, node)
        return t._data if raw else t
    _, version, data, box, nr, rg, fw = s
    if box[0] != version:
        raise _modified(s, node)
    if raw:
        return data
    out = Tensor._make(data, rg, node if rg else None, nr, box)
    if fw is not None:
        out._fw_grad = fw  # forward-AD tangent, for forward-over-reverse
    return out


def _modified(s: tuple, node: Any) -> RuntimeError:
    """PyTorch's error for a saved tensor changed in place since it was saved."""
    t = s[0]
    if t is not None:
        data, now, nr = t._data, t._vc[0], -1
    else:
        data, now, nr = s[2], s[3][0], s[4]
    tname = _TYPE_NAMES.get(str(data.dtype), str(data.dtype))
    if data.__class__.__module__.startswith("cupy"):  # a CUDA tensor, as PyTorch names it
        tname = tname.replace("torch.", "torch.cuda.").replace("CPU", "CUDA")
    tname = f"{tname} {list(data.shape)}"
    if nr >= 0:
        origin, producer = f"output {nr} of {_op(node)}", node.name()
    elif t.grad_fn is not None:
        origin, producer = f"output {t._output_nr} of {_op(t.grad_fn)}", None
    else:
        origin, producer = None, None
    where = f"[{tname}], which is {origin}," if origin else f"[{tname}]"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {where} is at version {now}; expected version {s[1]} instead. "
        f"Hint: {node.name()} needs this value unchanged"
        f"{'' if producer is None else ' (its own output)'}; use an out-of-place "
        "operation (x = x * 2 instead of x *= 2) or .clone() the tensor before changing it.")


_TYPE_NAMES = {  # PyTorch's legacy type names, as this message prints them
    "float32": "torch.FloatTensor", "float64": "torch.DoubleTensor", "float16": "torch.HalfTensor",
    "int64": "torch.LongTensor", "int32": "torch.IntTensor", "int16": "torch.ShortTensor",
    "int8": "torch.CharTensor", "uint8": "torch.ByteTensor", "bool": "CPUBoolType"}


def _op(node: Any) -> str:
    """The op that made a tensor, as PyTorch names it in this message: ``Exp`` for
    ``ExpBackward0``, ``torch::autograd::CopySlices`` as it is."""
    name = node.name()
    return re.sub(r"Backward\d*$", "", name)
