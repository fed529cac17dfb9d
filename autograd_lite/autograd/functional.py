"""Higher-order functional API, as ``torch.autograd.functional``: vjp, jvp, jacobian, hessian,
hvp, vhp.

Everything is built from ``autograd.grad``: a vector-Jacobian product is one backward pass; a
Jacobian-vector product uses the *double-backward trick* (the backward pass is linear in its
incoming gradient ``u``, so differentiating ``J^T u`` with respect to ``u`` gives ``J v``); a
Hessian is the Jacobian of the gradient, computed with ``create_graph=True``.
"""

from __future__ import annotations

from typing import Any

from ..grad_mode import STATE, enable_grad, set_grad_enabled
from ..tensor import Tensor
from . import forward_ad as fwAD
from . import forward_over_reverse
from ._functional_utils import (
    _V_INPUT_MSG,
    _as_tuple,
    _autograd_grad,
    _check_requires_grad,
    _fill_in_zeros,
    _grad_postprocess,
    _grad_preprocess,
    _prepare_v,
    _tuple_postprocess,
)

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# --- public API --------------------------------------------------------------------------------

def vjp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T J)``: one backward pass from the outputs with gradient ``v``."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        v = _prepare_v(v, outputs, is_outputs_tuple, create_graph, "vjp",
                       "The vector v can only be None if the user-provided function returns a "
                       "single Tensor with a single element.")
    with set_grad_enabled(True if create_graph else STATE.enabled):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_inputs_tuple))


def jvp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), J v)`` by the double-backward trick, as PyTorch computes it.

    The backward pass ``u -> J^T u`` is recorded (``create_graph=True``) for a dummy ``u``;
    it is linear in ``u``, so its vector-Jacobian product with ``v`` is ``J v``.
    """
    from ..creation import zeros_like
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, "jvp", _V_INPUT_MSG)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # The value of u does not matter (the backward is linear in it), only that it is finite.
        grad_outputs = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    with set_grad_enabled(True if create_graph else STATE.enabled):
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_outputs_tuple))


def _zeros(shape: tuple, like: Tensor) -> Tensor:
    from ..backend import array_module
    return Tensor._make(array_module(like._data).zeros(shape, like._data.dtype))


def _assemble(parts: list, shape: tuple, last: bool, graph: bool, like: Tensor) -> Tensor:
    """Stack Jacobian rows (``last=False``) or columns (``last=True``) into ``shape``."""
    if len(parts) == 1 and tuple(parts[0].shape) == tuple(shape):
        return parts[0]
    if graph:  # keep the graph: differentiable stack + reshape
        from ..ops.shape import FUNCTIONS as shape_fns
        return shape_fns["stack"](parts, dim=-1 if last else 0).reshape(shape)
    if not parts:
        return _zeros(shape, like)
    from ..backend import array_module
    datas = [p._data for p in parts]
    return Tensor._make(array_module(datas[0]).stack(datas, axis=-1 if last else 0)
                        .reshape(shape))


def _jacfwd(func: Any, inputs: Any, strict: bool, vectorize: bool) -> Any:
    """Jacobian by forward-mode AD: one dual pass per input element (a column each)."""
    if strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and '
                           '`strategy="forward-mode"` are not supported together (yet). Please '
                           'either set `strict=False` or `strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian isonly implemented for `vectorize=True`.")
    from ..creation import zeros_like
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    cols: list = [[] for _ in inputs]  # cols[j][k]: output tangents for element k of input j
    outs, is_outputs_tuple = None, False
    for j, inp in enumerate(inputs):
        for k in range(inp.numel()):
            with fwAD.dual_level():
                tangent = zeros_like(inp)
                tangent._data.reshape(-1)[k] = 1
                duals = tuple(fwAD.make_dual(x, tangent) if i == j else x
                              for i, x in enumerate(inputs))
                raw = func(*duals)
                is_outputs_tuple, dual_outs = _as_tuple(raw, "outputs of the user-provided "
                                                              "function", "jacobian")
                outs = [fwAD.unpack_dual(o) for o in dual_outs]
                cols[j].append([zeros_like(p) if t is None else t for p, t in outs])
                outs = [p for p, _ in outs]
    if outs is None:  # no input elements at all
        raw = func(*inputs)
        is_outputs_tuple, outs = _as_tuple(raw, "outputs of the user-provided function",
                                           "jacobian")
    jac = tuple(tuple(_assemble([c[i] for c in cols[j]], tuple(o.shape) + tuple(inp.shape),
                                True, False, o) for j, inp in enumerate(inputs))
                for i, o in enumerate(outs))
    return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def jacobian(func: Any, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: one backward pass per output element.

    ``jacobian[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``; a single Tensor when
    there is one input and one output (no tuples), a tuple when one side is a tuple.
    ``vectorize`` gives the same numbers (there is no vmap here, the rows are computed in turn).
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, "forward-mode" '
                             'tends to be more performant. Otherwise, prefer to use '
                             '"reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                'torch.autograd.functional.jacobian: `create_graph=True` and '
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        return _jacfwd(func, inputs, strict, vectorize)
    from ..creation import zeros_like
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                               "`vectorized=True` are not supported together. Please either set "
                               "`strict=False` or `vectorize=False`.")
        jac = []
        for i, out in enumerate(outputs):
            rows: list = [[] for _ in inputs]
            for k in range(out.nelement()):
                unit = zeros_like(out).detach()
                unit._data.reshape(-1)[k] = 1  # a fresh array, so reshape is a view
                vj = _autograd_grad((out,), inputs, (unit,), retain_graph=True,
                                    create_graph=create_graph)
                for j, (g, inp) in enumerate(zip(vj, inputs)):
                    if g is not None:
                        if strict and create_graph and not g.requires_grad:
                            raise RuntimeError("The jacobian of the user-provided function is "
                                               f"independent of input {i}. This is not allowed "
                                               "in strict mode when create_graph=True.")
                    else:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {j}. This is not allowed "
                                               "in strict mode.")
                        g = zeros_like(inp)
                    rows[j].append(g)
            jac.append(tuple(
                _assemble(rows[j], tuple(out.shape) + tuple(inp.shape), False, create_graph, inp)
                if rows[j] else _zeros(tuple(out.shape) + tuple(inp.shape), inp)
                for j, inp in enumerate(inputs)))
        jac = _grad_postprocess(tuple(jac), create_graph)
        return _tuple_postprocess(jac, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Any, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: the Jacobian of its gradient.

    A single Tensor of shape ``input.shape + input.shape`` for one input; for a tuple of inputs,
    ``hessian[i][j]`` (shape ``inputs[i].shape + inputs[j].shape``).
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.reshape(()) if out.dim() else out

    def jac_func(*inp: Tensor) -> Any:
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(func: Any, inputs: tuple, strict: bool, fn: str) -> tuple:
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn)
    _check_requires_grad(outputs, "outputs", strict=strict)
    if is_outputs_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a "
                           "single element")
    return is_outputs_tuple, outputs


def _second_order(func: Any, inputs: Any, v: Any, create_graph: bool, strict: bool,
                  fn: str) -> tuple:
    """``(func(inputs), v^T H)``: a backward pass recorded with ``create_graph=True`` gives the
    gradient as a function of the inputs, and one more backward pass with ``v`` gives ``v^T H``
    (double backward). ``hvp`` without create_graph or strict first tries forward-over-reverse
    (forward_over_reverse.py: one pass, same values), and falls back to this on the same graph.
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn)
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, is_inputs_tuple, create_graph, fn, _V_INPUT_MSG)

        def call() -> tuple:
            return _scalar_output(func, inputs, strict, fn)
        result = None  # H v from forward-over-reverse: fresh tensors outside any graph
        if fn == "hvp" and not create_graph and not strict:
            is_outputs_tuple, outputs, result = forward_over_reverse.hvp(call, inputs, v)
        else:
            is_outputs_tuple, outputs = call()
        if result is None:
            jac = _autograd_grad(outputs, inputs, create_graph=True)
            _check_requires_grad(jac, "jacobian", strict=strict)
    if result is None:
        with set_grad_enabled(True if create_graph else STATE.enabled):
            grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
            stage = "double_back" if fn == "vhp" else "double_back_trick"
            result = _fill_in_zeros(grad_res, inputs, strict, create_graph, stage)
            result = _grad_postprocess(result, create_graph)
    outputs = _grad_postprocess(outputs, create_graph)
    return (_tuple_postprocess(outputs, is_outputs_tuple),
            _tuple_postprocess(result, is_inputs_tuple))


def vhp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), v^T H)`` for a scalar function: two backward passes."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Any, inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple:
    """``(func(inputs), H v)`` for a scalar function.

    Forward-over-reverse: one forward pass carrying ``v`` as the inputs' tangent, one backward
    pass whose formulas also give the gradient's derivative along ``v`` (forward_over_reverse.py).
    With ``create_graph`` or ``strict``, or for what that pass does not cover, it is computed
    like ``vhp`` (the Hessian is symmetric, so ``H v`` equals ``v^T H``): double backward, with
    no recomputation (PyTorch's version adds a third pass for the double-backward trick).
    """
    return _second_order(func, inputs, v, create_graph, strict, "hvp")
