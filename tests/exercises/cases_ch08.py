"""Right and deliberately wrong answers for the chapter 8 exercises (kernels in the simulator)."""

from __future__ import annotations

import autograd_lite as torch
from autograd_lite.kernels import jit, kernel, ops
from autograd_lite.kernels.functions import from_array, to_array

# --- 8.1 --------------------------------------------------------------------------------------


def num_blocks(n, threads_per_block):
    return (n + threads_per_block - 1) // threads_per_block


def num_blocks_floor(n, threads_per_block):
    return n // threads_per_block


def num_blocks_float(n, threads_per_block):
    return n / threads_per_block


# --- 8.2 --------------------------------------------------------------------------------------
@kernel
def relu_kernel(x, y, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        y[i] = max(x[i], 0.0)


def relu_unguarded(x, y, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    y[i] = max(x[i], 0.0)


def relu_forgets_the_block(x, y, n):
    i = jit.threadIdx.x
    if i < n:
        y[i] = max(x[i], 0.0)


def relu_wrong_value(x, y, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        y[i] = abs(x[i])


# --- 8.3 --------------------------------------------------------------------------------------
def tanh_backward_kernel(y, gy, gx, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        gx[i] = gy[i] * (1.0 - y[i] * y[i])


def tanh_backward_no_square(y, gy, gx, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        gx[i] = gy[i] * (1.0 - y[i])


def tanh_backward_ignores_gy(y, gy, gx, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        gx[i] = 1.0 - y[i] * y[i]


# --- 8.4 --------------------------------------------------------------------------------------
def block_max_kernel(x, out, n):
    s = jit.shared_memory(jit.float64, 64)
    tid = jit.threadIdx.x
    i = jit.blockIdx.x * jit.blockDim.x + tid
    s[tid] = x[i] if i < n else -1e300
    jit.syncthreads()
    step = jit.blockDim.x // 2
    while step > 0:
        if tid < step:
            s[tid] = max(s[tid], s[tid + step])
        jit.syncthreads()
        step //= 2
    if tid == 0:
        out[jit.blockIdx.x] = s[0]


def block_max_zero_padding(x, out, n):
    s = jit.shared_memory(jit.float64, 64)
    tid = jit.threadIdx.x
    i = jit.blockIdx.x * jit.blockDim.x + tid
    s[tid] = x[i] if i < n else 0.0
    jit.syncthreads()
    step = jit.blockDim.x // 2
    while step > 0:
        if tid < step:
            s[tid] = max(s[tid], s[tid + step])
        jit.syncthreads()
        step //= 2
    if tid == 0:
        out[jit.blockIdx.x] = s[0]


def block_max_no_barrier(x, out, n):
    s = jit.shared_memory(jit.float64, 64)
    tid = jit.threadIdx.x
    i = jit.blockIdx.x * jit.blockDim.x + tid
    s[tid] = x[i] if i < n else -1e300
    step = jit.blockDim.x // 2
    while step > 0:
        if tid < step:
            s[tid] = max(s[tid], s[tid + step])
        step //= 2
    if tid == 0:
        out[jit.blockIdx.x] = s[0]


def block_max_barrier_in_if(x, out, n):
    s = jit.shared_memory(jit.float64, 64)
    tid = jit.threadIdx.x
    i = jit.blockIdx.x * jit.blockDim.x + tid
    s[tid] = x[i] if i < n else -1e300
    jit.syncthreads()
    step = jit.blockDim.x // 2
    while step > 0:
        if tid < step:
            s[tid] = max(s[tid], s[tid + step])
            jit.syncthreads()
        step //= 2
    if tid == 0:
        out[jit.blockIdx.x] = s[0]


# --- 8.5 --------------------------------------------------------------------------------------
def add_bias_kernel(x, b, y, rows, cols):
    c = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    r = jit.blockIdx.y * jit.blockDim.y + jit.threadIdx.y
    if r < rows and c < cols:
        y[r, c] = x[r, c] + b[c]


def add_bias_rows_on_x(x, b, y, rows, cols):
    r = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    c = jit.blockIdx.y * jit.blockDim.y + jit.threadIdx.y
    if r < rows and c < cols:
        y[r, c] = x[r, c] + b[c]


def add_bias_wrong_bias_index(x, b, y, rows, cols):
    c = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    r = jit.blockIdx.y * jit.blockDim.y + jit.threadIdx.y
    if r < rows and c < cols:
        y[r, c] = x[r, c] + b[r % cols]


# --- 8.6 --------------------------------------------------------------------------------------
class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = from_array(ops.sigmoid(to_array(x)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return from_array(ops.sigmoid_backward(to_array(y), to_array(grad)))


class SigmoidSavesInput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return from_array(ops.sigmoid(to_array(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors  # uses x where the kernel expects sigma(x)
        return from_array(ops.sigmoid_backward(to_array(x), to_array(grad)))


class SigmoidNoUpstream(MySigmoid):
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (1 - y)


CASES = {
    "8.1": (num_blocks, [num_blocks_floor, num_blocks_float]),
    "8.2": (relu_kernel, [relu_unguarded, relu_forgets_the_block, relu_wrong_value]),
    "8.3": (tanh_backward_kernel, [tanh_backward_no_square, tanh_backward_ignores_gy]),
    "8.4": (block_max_kernel, [block_max_zero_padding, block_max_no_barrier,
                               block_max_barrier_in_if]),
    "8.5": (add_bias_kernel, [add_bias_rows_on_x, add_bias_wrong_bias_index]),
    "8.6": (MySigmoid, [SigmoidSavesInput, SigmoidNoUpstream, torch.sigmoid]),
    "8.7": (32 * 4, [512, 64]),
}
