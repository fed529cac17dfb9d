"""Tensor ``repr`` formatting that mirrors PyTorch 2.x ``torch/_tensor_str.py``.

Only the default print options are supported (precision 4, threshold 1000, edgeitems 3,
linewidth 80, sci_mode None).  Complex, sparse and quantized tensors are out of scope.
"""

from __future__ import annotations

import math

import numpy as np

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80

__all__ = ["tensor_repr", "tensor_str"]


class _Formatter:
    """Chooses int/sci mode and a common width from the (summarized) values."""

    def __init__(self, values: np.ndarray, is_floating: bool) -> None:
        self.floating_dtype = is_floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not is_floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return
        finite_abs = np.abs(nonzero_finite).astype(np.float64)
        fmin, fmax = float(finite_abs.min()), float(finite_abs.max())
        # Integrality is checked in the native dtype, like ``value != torch.ceil(value)``.
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        self.sci_mode = fmax / fmin > 1000.0 or fmax > 1.0e8 or fmin < 1.0e-4
        for value in nonzero_finite.tolist():
            if self.sci_mode:
                width = len(f"{value:.{PRECISION}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1
            else:
                width = len(f"{value:.{PRECISION}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value: float | int | bool) -> str:
        if self.floating_dtype:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRECISION}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _summarized_data(values: np.ndarray) -> np.ndarray:
    """Keep only the first/last ``EDGEITEMS`` entries along every long axis."""
    for axis in range(values.ndim):
        if values.shape[axis] > 2 * EDGEITEMS:
            n = values.shape[axis]
            keep = list(range(EDGEITEMS)) + list(range(n - EDGEITEMS, n))
            values = np.take(values, keep, axis=axis)
    return values


def _vector_str(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    element_length = fmt.max_width + 2
    elements_per_line = max(1, math.floor((LINEWIDTH - indent) / element_length))
    if summarize and values.shape[0] > 2 * EDGEITEMS:
        data = (
            [fmt.format(v) for v in values[:EDGEITEMS].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in values[-EDGEITEMS:].tolist()]
        )
    else:
        data = [fmt.format(v) for v in values.tolist()]
    lines = [
        ", ".join(data[i : i + elements_per_line]) for i in range(0, len(data), elements_per_line)
    ]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _str_with_formatter(values: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    dim = values.ndim
    if dim == 0:
        return fmt.format(values.tolist())
    if dim == 1:
        return _vector_str(values, indent, summarize, fmt)
    n = values.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        slices = (
            [_str_with_formatter(values[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
            + ["..."]
            + [
                _str_with_formatter(values[i], indent + 1, summarize, fmt)
                for i in range(n - EDGEITEMS, n)
            ]
        )
    else:
        slices = [_str_with_formatter(values[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def tensor_str(values: np.ndarray, is_floating: bool, *, indent: int = 0) -> str:
    """Return the bracketed body, e.g. ``[1., 2.]``; ``indent`` is the continuation offset."""
    values = np.asarray(values)
    if values.size == 0:
        return "[]"
    summarize = values.size > THRESHOLD
    fmt = _Formatter(_summarized_data(values) if summarize else values, is_floating)
    return _str_with_formatter(values, indent, summarize, fmt)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1  # PyTorch's (slightly generous) count
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(
    values: np.ndarray,
    *,
    dtype_name: str,
    is_floating: bool,
    default_dtype: bool,
    device: str = "cpu",
    grad_fn_name: str | None = None,
    requires_grad_leaf: bool = False,
    tangent: str | None = None,
) -> str:
    """Return ``tensor(...)`` exactly as PyTorch's ``Tensor.__repr__`` would print it."""
    values = np.asarray(values)
    prefix = "tensor("
    indent = len(prefix)
    suffixes: list[str] = []
    if device != "cpu":
        suffixes.append(f"device='{device}'")
    if values.size == 0:
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        # An empty tensor shows any dtype other than the default float dtype (float32).
        if dtype_name != "float32":
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if not default_dtype:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = tensor_str(values, is_floating, indent=indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad_leaf:
        suffixes.append("requires_grad=True")
    if tangent is not None:  # a dual tensor (forward AD): its tangent, as PyTorch shows it
        suffixes.append(f"tangent={tangent}")
    return _add_suffixes(prefix + body, suffixes, indent)
