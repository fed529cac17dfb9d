"""Chapter 8 exercises: GPU kernels, graded in the CPU grid simulator so every learner can do them.

A kernel answer is a function in ``cupyx.jit`` style (``@kernel`` optional); the checkers launch it
in ``autograd_lite.kernels.simulate`` on sizes that do not divide the block size and compare with
NumPy. A simulator error (out of bounds, barrier, race) becomes the feedback.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as torch
from autograd_lite.autograd import Function, gradcheck
from autograd_lite.kernels import KernelError, blocks_for, library, simulate
from course.checks import (
    Fail,
    NotAttempted,
    as_array,
    call,
    exercise,
    expect,
    expect_close,
    is_unanswered,
)


def _sim(kern: Any, grid: Any, block: Any, args: tuple) -> None:
    """Simulate the learner's kernel; its errors become a Fail with the simulator's message."""
    if is_unanswered(kern):
        raise NotAttempted()
    if not callable(kern):
        raise Fail(f"expected a kernel function, got {type(kern).__name__}.")
    try:
        simulate(kern, grid, block, args)
    except NotImplementedError as e:
        raise NotAttempted() from e
    except KernelError as e:
        raise Fail(f"the simulator stopped your kernel: {e}") from e
    except Exception as e:  # noqa: BLE001 - the learner's code may raise anything
        raise Fail(f"your kernel raised {type(e).__name__}: {e}") from e


@exercise("8.1", points=1, title="how many blocks cover n elements",
          hint="Round up: the last block may be partly empty, e.g. (n + b - 1) // b.")
def _ex_8_1(num_blocks: Any) -> None:
    for n, b in ((1000, 128), (1024, 128), (1, 256), (129, 64), (64, 64), (3000, 1000)):
        got = call(num_blocks, n, b, what="num_blocks")
        expect(isinstance(got, (int, np.integer)), f"num_blocks({n}, {b}) should be an int, "
               f"got {type(got).__name__}.")
        if got == n // b and got != blocks_for(n, b):
            raise Fail(f"num_blocks({n}, {b}) = {got} leaves the last {n % b} elements without "
                       "a thread: round up, not down.")
        expect(got == blocks_for(n, b), f"num_blocks({n}, {b}) should be {blocks_for(n, b)}, "
               f"got {got}.")


@exercise("8.2", points=2, title="an elementwise ReLU kernel with a bounds guard",
          hint="i = blockIdx.x * blockDim.x + threadIdx.x; only threads with i < n may touch "
               "memory.")
def _ex_8_2(relu_kernel: Any) -> None:
    rng = np.random.default_rng(0)
    for n, block in ((1000, 128), (5, 32), (64, 16)):
        x = rng.standard_normal(n)
        y = np.full(n, np.nan)
        _sim(relu_kernel, blocks_for(n, block), block, (x, y, n))
        expect_close(y, np.maximum(x, 0), what=f"y for n={n}, block={block}")


@exercise("8.3", points=2, title="the tanh backward kernel from the saved output",
          hint="d tanh(x)/dx = 1 - tanh(x)² = 1 - y²; multiply by the incoming gradient gy.")
def _ex_8_3(tanh_backward_kernel: Any) -> None:
    rng = np.random.default_rng(1)
    for n, block in ((777, 128), (3, 64)):
        y = np.tanh(rng.standard_normal(n))
        gy = rng.standard_normal(n)
        gx = np.full(n, np.nan)
        _sim(tanh_backward_kernel, blocks_for(n, block), block, (y, gy, gx, n))
        expect_close(gx, gy * (1 - y * y), what=f"gx for n={n}")


@exercise("8.4", points=3, title="a shared-memory block max reduction",
          hint="Pad missing elements with a very negative number (not 0), and put "
               "jit.syncthreads() after the load and after every halving step.")
def _ex_8_4(block_max_kernel: Any) -> None:
    rng = np.random.default_rng(2)
    block = 64
    for n, shift in ((200, -5.0), (64, 0.0), (7, -100.0)):
        x = rng.standard_normal(n) + shift  # all negative in the first case: 0-padding shows
        nb = blocks_for(n, block)
        out = np.full(nb, np.nan)
        _sim(block_max_kernel, nb, block, (x, out, n))
        want = np.array([x[b * block:(b + 1) * block].max() for b in range(nb)])
        if np.allclose(out, np.maximum(want, 0)) and not np.allclose(out, want):
            raise Fail("the maxima of blocks with only negative numbers came out as 0: pad the "
                       "threads past the end with a very negative number, not 0.")
        expect_close(out, want, what=f"the block maxima for n={n}")


@exercise("8.5", points=2, title="a 2-D kernel: add a bias to every row",
          hint="Columns along x, rows along y: c = blockIdx.x * blockDim.x + threadIdx.x, "
               "r = blockIdx.y * blockDim.y + threadIdx.y; guard both.")
def _ex_8_5(add_bias_kernel: Any) -> None:
    rng = np.random.default_rng(3)
    for rows, cols, block in ((13, 10, (8, 4)), (3, 17, (4, 4))):
        x, b = rng.standard_normal((rows, cols)), rng.standard_normal(cols)
        y = np.full((rows, cols), np.nan)
        grid = (blocks_for(cols, block[0]), blocks_for(rows, block[1]))
        _sim(add_bias_kernel, grid, block, (x, b, y, rows, cols))
        expect_close(y, x + b, what=f"y for a {rows}x{cols} input")


@exercise("8.6", points=3, title="the sigmoid kernels as a differentiable Function",
          hint="forward: y = ops.sigmoid(to_array(x)); save y (the output) for backward; "
               "backward: ops.sigmoid_backward(saved y, grad).")
def _ex_8_6(fn_cls: Any) -> None:
    if is_unanswered(fn_cls):
        raise NotAttempted()
    expect(isinstance(fn_cls, type) and issubclass(fn_cls, Function),
           f"expected a subclass of autograd.Function, got {fn_cls!r}.")
    x = torch.tensor([-3.0, -0.5, 0.0, 0.7, 2.5], dtype=torch.float64, requires_grad=True)
    y = call(fn_cls.apply, x, what=f"{fn_cls.__name__}.apply")
    expect_close(as_array(y), 1 / (1 + np.exp(-as_array(x))), what="the forward values")
    try:
        ok = gradcheck(fn_cls.apply, (x,), raise_exception=False)
    except NotImplementedError as e:
        raise NotAttempted() from e
    except Exception as e:  # noqa: BLE001
        raise Fail(f"backward raised {type(e).__name__}: {e}") from e
    if not ok:
        y = fn_cls.apply(x)
        g = torch.autograd.grad(y.sum(), x)[0]
        raise Fail(f"gradcheck failed: your gradient is {np.round(as_array(g), 4).tolist()}, "
                   f"sigma'(x) = sigma(1 - sigma) is "
                   f"{np.round(as_array(torch.sigmoid(x) * (1 - torch.sigmoid(x))), 4).tolist()}.")


def _tiled_reads(m: int, k: int, n: int, tile: int) -> int:
    a, b, c = np.ones((m, k)), np.ones((k, n)), np.zeros((m, n))
    tr = library.matmul_tiled(tile, np.float64).simulate(
        (blocks_for(n, tile), blocks_for(m, tile)), (tile, tile), (a, b, c, m, k, n), trace=True)
    return tr.count("a", "read")


@exercise("8.7", points=1, title="global reads of A by the tiled matmul (8x8 @ 8x8, tile 4)",
          hint="Simulate with trace=True and count the reads of 'a': trace.count('a', 'read').")
def _ex_8_7(answer: Any) -> None:
    got = as_array(answer, "the number of reads")
    expect(got.size == 1, "give one number.")
    if got.item() == 8 * 8 * 8:
        raise Fail("512 is the naive kernel's count (each of 64 threads reads a whole row of "
                   "A); with tiles, each element a block needs is loaded once per block.")
    expect_close(got.item(), _tiled_reads(8, 8, 8, 4), what="the reads of A")
