"""PyTorch's CPU random number generator: ``manual_seed(s)`` then ``rand``, ``randn``,
``randint``, ``randperm``, ``uniform_`` and ``normal_`` give PyTorch's numbers.

PyTorch draws from a 32-bit Mersenne Twister (mt19937) seeded like C++'s ``init_genrand``; NumPy's
``MT19937`` with its legacy seeding is the same engine, so the raw 32-bit words agree. On top of
them this module repeats PyTorch's transformations (``aten/src/ATen/core/TransformationHelper.h``,
``native/cpu/DistributionTemplates.h``):

* a float32 uniform keeps 24 bits of one word, a float64 uniform 53 bits of two words, scaled by
  ``2**-24`` / ``2**-53`` and mapped to ``[from, to)`` in double precision;
* ``normal`` of 16 or more values fills the tensor with uniforms and turns each block of 16 into
  normals by Box-Muller (``u[j]``, ``u[j + 8]``); when the size is not a multiple of 16, 16 more
  uniforms make the last 16 values again; fewer values come one at a time from two double
  uniforms, the second normal of each pair kept for the next call;
* ``randint`` is ``word % range + low``; ``randperm`` swaps ``r[i]`` with ``r[i + word % (n - i)]``.

Float32 normals of 16 or more values can differ from PyTorch's in the last bit: PyTorch computes
their logarithm, sine and cosine with vectorised single-precision functions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_M24, _M53 = (1 << 24) - 1, (1 << 53) - 1
_TWO_PI = 2.0 * math.pi


class Generator:
    """A random number generator with PyTorch's API and PyTorch's CPU numbers."""

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) != "cpu":
            raise RuntimeError("autograd_lite generators run on the CPU: use "
                               "Generator(device='cpu'); CUDA tensors draw on the CPU first")
        self.device = device
        self._bg = np.random.MT19937(0)
        self.manual_seed(67280421310721)  # PyTorch's default seed

    def __repr__(self) -> str:
        return f"<autograd_lite.Generator object at {hex(id(self))}>"

    # --- seeding and state ----------------------------------------------------------------------
    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator (any integer, as PyTorch takes it modulo 2**64); returns it."""
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise RuntimeError(f"Overflow when unpacking long long: {seed}")
        seed %= 1 << 64
        self._seed = seed
        self._bg._legacy_seeding(seed & 0xFFFFFFFF)  # mt19937 takes the low 32 bits
        self._next_normal: float | None = None
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the new seed."""
        s = int.from_bytes(np.random.SeedSequence().generate_state(2, np.uint32).tobytes(),
                           "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed last given to ``manual_seed`` (or ``seed``)."""
        return self._seed

    def get_state(self) -> Any:
        """The full state as a uint8 tensor (for ``set_state``)."""
        from .tensor import Tensor
        st = self._bg.state["state"]
        cache = math.nan if self._next_normal is None else self._next_normal
        parts = [np.asarray(st["key"], np.uint32).view(np.uint8),
                 np.asarray([st["pos"]], np.int64).view(np.uint8),
                 np.asarray([self._seed], np.uint64).view(np.uint8),
                 np.asarray([cache], np.float64).view(np.uint8)]
        return Tensor._make(np.concatenate(parts))

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from ``get_state``."""
        raw = np.asarray(getattr(new_state, "_data", new_state), dtype=np.uint8)
        if raw.shape != (624 * 4 + 24,):
            raise RuntimeError(f"Expected a state of {624 * 4 + 24} bytes from get_state(), got "
                               f"{raw.size}")
        key = raw[:2496].view(np.uint32)
        pos = int(raw[2496:2504].view(np.int64)[0])
        self._seed = int(raw[2504:2512].view(np.uint64)[0])
        cache = float(raw[2512:].view(np.float64)[0])
        self._bg.state = {"bit_generator": "MT19937", "state": {"key": key.copy(), "pos": pos}}
        self._next_normal = None if math.isnan(cache) else cache
        return self

    # --- raw words --------------------------------------------------------------------------------
    def _words(self, n: int) -> Any:
        """``n`` raw 32-bit words (as uint64)."""
        return self._bg.random_raw(n) if n else np.zeros(0, np.uint64)

    def _words64(self, n: int) -> Any:
        """``n`` 64-bit words, each from two 32-bit ones (the first is the high half)."""
        w = self._words(2 * n)
        return (w[0::2] << np.uint64(32)) | w[1::2]

    # --- distributions (flat arrays) ----------------------------------------------------------
    def _unit(self, n: int, double: bool) -> Any:
        """``n`` uniforms in [0, 1) as float64, with a float32's (24) or a double's (53) bits."""
        if double:
            return (self._words64(n) & np.uint64(_M53)).astype(np.float64) * 2.0 ** -53
        return (self._words(n) & np.uint64(_M24)).astype(np.float64) * 2.0 ** -24

    def uniform(self, n: int, dtype: Any, low: float = 0.0, high: float = 1.0) -> Any:
        """``n`` values of ``dtype`` from U(low, high), as ``Tensor.uniform_``."""
        dt = np.dtype(dtype)
        double = dt == np.float64
        lo, hi = (float(low), float(high)) if double else \
            (float(np.float32(low)), float(np.float32(high)))
        return (self._unit(n, double) * (hi - lo) + lo).astype(dt)

    def normal(self, n: int, dtype: Any, mean: float = 0.0, std: float = 1.0) -> Any:
        """``n`` values of ``dtype`` from N(mean, std**2), as ``Tensor.normal_``."""
        dt = np.dtype(dtype)
        if n < 16:
            return np.array([self._normal_double() * std + mean for _ in range(n)]).astype(dt)
        double = dt == np.float64
        out = np.empty(n, np.float64)
        blocks = n // 16
        u = self._unit(n, double)  # every value gets a uniform first, as in PyTorch
        out[:blocks * 16] = self._box_muller(u[:blocks * 16], double, mean, std)
        if n % 16:  # the last 16 values again, from fresh uniforms
            out[n - 16:] = self._box_muller(self._unit(16, double), double, mean, std)
        return out.astype(dt)

    def _box_muller(self, u: Any, double: bool, mean: float, std: float) -> Any:
        """Blocks of 16 uniforms to normals: ``u[j]`` and ``u[j + 8]`` give values j and j + 8;
        for float32 each step is rounded to float32, as PyTorch computes it."""
        u = u.reshape(-1, 2, 8)
        if double:
            radius = np.sqrt(-2.0 * np.log(1.0 - u[:, 0]))
            theta = _TWO_PI * u[:, 1]
            pair = np.stack([radius * np.cos(theta), radius * np.sin(theta)], 1)
            return (pair * std + mean).reshape(-1)
        f = np.float32
        radius = np.sqrt(f(-2.0) * np.log(1.0 - u[:, 0]).astype(f))  # (1 - u is exact)
        theta = f(_TWO_PI) * u[:, 1].astype(f)  # float32 2*pi, float32 product
        cos, sin = np.cos(theta), np.sin(theta)
        pair = np.stack([radius * cos, radius * sin], 1)  # float32 products
        return (pair * f(std) + f(mean)).astype(np.float64).reshape(-1)

    def _normal_double(self) -> float:
        """One N(0, 1) double: Box-Muller on two double uniforms, the pair's second value kept
        for the next call."""
        if self._next_normal is not None:
            v, self._next_normal = self._next_normal, None
            return v
        u1, u2 = self._unit(2, True)
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = _TWO_PI * u1
        self._next_normal = r * math.sin(theta)
        return r * math.cos(theta)

    def randint(self, n: int, low: int, high: int) -> Any:
        """``n`` int64 values from ``low`` (inclusive) to ``high`` (exclusive)."""
        span = high - low
        w = self._words64(n) if span >= 1 << 32 else self._words(n)
        return (w % np.uint64(span)).astype(np.int64) + low

    def randperm(self, n: int) -> Any:
        """A random permutation of ``0..n-1`` (int64)."""
        r = np.arange(n, dtype=np.int64)
        if n > 1:
            w = self._words(n - 1)
            for i in range(n - 1):
                z = i + int(w[i] % np.uint64(n - i))
                r[i], r[z] = r[z], r[i]
        return r


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: PyTorch's numbers for the same seed follow."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator from the operating system's entropy."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    default_generator.set_state(new_state)


def generator_of(generator: Any) -> Generator:
    """The generator a sampling function uses: the one given, else the default."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be an autograd_lite.Generator, not "
                        f"{type(generator).__name__}")
    return generator
