"""Shared fixtures for the autograd_lite tests: finite differences and gradient checks.

``autograd_lite`` is imported lazily (inside the fixtures), so a package that does not import yet
never breaks the collection of test files that do not use it (e.g. ``test_tensor_str.py``).

Fixtures (session-scoped, so hypothesis tests may use them):

* ``numerical_grad(f, arrays, eps=1e-6)``: central finite differences of a scalar function of
  NumPy arrays, one gradient array per input.
* ``with_dot`` / ``no_dot``: course.graph with the graphviz binary (skips without it) / forced
  onto its matplotlib fallback.
* ``release_sample_checks``: registers the 99.x sample exercises of tests/fixtures/release and
  restores the registry afterwards.
* ``check_grads(fn, arrays, ...)``: compares autograd_lite's first derivatives (as a vector-Jacobian
  product with a random cotangent) and, optionally, its second derivatives (``create_graph=True``,
  then a second ``autograd.grad``) with central finite differences in float64, and checks that the
  plain backward (formulas on arrays) and the ``create_graph`` backward (formulas on tensors) give
  identical first derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

RELEASE_FIXTURES = Path(__file__).parent / "fixtures" / "release"


@pytest.fixture
def with_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    from course import graph

    monkeypatch.setattr(graph, "FORCE_NO_DOT", False)
    monkeypatch.delenv("COURSE_NO_DOT", raising=False)
    if graph.shutil.which("dot") is None:
        pytest.skip("graphviz `dot` binary not installed (apt-get install graphviz)")


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    from course import graph

    monkeypatch.setattr(graph, "FORCE_NO_DOT", True)
    monkeypatch.setattr(graph, "_hint_printed", False)


@pytest.fixture
def release_sample_checks() -> Iterator[None]:
    """Register 99.1/99.2 (tests/fixtures/release/checks_sample.py); restore the registry after."""
    from course import checks

    checks.load_all()
    saved = dict(checks.REGISTRY)
    checks.load_file(RELEASE_FIXTURES / "checks_sample.py")
    yield
    checks.REGISTRY.clear()
    checks.REGISTRY.update(saved)


def _numerical_grad(f: Callable[..., float], arrays: Sequence[np.ndarray],
                    eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences (f(x + eps e_i) - f(x - eps e_i)) / 2 eps for every element."""
    arrays = [np.array(a, dtype=np.float64, copy=True) for a in arrays]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)  # views: writing flat writes a
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            fp = float(f(*arrays))
            flat[i] = orig - eps
            fm = float(f(*arrays))
            flat[i] = orig
            gflat[i] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def _sum_to_supported() -> bool:
    """create_graph through broadcasting needs Tensor.sum_to_size (ops/reduce.py or shape.py)."""
    import autograd_lite as al
    return hasattr(al.Tensor, "sum_to_size")


class GradChecker:
    """Callable behind the ``check_grads`` fixture (see the module docstring)."""

    def __call__(self, fn: Callable, arrays: Sequence[np.ndarray], *, second_order: bool = True,
                 seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6,
                 eps: float = 1e-6) -> None:
        import autograd_lite as al

        arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
        rng = np.random.default_rng(seed)
        out_shape = self._eval(fn, arrays).shape
        v = rng.standard_normal(out_shape)
        broadcasting = any(a.shape != out_shape for a in arrays)

        def phi(*arrs: np.ndarray) -> float:
            return float(np.sum(self._eval(fn, arrs) * v))

        analytic = self.first(fn, arrays, v)
        numeric = _numerical_grad(phi, arrays, eps)
        for k, (ga, gn) in enumerate(zip(analytic, numeric)):
            np.testing.assert_allclose(ga, gn, rtol=rtol, atol=atol,
                                       err_msg=f"first derivative w.r.t. input {k}")

        if not second_order:
            return
        if broadcasting and not _sum_to_supported():
            return  # the tensor path needs the reduce ops; the first order was checked above
        # the same formulas on tensors (create_graph) give the same first derivative...
        xs = [al.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*xs)
        gs = al.autograd.grad(out, xs, grad_outputs=al.tensor(v), create_graph=True,
                              allow_unused=True)
        for k, (g, ga) in enumerate(zip(gs, analytic)):
            got = np.zeros_like(ga) if g is None else g.detach().numpy()
            np.testing.assert_allclose(got, ga, rtol=1e-12, atol=1e-12,
                                       err_msg=f"create_graph vs plain backward, input {k}")
        # ...and differentiating it again matches finite differences of the first derivative
        us = [rng.standard_normal(a.shape) for a in arrays]
        pairs = [(g, al.tensor(u)) for g, u in zip(gs, us) if g is not None and g.requires_grad]
        if pairs:
            second = al.autograd.grad([g for g, _ in pairs], xs,
                                      grad_outputs=[u for _, u in pairs], allow_unused=True)
            second = [np.zeros_like(a) if s is None else s.numpy()
                      for s, a in zip(second, arrays)]
        else:
            second = [np.zeros_like(a) for a in arrays]

        def psi(*arrs: np.ndarray) -> float:
            return float(sum(np.sum(g * u) for g, u in zip(self.first(fn, arrs, v), us)))

        numeric2 = _numerical_grad(psi, arrays, eps)
        for k, (sa, sn) in enumerate(zip(second, numeric2)):
            np.testing.assert_allclose(sa, sn, rtol=max(rtol, 1e-4), atol=max(atol, 1e-5),
                                       err_msg=f"second derivative w.r.t. input {k}")

    @staticmethod
    def _eval(fn: Callable, arrays: Sequence[np.ndarray]) -> np.ndarray:
        import autograd_lite as al
        with al.no_grad():
            out = fn(*[al.tensor(a) for a in arrays])
        return out.numpy()

    @staticmethod
    def first(fn: Callable, arrays: Sequence[np.ndarray], v: np.ndarray) -> list[np.ndarray]:
        """Plain backward: the vector-Jacobian product v^T J for each input (zeros if unused)."""
        import autograd_lite as al
        xs = [al.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
        out = fn(*xs)
        gs = al.autograd.grad(out, xs, grad_outputs=al.tensor(v), allow_unused=True)
        return [np.zeros(x.shape) if g is None else g.numpy() for g, x in zip(gs, xs)]


@pytest.fixture(scope="session")
def numerical_grad() -> Callable[..., list[np.ndarray]]:
    """Central finite differences of a scalar function of NumPy arrays."""
    return _numerical_grad


@pytest.fixture(scope="session")
def check_grads() -> GradChecker:
    """First/second derivatives vs finite differences, plain vs create_graph backward."""
    return GradChecker()


@pytest.fixture
def restore_grad_mode():
    """Put the global grad mode back after a test, even one that fails half-way."""
    from autograd_lite.grad_mode import STATE
    saved = (STATE.enabled, STATE.inference)
    yield
    leaked = (STATE.enabled, STATE.inference)
    STATE.enabled, STATE.inference = saved
    assert leaked == saved, "the test left a grad mode switched"
