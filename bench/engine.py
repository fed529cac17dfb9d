"""Engine performance, measured side by side in one run (see bench/README.md for recorded figures).

1. Training step of a 784-256-256-10 tanh MLP (batch 128, float32) vs the same step in NumPy.
2. Per-op overhead of a 50-op elementwise chain on 10-element float64 tensors (forward+backward)
   vs the same chain by hand in NumPy.
3. A 100,000-node chain: forward + backward completes; its time.
4. Hessian-vector product of a small tanh MLP over its gradient time.

Usage: python bench/engine.py [--quick]
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
from autograd_lite import autograd, nn  # noqa: E402


def timeit(fn: Callable[[], object], reps: int, warmup: int = 3) -> float:
    """Median wall time of ``fn`` in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def paired(a: Callable, b: Callable, reps: int, rounds: int = 5) -> tuple[float, float]:
    """Alternate the two measurements so that machine noise hits both alike; best medians."""
    ta, tb = [], []
    for _ in range(rounds):
        ta.append(timeit(a, reps))
        tb.append(timeit(b, reps))
    return min(ta), min(tb)


# --- 1. MLP training step -------------------------------------------------------------------------
def mlp_step(reps: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    sizes = [784, 256, 256, 10]
    X = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    lr = np.float32(0.01)
    Ws = [(rng.standard_normal((o, i)) / np.sqrt(i)).astype(np.float32)
          for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]

    al.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                          nn.Linear(256, 10))
    with al.no_grad():
        for lin, W, b in zip([model[0], model[2], model[4]], Ws, bs):
            lin.weight.copy_(al.from_numpy(W.copy()))
            lin.bias.copy_(al.from_numpy(b.copy()))
    opt = al.optim.SGD(model.parameters(), lr=float(lr))
    Xt, yt = al.from_numpy(X), al.from_numpy(y)

    def ours() -> None:
        opt.zero_grad()
        loss = F.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()

    Wn = [W.copy() for W in Ws]
    bn = [b.copy() for b in bs]
    onehot = np.eye(10, dtype=np.float32)[y]

    def by_hand() -> None:
        h1 = np.tanh(X @ Wn[0].T + bn[0])
        h2 = np.tanh(h1 @ Wn[1].T + bn[1])
        z = h2 @ Wn[2].T + bn[2]
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        _ = -(logp * onehot).sum() / len(X)  # the loss, as the framework computes it
        dz = (np.exp(logp) - onehot) / np.float32(len(X))
        dW3, db3 = dz.T @ h2, dz.sum(0)
        dh2 = (dz @ Wn[2]) * (1 - h2 * h2)
        dW2, db2 = dh2.T @ h1, dh2.sum(0)
        dh1 = (dh2 @ Wn[1]) * (1 - h1 * h1)
        dW1, db1 = dh1.T @ X, dh1.sum(0)
        for p, g in zip(Wn + bn, [dW1, dW2, dW3, db1, db2, db3]):
            p -= lr * g

    return paired(ours, by_hand, reps)


# --- 2. per-op overhead ---------------------------------------------------------------------------
N_OPS = 50


def chain_ours(x0: np.ndarray) -> Callable[[], None]:
    x = al.tensor(x0, requires_grad=True)
    ones = al.ones_like(x)

    def run() -> None:
        x.grad = None
        h = x
        for _ in range(N_OPS // 5):  # five ops per round
            h = (h * 0.9).sin() + 0.1
            h = h.tanh().exp()
        h.backward(ones)
    return run


def chain_numpy(x0: np.ndarray) -> Callable[[], None]:
    def run() -> None:
        h, saved = x0, []
        for _ in range(N_OPS // 5):
            a = h * 0.9
            s = np.sin(a)
            b = s + 0.1
            t = np.tanh(b)
            e = np.exp(t)
            saved.append((a, t, e))
            h = e
        _ = h.sum()
        g = np.ones_like(h)
        for a, t, e in reversed(saved):
            g = g * e
            g = g * (1 - t * t)
            g = g * np.cos(a)
            g = g * 0.9
    return run


# --- 3. deep chain --------------------------------------------------------------------------------
def deep_chain(n: int = 100_000) -> float:
    x = al.tensor(1.0, requires_grad=True)
    t0 = time.perf_counter()
    h = x
    for _ in range(n):
        h = h * 1.0
    h.backward()
    elapsed = time.perf_counter() - t0
    assert x.grad.item() == 1.0
    return elapsed


# --- 4. Hessian-vector product --------------------------------------------------------------------
def hvp_ratio(reps: int) -> tuple[float, float]:
    al.manual_seed(0)
    X = al.randn(64, 8, dtype=al.float64)
    y = al.randn(64, 1, dtype=al.float64)
    shapes = [(16, 8), (16,), (16, 16), (16,), (1, 16), (1,)]
    params = tuple(al.randn(*s, dtype=al.float64) * 0.3 for s in shapes)
    v = tuple(al.randn(*s, dtype=al.float64) for s in shapes)

    def loss(*p: al.Tensor) -> al.Tensor:
        h = (X @ p[0].T + p[1]).tanh()
        h = (h @ p[2].T + p[3]).tanh()
        return ((h @ p[4].T + p[5] - y) ** 2).mean()

    ps = tuple(p.clone().requires_grad_() for p in params)

    def gradient() -> None:
        autograd.grad(loss(*ps), ps)

    def hvp() -> None:
        autograd.functional.hvp(loss, params, v)

    return paired(hvp, gradient, reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    args = ap.parse_args()
    r = 3 if args.quick else 1
    print(f"autograd_lite {al.__version__}, NumPy {np.__version__}, Python "
          f"{sys.version.split()[0]}")

    ours, hand = mlp_step(max(5, 30 // r))
    print(f"1. MLP 784-256-256-10 tanh, batch 128, float32, training step: autograd_lite "
          f"{ours * 1e3:.2f} ms, NumPy by hand {hand * 1e3:.2f} ms, ratio {ours / hand:.2f} "
          f"(target <= 1.15)")

    x0 = np.random.default_rng(0).standard_normal(10)
    ours, hand = paired(chain_ours(x0), chain_numpy(x0), max(20, 300 // r))
    per_op, per_op_np = ours / N_OPS * 1e6, hand / N_OPS * 1e6
    print(f"2. {N_OPS}-op elementwise chain, 10 float64 elements, forward+backward: "
          f"autograd_lite {per_op:.1f} us/op, NumPy by hand {per_op_np:.1f} us/op, ratio "
          f"{ours / hand:.2f} (target <= 3)")

    sys.setrecursionlimit(1000)  # the engine is iterative: the default limit is plenty
    t = deep_chain()
    print(f"3. 100,000-node chain: forward+backward completed in {t:.2f} s")

    hv, g = hvp_ratio(max(10, 60 // r))
    print(f"4. Hessian-vector product of a small tanh MLP: {hv * 1e3:.2f} ms vs gradient "
          f"{g * 1e3:.2f} ms, ratio {hv / g:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
