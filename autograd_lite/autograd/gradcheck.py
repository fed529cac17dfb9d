"""gradcheck and gradgradcheck, as ``torch.autograd.gradcheck``: analytical gradients (backward)
against central finite differences.

For each input element ``x_k`` the numerical Jacobian column is ``(f(x + eps e_k) -
f(x - eps e_k)) / (2 eps)``; the analytical Jacobian is built row by row with ``autograd.grad``
(one vector-Jacobian product per output element). They must agree to ``|a - n| <= atol +
rtol |n|``. In double precision the defaults catch a wrong backward formula and pass a right one.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..backend import array_module
from ..engine import grad as _grad
from ..tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` / ``gradgradcheck`` when a check fails."""


def _as_tuple(x: Any) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _differentiable_outputs(x: Any) -> tuple:
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _is_float(x: Any) -> bool:
    return isinstance(x, Tensor) and x._data.dtype.kind == "f"


def _check_inputs(inputs: tuple) -> None:
    any_rg = False
    for idx, inp in enumerate(inputs):
        if isinstance(inp, Tensor) and inp.requires_grad:
            if inp._data.dtype != np.float64:
                warnings.warn(
                    f"Input #{idx} requires gradient and is not a double precision floating "
                    "point or complex. This check will likely fail if all the inputs are not of "
                    "double precision floating point or complex. ", UserWarning, stacklevel=3)
            if any(st == 0 and sz > 1 for st, sz in zip(inp._data.strides, inp._data.shape)):
                raise RuntimeError(
                    f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                    "inputs that are non-overlapping to be able to compute the numerical "
                    "gradients correctly. You should call .contiguous on the input before "
                    "passing it to gradcheck.")
            any_rg = True
    if not any_rg:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")


def _host(x: Any) -> np.ndarray:
    return x._host() if isinstance(x, Tensor) else np.asarray(x)


def _eval(func: Any, inputs: tuple) -> list:
    """Host copies of the outputs (they may alias the inputs being perturbed)."""
    return [np.array(_host(o), dtype=np.float64 if o._data.dtype.kind == "f" else None)
            for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _numerical_jvp(func: Any, inputs: tuple, inp: Tensor, direction: np.ndarray,
                   eps: float) -> list:
    """``(f(x + eps d) - f(x - eps d)) / (2 eps)`` for every output, flattened."""
    data = inp._data
    xp = array_module(data)
    orig = data.copy()
    step = xp.asarray(direction.reshape(data.shape) * eps).astype(data.dtype)
    try:
        data[...] = orig - step
        outa = _eval(func, inputs)
        data[...] = orig + step
        outb = _eval(func, inputs)
    finally:
        data[...] = orig
    return [((b - a) / (2 * eps)).reshape(-1) for a, b in zip(outa, outb)]


def _numerical_jacobian(func: Any, inputs: tuple, inp: Tensor, eps: float) -> list:
    """Per output, the (input numel, output numel) numerical Jacobian."""
    n = inp.numel()
    cols = []
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1.0
        cols.append(_numerical_jvp(func, inputs, inp, e, eps))
    if not cols:
        return [np.zeros((0, o.size)) for o in _eval(func, inputs)]
    return [np.stack([c[i] for c in cols]) for i in range(len(cols[0]))]


def _vjp(output: Tensor, diff_inputs: list, v: Tensor) -> tuple:
    return _grad(output, diff_inputs, v, retain_graph=True, allow_unused=True)


def _analytical_jacobian(output: Tensor, diff_inputs: list, nondet_tol: float,
                         check_grad_dtypes: bool) -> list:
    """Per input, the (input numel, output numel) Jacobian from one vjp per output element,
    computed twice to check that backward is deterministic (reentrant)."""
    def rows() -> tuple:
        per_input: list = [[] for _ in diff_inputs]
        types_ok = sizes_ok = True
        for k in range(output.numel()):
            unit = np.zeros(output._data.size, dtype=output._data.dtype)
            unit[k] = 1
            xp = array_module(output._data)
            v = Tensor._make(xp.asarray(unit.reshape(output._data.shape)))
            for j, (g, inp) in enumerate(zip(_vjp(output, diff_inputs, v), diff_inputs)):
                if g is None:
                    g_arr = np.zeros(inp.numel())
                else:
                    types_ok &= g._data.dtype == inp._data.dtype
                    sizes_ok &= g._data.shape == inp._data.shape
                    g_arr = _host(g).astype(np.float64).reshape(-1)
                    if g_arr.size != inp.numel():
                        raise GradcheckError("Analytical gradient has incorrect size")
                per_input[j].append(g_arr)
        jac = [np.stack(r, axis=1) if r else np.zeros((inp.numel(), 0))
               for r, inp in zip(per_input, diff_inputs)]
        return jac, types_ok, sizes_ok

    jac1, types_ok, sizes_ok = rows()
    jac2, _, _ = rows()
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    for a, b in zip(jac1, jac2):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and "
                "grad_output multiple times gives different values, although analytical gradient "
                f"matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}.")
    return jac1


def _t(arr: np.ndarray, like: Tensor) -> Tensor:
    return Tensor._make(np.asarray(arr, dtype=like._data.dtype))


def _mismatch(a: Any, n: Any, out_idx: int, in_idx: int) -> str:
    return (f"Jacobian mismatch for output {out_idx:d} with respect to input {in_idx:d},\n"
            f"numerical:{n}\nanalytical:{a}\n")


def _allclose(a: np.ndarray, n: np.ndarray, rtol: float, atol: float) -> bool:
    return bool(np.allclose(a, n, rtol=rtol, atol=atol))


def _slow_check(func: Any, inputs: tuple, func_out: tuple, outputs: tuple, eps: float,
                rtol: float, atol: float, nondet_tol: float, check_grad_dtypes: bool) -> None:
    diff = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    tensor_outs = [o for o in func_out if isinstance(o, Tensor)]
    numerical = {i: _numerical_jacobian(func, inputs, x, eps) for i, x in diff}
    if not outputs:
        for per_out in numerical.values():
            if any(np.count_nonzero(j) for j in per_out):
                raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    diff_inputs = [x for _, x in diff]
    out_pos = [k for k, o in enumerate(tensor_outs) if o.requires_grad]
    for oi, (o, pos) in enumerate(zip(outputs, out_pos)):
        analytical = _analytical_jacobian(o, diff_inputs, nondet_tol, check_grad_dtypes)
        for j, ((_, x), a) in enumerate(zip(diff, analytical)):
            n = numerical[diff[j][0]][pos]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch(_t(a, x), _t(n, o), oi, j))


def _fast_check(func: Any, inputs: tuple, func_out: tuple, outputs: tuple, eps: float,
                rtol: float, atol: float, nondet_tol: float, check_grad_dtypes: bool) -> None:
    """Compare ``v^T J u`` for random unit vectors u, v instead of the whole Jacobians."""
    rng = np.random.default_rng(0)
    diff = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    diff_inputs = [x for _, x in diff]
    tensor_outs = [o for o in func_out if isinstance(o, Tensor)]
    out_pos = [k for k, o in enumerate(tensor_outs) if o.requires_grad]
    us = [_unit(rng, x.numel()) for x in diff_inputs]
    vs = [_unit(rng, o.numel()) for o in outputs]
    for j, ((_, x), u) in enumerate(zip(diff, us)):
        ju = _numerical_jvp(func, inputs, x, u, eps)
        if not outputs and any(np.abs(c).max(initial=0) > nondet_tol for c in ju):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        for oi, (o, v, pos) in enumerate(zip(outputs, vs, out_pos)):
            n = float(v @ ju[pos])
            vt = Tensor._make(array_module(o._data).asarray(v.reshape(o._data.shape)
                                                              .astype(o._data.dtype)))
            g = _vjp(o, diff_inputs, vt)[j]
            a = 0.0 if g is None else float(_host(g).reshape(-1).astype(np.float64) @ u)
            tol = atol * float(u.sum()) * float(v.sum())
            if not _allclose(np.array(a), np.array(n), rtol, tol):
                raise GradcheckError(_mismatch(a, n, oi, j)
                                     + _slow_message(func, inputs, x, o, pos, diff_inputs, j,
                                                     eps, rtol, atol))


def _unit(rng: Any, n: int) -> np.ndarray:
    u = rng.random(n)
    norm = np.linalg.norm(u)
    return u / norm if norm else u


def _slow_message(func: Any, inputs: tuple, x: Tensor, o: Tensor, pos: int, diff_inputs: list,
                  j: int, eps: float, rtol: float, atol: float) -> str:
    n = _numerical_jacobian(func, inputs, x, eps)[pos]
    a = _analytical_jacobian(o, diff_inputs, float("inf"), False)[j]
    msg = ("\nThe above quantities relating the numerical and analytical jacobians are computed "
           "\nin fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more "
           "background \nabout fast mode. Below, we recompute numerical and analytical "
           "jacobians in slow mode:\n\n"
           f"Numerical:\n {_t(n, o)}\nAnalytical:\n{_t(a, x)}\n\n"
           f"The max per-element difference (slow mode) is: "
           f"{float(np.abs(n - a).max(initial=0))}.\n")
    if _allclose(a, n, rtol, atol):
        msg += ("Fast gradcheck failed but element-wise differences are small. This means that "
                "the\ntest might've passed in slow_mode!")
    return msg


def _test_backward_mul_by_grad_output(outputs: tuple, inputs: tuple) -> None:
    from ..creation import zeros_like
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    grads = _grad(list(outputs), diff_inputs, [zeros_like(o) for o in outputs],
                  allow_unused=True)
    for gi, di in zip(grads, diff_inputs):
        if gi is None:
            continue
        if bool((gi._data != 0).any()):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi._data.dtype != di._data.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.device != di.device:
            raise GradcheckError("grad is incorrect device")
        if gi._data.shape != di._data.shape:
            raise GradcheckError("grad is incorrect size")


def _test_undefined_grad(func: Any, inputs: tuple) -> None:
    """With one output's gradient missing (None), backward must still work and give zeros
    for zero incoming gradients."""
    from ..creation import zeros_like
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    n_out = len(_differentiable_outputs(func(*inputs)))
    for skip in range(n_out if n_out > 1 else 0):
        outs = [o for k, o in enumerate(_differentiable_outputs(func(*inputs))) if k != skip]
        try:
            grads = _grad(outs, diff_inputs, [zeros_like(o) for o in outs], allow_unused=True)
        except RuntimeError as e:
            _warn_bc()
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. Please look at "
                '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"'
            ) from e
        if any(g is not None and bool((g._data != 0).any()) for g in grads):
            _warn_bc()
            raise GradcheckError(
                "Expected all input grads to be undefined or zero when all output grads are "
                'undefined or zero. Please look at "Notes about undefined output gradients" in '
                '"tools/autograd/derivatives.yaml"')


def _warn_bc() -> None:
    warnings.warn("Backwards compatibility: New undefined gradient support checking feature is "
                  "enabled by default, but it may break existing callers of this function. If "
                  "this is true for you, you can call this function with "
                  '"check_undefined_grad=False" to disable the feature', stacklevel=4)


def gradcheck(func: Any, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              fast_mode: bool = False) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against finite differences.

    Returns True when they match; otherwise raises ``GradcheckError`` (or returns False with
    ``raise_exception=False``). Use float64 inputs: in float32 the finite differences are too
    inexact for the default tolerances.
    """
    try:
        tupled = _as_tuple(inputs)
        _check_inputs(tupled)
        func_out = _as_tuple(func(*tupled))
        outputs = _differentiable_outputs(func_out)
        check = _fast_check if fast_mode else _slow_check
        check(func, tupled, func_out, outputs, eps, rtol, atol, nondet_tol, check_grad_dtypes)
        if outputs:
            _test_backward_mul_by_grad_output(outputs, tupled)
            if check_undefined_grad:
                _test_undefined_grad(func, tupled)
        return True
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func: Any, inputs: Any, grad_outputs: Any = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, fast_mode: bool = False) -> bool:
    """Check second derivatives: ``gradcheck`` of the function that maps ``(inputs,
    grad_outputs)`` to the gradients (computed with ``create_graph=True``).

    Without ``grad_outputs``, random ones in [-1, 1) are used (requiring grad).
    """
    tupled = _as_tuple(inputs)
    if grad_outputs is None:
        from ..random import default_generator
        outs = _differentiable_outputs(func(*tupled))
        grad_outs = []
        for o in outs:
            dt = o._data.dtype if o._data.dtype.kind == "f" else np.float64
            arr = default_generator.uniform(o._data.size, np.float64, -1, 1).reshape(
                o._data.shape).astype(dt)
            t = Tensor._make(array_module(o._data).asarray(arr))
            grad_outs.append(t.requires_grad_())
        tupled_grad_outputs = tuple(grad_outs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_in = {i for i, x in enumerate(tupled) if isinstance(x, Tensor) and x.requires_grad}
    diff_go = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args: Any) -> tuple:
        input_args = tuple(x.requires_grad_() if i in diff_in else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        gos = tuple(x.requires_grad_() if i in diff_go else x
                    for i, x in enumerate(args[-num_outputs:]))
        diff_input_args = [x for i, x in enumerate(input_args) if i in diff_in]
        grads = _grad(list(outputs), diff_input_args, list(gos), create_graph=True,
                      allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(new_func, tupled + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
