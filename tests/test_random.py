"""The random number generator gives PyTorch's numbers for the same seed (values printed by
torch 2.13 on the CPU, pasted here: torch is not needed to run these tests)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lite as torch
from autograd_lite import nn

RANDN20 = [-1.1258398294448853, -1.152360200881958, -0.2505785822868347, -0.4338788092136383,
           0.5988394618034363, -1.5550950765609741, -0.3413603901863098, 1.85300612449646,
           0.46809640526771545, -0.1577124446630478, 1.4436601400375366, 0.26604941487312317,
           1.3893661499023438, 1.586334228515625, 0.946298360824585, -0.843676745891571,
           0.9318265914916992, 1.2590092420578003, 2.0049805641174316, 0.05373690277338028]


def test_small_draws_are_pytorchs_bit_for_bit():
    torch.manual_seed(0)
    assert torch.randn(3).tolist() == [np.float32(v) for v in (1.5409961082440433,
                                                               -0.2934289057609464,
                                                               -2.1787893820745574)]
    assert torch.randn(1).item() == np.float32(0.5684312772806678)  # the pair's second value
    torch.manual_seed(0)
    assert torch.randn(4, dtype=torch.float64).tolist() == [
        1.5409961082440433, -0.2934289057609464, -2.1787893820745574, 0.5684312772806678]
    torch.manual_seed(0)
    assert torch.rand(5).tolist() == [np.float32(v) for v in (
        0.4962566, 0.7682218, 0.08847743, 0.13203049, 0.30742282)]
    torch.manual_seed(0)
    assert torch.rand(3, dtype=torch.float64).tolist() == [
        0.9700530018065531, 0.707819864399788, 0.45938294312745087]


def test_block_normals_match_pytorch_to_the_last_bit_or_two():
    # 16 or more values: Box-Muller on blocks of 16 uniforms, the last 16 made again; PyTorch
    # uses single-precision vector functions, so a value may differ in its last bit
    torch.manual_seed(0)
    np.testing.assert_allclose(torch.randn(20).numpy(), RANDN20, rtol=0, atol=5e-7)


def test_integers_permutations_and_in_place_fills():
    torch.manual_seed(0)
    assert torch.randint(0, 10, (8,)).tolist() == [4, 9, 3, 0, 3, 9, 7, 3]
    assert torch.randperm(8).tolist() == [1, 6, 7, 4, 3, 5, 0, 2]
    torch.manual_seed(0)
    assert torch.randint(-5, 2 ** 33, (3,)).tolist() == [5243342721, 241773721, 1507693265]
    torch.manual_seed(0)
    assert torch.empty(5).uniform_(-2, 3).tolist() == [np.float32(v) for v in (
        0.48128294944763184, 1.841109037399292, -1.5576128959655762, -1.3398475646972656,
        -0.46288591623306274)]
    torch.manual_seed(0)
    assert torch.empty(3).normal_(1.0, 2.0).tolist() == [np.float32(v) for v in (
        4.081992149353027, 0.4131421744823456, -3.357578754425049)]


def test_nn_linear_starts_from_pytorchs_weights():
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    assert lin.weight.tolist() == [[np.float32(v) for v in row] for row in (
        (-0.004322517663240433, 0.3097158372402191, -0.4751853346824646),
        (-0.4248946011066437, -0.2223689705133438, 0.15482072532176971))]
    assert lin.bias.tolist() == [np.float32(-0.011439144611358643),
                                 np.float32(0.45777493715286255)]


def test_seed_002_regression_data():
    # seed 002's linear regression: torch.manual_seed(42), x = randn(100, 1), noise, w, b
    torch.manual_seed(42)
    x = torch.randn(100, 1)
    torch.randn(100, 1)
    w, b = torch.randn(1), torch.randn(1)
    np.testing.assert_allclose(x[:3].flatten().numpy(),
                               [1.9269152879714966, 1.4872840642929077, 0.9007171988487244],
                               rtol=0, atol=5e-7)
    assert (w.item(), b.item()) == (np.float32(0.39315488934516907),
                                    np.float32(-0.2147795557975769))


def test_generators_state_and_seeds():
    g = torch.Generator().manual_seed(3)
    assert isinstance(g, torch.Generator) and g.initial_seed() == 3
    a = torch.randn(5, generator=g)
    assert torch.randn(5, generator=torch.Generator().manual_seed(3)).tolist() == a.tolist()
    assert torch.manual_seed(7) is torch.default_generator and torch.initial_seed() == 7
    torch.randn(3)  # leaves a cached normal behind: the state must keep it
    state = torch.get_rng_state()
    first = torch.randn(3).tolist() + torch.rand(2).tolist()
    torch.set_rng_state(state)
    assert torch.randn(3).tolist() + torch.rand(2).tolist() == first
    s = torch.seed()
    assert torch.initial_seed() == s
    with pytest.raises(TypeError, match="generator must be an autograd_lite.Generator"):
        torch.randn(2, generator=np.random.default_rng(0))


def test_sampling_errors_as_pytorch():
    with pytest.raises(RuntimeError, match=r"^random_ expects 'from' to be less than 'to', but "
                                           r"got from=5 >= to=2$"):
        torch.randint(5, 2, (3,))
    with pytest.raises(RuntimeError, match=r"^normal expects std >= 0.0, but found std -1$"):
        torch.empty(3).normal_(0, -1)
    with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for "
                                                  "'Long'"):
        torch.randn(3, dtype=torch.long)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        torch.zeros(2, requires_grad=True).uniform_()


def test_trunc_normal_draws_as_pytorch():
    torch.manual_seed(0)
    t = nn.init.trunc_normal_(torch.empty(2000), std=1.0, a=-1.0, b=1.0)
    v = t.numpy()
    assert v.min() >= -1.0 and v.max() <= 1.0
    # the truncated normal on [-1, 1] has standard deviation 0.5379
    assert abs(v.std() - 0.5379) < 0.03
    torch.manual_seed(0)
    t = nn.init.trunc_normal_(torch.empty(500), mean=0.5, std=0.2, a=0.0, b=1.0)
    assert 0.0 <= t.numpy().min() and t.numpy().max() <= 1.0
    assert math.isclose(float(t.numpy().mean()), 0.5, abs_tol=0.03)
