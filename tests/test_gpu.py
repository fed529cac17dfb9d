"""GPU tests (``-m gpu``): the op suite on CPU and CUDA with the same values and gradients, the
kernels on the GPU against their references, devices and their errors. Skipped without a GPU;
the op table itself is exercised on the CPU by ``test_op_table_runs_on_the_cpu``."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as torch
import autograd_lite.nn.functional as F
from autograd_lite import nn

GPU = pytest.mark.gpu
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(),
                               reason=f"no CUDA GPU: {torch.cuda.unavailable_reason()}")

# name -> (function of tensors, input shapes); inputs are float64 in (-1, 1) (positive where needed)
OPS = {
    "add_broadcast": (lambda a, b: a + b, [(3, 4), (4,)]),
    "sub_mul_div": (lambda a, b: (a - b) * a / (b.abs() + 1), [(3, 4), (3, 4)]),
    "pow": (lambda a: (a.abs() + 0.5) ** 2.5, [(5,)]),
    "exp_log_sqrt": (lambda a: a.exp() + (a.abs() + 1).log() + (a.abs() + 1).sqrt(), [(6,)]),
    "sin_cos_tanh": (lambda a: a.sin() * a.cos() + a.tanh(), [(2, 3)]),
    "sigmoid_relu": (lambda a: torch.sigmoid(a) + torch.relu(a), [(7,)]),
    "clamp_max": (lambda a, b: a.clamp(-0.3, 0.4) + torch.maximum(a, b), [(4,), (4,)]),
    "where": (lambda a, b: torch.where(a > 0, a, b), [(5,), (5,)]),
    "sum_mean_dims": (lambda a: a.sum(0) * a.mean(1, keepdim=True).sum(), [(3, 4)]),
    "max_dim": (lambda a: a.max(dim=1).values, [(3, 5)]),
    "var_norm": (lambda a: a.var() + a.norm(), [(4, 3)]),
    "softmax": (lambda a: torch.softmax(a, dim=-1), [(2, 5)]),
    "log_softmax": (lambda a: F.log_softmax(a, dim=1), [(3, 4)]),
    "matmul": (lambda a, b: a @ b, [(3, 4), (4, 2)]),
    "batched_matmul": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "reshape_transpose": (lambda a: a.reshape(4, 3).t() * 2, [(2, 6)]),
    "index_slice": (lambda a: a[1:, ::2] * a[0, 1], [(3, 4)]),
    "index_tensor": (lambda a: a[torch.tensor([2, 0, 2])], [(3, 4)]),
    "cat_stack": (lambda a, b: torch.stack([torch.cat([a, b]), torch.cat([b, a])]), [(3,), (3,)]),
    "mse_loss": (lambda a, b: F.mse_loss(a, b), [(4, 2), (4, 2)]),
    "bce_loss": (lambda a, b: F.binary_cross_entropy(torch.sigmoid(a), (b > 0).double()),
                 [(6,), (6,)]),
    "cross_entropy": (lambda a: F.cross_entropy(a, torch.tensor([0, 2, 1], device=a.device)),
                      [(3, 4)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), [(5, 3), (2, 3), (2,)]),
}


def _inputs(shapes, device, seed=0):
    rng = np.random.default_rng(seed)
    return [torch.tensor(rng.uniform(-1, 1, s), dtype=torch.float64, device=device,
                         requires_grad=True) for s in shapes]


def _run(name, device):
    fn, shapes = OPS[name]
    xs = _inputs(shapes, device)
    out = fn(*xs)
    v = np.random.default_rng(1).standard_normal(tuple(out.shape))
    out.backward(torch.tensor(v, dtype=out.dtype, device=device))
    return out.detach().cpu().numpy(), [np.zeros(x.shape) if x.grad is None else
                                        x.grad.cpu().numpy() for x in xs]


def test_op_table_runs_on_the_cpu():
    for name in OPS:
        out, grads = _run(name, "cpu")
        assert np.all(np.isfinite(out)), name
        assert all(g.shape == s for g, s in zip(grads, OPS[name][1])), name


@GPU
@needs_gpu
@pytest.mark.parametrize("name", sorted(OPS))
def test_op_on_cuda_matches_cpu(name):
    out_c, grads_c = _run(name, "cpu")
    out_g, grads_g = _run(name, "cuda")
    np.testing.assert_allclose(out_g, out_c, rtol=1e-10, atol=1e-12)
    for gg, gc in zip(grads_g, grads_c):
        np.testing.assert_allclose(gg, gc, rtol=1e-10, atol=1e-12)


@GPU
@needs_gpu
def test_tensors_and_modules_move_and_errors_name_devices():
    t = torch.ones(3, requires_grad=True)
    g = t.cuda()
    assert g.is_cuda and g.device == torch.device("cuda:0") and str(g.device) == "cuda:0"
    (g * 2).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [2, 2, 2])  # the gradient comes back to the CPU
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        g.detach().numpy()
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but "
                                           "found at least two devices, cuda:0 and cpu!"):
        g + torch.ones(3)
    m = nn.Linear(3, 2).to("cuda")
    assert all(p.is_cuda for p in m.parameters())
    assert m(torch.ones(4, 3, device="cuda")).is_cuda
    m.cpu()
    assert not any(p.is_cuda for p in m.parameters())
    assert torch.cuda.device_count() >= 1 and torch.cuda.get_device_name()


@GPU
@needs_gpu
def test_kernels_on_the_gpu_match_their_references_and_the_simulator():
    import cupy as cp

    from autograd_lite.kernels import ops
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1000).astype(np.float32)
    y_gpu = ops.sigmoid(cp.asarray(x))
    assert isinstance(y_gpu, cp.ndarray)
    np.testing.assert_allclose(y_gpu.get(), ops.sigmoid(x[:300].copy()).tolist() + list(
        ops.sigmoid_ref(x[300:])), rtol=1e-6, atol=1e-7)
    z = rng.standard_normal(5000)
    t = (rng.random(5000) > 0.5).astype(np.float64)
    np.testing.assert_allclose(float(ops.sigmoid_bce(cp.asarray(z), cp.asarray(t))),
                               ops.sigmoid_bce_ref(z, t), rtol=1e-12)
    np.testing.assert_allclose(ops.sigmoid_bce_backward(cp.asarray(z), cp.asarray(t), 1.0).get(),
                               ops.sigmoid_bce_backward_ref(z, t), rtol=1e-12)
    g = rng.standard_normal((300, 7, 5))
    np.testing.assert_allclose(ops.sum_to(cp.asarray(g), (7, 1)).get(),
                               ops.sum_to_ref(g, (7, 1)), rtol=1e-10)
    a, b = rng.standard_normal((70, 50)), rng.standard_normal((50, 33))
    np.testing.assert_allclose(ops.matmul(cp.asarray(a), cp.asarray(b)).get(), a @ b, rtol=1e-10)


@GPU
@needs_gpu
def test_kernel_functions_on_cuda_tensors():
    from autograd_lite.autograd import gradcheck
    from autograd_lite.kernels.functions import FusedSigmoidBCE, KernelMatmul
    torch.manual_seed(0)
    z = torch.randn(50, dtype=torch.float64, device="cuda", requires_grad=True)
    t = (torch.rand(50, dtype=torch.float64) > 0.5).double().cuda()
    assert gradcheck(lambda z: FusedSigmoidBCE.apply(z, t), (z,))
    a = torch.randn(20, 17, dtype=torch.float64, device="cuda", requires_grad=True)
    b = torch.randn(17, 9, dtype=torch.float64, device="cuda", requires_grad=True)
    assert gradcheck(KernelMatmul.apply, (a, b))


def _load_bench():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "bench" / "gpu.py"
    spec = importlib.util.spec_from_file_location("bench_gpu", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_gpu_steps_run_on_the_cpu_and_it_exits_cleanly_without_a_gpu(capsys):
    bench = _load_bench()
    bench.mlp_step_lite("cpu")()
    for step in bench.bce_variants(300, device="cpu").values():
        step()
    if not torch.cuda.is_available():
        assert bench.main([]) == 0
        assert capsys.readouterr().out.startswith("no CUDA GPU available: ")


@GPU
@needs_gpu
def test_bench_gpu_quick_run():
    assert _load_bench().main(["--quick"]) == 0
