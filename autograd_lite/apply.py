"""How ``Function.apply`` runs an op and records its node.

* ``_apply_builtin`` is the ``apply`` of built-in ops (installed by ``_FunctionMeta``): the hot
  path of every forward pass. Nothing to record: call forward, wrap the array. Otherwise build the
  node (edges to the inputs' nodes, the inputs' shapes and dtypes), keep what backward needs
  (``save_inputs``, ``save_output``, or the op's own ``save_for_backward``), run forward with
  recording off, and make the output point at the node.
* ``unary_op`` and ``scalar_op`` make ``t.sin()``... and ``t * 0.5``... : the recorded case of
  ``_apply_builtin`` for one tensor (and a Python float) written out, the op's NumPy function
  called directly; anything else goes to ``_apply_builtin``.
* ``_apply_recorded`` is the general path: custom Functions (with forward-mode AD's tangents).
  Built-in ops with tangents run here and then get them from ``forward_ad.apply_dual``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numpy import ndarray

from .function import _NOGRAD_CTX, FW_LEVEL, _edge, _seq
from .grad_mode import STATE
from .saved import INFERENCE_SAVED, pack_input, pack_output

Tensor: Any = None  # set by tensor.py (import cycle)
apply_dual: Any = None  # set by autograd/forward_ad.py, which opens the levels tangents live in


_NONE_EDGE = (None, 0)
_new = object.__new__


_SAME = (None,)  # _in_meta of elementwise ops: the gradient has the input's shape and dtype
_TRUE = (True,)
_TRUE_FALSE, _SAME_NONE = (True, False), (None, None)


def _edge_meta(a: Any) -> tuple:
    """(needs grad, edge, (shape, dtype)) of one argument of a recorded op."""
    if isinstance(a, Tensor) and a._rg:
        fn = a.grad_fn
        d = a._data
        return True, ((fn, a._output_nr) if fn is not None else _leaf_edge(a)), \
            (d.shape, d.dtype)
    return False, _NONE_EDGE, None


def _apply_builtin(cls: Any, *args: Any) -> Any:
    """``apply`` of a built-in op (see the module docstring)."""
    if FW_LEVEL[0] >= 0:  # a tangent among the inputs: this op, then its forward-AD rule
        for a in args:
            if isinstance(a, Tensor) and a._fw_grad is not None:
                return apply_dual(cls, args)
    record = False
    if STATE.enabled:
        for a in args:
            if isinstance(a, Tensor) and a._rg:
                record = True
                break
    if not record:
        raw = cls.forward(_NOGRAD_CTX, *args)
        if raw.__class__ is ndarray and not STATE.inference:
            out = _new(Tensor)
            out._data, out._rg, out.grad_fn, out._output_nr, out._vc = raw, False, None, 0, None
            return out
        if raw.__class__ is tuple:
            return tuple(Tensor._make(o) for o in raw)
        return Tensor._make(raw)

    ctx = _new(cls._backward_cls)
    ctx._seq = next(_seq)
    ctx._saved = None
    if len(args) == 1:  # unary ops: the input is a tensor that requires grad
        a = args[0]
        fn = a.grad_fn
        ctx.needs_input_grad = (True,)
        ctx._edges = ((fn, a._output_nr) if fn is not None else _leaf_edge(a),)
        ctx._in_meta = _SAME if cls.elementwise else ((a._data.shape, a._data.dtype),)
    elif len(args) == 2:  # binary ops, spelled out: (needs grad, edge, meta) of each side
        a, b = args
        if isinstance(a, Tensor) and a._rg:
            fn, d = a.grad_fn, a._data
            n0, e0, m0 = True, (fn, a._output_nr) if fn is not None else _leaf_edge(a), \
                (d.shape, d.dtype)
        else:
            n0, e0, m0 = False, _NONE_EDGE, None
        if isinstance(b, Tensor) and b._rg:
            fn, d = b.grad_fn, b._data
            n1, e1, m1 = True, (fn, b._output_nr) if fn is not None else _leaf_edge(b), \
                (d.shape, d.dtype)
        else:
            n1, e1, m1 = False, _NONE_EDGE, None
        ctx.needs_input_grad, ctx._edges, ctx._in_meta = (n0, n1), (e0, e1), (m0, m1)
    else:
        nem = [_edge_meta(a) for a in args]
        ctx.needs_input_grad = tuple([x[0] for x in nem])
        ctx._edges = tuple([x[1] for x in nem])
        ctx._in_meta = tuple([x[2] for x in nem])
    if cls.save_inputs:  # the arguments themselves, unless a tensor's version must be noted
        ctx._saved = args
        for a in args:
            if isinstance(a, Tensor) and (a._vc is not None and a._vc[0] or a._inference):
                ctx.save_for_backward(*args)
                break
    return run_forward(cls, ctx, *args)


def run_forward(cls: Any, ctx: Any, *args: Any) -> Any:
    """``cls.forward`` with recording off, then its output tensor(s), pointing at node ``ctx``
    (``ops/fastpath.py`` builds nodes of its own and calls this too)."""
    STATE.enabled = False
    try:
        raw = cls.forward(ctx, *args)
    finally:
        STATE.enabled = True
    return _finish(cls, ctx, raw)


def _finish(cls: Any, ctx: Any, raw: Any) -> Any:
    """The output tensor(s) of a recorded built-in op, pointing at its node ``ctx``."""
    if raw.__class__ is tuple:
        return _finish_outputs(cls, ctx, raw)
    if raw.__class__ is ndarray:
        out = _new(Tensor)
        out._data, out._output_nr, out._vc = raw, 0, None
    else:  # a NumPy scalar or a CuPy array
        out = Tensor._make(raw)
        raw = out._data
    if raw.dtype.kind == "f":
        out._rg, out.grad_fn = True, ctx
        if cls.save_output:  # kept as its array and version counter (see saved.py)
            box = out._vc = [0]
            entry = (None, 0, raw, box, 0, True, None)
            ctx._saved = (entry,) if ctx._saved is None else ctx._saved + (entry,)
    else:
        out._rg, out.grad_fn = False, None
    return out


def unary_op(cls: Any) -> Callable:
    """``input -> cls.apply(input)`` for a one-input elementwise op (``sin``, ``exp``...), with
    the common recorded case (a tensor that requires grad) written out. What the op's class
    says is read once, here."""
    if not cls.elementwise:
        def plain(input: Any) -> Any:  # noqa: A002
            return _apply_builtin(cls, input)
        return plain
    node_cls, ufunc, forward = cls._backward_cls, cls.ufunc, cls.forward
    save_inputs, save_output = cls.save_inputs, cls.save_output

    def apply(input: Any) -> Any:  # noqa: A002 (torch.sin(input=...))
        a = input
        if a.__class__ is not Tensor or FW_LEVEL[0] >= 0:
            return _apply_builtin(cls, a)
        if not (a._rg and STATE.enabled):  # nothing to record: one NumPy call for a float array
            d = a._data
            if ufunc is None or d.__class__ is not ndarray or d.dtype.kind != "f" or \
                    STATE.inference:
                return _apply_builtin(cls, a)
            return _plain_output(ufunc(d))
        if a._vc is not None and a._vc[0] or a._inference:
            return _apply_builtin(cls, a)
        ctx = _new(node_cls)
        ctx._seq = next(_seq)
        fn = a.grad_fn
        ctx.needs_input_grad, ctx._in_meta = _TRUE, _SAME
        ctx._edges = ((fn, a._output_nr) if fn is not None else _leaf_edge(a),)
        ctx._saved = (a,) if save_inputs else None
        d = a._data
        if ufunc is not None and d.__class__ is ndarray:  # the op is one NumPy call
            raw = ufunc(d)  # (a float array, as it requires grad: the result is float too)
            if raw.__class__ is not ndarray:  # a NumPy scalar, from a 0-d array
                return _finish(cls, ctx, raw)
        else:
            STATE.enabled = False
            try:
                raw = forward(ctx, a)
            finally:
                STATE.enabled = True
            if raw.__class__ is not ndarray or raw.dtype.kind != "f":  # e.g. a CuPy array
                return _finish(cls, ctx, raw)
        out = _new(Tensor)
        if save_output:  # kept as its array and version counter (see saved.py)
            box = [0]
            out._data, out._rg, out.grad_fn, out._output_nr, out._vc = raw, True, ctx, 0, box
            entry = (None, 0, raw, box, 0, True, None)
            ctx._saved = (entry,) if ctx._saved is None else ctx._saved + (entry,)
        else:
            out._data, out._rg, out.grad_fn, out._output_nr, out._vc = raw, True, ctx, 0, None
        return out
    return apply


def scalar_op(cls: Any, general: Callable) -> Callable:
    """``tensor op other`` for ``+ - * /`` (``cls.ufunc``): the common recorded case (a float
    array that requires grad and a Python float) written out, anything else ``general``. The
    gradient for the tensor has its shape and dtype, so it needs no fitting (``_in_meta``)."""
    node_cls, ufunc, keeps_number = cls._backward_cls, cls.ufunc, cls.keeps_number

    def apply(a: Any, b: Any) -> Any:
        if b.__class__ is not float or a.__class__ is not Tensor or FW_LEVEL[0] >= 0 or \
                a._data.__class__ is not ndarray:
            return general(a, b)
        if not (a._rg and STATE.enabled):  # nothing to record: one NumPy call for a float array
            d = a._data
            if d.dtype.kind != "f" or STATE.inference:
                return general(a, b)
            return _plain_output(ufunc(d, b))
        if a._vc is not None and a._vc[0] or a._inference:
            return general(a, b)
        ctx = _new(node_cls)
        ctx._seq = next(_seq)
        fn = a.grad_fn
        ctx.needs_input_grad, ctx._in_meta = _TRUE_FALSE, _SAME_NONE
        ctx._edges = ((fn, a._output_nr) if fn is not None else _leaf_edge(a), _NONE_EDGE)
        ctx._saved = (None, b) if keeps_number else None  # the tensor itself is not needed
        raw = ufunc(a._data, b)  # a float array (it requires grad): NumPy keeps its dtype
        if raw.__class__ is not ndarray:  # a NumPy scalar, from a 0-d array
            return _finish(cls, ctx, raw)
        out = _new(Tensor)
        out._data, out._rg, out.grad_fn, out._output_nr, out._vc = raw, True, ctx, 0, None
        return out
    return apply


def _plain_output(raw: Any) -> Any:
    """The tensor of an unrecorded op's array (a NumPy scalar from a 0-d array becomes one)."""
    if raw.__class__ is not ndarray:
        return Tensor._make(raw)
    out = _new(Tensor)
    out._data, out._rg, out.grad_fn, out._output_nr, out._vc = raw, False, None, 0, None
    return out


def _leaf_edge(a: Any) -> tuple:
    """The edge into leaf ``a``: its AccumulateGrad node, kept alive by the graph only."""
    acc = a._accum
    fn = acc() if acc is not None else None
    if fn is None:
        fn = a._accumulate_node()
    return (fn, 0)


def _finish_outputs(cls: Any, ctx: Any, raw: tuple) -> tuple:
    """Multi-output built-in ops (e.g. ``max(dim)`` -> values, indices)."""
    outs = tuple(Tensor._make(o) for o in raw)
    ctx._nout, ctx._plain = len(outs), False
    ctx._out_meta = tuple((o._data.shape, o._data.dtype, o._data) for o in outs)
    non_diff = ctx._non_diff or ()
    for i, o in enumerate(outs):
        if o._data.dtype.kind == "f" and id(raw[i]) not in non_diff:
            o._rg, o.grad_fn, o._output_nr = True, ctx, i
    if cls.save_output:
        ctx._saved = (ctx._saved or ()) + (pack_output(outs[0], 0),)
    return outs


def _apply_recorded(cls: type, args: tuple, record: bool, dual: bool) -> Any:
    """The general path of ``apply``: build the node, wrap outputs, keep saved tensors."""
    ctx = cls._backward_cls()
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
    prev, level = STATE.enabled, FW_LEVEL[0]
    # forward runs unrecorded; its outputs' tangents come from the op's jvp rule, not from
    # tangents flowing through the ops inside a custom forward
    if cls.save_inputs:
        ctx.save_for_backward(*args)
    STATE.enabled, FW_LEVEL[0] = False, -1
    try:
        raw = cls.forward(ctx, *args)
    finally:
        STATE.enabled, FW_LEVEL[0] = prev, level
    single = not isinstance(raw, tuple)
    outs = (raw,) if single else raw
    if cls.builtin:
        outs = tuple(Tensor._make(o) if not isinstance(o, Tensor) else o for o in outs)
    non_diff = ctx._non_diff or ()
    results = []
    if record:
        for a in args:
            if isinstance(a, Tensor) and a._inference and not STATE.inference:
                raise RuntimeError(INFERENCE_SAVED)
        ctx._edges = tuple(_edge(a) if isinstance(a, Tensor) else (None, 0) for a in args)
        if not cls.builtin:  # a custom Function's next_functions: its tensor arguments
            ctx._edge_pos = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        ctx._in_meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None
                             for a in args)
        ctx._nout = len(outs)
        if ctx._nout > 1:
            ctx._plain = False
            ctx._out_meta = tuple((o._data.shape, o._data.dtype, o._data)
                                  if isinstance(o, Tensor) else None for o in outs)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            results.append(o)
            continue
        differentiable = record and id(o) not in non_diff and o._data.dtype.kind == "f"
        if any(o is a for a in args) or o.grad_fn is not None or o.requires_grad:
            o = Tensor._make(o._data, False, None, 0, None)  # an input returned as-is: alias it
        if differentiable:
            o._rg, o.grad_fn, o._output_nr = True, ctx, i
        results.append(o)
    if dual:  # before saving, so saved outputs keep their tangents
        from .autograd.forward_ad import _propagate
        _propagate(cls, ctx, args, results)
    if record:
        if cls.builtin:  # inputs already packed by save_for_backward
            saved = list(ctx._saved or ())
        else:
            saved = []
            for s in ctx._to_save:
                if s is None:
                    saved.append(None)
                elif not isinstance(s, Tensor):
                    raise TypeError("save_for_backward can only save variables, but argument "
                                    f"{len(saved)} is of type {type(s).__name__}")
                else:
                    nr = next((j for j, (raw_o, o) in enumerate(zip(outs, results))
                               if s is raw_o), -1)
                    saved.append(pack_output(results[nr], nr) if nr >= 0 else pack_input(s))
        if cls.save_output:
            saved.append(pack_output(results[0], 0))
        ctx._saved = tuple(saved)
        ctx.__dict__.pop("_to_save", None)
    return results[0] if single else tuple(results)
