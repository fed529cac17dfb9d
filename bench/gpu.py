"""GPU performance, measured side by side in one run (see bench/README.md for recorded figures).

1. Training step of the 784-256-256-10 tanh MLP of bench/engine.py (batch 128, float32):
   autograd_lite on NumPy (CPU) vs autograd_lite on CuPy (GPU) vs PyTorch CUDA, if installed.
2. Sigmoid + binary cross-entropy, forward + backward, on 2^20 float32 elements on the GPU: the
   fused kernels (``kernels.functions.FusedSigmoidBCE``, one kernel each way) vs the unfused
   library ops (``F.binary_cross_entropy(torch.sigmoid(z), t)``) and vs the op-by-op formula.

Without a CUDA GPU it prints "no CUDA GPU available: <reason>" and exits 0.
Usage: python bench/gpu.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import autograd_lite as al  # noqa: E402
import autograd_lite.nn.functional as F  # noqa: E402
from autograd_lite import nn  # noqa: E402


def timeit(fn: Callable[[], object], reps: int, sync: Callable[[], None], warmup: int = 3) -> float:
    """Median wall time of ``fn`` in seconds, waiting for the GPU after each call."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _mlp_data() -> tuple:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    return X, y


def mlp_step_lite(device: str) -> Callable[[], None]:
    """One SGD training step of the MLP with autograd_lite on ``device``."""
    X, y = _mlp_data()
    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                          nn.Linear(256, 10)).to(device)
    opt = al.optim.SGD(model.parameters(), lr=0.01)
    Xt, yt = al.tensor(X, device=device), al.tensor(y, device=device)

    def step() -> None:
        opt.zero_grad()
        F.cross_entropy(model(Xt), yt).backward()
        opt.step()
    return step


def mlp_step_torch() -> tuple[Callable[[], None], Callable[[], None]] | None:
    """The same step in PyTorch on CUDA, or None when PyTorch with CUDA is not installed."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    X, y = _mlp_data()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.Tanh(),
                                torch.nn.Linear(256, 256), torch.nn.Tanh(),
                                torch.nn.Linear(256, 10)).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    Xt, yt = torch.tensor(X).cuda(), torch.tensor(y).cuda()

    def step() -> None:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(Xt), yt).backward()
        opt.step()
    return step, torch.cuda.synchronize


def bce_variants(n: int, device: str = "cuda") -> dict[str, Callable[[], None]]:
    """Forward + backward of mean BCE(sigmoid(z), t) on ``device``, three ways (on the CPU the
    fused kernels run in the simulator: a check of this code, not a benchmark)."""
    from autograd_lite.kernels.functions import FusedSigmoidBCE
    rng = np.random.default_rng(0)
    z = al.tensor(rng.standard_normal(n).astype(np.float32), device=device, requires_grad=True)
    t = al.tensor((rng.random(n) > 0.5).astype(np.float32), device=device)

    def fused() -> None:
        z.grad = None
        FusedSigmoidBCE.apply(z, t).backward()

    def library_ops() -> None:
        z.grad = None
        F.binary_cross_entropy(al.sigmoid(z), t).backward()

    def op_by_op() -> None:
        z.grad = None
        p = al.sigmoid(z)
        (-(t * p.log() + (1 - t) * (1 - p).log()).mean()).backward()
    return {"fused": fused, "library": library_ops, "op_by_op": op_by_op}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    args = ap.parse_args(argv)
    if not al.cuda.is_available():
        print(f"no CUDA GPU available: {al.cuda.unavailable_reason()}")
        return 0
    import cupy as cp
    reps = 10 if args.quick else 50
    sync = al.cuda.synchronize
    print(f"GPU {al.cuda.get_device_name()}, CuPy {cp.__version__}, autograd_lite "
          f"{al.__version__}, NumPy {np.__version__}, Python {sys.version.split()[0]}")

    t_np = timeit(mlp_step_lite("cpu"), reps, lambda: None)
    t_cp = timeit(mlp_step_lite("cuda"), reps, sync)
    line = (f"1. MLP 784-256-256-10 tanh, batch 128, float32, training step: autograd_lite on "
            f"NumPy {t_np * 1e3:.2f} ms, on CuPy {t_cp * 1e3:.2f} ms (CuPy/NumPy "
            f"{t_cp / t_np:.2f}, speed-up {t_np / t_cp:.1f}x)")
    th = mlp_step_torch()
    if th is None:
        line += "; PyTorch CUDA not installed"
    else:
        t_pt = timeit(th[0], reps, th[1])
        line += f"; PyTorch CUDA {t_pt * 1e3:.2f} ms (autograd_lite CuPy/PyTorch {t_cp / t_pt:.2f})"
    print(line)

    n = 1 << 20
    times = {k: timeit(f, reps, sync) for k, f in bce_variants(n).items()}
    print(f"2. sigmoid + BCE, forward+backward, {n} float32 elements on the GPU: fused kernels "
          f"{times['fused'] * 1e3:.3f} ms, library ops {times['library'] * 1e3:.3f} ms, op by op "
          f"{times['op_by_op'] * 1e3:.3f} ms (unfused/fused {times['library'] / times['fused']:.2f}"
          f", op-by-op/fused {times['op_by_op'] / times['fused']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
