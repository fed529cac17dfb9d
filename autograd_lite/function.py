"""Function (forward/backward staticmethods + apply), graph nodes (ctx), saved tensors and hooks.

A call ``Op.apply(*args)`` runs ``Op.forward(ctx, *args)`` without recording and, when any input
requires grad, returns outputs whose ``grad_fn`` is ``ctx``: the node that later runs
``Op.backward(ctx, *grads)``. As in PyTorch, ``ctx`` *is* the backward node (``MulBackward0``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from types import FunctionType
from typing import Any

from .grad_mode import STATE
from .hooks import HookDict, RemovableHandle
from .saved import pack_input, unpack

_seq = itertools.count()  # creation order; the engine runs later nodes first, as PyTorch does
RAW = [False]  # True while the engine runs a plain backward on arrays (ops/formula.py)
FW_LEVEL = [-1]  # innermost forward-AD dual level (autograd.forward_ad), -1 when none is open
Tensor: Any = None  # set by tensor.py (import cycle: tensors refer to nodes and back)
FREED = ("freed",)  # a node's ``_saved`` after a backward without retain_graph


class Node:
    """A node of the backward graph: what ``tensor.grad_fn`` is.

    Only the attributes every node sets are slots; the rarely used ones are class-level defaults
    that a node overrides in its ``__dict__`` when needed (creating nodes is on the hot path).
    """

    __slots__ = ("_edges", "needs_input_grad", "_seq", "_saved", "_in_meta",
                 "__dict__", "__weakref__")
    # ``_edges`` has one (node, output_nr) per argument of the op's apply (numbers and dims
    # too), so that backward's i-th gradient goes to ``_edges[i]``; ``_edge_pos`` says which of
    # them PyTorch lists in ``next_functions`` (tensors and wrapped numbers, not dims, exponents,
    # conditions or indices): None means all, else a tuple of positions or a slice.
    _edge_pos = None
    _to_save = ()  # what a custom Function's forward gave save_for_backward, until apply packs it
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
    _plain = False  # a one-output built-in op without hooks: the engine's inlined fast path

    def __init__(self) -> None:
        self._edges: tuple = ()
        self._saved = None
        self._in_meta = ()
        self._seq = next(_seq)

    @classmethod
    def name(cls) -> str:
        """The node's name, e.g. ``PowBackward0``."""
        return cls.__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self) -> tuple:
        """The (node, output_nr) edges to this node's inputs, as PyTorch lists them."""
        return pick_edges(self, self._edges)

    # --- ctx API (used inside Function.forward / backward) -------------------------------------
    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for ``backward``; read them back with ``ctx.saved_tensors``."""
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked for in-place changes.

        Inside a plain ``backward()`` built-in ops get arrays here (see ops/formula.py)."""
        saved = self._saved
        if saved is FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward.")
        if saved is None:
            return tuple(self._to_save)
        if not (RAW[0] and self.builtin):
            return tuple([unpack(s, self, False) for s in saved])
        if len(saved) == 1:  # one unchanged output or input (most unary ops), directly
            s = saved[0]
            if s.__class__ is tuple:
                if s[0] is None and s[3][0] == s[1]:
                    return (s[2],)
            elif s.__class__ is Tensor and (s._vc is None or s._vc[0] == 0):
                return (s._data,)
        values = []  # arrays, for a plain backward: the fast cases of saved.unpack inlined
        for s in saved:
            cls = s.__class__
            if cls is Tensor:
                vc = s._vc
                if vc is None or vc[0] == 0:  # an input, unchanged
                    values.append(s._data)
                    continue
            elif cls is tuple:
                t = s[0]
                if t is None:
                    if s[3][0] == s[1]:  # an output, unchanged
                        values.append(s[2])
                        continue
                elif t._vc[0] == s[1]:  # an input saved at a later version (a weight after
                    values.append(t._data)  # an optimizer step), unchanged since
                    continue
            elif s is None or cls is float or not isinstance(s, Tensor):  # a number, None
                values.append(s)
                continue
            values.append(unpack(s, self, True))
        return tuple(values)

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
        self._has_hooks, self._plain = True, False
        if self._post_hooks is None:
            self._post_hooks = HookDict()
        h = RemovableHandle(self._post_hooks)
        self._post_hooks[h.id] = fn
        return h

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` runs before this node's backward; may return new grad_outputs."""
        self._has_hooks, self._plain = True, False
        if self._node_pre_hooks is None:
            self._node_pre_hooks = HookDict()
        h = RemovableHandle(self._node_pre_hooks)
        self._node_pre_hooks[h.id] = fn
        return h

    def _release(self) -> None:
        """Free saved tensors after a backward without ``retain_graph``."""
        if self._saved is not None:
            self._saved = FREED

    def _run_backward(self, grads: list) -> tuple:
        raise NotImplementedError


def pick_edges(node: Node, values: Any) -> tuple:
    """The entries of ``values`` (one per apply argument) at ``node``'s public edge positions."""
    pos = node._edge_pos
    if pos is None:
        return tuple(values)
    if pos.__class__ is slice:
        return tuple(values[pos])
    return tuple([values[i] for i in pos if i < len(values)])


def unpick_edges(node: Node, picked: Any) -> tuple:
    """Inverse of ``pick_edges``: one entry per apply argument, None where no public edge."""
    pos = node._edge_pos
    if pos is None:
        return tuple(picked)
    n = len(node._edges)
    idx = range(n)[pos] if pos.__class__ is slice else [i for i in pos if i < n]
    full: list = [None] * n
    for i, v in zip(idx, picked):
        full[i] = v
    return tuple(full)


class AccumulateGrad(Node):
    """The node behind a leaf tensor: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable",)

    @classmethod
    def name(cls) -> str:
        """PyTorch's C++ name (the type is still called AccumulateGrad)."""
        return "torch::autograd::AccumulateGrad"

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
        n = len(self._edges)
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


class BuiltinNode(BackwardCFunction):
    """Node of a built-in op: its forward returns arrays, its saved values are packed at once
    (numbers a formula needs, like the 0.9 of ``x * 0.9``, are kept as they are), and in a plain
    backward its formula runs on arrays (ops/formula.py)."""

    __slots__ = ()
    builtin = True
    _plain = True

    def save_for_backward(self, *values: Any) -> None:
        for v in values:  # kept as they are unless a tensor needs its version noted
            if isinstance(v, Tensor) and (v._vc is not None and v._vc[0] or v._inference):
                self._saved = tuple([pack_input(v) if isinstance(v, Tensor) else v
                                     for v in values])
                return
        self._saved = values


class _FunctionMeta(type):
    """Gives every Function subclass its backward node class, named like PyTorch's."""

    def __init__(cls, name: str, bases: tuple, ns: dict) -> None:
        super().__init__(name, bases, ns)
        node_name = ns.get("grad_fn_name") or f"{name}Backward"
        builtin = ns.get("builtin", any(getattr(b, "builtin", False) for b in bases))
        # what the engine's fast path calls: ``backward``, or a variant of it for plain backward
        formula = ns["engine_backward"].__func__ if "engine_backward" in ns else cls.backward
        if not isinstance(formula, FunctionType):  # e.g. a classmethod: bound to cls already
            def formula(ctx: Any, *grads: Any, _bound: Any = formula) -> Any:
                return _bound(ctx, *grads)
        attrs = {"__slots__": (), "_fn": cls, "__module__": cls.__module__, "builtin": builtin,
                 "_edge_pos": getattr(cls, "edge_args", None),
                 "_formula": formula}  # node._formula(g) is cls.backward(node, g)
        if ns.get("node_name"):  # PyTorch's C++ name, e.g. torch::autograd::CopySlices
            attrs["name"] = classmethod(lambda _cls, _n=ns["node_name"]: _n)
        cls._backward_cls = type(node_name, (BuiltinNode if builtin else BackwardCFunction,),
                                 attrs)
        if builtin and "apply" not in ns:
            from .apply import _apply_builtin  # apply.py builds on this module
            cls.apply = classmethod(_apply_builtin)


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
    ``ctx.saved_tensors`` (after the saved inputs); ``save_inputs = True`` saves all arguments.
    """

    builtin = False
    save_output = False
    save_inputs = False  # built-ins: save the call's arguments (numbers too) before forward
    keeps_number = False  # ``tensor op number`` (apply.scalar_op) keeps the number for backward
    elementwise = False  # built-in one-input ops: the input's gradient has its shape and dtype
    # built-ins whose forward on a float NumPy array (and a Python float) is this NumPy
    # function: the recorded fast paths in apply.py call it directly
    ufunc: Any = None
    grad_fn_name: str | None = None
    node_name: str | None = None  # what ``grad_fn.name()`` says, when not the class name
    # built-ins: the argument positions PyTorch lists in ``next_functions`` (None: all of them);
    # custom Functions list their tensor arguments, as in PyTorch
    edge_args: tuple | slice | None = None
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
        """Run forward; record a backward node when grad mode is on and an input requires it.

        Built-in ops get ``_apply_builtin`` as their ``apply`` (the hot path)."""
        dual = FW_LEVEL[0] >= 0 and any(isinstance(a, Tensor) and a._fw_grad is not None
                                        for a in args)
        record = STATE.enabled and any(isinstance(a, Tensor) and a._rg for a in args)
        from .apply import _apply_recorded  # apply.py builds on this module
        return _apply_recorded(cls, args, record, dual)
