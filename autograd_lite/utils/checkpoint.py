"""Activation checkpointing, as ``torch.utils.checkpoint``: trade compute for memory.

``checkpoint(f, x)`` returns ``f(x)`` but keeps none of the intermediate tensors of ``f`` for
backward: the graph holds one node (``CheckpointFunctionBackward``) that saves only the inputs.
When the gradient arrives, that node runs ``f`` again with recording on and backpropagates
through the fresh graph. Gradients are the same as without checkpointing; memory for the
intermediates of ``f`` is needed only during that recomputation.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..engine import backward as _backward
from ..engine import grad as _grad
from ..function import AccumulateGrad, Function
from ..grad_mode import STATE, enable_grad, no_grad
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def detach_variable(inputs: tuple) -> tuple:
    """Detached copies of the tensors in ``inputs``, keeping their ``requires_grad``."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs: Any) -> None:
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)


def _get_rng_state() -> Any:
    from ..random import get_rng_state
    return get_rng_state()


def _set_rng_state(state: Any) -> None:
    from ..random import set_rng_state
    set_rng_state(state)


class _fork_rng:
    """Run the recomputation with the random state of the forward pass, then restore."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def __enter__(self) -> None:
        if self.state is not None:
            self.outer = _get_rng_state()
            _set_rng_state(self.state)

    def __exit__(self, *exc: object) -> None:
        if self.state is not None:
            _set_rng_state(self.outer)


class CheckpointFunction(Function):
    """``use_reentrant=True``: forward under ``no_grad``; backward recomputes and runs a nested
    ``backward()``, which also fills ``.grad`` of parameters the function uses."""

    @staticmethod
    def forward(ctx: Any, run_function: Any, preserve_rng_state: bool, *args: Any) -> Any:
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.rng_state = _get_rng_state() if preserve_rng_state else None
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with _fork_rng(ctx.rng_state):
            detached = detach_variable(tuple(inputs))
            with enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not "
                               "necessary")
        _backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None) + tuple(inp.grad if isinstance(inp, Tensor) else None
                                    for inp in detached)


def _boundary(outputs: tuple, own: set, start: int) -> list:
    """The edges by which the graph of ``outputs`` (nodes made after ``start``) leaves: leaves
    the function used (parameters) and earlier results it captured; not its own inputs."""
    found: dict = {}
    roots = [o for o in outputs if isinstance(o, Tensor) and o.requires_grad]
    stack = []
    out_meta = {}  # (node, output_nr) -> (shape, dtype) of that output
    for o in roots:
        if o.grad_fn is None:
            if id(o) not in own:
                found.setdefault(("leaf", id(o)), (o, o._data.shape, o._data.dtype))
        else:
            stack.append(o.grad_fn)
            out_meta[(o.grad_fn, o._output_nr)] = (o._data.shape, o._data.dtype)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for k, (nxt, nr) in enumerate(node._edges):
            if nxt is None:
                continue
            meta = node._in_meta[k]
            if meta is None:  # an elementwise op: the input is shaped like the output
                meta = out_meta[(node, 0)]
            out_meta.setdefault((nxt, nr), meta)
            if isinstance(nxt, AccumulateGrad):
                var = nxt.variable
                if id(var) not in own:
                    found.setdefault(("leaf", id(var)), (var, var._data.shape, var._data.dtype))
            elif nxt._seq < start:
                found.setdefault((nxt, nr), (None, *meta))
            elif nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return list(found.items())


def _stand_in(key: Any, info: tuple) -> Tensor:
    """A tensor whose gradient edge is the boundary edge ``key``."""
    var, shape, dt = info
    if var is not None:
        return var
    node, nr = key
    return Tensor._make(np.broadcast_to(np.zeros((), dt), shape), True, node, nr)


class _NonReentrant(Function):
    """``use_reentrant=False``: the node's inputs are the function's tensor arguments plus the
    boundary of its graph (parameters, captured tensors); backward recomputes and returns the
    gradients for all of them, so ``autograd.grad`` works through it too."""

    grad_fn_name = "CheckpointFunctionBackward"

    @staticmethod
    def forward(ctx: Any, state: dict, *tensors: Any) -> Any:
        ctx.state = state
        outs = state.pop("outputs")
        return tuple(Tensor._make(o._data) if isinstance(o, Tensor) else o for o in outs) \
            if isinstance(outs, tuple) else Tensor._make(outs._data)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        st = ctx.state
        graph = STATE.enabled  # create_graph: the gradients must connect to the inputs
        with _fork_rng(st["rng"]):
            detached = _alias_variable(st["args"]) if graph else detach_variable(st["args"])
            start = _next_seq()
            with enable_grad():
                outputs = st["function"](*detached, **st["kwargs"])
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        own = {id(t) for t in detached if isinstance(t, Tensor)}
        edges = dict(_boundary(outputs, own, start))
        targets = [t for t in detached if isinstance(t, Tensor) and t.requires_grad]
        n_args = len(targets)
        for key in st["keys"]:
            targets.append(_stand_in(key, edges[key]) if key in edges else None)
        pairs = [(o, g) for o, g in zip(outputs, grads)
                 if isinstance(o, Tensor) and o.requires_grad and g is not None]
        live = [t for t in targets if t is not None]
        cut = [k[0] for k in edges if k[0] != "leaf"]
        saved_next = [n._edges for n in cut]
        try:  # stop at the boundary: earlier parts of the graph are the outer pass's business
            for n in cut:
                n._edges = ()
            res = iter(_grad([o for o, _ in pairs], live, [g for _, g in pairs],
                             allow_unused=True, create_graph=graph)) if pairs and live \
                else iter([None] * len(live))
        finally:
            for n, nf in zip(cut, saved_next):
                n._edges = nf
        got = [None if t is None else next(res) for t in targets]
        arg_grads = iter(got[:n_args])
        tensor_grads = [next(arg_grads) if t.requires_grad else None
                        for t in st["args"] if isinstance(t, Tensor)]
        return (None, *tensor_grads, *got[n_args:])


def _alias_variable(inputs: tuple) -> tuple:
    """Like ``detach_variable``, but still connected to the inputs' graph (for double
    backward); the engine call in backward stops at these aliases."""
    from ..autograd.forward_ad import _Alias
    return tuple(_Alias.apply(a) if isinstance(a, Tensor) and a.requires_grad else
                 (a.detach() if isinstance(a, Tensor) else a) for a in inputs)


def _next_seq() -> int:
    from .. import function
    return next(function._seq)


def _checkpoint_non_reentrant(function: Any, preserve: bool, args: tuple, kwargs: dict) -> Any:
    if not STATE.enabled:
        return function(*args, **kwargs)
    rng = _get_rng_state() if preserve else None
    detached = detach_variable(tuple(args))
    start = _next_seq()
    with enable_grad():  # this graph only finds the boundary; it is dropped right away
        outputs = function(*detached, **kwargs)
    outs = outputs if isinstance(outputs, tuple) else (outputs,)
    own = {id(t) for t in detached if isinstance(t, Tensor)}
    boundary = _boundary(outs, own, start)
    state = {"function": function, "kwargs": kwargs, "rng": rng, "args": args,
             "keys": [k for k, _ in boundary], "outputs": outputs}
    tensors = [a for a in args if isinstance(a, Tensor)]
    stand_ins = [_stand_in(k, info) for k, info in boundary]
    del outputs, outs
    return _NonReentrant.apply(state, *tensors, *stand_ins)


def checkpoint(function: Any, *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` without storing its intermediate results for backward;
    they are recomputed when the gradient is needed.

    ``preserve_rng_state`` replays the random state (dropout masks are the same in the
    recomputation). ``use_reentrant=False`` (recommended) also supports ``autograd.grad`` and
    keyword arguments; ``True`` (the default, with a warning, as in PyTorch) gives gradients
    only when an input requires grad.
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    return _checkpoint_non_reentrant(function, preserve_rng_state, args, kwargs)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """Run ``functions`` (a list or ``nn.Sequential``) in ``segments`` chunks, checkpointing
    all but the last chunk."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be "
            "passed explicitly. In version 2.9 we will raise an exception if use_reentrant is "
            "not passed. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start: int, end: int, functions: list) -> Any:
        def forward(input: Any) -> Any:
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    functions = list(functions)
    segment_size = len(functions) // segments
    end = -1
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
