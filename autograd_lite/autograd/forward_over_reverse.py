"""Hessian-vector products by forward-over-reverse (Pearlmutter's R-operator): the fast path of
``autograd.functional.hvp``.

The function runs once with the direction ``v`` as its inputs' tangent: every op records its
node as usual and also computes its output's tangent (forward AD, on arrays). Then one backward
pass runs each node's backward formula on dual arrays (ops/dual.py): the values the formula saved
carry their tangents, so it returns the gradient together with its derivative along ``v``; at
the inputs that derivative is ``H v``. Each op of the gradient does about twice the arithmetic,
and no second graph is built (double backward records the backward pass, then runs backward
through both graphs: three times the work).

It covers the built-in ops whose formulas read only the gradient, saved values and numbers kept
on ctx (``_covered``). Anything else (a custom Function, a hook, an op without a forward rule, an
in-place change that forward AD does not follow) returns None, and ``hvp`` uses double backward
on the same recorded graph: the function still runs once.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from ..backend import array_module
from ..creation import zeros_like
from ..function import FREED, FW_LEVEL, RAW, AccumulateGrad
from ..grad_mode import STATE
from ..ops import formula
from ..ops.dual import Dual
from ..saved import unpack
from ..tensor import Tensor
from . import forward_ad

_COVERED: set = set()  # node classes of the ops whose formulas run on Duals (filled on first use)


def hvp(call: Any, inputs: tuple, v: tuple | None) -> tuple:
    """``call()`` (the checked function call) with tangents ``v`` (None: ones) on ``inputs``;
    returns ``(is_outputs_tuple, outputs, H v or None)``, None meaning: use double backward."""
    if FW_LEVEL[0] >= 0:  # inside the user's dual level (levels do not nest)
        return (*call(), None)
    try:
        with forward_ad.watched_level() as watch:
            for i, x in enumerate(inputs):
                t = Tensor._make(array_module(x._data).ones_like(x._data)) if v is None else v[i]
                forward_ad.set_tangent(x, t if t._data.dtype == x._data.dtype else t.to(x.dtype))
            is_outputs_tuple, outputs = call()
            result = _backward(outputs[0], inputs) if watch.exact else None
    except forward_ad.NestedLevelError:
        # the function opens a dual level of its own: run it again without ours (a second call
        # only in this case; PyTorch's double backward has no level open either)
        return (*call(), None)
    return is_outputs_tuple, outputs, result


class _DualCtx:
    """The ctx a formula sees on Duals: the saved values with their tangents; the rest (numbers
    and shapes kept by forward, needs_input_grad) is the node's."""

    __slots__ = ("_node", "saved_tensors", "needs_input_grad")

    def __init__(self, node: Any, saved: tuple) -> None:
        self._node, self.saved_tensors, self.needs_input_grad = node, saved, node.needs_input_grad

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)


_SEQ = attrgetter("_seq")


def _backward(out: Tensor, inputs: tuple) -> tuple | None:
    """``H v`` for each input: one backward pass from ``out`` on dual arrays (None: not covered)."""
    if not out._rg:
        return None
    root = out.grad_fn if out.grad_fn is not None else out._accumulate_node()
    nodes = _graph(root)
    if nodes is None:
        return None
    where = {id(x): i for i, x in enumerate(inputs)}
    depends: dict = {}  # node -> whether it leads to an input (asked only in rare cases)
    grads = {root: (array_module(out._data).ones_like(out._data), None)}  # value, tangent
    prev = STATE.enabled, RAW[0]
    STATE.enabled, RAW[0] = False, True  # formulas on arrays, as in a plain backward
    try:
        for node in nodes:  # latest first: a node's inputs were recorded before it
            g = grads.pop(node, None)
            if g is None:
                continue
            gv, gt = g
            saved = None if node._saved is None else _saved_values(node, where, depends)
            fn = node._fn.backward
            if saved is None:  # no saved value has a tangent: the formula is linear in g
                vals, tans = fn(node, gv), () if gt is None else fn(node, gt)
                if tans.__class__ is not tuple:
                    tans = (tans,)
            elif saved is False:
                return None
            else:  # gradients come back as Duals (or arrays: a zero tangent)
                vals, tans = fn(_DualCtx(node, saved), gv if gt is None else Dual(gv, gt)), ()
            if vals.__class__ is not tuple:
                vals = (vals,)
            for k, ((nxt, _), meta, gv) in enumerate(zip(node._edges, node._in_meta, vals)):
                if nxt is None or gv is None:
                    continue
                if gv.__class__ is Dual:
                    gv, gt = gv.v, gv.t
                else:
                    gt = tans[k] if k < len(tans) else None
                if meta is not None and (gv.shape != meta[0] or gv.dtype != meta[1]):
                    # a broadcast gradient, summed to the input's shape, in its dtype
                    gv, gt = _fit_pair(gv, gt, meta)
                old = grads.get(nxt)
                if old is not None:
                    gv = old[0] + gv
                    gt = old[1] if gt is None else gt if old[1] is None else old[1] + gt
                grads[nxt] = (gv, gt)
    finally:
        STATE.enabled, RAW[0] = prev
    result: list = [None] * len(inputs)
    for node, g in grads.items():
        i = where.get(id(node.variable)) if node.__class__ is AccumulateGrad else None
        if i is not None and g[1] is not None:
            t = g[1]  # a broadcast (read-only) array becomes a gradient of its own
            result[i] = Tensor._make(t if getattr(t.flags, "writeable", True) else t.copy())
    return tuple(zeros_like(x) if r is None else r for x, r in zip(inputs, result))


def _graph(root: Any) -> list | None:
    """The op nodes reachable from ``root``, latest first; None if one is not covered."""
    if not _COVERED:
        _COVERED.update(_covered())
    nodes, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        if node.__class__ is AccumulateGrad:
            if node._has_hooks or node.variable._hooks:
                return None
            continue
        if node.__class__ not in _COVERED or node._has_hooks:
            return None
        nodes.append(node)
        for nxt, _ in node._edges:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    nodes.sort(key=_SEQ, reverse=True)
    return nodes


def _fit_pair(gv: Any, gt: Any, meta: tuple) -> tuple:
    """``_fit`` of a gradient and its tangent; a bias's gradient (one leading dimension more)
    is a plain ``sum(0)`` of both."""
    shape = meta[0]
    if gv.ndim == len(shape) + 1 and gv.shape[1:] == shape and gv.dtype == meta[1] and \
            (gt is None or gt.shape == gv.shape and gt.dtype == gv.dtype):
        return gv.sum(0), None if gt is None else gt.sum(0)
    return _fit(gv, meta), None if gt is None else _fit(gt, meta)


def _fit(g: Any, meta: tuple) -> Any:
    shape, dt = meta
    if g.shape != shape:
        g = formula.sum_to(g, shape)
    return g if g.dtype == dt else formula.cast(g, dt)


def _saved_values(node: Any, where: dict, depends: dict) -> Any:
    """The node's saved values, as Duals where they carry a tangent; None when none does (the
    formula then runs on arrays); False when a value that depends on the inputs has no tangent
    (an in-place change forward AD did not follow). A value changed in place since it was saved
    raises PyTorch's error, as in backward."""
    saved = node._saved
    if saved is None:
        return None
    if saved is FREED:
        return node.saved_tensors  # raises: backward through the graph a second time
    values, dual = [], False
    for s in saved:
        if s.__class__ is tuple and s[0] is None:  # an output of the node itself
            rg, fw, source = s[5], s[6], node
        elif isinstance(s, Tensor) or s.__class__ is tuple:  # an input (with its version)
            t = s if isinstance(s, Tensor) else s[0]
            rg, fw, source = t._rg, t._fw_grad, t
        else:  # a number, None
            values.append(s)
            continue
        value = unpack(s, node, True)  # its array, checked for in-place changes
        if rg and fw is not None:  # a value outside the graph (no_grad, detach) is a constant
            values.append(Dual(value, fw._data))
            dual = True
        elif rg and _leads_to_inputs(source, where, depends):
            return False
        else:
            values.append(value)
    return tuple(values) if dual else None


def _leads_to_inputs(source: Any, where: dict, depends: dict) -> bool:
    """Whether a node (or a tensor) depends on one of the inputs."""
    if isinstance(source, Tensor):
        if source.grad_fn is None:
            return id(source) in where
        source = source.grad_fn
    if source not in depends:
        found, seen, stack = False, {source}, [source]
        while stack and not found:
            node = stack.pop()
            if node.__class__ is AccumulateGrad:
                found = id(node.variable) in where
            for nxt, _ in node._edges:
                if nxt is not None and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        depends[source] = found
    return depends[source]


def _covered() -> set:
    """Node classes of the ops whose backward formulas run on Duals (checked against double
    backward in tests/test_hvp_fast.py), with the subclasses that keep their formula."""
    from ..nn import _functions as nnf
    from ..ops import arrange, index, linalg, nnfunc, reduce, shape
    from ..ops import elementwise as ew
    ops = [ew.Add, ew.Sub, ew.AddAlpha, ew.Mul, ew.Div, ew.Neg, ew.Pow, ew.Exp, ew.Log, ew.Sqrt,
           ew.Sin, ew.Cos, ew.Tan, ew.Tanh, ew.Log1p, ew.Reciprocal, ew.Rsqrt, ew.Expm1, ew.Abs,
           ew.Sigmoid, ew.Relu, ew.Where, ew.Clone, ew.ToCopy, ew.Maximum, ew.Minimum,
           reduce.Sum, reduce.Mean, shape.View, shape.Transpose, shape.Permute, shape.Expand,
           index.Index, arrange.Stack, arrange.Cat, linalg.Matmul, linalg.Addmm,
           nnfunc.Softmax, nnfunc.LogSoftmax, nnfunc.LogSigmoid, nnfunc.MseLoss, nnfunc.NllLoss,
           nnf.Erf, nnf.LeakyRelu, forward_ad._Alias]
    found: set = set()
    while ops:
        op = ops.pop()
        found.add(op._backward_cls)
        ops.extend(sub for sub in op.__subclasses__() if "backward" not in vars(sub))
    return found
