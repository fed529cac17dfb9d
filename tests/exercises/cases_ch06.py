"""Right and deliberately wrong answers for the chapter 6 exercises (higher-order derivatives)."""

from __future__ import annotations

import autograd_lite as torch


def nth_derivative(f, x, n):
    x = torch.tensor(float(x), requires_grad=True)
    out = f(x)
    for _ in range(n):
        (out,) = torch.autograd.grad(out, x, create_graph=True)
    return out.item()


def hessian_of(f, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(x.numel())]
    return torch.stack(rows)


def hvp_of(f, x, v):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    (hv,) = torch.autograd.grad(g, x, grad_outputs=v)
    return hv


def newton_step(f, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    H = torch.stack([torch.autograd.grad(g[i], x, retain_graph=True)[0]
                     for i in range(x.numel())])
    return (x - torch.linalg.solve(H, g)).detach()


def jvp_forward(f, x, v):
    fwAD = torch.autograd.forward_ad
    with fwAD.dual_level():
        out = f(fwAD.make_dual(x, v))
        return fwAD.unpack_dual(out).tangent


def cheaper_mode(n_inputs, n_outputs):
    return "forward" if n_inputs < n_outputs else "reverse"


# --- wrong but plausible answers ---------------------------------------------------------------

def nth_derivative_off_by_one(f, x, n):
    """Differentiates n − 1 times (n = 1 returns f(x))."""
    x = torch.tensor(float(x), requires_grad=True)
    out = f(x)
    for _ in range(n - 1):
        (out,) = torch.autograd.grad(out, x, create_graph=True)
    return out.item()


def nth_derivative_no_create_graph(f, x, n):
    """Forgets create_graph: the second grad finds no graph to differentiate."""
    x = torch.tensor(float(x), requires_grad=True)
    out = f(x)
    for _ in range(n):
        (out,) = torch.autograd.grad(out, x)
    return out.item()


def hessian_diagonal_only(f, x):
    """Only ∂²f/∂xᵢ² on the diagonal, zeros elsewhere."""
    return torch.diag(torch.diag(hessian_of(f, x)))


def hessian_outer_gradient(f, x):
    """g gᵀ (the Gauss-Newton-like outer product), not the Hessian."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x)
    return g[:, None] * g[None, :]


def hvp_gradient_times_v(f, x, v):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x)
    return g * v


def hvp_diagonal(f, x, v):
    return torch.diag(hessian_of(f, x)) * v


def newton_gradient_step(f, x):
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x), x)
    return (x - 0.1 * g).detach()


def newton_wrong_sign(f, x):
    return 2 * x - newton_step(f, x)


def newton_times_hessian(f, x):
    x0 = x.detach()
    H = hessian_of(f, x0)
    xr = x0.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(xr), xr)
    return x0 - H @ g


def jvp_as_vjp(f, x, v):
    """Reverse mode with v as the input-space vector: returns a vector the size of x."""
    x = x.detach().requires_grad_(True)
    out = f(x)
    (g,) = torch.autograd.grad(out, x, grad_outputs=torch.ones_like(out))
    return g * v


def jvp_first_column(f, x, v):
    """The Jacobian's first column (v ignored)."""
    return jvp_forward(f, x, torch.tensor([1.0, 0.0]))


def cheaper_always_reverse(n_inputs, n_outputs):
    return "reverse"


def cheaper_inverted(n_inputs, n_outputs):
    return "reverse" if n_inputs < n_outputs else "forward"


CASES = {
    "6.1": (nth_derivative, [nth_derivative_off_by_one, nth_derivative_no_create_graph]),
    "6.2": (hessian_of, [hessian_diagonal_only, hessian_outer_gradient]),
    "6.3": (hvp_of, [hvp_gradient_times_v, hvp_diagonal]),
    "6.4": (newton_step, [newton_gradient_step, newton_wrong_sign, newton_times_hessian]),
    "6.5": (jvp_forward, [jvp_as_vjp, jvp_first_column]),
    "6.6": (cheaper_mode, [cheaper_always_reverse, cheaper_inverted]),
}
