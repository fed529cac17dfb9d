"""What a simulated launch did: ``dim3`` launch dimensions and the ``Trace`` of every access
(block, thread, array, element, read/write, barrier phase) that the pictures are drawn from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np


class dim3(NamedTuple):
    """``threadIdx``, ``blockIdx``, ``blockDim``, ``gridDim``: x, y, z."""

    x: int
    y: int = 0
    z: int = 0


@dataclass
class Trace:
    """Every access of a simulated launch: parallel lists, one entry per access."""

    grid: dim3
    block: dim3
    shapes: dict[str, tuple] = field(default_factory=dict)
    shared: set[str] = field(default_factory=set)  # names of the shared-memory arrays
    block_id: list[int] = field(default_factory=list)
    thread_id: list[int] = field(default_factory=list)
    array: list[str] = field(default_factory=list)
    index: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)  # 0 read, 1 write, 2 atomic add
    phase: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.index)

    def accesses(self, array: str, kind: str = "any") -> dict[str, np.ndarray]:
        """Arrays block/thread/index/phase of the accesses to ``array`` ('read', 'write', 'any')."""
        want = {"read": (0,), "write": (1, 2), "any": (0, 1, 2)}[kind]
        sel = [i for i, (a, k) in enumerate(zip(self.array, self.kind))
               if a == array and k in want]
        pick = lambda lst: np.asarray([lst[i] for i in sel], dtype=np.int64)
        return {"block": pick(self.block_id), "thread": pick(self.thread_id),
                "index": pick(self.index), "phase": pick(self.phase)}

    def owner(self, array: str, kind: str = "write", by: str = "block") -> np.ndarray:
        """Per element of ``array`` (in its shape): the block (or global thread) id of the last
        thread that touched it this way, -1 for untouched elements."""
        acc = self.accesses(array, kind)
        out = np.full(int(np.prod(self.shapes[array])), -1, dtype=np.int64)
        who = acc["block"] if by == "block" else (
            acc["block"] * self.threads_per_block + acc["thread"])
        out[acc["index"]] = who
        return out.reshape(self.shapes[array])

    @property
    def threads_per_block(self) -> int:
        return self.block.x * self.block.y * self.block.z

    def count(self, array: str | None = None, kind: str = "any") -> int:
        """How many accesses (of one array, or all of them; 'read', 'write' or 'any')."""
        want = {"read": (0,), "write": (1, 2), "any": (0, 1, 2)}[kind]
        return sum(1 for a, k in zip(self.array, self.kind)
                   if (array is None or a == array) and k in want)
