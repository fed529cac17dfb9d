"""Recorded fast paths of a training step's fused ops: ``nn.Linear`` (TBackward0 of the weight,
then AddmmBackward0), ``cross_entropy`` (LogSoftmaxBackward0, then NllLossBackward0).

Each builds the same nodes, edges, saved values and output tensors as the general path
(``_apply_builtin``, apply.py) for the common recorded case, written out: no loops over the
arguments, no checks the caller has already made. The callers (``linalg.linear``,
``losses.cross_entropy``) decide when a case is common; everything else takes the general path.
If apply.py changes how it builds nodes or outputs, these must follow (tests/test_fastpath.py
compares the two). The NLL loss's array work for its common case is here too (``nll_forward``,
``nll_scatter``, used by ``nnfunc.NllLoss``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..apply import _NONE_EDGE, _leaf_edge, _new, run_forward
from ..function import _seq
from ..saved import pack_input
from ..tensor import Tensor

_NEEDS_FIRST = {n: (True,) + (False,) * (n - 1) for n in range(1, 6)}
_NONE_REST = {n: (_NONE_EDGE,) * (n - 1) for n in range(1, 6)}
_META_REST = {n: (None,) * (n - 1) for n in range(1, 6)}


def _edge(t: Tensor) -> tuple:
    """The (node, output_nr) that ``t``'s gradient flows into; ``t`` requires grad."""
    fn = t.grad_fn
    return (fn, t._output_nr) if fn is not None else _leaf_edge(t)


def first_arg_node(cls: Any, x: Tensor, nargs: int) -> Any:
    """The node of ``cls.apply(x, *others)`` (2 to 5 arguments), ``x`` its one tensor
    argument, which requires grad, for an op without ``save_inputs``: edges,
    ``needs_input_grad`` and input metadata as ``_apply_builtin`` makes them."""
    ctx = _new(cls._backward_cls)
    ctx._seq = next(_seq)
    ctx._saved = None
    ctx.needs_input_grad = _NEEDS_FIRST[nargs]
    ctx._edges = (_edge(x),) + _NONE_REST[nargs]
    ctx._in_meta = ((x._data.shape, x._data.dtype),) + _META_REST[nargs]
    return ctx


def linear_2d(addmm: Any, t_op: Any, input: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """``addmm(bias, input, weight.t())`` recorded, for float NumPy arrays whose shapes and
    dtypes match and a weight that requires grad (``linalg.linear`` checks). An inference
    tensor as input raises when saved, as in the general path."""
    x, w, b = input._data, weight._data, bias._data
    # TBackward0: a view of the weight sharing its version counter (as ``linalg._t_view``)
    tn = _new(t_op._backward_cls)
    tn._seq = next(_seq)
    tn._saved = None
    tn.needs_input_grad = _NEEDS_FIRST[3]
    fn = weight.grad_fn
    tn._edges = ((fn, weight._output_nr) if fn is not None else _leaf_edge(weight),
                 _NONE_EDGE, _NONE_EDGE)
    tn._in_meta = ((w.shape, w.dtype), None, None)
    tn.dims = (0, 1)
    vc = weight._vc
    if vc is None:
        vc = weight._vc = [0]
    wt = _new(Tensor)
    wt._data, wt._rg, wt.grad_fn, wt._output_nr, wt._vc = w.swapaxes(0, 1), True, tn, 0, vc
    wt._base = weight if weight._base is None else weight._base
    # AddmmBackward0, edges (bias, input, weight.t()); its forward saves (input, weight.t())
    node = _new(addmm._backward_cls)
    node._seq = next(_seq)
    nb, nx = bias._rg, input._rg
    node.needs_input_grad = (nb, nx, True)
    node._edges = (_edge(bias) if nb else _NONE_EDGE, _edge(input) if nx else _NONE_EDGE,
                   (tn, 0))
    node._in_meta = ((b.shape, b.dtype) if nb else None, (x.shape, x.dtype) if nx else None,
                     (wt._data.shape, w.dtype))
    # what BuiltinNode.save_for_backward keeps (pack_input raises for an inference input)
    node._saved = (pack_input(input), pack_input(wt) if nx else None)
    out = x @ wt._data
    out += b
    y = _new(Tensor)
    y._data, y._rg, y.grad_fn, y._output_nr, y._vc = out, True, node, 0, None
    return y


# --- the NLL loss's common case: 2-D float input, every target a class, no weight -------------

# batch sizes whose count the dtype holds exactly: the mean's divisor, as the general path's sum
_EXACT_COUNT = {np.dtype(np.float32): 2 ** 24, np.dtype(np.float64): 2 ** 53}
_max, _sum = np.maximum.reduce, np.add.reduce  # ndarray.max/sum without their Python wrappers
_OFFSETS: dict = {}  # (n, c) -> read-only [0, c, 2c, ...]: where each row starts in a.ravel()


def _row_offsets(n: int, c: int) -> Any:
    off = _OFFSETS.get((n, c))
    if off is None:
        if len(_OFFSETS) > 64:  # a few batch shapes recur; don't grow without bound
            _OFFSETS.clear()
        off = _OFFSETS[(n, c)] = np.arange(0, n * c, c, dtype=np.int64)
        off.flags.writeable = False
    return off


def nll_forward(ctx: Any, a: Any, target: Any, ignore_index: int, reduction: str) -> Any:
    """The reduced loss of (n, c) NumPy log-probabilities ``a`` and int64 ``target`` (n,),
    unweighted, or None when a target is out of range or could equal ``ignore_index`` (the
    general path then computes it, or raises). Bit for bit the general path's value."""
    n, c = a.shape
    if not (0 < n <= _EXACT_COUNT.get(a.dtype, 0)) or 0 <= ignore_index < c or \
            _max(target.view(np.uint64)) >= c:  # negatives wrap around: both bounds in one
        return None
    flat = target + _row_offsets(n, c)  # positions in a.ravel(): a new array, kept for backward
    loss = _sum(-a.take(flat))  # (negated first, as the general path: the same zero signs)
    denom = a.dtype.type(n) if reduction == "mean" else 1
    ctx.args = (flat, denom, a.dtype, n, c)
    return loss / denom if reduction == "mean" else loss


def nll_scatter(args: tuple, grad: Any) -> Any:
    """The input's gradient after ``nll_forward`` in a plain backward (``grad`` an array):
    zeros and one scatter, as PyTorch computes it."""
    flat, denom, _, n, c = args
    g = np.zeros(n * c, grad.dtype)
    g[flat] = grad * (-1 / denom)  # the general coefficient -w_t / denom, times grad
    return g.reshape(n, c)


def nll_general_args(args: tuple) -> tuple:
    """``ctx.args`` of the general path, ``(t_k, w_t, denom, cdim, shape, reduction)``, from
    ``nll_forward``'s: for its formula on tensors (create_graph) or duals (hvp)."""
    flat, denom, dtype, n, c = args
    t_k = (flat - _row_offsets(n, c)).reshape(n, 1)
    return t_k, np.ones(n, dtype), denom, 1, (n, c), "mean"  # (the formula tells 'none' only)


def cross_entropy_2d(log_softmax_op: Any, nll_op: Any, input: Tensor, target: Any,
                     ignore_index: int, reduction: str) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)`` recorded, for a float NumPy (n, c) ``input``
    that requires grad, int64 ``target`` (n,), no weight, reduction 'mean' or 'sum'
    (``losses.cross_entropy`` checks)."""
    ctx = first_arg_node(log_softmax_op, input, 2)
    logp = run_forward(log_softmax_op, ctx, input, 1)
    ctx = first_arg_node(nll_op, logp, 5)
    return run_forward(nll_op, ctx, logp, target, None, ignore_index, reduction)
