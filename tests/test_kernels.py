"""Every kernel in the simulator against its NumPy reference, sizes not divisible by the block
included; kernels as autograd Functions (gradcheck); the CUDA source CuPy's JIT makes of them."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import autograd_lite as torch
import autograd_lite.nn.functional as F
from autograd_lite.autograd import gradcheck
from autograd_lite.kernels import library as lib
from autograd_lite.kernels import ops
from autograd_lite.kernels.functions import (
    BroadcastAdd,
    FusedSigmoidBCE,
    KernelMatmul,
    KernelSigmoid,
)

RNG = np.random.default_rng(0)
DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,block", [(1, 32), (100, 32), (129, 64), (1000, 128), (7, 8)])
def test_sigmoid_forward_and_backward(n, block, dtype):
    x = (RNG.standard_normal(n) * 5).astype(dtype)
    y = ops.sigmoid(x, block=block)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, ops.sigmoid_ref(x), **TOL[dtype])
    gy = RNG.standard_normal(n).astype(dtype)
    np.testing.assert_allclose(ops.sigmoid_backward(y, gy, block=block),
                               ops.sigmoid_backward_ref(y, gy), **TOL[dtype])


def test_sigmoid_keeps_the_shape_and_saturates_without_overflow():
    x = np.array([[-1000.0, 0.0], [1000.0, 3.0]], dtype=np.float32)
    y = ops.sigmoid(x, block=4)
    assert y.shape == (2, 2)
    np.testing.assert_allclose(y, [[0.0, 0.5], [1.0, 1 / (1 + np.exp(-3.0))]], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,block", [(1, 32), (300, 64), (257, 128), (1000, 256)])
def test_fused_sigmoid_bce_forward_and_backward(n, block, dtype):
    z = (RNG.standard_normal(n) * 4).astype(dtype)
    t = (RNG.random(n) > 0.5).astype(dtype)
    got = ops.sigmoid_bce(z, t, block=block)
    tol = TOL[dtype] if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got, ops.sigmoid_bce_ref(z, t), **tol)
    np.testing.assert_allclose(ops.sigmoid_bce_backward(z, t, 0.7, block=block),
                               ops.sigmoid_bce_backward_ref(z, t, 0.7), **TOL[dtype])


def test_fused_bce_matches_the_unfused_library_ops():
    z = torch.tensor([-30.0, -2.0, 0.0, 1.5, 40.0])
    t = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
    fused = FusedSigmoidBCE.apply(z, t)
    unfused = F.binary_cross_entropy(torch.sigmoid(z), t)
    np.testing.assert_allclose(fused.item(), unfused.item(), rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gshape,shape", [((37, 5), (5,)), ((37, 5), (1, 5)), ((6, 1, 9), (9,)),
                                          ((4, 3, 5), (4, 1, 5)), ((13,), ()), ((3, 4), (3, 4)),
                                          ((200, 3), (1, 3))])
def test_sum_to_is_the_backward_of_broadcasting(gshape, shape, dtype):
    g = RNG.standard_normal(gshape).astype(dtype)
    got = ops.sum_to(g, shape, block=32)
    assert got.shape == shape
    np.testing.assert_allclose(got, ops.sum_to_ref(g, shape), rtol=1e-5, atol=1e-5)


def test_sum_rows_and_bad_block_sizes():
    g = RNG.standard_normal((45, 3)).astype(np.float32)
    np.testing.assert_allclose(ops.sum_rows(g, block=16), g.sum(0), rtol=1e-5)
    with pytest.raises(ValueError, match="power-of-two"):
        ops.sum_rows(g, block=24)
    with pytest.raises(RuntimeError, match="not expandable"):
        ops.sum_to(g, (4,))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,k,n,tile", [(8, 8, 8, 4), (13, 11, 9, 4), (1, 7, 5, 2), (5, 3, 1, 8),
                                        (17, 6, 10, 3)])
def test_tiled_matmul(m, k, n, tile, dtype):
    a = RNG.standard_normal((m, k)).astype(dtype)
    b = RNG.standard_normal((k, n)).astype(dtype)
    c = ops.matmul(a, b, tile=tile)
    assert c.shape == (m, n) and c.dtype == dtype
    np.testing.assert_allclose(c, ops.matmul_ref(a, b), rtol=1e-5, atol=1e-5)


def test_matmul_shape_errors():
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(2x3 and 4x2\)"):
        ops.matmul(np.zeros((2, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="fit a block"):
        lib.matmul_tiled(64)


def test_kernel_functions_pass_gradcheck():
    torch.manual_seed(0)
    x = torch.randn(7, 3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(KernelSigmoid.apply, (x,))
    z = torch.randn(11, dtype=torch.float64, requires_grad=True)
    t = (torch.rand(11, dtype=torch.float64) > 0.5).double()
    assert gradcheck(lambda z: FusedSigmoidBCE.apply(z, t), (z,))
    a = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(BroadcastAdd.apply, (a, b))
    A = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    B = torch.randn(4, 6, dtype=torch.float64, requires_grad=True)
    assert gradcheck(KernelMatmul.apply, (A, B))


def test_kernel_functions_match_the_library_gradients():
    torch.manual_seed(1)
    x = torch.randn(9, requires_grad=True)
    KernelSigmoid.apply(x).sum().backward()
    x2 = x.detach().clone().requires_grad_(True)
    torch.sigmoid(x2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-6)
    out = FusedSigmoidBCE.apply(x, (x > 0).float())
    assert out.grad_fn is not None and out.shape == ()


@pytest.mark.skipif(importlib.util.find_spec("cupy") is None, reason="CuPy is not installed")
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_kernel_compiles_to_cuda_with_cupy_jit(dtype):
    """CuPy's JIT turns each kernel into CUDA C++ on any machine (no GPU needed)."""
    x, m = np.zeros(10, dtype), np.zeros((4, 3), dtype)
    cases = [(lib.sigmoid_forward, (x, x, 10)), (lib.sigmoid_backward, (x, x, x, 10)),
             (lib.sigmoid_bce_backward, (x, x, x, 0.5, 10)),
             (lib.sigmoid_bce_forward(128, dtype), (x, x, x, 10)),
             (lib.sum_rows(128, dtype), (m, x, 4, 3)),
             (lib.matmul_tiled(16, dtype), (m, m, m, 4, 3, 3))]
    ctype = "float" if dtype == np.float32 else "double"
    for k, args in cases:
        src = k.cuda_source(args)
        assert f'__global__ void {k.__name__}(CArray<{ctype}' in src, src
    assert "__syncthreads();" in lib.matmul_tiled(16, dtype).cuda_source(cases[-1][1])
    assert "atomicAdd" in cases[3][0].cuda_source(cases[3][1])
