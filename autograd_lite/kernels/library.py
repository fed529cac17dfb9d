"""The course's kernels, each written once (``cupyx.jit`` style) for the GPU and the simulator.

* ``sigmoid_forward`` / ``sigmoid_backward``: elementwise maps, one thread per element.
* ``sigmoid_bce_forward`` / ``sigmoid_bce_backward``: sigmoid + binary cross-entropy fused into
  one kernel each way (the forward also sums the losses: a block reduction + ``atomic_add``).
* ``sum_rows``: a shared-memory block reduction, ``out[c] = sum_r g[r, c]``; the backward of
  broadcasting (``sum_to`` in ``ops.py``).
* ``matmul_tiled``: C = A @ B with square tiles staged in shared memory.

Kernels that use shared memory need its size and dtype as constants (CUDA allocates it
statically), so they come from small cached factories: ``sum_rows(block, dtype)``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .language import jit
from .launch import Kernel, kernel


@kernel
def sigmoid_forward(x, y, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:  # the last block may stick out past the end of the array
        y[i] = 1.0 / (1.0 + jit.exp(-x[i]))


@kernel
def sigmoid_backward(y, gy, gx, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        s = y[i]  # the saved output: sigma' = sigma (1 - sigma)
        gx[i] = gy[i] * s * (1.0 - s)


@kernel
def sigmoid_bce_backward(z, t, gz, scale, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:  # d/dz mean BCE(sigmoid(z), t) = (sigmoid(z) - t) / n; scale = grad_out / n
        gz[i] = scale * (1.0 / (1.0 + jit.exp(-z[i])) - t[i])


def _check_block(block: int) -> None:
    if block < 1 or block & (block - 1) or block > 1024:
        raise ValueError(f"a tree reduction needs a power-of-two block size <= 1024, got {block}")


@functools.cache
def sigmoid_bce_forward(block: int = 128, dtype: Any = np.float32) -> Kernel:
    """Kernel: total[0] += sum of BCE-with-logits losses of its block's elements."""
    _check_block(block)
    dt = np.dtype(dtype).type

    @kernel
    def sigmoid_bce_forward(z, t, total, n):
        sdata = jit.shared_memory(dt, block)
        tid = jit.int32(jit.threadIdx.x)  # signed: CuPy's JIT keeps `tid + s` an int
        i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
        loss = dt(0)
        if i < n:  # -[t log s + (1-t) log(1-s)], s = sigmoid(z), without overflow
            zi = z[i]
            loss = max(zi, dt(0)) - zi * t[i] + jit.log1p(jit.exp(-jit.abs(zi)))
        sdata[tid] = loss
        jit.syncthreads()
        s = jit.int32(jit.blockDim.x // 2)
        while s > 0:  # tree reduction: halve the active threads each step
            if tid < s:
                sdata[tid] += sdata[tid + s]
            jit.syncthreads()
            s //= 2
        if tid == 0:
            jit.atomic_add(total, 0, sdata[0])

    return sigmoid_bce_forward


@functools.cache
def sum_rows(block: int = 128, dtype: Any = np.float32) -> Kernel:
    """Kernel: out[c] = sum over r of g[r, c]; one block per column, launch grid=(cols,)."""
    _check_block(block)
    dt = np.dtype(dtype).type

    @kernel
    def sum_rows(g, out, rows, cols):
        sdata = jit.shared_memory(dt, block)
        tid = jit.int32(jit.threadIdx.x)  # signed: CuPy's JIT keeps `tid + s` an int
        col = jit.blockIdx.x
        acc = dt(0)
        stride = jit.int32(jit.blockDim.x)
        r = tid
        while r < rows:  # each thread first adds up rows tid, tid + blockDim, ...
            acc += g[r, col]
            r += stride
        sdata[tid] = acc
        jit.syncthreads()
        s = jit.int32(jit.blockDim.x // 2)
        while s > 0:
            if tid < s:
                sdata[tid] += sdata[tid + s]
            jit.syncthreads()
            s //= 2
        if tid == 0:
            out[col] = sdata[0]

    return sum_rows


@functools.cache
def matmul_tiled(tile: int = 16, dtype: Any = np.float32) -> Kernel:
    """Kernel: c = a @ b, block=(tile, tile), grid=(ceil(n / tile), ceil(m / tile))."""
    if tile < 1 or tile * tile > 1024:
        raise ValueError(f"tile*tile threads must fit a block (<= 1024), got tile={tile}")
    dt = np.dtype(dtype).type

    @kernel
    def matmul_tiled(a, b, c, m, k, n):
        As = jit.shared_memory(dt, tile * tile)
        Bs = jit.shared_memory(dt, tile * tile)
        tx = jit.int32(jit.threadIdx.x)  # signed ints: CuPy's JIT will not mix int and uint
        ty = jit.int32(jit.threadIdx.y)
        row = jit.int32(jit.blockIdx.y) * tile + ty
        col = jit.int32(jit.blockIdx.x) * tile + tx
        acc = dt(0)
        for t0 in range(0, k, tile):  # walk the shared dimension one tile at a time
            if row < m and t0 + tx < k:
                As[ty * tile + tx] = a[row, t0 + tx]
            else:
                As[ty * tile + tx] = dt(0)
            if col < n and t0 + ty < k:
                Bs[ty * tile + tx] = b[t0 + ty, col]
            else:
                Bs[ty * tile + tx] = dt(0)
            jit.syncthreads()  # the whole tile is loaded before anyone reads it
            for j in range(tile):
                acc += As[ty * tile + j] * Bs[j * tile + tx]
            jit.syncthreads()  # everyone is done with the tile before it is overwritten
        if row < m and col < n:
            c[row, col] = acc

    return matmul_tiled
