"""The CPU grid simulator: thread indices, shared memory, barriers, traces and its misuse errors."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.kernels import (
    BarrierError,
    KernelError,
    OutOfBoundsError,
    RaceError,
    blocks_for,
    jit,
    kernel,
    simulate,
)


@kernel
def write_ids(out, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        out[i] = jit.blockIdx.x * 100 + jit.threadIdx.x


@kernel
def unguarded(x, y, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    y[i] = x[i] + 1


@kernel
def grid2d(out, rows, cols):
    r = jit.blockIdx.y * jit.blockDim.y + jit.threadIdx.y
    c = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if r < rows and c < cols:
        out[r, c] = r * 1000 + c


@kernel
def reverse_in_block(x, y):
    s = jit.shared_memory(jit.float64, 8)
    t = jit.threadIdx.x
    s[t] = x[jit.blockIdx.x * 8 + t]
    jit.syncthreads()
    y[jit.blockIdx.x * 8 + t] = s[7 - t]


@kernel
def reverse_no_barrier(x, y):
    s = jit.shared_memory(jit.float64, 8)
    t = jit.threadIdx.x
    s[t] = x[jit.blockIdx.x * 8 + t]
    y[jit.blockIdx.x * 8 + t] = s[7 - t]


@kernel
def barrier_in_if(x, n):
    i = jit.blockIdx.x * jit.blockDim.x + jit.threadIdx.x
    if i < n:
        x[i] = 1.0
        jit.syncthreads()


@kernel
def two_barriers(x):
    if jit.threadIdx.x % 2 == 0:
        jit.syncthreads()
    else:
        jit.syncthreads()
    x[jit.threadIdx.x] = 1.0


@kernel
def same_cell(out):
    out[0] = jit.threadIdx.x


@kernel
def atomic_count(out):
    jit.atomic_add(out, 0, 1)


@kernel
def sync_in_expression(x):
    x[0] = jit.syncthreads()


def test_thread_and_block_indices_cover_a_size_not_divisible_by_the_block():
    n, block = 37, 8
    out = np.full(n, -1, dtype=np.int64)
    simulate(write_ids, blocks_for(n, block), block, (out, n))
    i = np.arange(n)
    np.testing.assert_array_equal(out, (i // block) * 100 + i % block)


def test_two_dimensional_grid_and_indexing():
    out = np.zeros((5, 7), dtype=np.int64)
    grid2d.simulate((3, 2), (3, 3), (out, 5, 7))
    r, c = np.indices((5, 7))
    np.testing.assert_array_equal(out, r * 1000 + c)


def test_out_of_bounds_read_names_the_thread_and_the_index():
    x, y = np.zeros(10), np.zeros(10)
    with pytest.raises(OutOfBoundsError) as e:
        unguarded.simulate(3, 4, (x, y, 10))
    msg = str(e.value)
    assert "out-of-bounds read of global array x[10]" in msg
    assert "thread 2 of block 2" in msg and "shape (10,)" in msg and "if i < n" in msg


def test_out_of_bounds_write_is_reported_too():
    x, y = np.zeros(12), np.zeros(10)
    with pytest.raises(OutOfBoundsError, match=r"write of global array y\[10\].*thread 2 of block"):
        unguarded.simulate(3, 4, (x, y, 10))


def test_out_of_bounds_in_two_dimensions_names_the_index_pair():
    out = np.zeros((4, 4))
    with pytest.raises(OutOfBoundsError, match=r"out\[4, 0\].*thread \(0, 1\) of block \(0, 1\)"):
        grid2d.simulate((1, 2), (1, 3), (out, 6, 1))


def test_shared_memory_is_per_block_and_the_barrier_orders_phases():
    x = np.arange(16, dtype=np.float64)
    y = np.zeros(16)
    reverse_in_block.simulate(2, 8, (x, y))
    np.testing.assert_array_equal(y, np.r_[x[:8][::-1], x[8:][::-1]])


def test_missing_barrier_is_a_race_or_an_uninitialised_read():
    x, y = np.arange(16, dtype=np.float64), np.zeros(16)
    with pytest.raises(KernelError, match="shared array s"):
        reverse_no_barrier.simulate(2, 8, (x, y))


def test_syncthreads_not_reached_by_every_thread_is_reported_not_hung():
    x = np.zeros(10)
    with pytest.raises(BarrierError) as e:
        barrier_in_if.simulate(3, 4, (x, 10))
    msg = str(e.value)
    assert "block 2" in msg and "threads 0, 1" in msg and "threads 2, 3" in msg
    assert "returned without reaching it" in msg


def test_threads_waiting_at_different_barriers_are_reported():
    with pytest.raises(BarrierError, match="different syncthreads"):
        two_barriers.simulate(1, 4, (np.zeros(4),))


def test_write_write_race_between_threads():
    with pytest.raises(RaceError, match=r"data race on global array out\[0\]"):
        same_cell.simulate(1, 4, (np.zeros(1),))
    out = np.zeros(1)
    same_cell.simulate(1, 4, (out,), check_races=False)  # last writer wins, as one GPU might
    assert out[0] == 3


def test_atomics_do_not_race_and_add_up():
    out = np.zeros(1, dtype=np.int32)
    atomic_count.simulate(5, 32, (out,))
    assert out[0] == 160


def test_syncthreads_inside_an_expression_is_rejected():
    with pytest.raises(KernelError, match="statement of its own"):
        sync_in_expression.simulate(1, 1, (np.zeros(1),))


def test_launch_configuration_errors():
    out = np.zeros(4, dtype=np.int64)
    with pytest.raises(ValueError, match="at most 1024 threads"):
        write_ids.simulate(1, (64, 32), (out, 4))
    with pytest.raises(ValueError, match="positive int"):
        write_ids.simulate(0, 4, (out, 4))
    with pytest.raises(TypeError, match=r"takes 2 arguments \(out, n\), got 1"):
        write_ids.simulate(1, 4, (out,))
    with pytest.raises(TypeError, match="NumPy array or a number"):
        write_ids.simulate(1, 4, ([0, 0], 2))


def test_jit_outside_a_kernel_says_how_to_launch():
    with pytest.raises(RuntimeError, match="only exists inside a kernel"):
        _ = jit.threadIdx
    with pytest.raises(AttributeError, match="no jit.foo"):
        _ = jit.foo


def test_trace_records_who_touched_what():
    n, block = 10, 4
    x, y = np.linspace(-1, 1, n), np.zeros(n)
    tr = unguarded.simulate(1, 4, (x, y, n), trace=True)  # 4 threads, in bounds
    assert tr.count("x", "read") == 4 and tr.count("y", "write") == 4
    owner = tr.owner("y", "write", by="thread")
    np.testing.assert_array_equal(owner, [0, 1, 2, 3, -1, -1, -1, -1, -1, -1])
    np.testing.assert_allclose(y[:4], x[:4] + 1)
    assert blocks_for(n, block) == 3 and blocks_for(8, 4) == 2


def test_a_float32_store_rounds_like_the_gpu():
    out = np.zeros(1, dtype=np.float32)

    @kernel
    def third(o):
        o[0] = 1.0 / 3.0

    third.simulate(1, 1, (out,))
    assert out[0] == np.float32(1 / 3)


def test_closure_constants_and_plain_functions_work():
    k = 3

    def add_k(x, n):
        i = jit.threadIdx.x
        if i < n:
            x[i] = x[i] + k

    x = np.zeros(5)
    simulate(add_k, 1, 8, (x, 5))
    np.testing.assert_array_equal(x, 3.0)


def test_launching_with_numpy_arrays_simulates_in_both_call_styles():
    n = 9
    out = np.zeros(n, dtype=np.int64)
    write_ids(blocks_for(n, 4), 4, (out, n))  # cupyx.jit.rawkernel style
    out2 = np.zeros(n, dtype=np.int64)
    write_ids[blocks_for(n, 4), 4](out2, n)  # numba style
    np.testing.assert_array_equal(out, out2)
    assert out[5] == 101
    with pytest.raises(TypeError, match="needs a Python function"):
        kernel(len)
