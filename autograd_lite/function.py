"""Function (forward/backward staticmethods + apply), graph nodes (ctx), saved tensors and hooks.

A call ``Op.apply(*args)`` runs ``Op.forward(ctx, *args)`` without recording and, when any input
requires grad, returns outputs whose ``grad_fn`` is ``ctx``: the node that later runs
``Op.backward(ctx, *grads)``. As in PyTorch, ``ctx`` *is* the backward node (``MulBackward0``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .grad_mode import STATE
from .hooks import HookDict, RemovableHandle
from .saved import SavedTensor

_seq = itertools.count()  # creation order; the engine runs later nodes first, as PyTorch does
RAW = [False]  # True while the engine runs a plain backward on arrays (ops/formula.py)
FW_LEVEL = [-1]  # innermost forward-AD dual level (autograd.forward_ad), -1 when none is open
Tensor: Any = None  # set by tensor.py (import cycle: tensors refer to nodes and back)


class Node:
    """A node of the backward graph: what ``tensor.grad_fn`` is.

    Only the attributes every node sets are slots; the rarely used ones are class-level defaults
    that a node overrides in its ``__dict__`` when needed (creating nodes is on the hot path).
    """

    __slots__ = ("next_functions", "needs_input_grad", "_seq", "_saved", "_in_meta", "_to_save",
                 "__dict__", "__weakref__")
    _freed = False
    _nout = 1
    _out_meta = None
    _pre_hooks = None  # {output_nr: HookDict} of tensor hooks on this node's outputs
    _retain = None  # {output_nr: weakref to a tensor that called retain_grad()}
    _post_hooks = None
    _node_pre_hooks = None
    _non_diff = None
    materialize_grads = True
    builtin = False
    _has_hooks = False  # any tensor/node hook or retain_grad: the engine's slow path

    def __init__(self) -> None:
        self.next_functions: tuple = ()
        self._saved = None
        self._in_meta = ()
        self._to_save = ()
        self._seq = next(_seq)

    @classmethod
    def name(cls) -> str:
        """The node's name, e.g. ``PowBackward0``."""
        return cls.__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    # --- ctx API (used inside Function.forward / backward) -------------------------------------
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for ``backward``; read them back with ``ctx.saved_tensors``."""
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked for in-place changes.

        Inside a plain ``backward()`` built-in ops get arrays here (see ops/formula.py)."""
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward.")
        saved = self._saved
        if saved is None:
            return tuple(self._to_save)
        raw = RAW[0] and self.builtin
        return tuple([None if s is None else s.unpack(self, raw) for s in saved])

    def save_for_forward(self, *tensors: Any) -> None:
        """Keep tensors for a custom ``jvp`` (forward AD); there ``ctx.saved_tensors`` has them."""
        self.__dict__["_fw_saved"] = tensors

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs (e.g. indices) that have no gradient."""
        self._non_diff = {id(o) for o in outputs}

    def mark_dirty(self, *tensors: Any) -> None:
        """Accepted for PyTorch compatibility; in-place outputs are handled by ``apply``."""

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    # --- node hooks -----------------------------------------------------------------------------
    def register_hook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward; may return new
        grad_inputs."""
        self._has_hooks = True
        if self._post_hooks is None:
            self._post_hooks = HookDict()
        h = RemovableHandle(self._post_hooks)
        self._post_hooks[h.id] = fn
        return h

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node's backward; may return new grad_outputs."""
        self._has_hooks = True
        if self._node_pre_hooks is None:
            self._node_pre_hooks = HookDict()
        h = RemovableHandle(self._node_pre_hooks)
        self._node_pre_hooks[h.id] = fn
        return h

    def _release(self) -> None:
        """Free saved tensors after a backward without ``retain_graph``."""
        if self._saved is not None:
            self._saved = None
            self._freed = True

    def _run_backward(self, grads: list) -> tuple:
        raise NotImplementedError


class AccumulateGrad(Node):
    """The node behind a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        super().__init__()
        self.variable = variable

    def _run_backward(self, grads: list) -> tuple:
        return ()


class BackwardCFunction(Node):
    """Base of the node classes generated for each Function subclass (``ctx``)."""

    __slots__ = ()
    _fn: Any = None

    def _run_backward(self, grads: list) -> tuple:
        fn = self._fn
        out = fn.backward(self, *grads)
        if not isinstance(out, tuple):
            out = (out,)
        n = len(self.next_functions)
        if len(out) != n:
            if len(out) > n and all(g is None for g in out[n:]):
                out = out[:n]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients "
                    f"(expected {n}, got {len(out)})")
        return out

    def apply(self, *grads: Any) -> Any:
        """Call the backward formula directly, as ``grad_fn.apply(grad)`` does in PyTorch."""
        return self._fn.backward(self, *grads)


class _FunctionMeta(type):
    """Gives every Function subclass its backward node class, named like PyTorch's."""

    def __init__(cls, name: str, bases: tuple, ns: dict) -> None:
        super().__init__(name, bases, ns)
        node_name = ns.get("grad_fn_name") or f"{name}Backward"
        cls._backward_cls = type(node_name, (BackwardCFunction,), {
            "__slots__": (), "_fn": cls, "__module__": cls.__module__,
            "builtin": ns.get("builtin", any(getattr(b, "builtin", False) for b in bases))})


class _NoGradCtx:
    """Stand-in ctx for ops run without recording: saving and attributes are no-ops."""

    __slots__ = ()
    needs_input_grad = (False, False, False, False)

    def save_for_backward(self, *tensors: Any) -> None:
        pass

    def mark_non_differentiable(self, *outputs: Any) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        pass


_NOGRAD_CTX = _NoGradCtx()


def _edge(t: Any) -> tuple:
    """The (node, output_nr) a gradient for tensor ``t`` flows into."""
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    if t.requires_grad:
        return (t._accumulate_node(), 0)
    return (None, 0)


class Function(metaclass=_FunctionMeta):
    """Base class of differentiable operations, as ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as
    staticmethods and are called through ``apply``. Built-in ops (``builtin = True``) return
    arrays from ``forward`` and list ``save_output = True`` to get their output back in
    ``ctx.saved_tensors`` (after the saved inputs).
    """

    builtin = False
    save_output = False
    grad_fn_name: str | None = None
    _backward_cls: type

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run forward; record a backward node when grad mode is on and an input requires it."""
        dual = FW_LEVEL[0] >= 0 and any(isinstance(a, Tensor) and a._fw_grad is not None
                                        for a in args)
        if dual or not cls.builtin:  # custom Functions and forward-AD: the general path
            record = STATE.enabled and any(isinstance(a, Tensor) and a._rg for a in args)
            return _apply_recorded(cls, args, record, dual)
        if STATE.enabled:
            for a in args:
                if isinstance(a, Tensor) and a._rg:
                    return _apply_builtin(cls, args)
        out = cls.forward(_NOGRAD_CTX, *args)
        if out.__class__ is tuple:
            return tuple(Tensor._make(o) for o in out)
        return Tensor._make(out)


_NONE_EDGE = (None, 0)


def _edge_meta(a: Any) -> tuple:
    """(needs grad, edge, (shape, dtype)) of one argument of a recorded op."""
    if isinstance(a, Tensor) and a._rg:
        fn = a.grad_fn
        d = a._data
        return True, ((fn, a._output_nr) if fn is not None else (a._accumulate_node(), 0)), \
            (d.shape, d.dtype)
    return False, _NONE_EDGE, None


def _apply_builtin(cls: Any, args: tuple) -> Any:
    """The recorded path of a built-in op: the hot path of every forward pass."""
    ctx = object.__new__(cls._backward_cls)
    ctx._seq = next(_seq)
    ctx._to_save = ()
    if len(args) == 1:
        n0, e0, m0 = _edge_meta(args[0])
        ctx.needs_input_grad, ctx.next_functions, ctx._in_meta = (n0,), (e0,), (m0,)
    elif len(args) == 2:
        n0, e0, m0 = _edge_meta(args[0])
        n1, e1, m1 = _edge_meta(args[1])
        ctx.needs_input_grad, ctx.next_functions, ctx._in_meta = (n0, n1), (e0, e1), (m0, m1)
    else:
        nem = [_edge_meta(a) for a in args]
        ctx.needs_input_grad = tuple([x[0] for x in nem])
        ctx.next_functions = tuple([x[1] for x in nem])
        ctx._in_meta = tuple([x[2] for x in nem])
    STATE.enabled = False
    try:
        raw = cls.forward(ctx, *args)
    finally:
        STATE.enabled = True
    if raw.__class__ is tuple:
        return _finish_outputs(cls, ctx, args, raw)
    out = Tensor._make(raw)
    if out._data.dtype.kind == "f":
        out._rg, out.grad_fn = True, ctx
    to_save = ctx._to_save
    if to_save or cls.save_output:
        saved = [None if t is None else _saved_input(t) for t in to_save]
        if cls.save_output:
            saved.append(SavedTensor(out, 0))
        ctx._saved = tuple(saved)
        ctx._to_save = ()
    else:
        ctx._saved = None
    return out


def _saved_input(t: Any) -> SavedTensor:
    if t._inference and not STATE.inference:
        raise RuntimeError("Inference tensors cannot be saved for backward. To work around you "
                           "can make a clone to get a normal tensor and use it in autograd.")
    return SavedTensor(t)


def _finish_outputs(cls: Any, ctx: Any, args: tuple, raw: tuple) -> tuple:
    """Multi-output built-in ops (e.g. ``max(dim)`` -> values, indices)."""
    outs = tuple(Tensor._make(o) for o in raw)
    ctx._nout = len(outs)
    ctx._out_meta = tuple((o._data.shape, o._data.dtype, o._data) for o in outs)
    non_diff = ctx._non_diff or ()
    for i, o in enumerate(outs):
        if o._data.dtype.kind == "f" and id(raw[i]) not in non_diff:
            o._rg, o.grad_fn, o._output_nr = True, ctx, i
    saved = [None if t is None else _saved_input(t) for t in ctx._to_save]
    if cls.save_output:
        saved.append(SavedTensor(outs[0], 0))
    ctx._saved = tuple(saved)
    ctx._to_save = ()
    return outs


def _apply_recorded(cls: type, args: tuple, record: bool, dual: bool) -> Any:
    """The general path of ``apply``: build the node, wrap outputs, keep saved tensors."""
    ctx = cls._backward_cls()
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._rg for a in args)
    prev, level = STATE.enabled, FW_LEVEL[0]
    # forward runs unrecorded; its outputs' tangents come from the op's jvp rule, not from
    # tangents flowing through the ops inside a custom forward
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
                raise RuntimeError(
                    "Inference tensors cannot be saved for backward. To work around you can make "
                    "a clone to get a normal tensor and use it in autograd.")
        ctx.next_functions = tuple(_edge(a) if isinstance(a, Tensor) else (None, 0)
                                   for a in args)
        ctx._in_meta = tuple((a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None
                             for a in args)
        ctx._nout = len(outs)
        if ctx._nout > 1:
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
        saved = []
        for s in ctx._to_save:
            if s is None:
                saved.append(None)
                continue
            nr = next((j for j, (raw_o, o) in enumerate(zip(outs, results)) if s is raw_o), -1)
            saved.append(SavedTensor(results[nr] if nr >= 0 else s, nr))
        if cls.save_output:
            saved.append(SavedTensor(results[0], 0))
        ctx._saved = tuple(saved)
        ctx._to_save = ()
    return results[0] if single else tuple(results)
