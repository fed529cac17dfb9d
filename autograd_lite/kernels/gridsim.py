"""A CPU grid simulator for kernels written in the style of ``cupyx.jit.rawkernel``.

``simulate(fn, grid, block, args)`` runs the very function a GPU would run, once per simulated
thread, with that thread's ``threadIdx/blockIdx`` and its block's shared memory. Each
``jit.syncthreads()`` statement is turned into a ``yield`` (an AST rewrite of the kernel's
source), so every thread of a block is a generator and the block advances in *phases*: all its
threads run to the next barrier, then all continue. A barrier that some threads of a block never
reach is a :class:`BarrierError` (on a GPU: a hang or undefined behaviour), not a hang.

Bounds are checked on every access; data races are found (``check_races``); ``trace=True``
records every access (block, thread, array, element, read/write) for the pictures in
``picture.py``.
"""

from __future__ import annotations

import ast
import inspect
import math
import sys
import textwrap
import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from .language import SIM_MATH, jit
from .memory import BarrierError, KernelError, RaceError, SimArray
from .trace import Trace, dim3


def as_dim3(v: Any, what: str, fill: int = 1) -> dim3:
    """A launch dimension from an int or a tuple of up to three positive ints."""
    t = (v,) if isinstance(v, (int, np.integer)) else tuple(v)
    if not 1 <= len(t) <= 3 or not all(isinstance(i, (int, np.integer)) and i > 0 for i in t):
        raise ValueError(f"{what} must be a positive int or a tuple of 1 to 3 positive ints, "
                         f"got {v!r}")
    t = tuple(int(i) for i in t) + (fill,) * (3 - len(t))
    return dim3(*t)


# --- the kernel's source, rewritten for the simulator ---------------------------------------------
def _is_sync(node: ast.AST) -> bool:
    f = node.func if isinstance(node, ast.Call) else None
    return (isinstance(f, ast.Attribute) and f.attr == "syncthreads") or (
        isinstance(f, ast.Name) and f.id == "syncthreads")


class _Rewrite(ast.NodeTransformer):
    """``jit.syncthreads()`` -> ``yield <line>``; shared arrays learn their variable's name."""

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        if _is_sync(node.value):
            return ast.copy_location(ast.Expr(ast.Yield(ast.Constant(node.lineno))), node)
        return self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        v = node.value
        if (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute)
                and v.func.attr == "shared_memory" and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            v.keywords.append(ast.keyword("_name", ast.Constant(node.targets[0].id)))
        return self.generic_visit(node)


@dataclass
class _Compiled:
    code: types.CodeType
    name: str
    filename: str
    params: list[str]


_CACHE: dict[Any, _Compiled] = {}


def _compile(fn: types.FunctionType) -> _Compiled:
    key = fn.__code__
    if key in _CACHE:
        return _CACHE[key]
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as e:
        raise KernelError(f"the simulator needs the kernel's source code ({e}); define the "
                          "kernel with `def` in a file or notebook cell") from None
    tree = ast.parse(textwrap.dedent("".join(lines)))
    fdef = tree.body[0]
    if not isinstance(fdef, ast.FunctionDef):
        raise KernelError("a kernel must be a function defined with `def`")
    fdef.decorator_list = []
    tree = ast.fix_missing_locations(_Rewrite().visit(tree))
    ast.increment_lineno(tree, first - 1)
    params = [a.arg for a in fdef.args.args]
    comp = _Compiled(compile(tree, fn.__code__.co_filename, "exec"), fdef.name,
                     fn.__code__.co_filename, params)
    _CACHE[key] = comp
    return comp


def _with_namespace(fn: types.FunctionType, ns: Any, code: types.CodeType, name: str) -> Any:
    """The kernel function re-made with ``jit`` (whatever it is called) bound to ``ns``."""
    env = dict(fn.__globals__)
    cv = inspect.getclosurevars(fn)
    env.update(cv.nonlocals)
    for k, v in list(env.items()):
        if v is jit:
            env[k] = ns
    env.setdefault("jit", ns)
    exec(code, env)
    return env[name]


# --- simulation state ---------------------------------------------------------------------------
class _Thread:
    __slots__ = ("tid", "bid", "tlin", "blin", "idx", "n_smem")

    def __init__(self, tid: dim3, bid: dim3, tlin: int, blin: int) -> None:
        self.tid, self.bid, self.tlin, self.blin = tid, bid, tlin, blin
        self.idx = tid
        self.n_smem = 0


def _short(t: dim3, dims: dim3) -> str:
    if dims.y == 1 and dims.z == 1:
        return str(t.x)
    if dims.z == 1:
        return f"({t.x}, {t.y})"
    return f"({t.x}, {t.y}, {t.z})"


class _State:
    """What the simulator knows while a launch runs; ``cur`` is the running thread."""

    def __init__(self, grid: dim3, block: dim3, comp: _Compiled, trace: bool,
                 check_races: bool) -> None:
        self.grid, self.block, self.comp = grid, block, comp
        self.cur: _Thread | None = None
        self.phase = 0
        self.trace = Trace(grid, block) if trace else None
        self.check_races = check_races
        self.tracking = trace or check_races
        self.smem: list[SimArray] = []

    def thread_name(self) -> str:
        c = self.cur
        if c is None:
            return "the host"
        return f"thread {_short(c.tid, self.block)} of block {_short(c.bid, self.grid)}"

    def where(self) -> str:
        f = sys._getframe(1)
        while f is not None and not (f.f_code.co_name == self.comp.name
                                     and f.f_code.co_filename == self.comp.filename):
            f = f.f_back
        return f"{self.thread_name()}" + (f" (kernel line {f.f_lineno})" if f else "")

    def access(self, arr: SimArray, k: int, kind: int) -> None:
        c = self.cur
        if self.trace is not None:
            t = self.trace
            t.block_id.append(c.blin)
            t.thread_id.append(c.tlin)
            t.array.append(arr.name)
            t.index.append(k)
            t.kind.append(kind)
            t.phase.append(self.phase)
        if not self.check_races:
            return
        if arr._written is not None:
            if kind == 0 and not arr._written[k]:
                raise RaceError(f"read of shared array {arr.name}[{k}] before any thread "
                                f"wrote it, by {self.where()}; shared memory starts "
                                "uninitialised (a missing jit.syncthreads() after the writes?)")
            arr._written[k] = 1
        me = (c.blin, c.tlin, self.phase, kind)
        rec = arr._races.get(k)
        if rec is None:
            arr._races[k] = [me if kind else None, [] if kind else [me]]
            return
        last_w, reads = rec
        if last_w is not None and self._unordered(last_w, me):
            raise self._race(arr, k, last_w, me)
        if kind == 0:
            reads.append(me)
            return
        for r in reads:
            if self._unordered(r, me):
                raise self._race(arr, k, r, me)
        rec[0], rec[1] = me, []

    @staticmethod
    def _unordered(a: tuple, b: tuple) -> bool:
        if a[1] == b[1] and a[0] == b[0]:
            return False  # the same thread
        if a[3] == 2 and b[3] == 2:
            return False  # atomics never race with each other
        return not (a[0] == b[0] and a[2] < b[2])  # a barrier orders a block's phases

    def _race(self, arr: SimArray, k: int, a: tuple, b: tuple) -> RaceError:
        verb = {0: "read", 1: "wrote", 2: "atomically added to"}
        tpb = self.grid  # names only
        da = _unflat(a[1], self.block), _unflat(a[0], tpb)
        db = _unflat(b[1], self.block), _unflat(b[0], tpb)
        name = lambda d: f"thread {_short(d[0], self.block)} of block {_short(d[1], self.grid)}"
        hint = ("put a jit.syncthreads() between them" if a[0] == b[0] else
                "threads of different blocks cannot synchronise: use jit.atomic_add or a "
                "second kernel launch")
        return RaceError(f"data race on {arr.space} array {arr.name}[{k}]: {name(da)} "
                         f"{verb[a[3]]} it and {name(db)} {verb[b[3]]} it with no barrier in "
                         f"between; {hint}")


def _unflat(lin: int, dims: dim3) -> dim3:
    return dim3(lin % dims.x, (lin // dims.x) % dims.y, lin // (dims.x * dims.y))


class _SimNamespace:
    """``jit`` inside a simulated kernel."""

    def __init__(self, st: _State) -> None:
        self._st = st
        self.gridDim, self.blockDim = st.grid, st.block
        self.threadIdx = self.blockIdx = dim3(0, 0, 0)
        for k, v in SIM_MATH.items():
            setattr(self, k, v)
        self.float32, self.float64, self.int32 = _f32, _f64, _i32

    def syncthreads(self) -> None:
        raise KernelError("jit.syncthreads() must be a statement of its own in the kernel body "
                          "(not inside an expression or a helper function)")

    def shared_memory(self, dtype: Any, size: int, _name: str = "shared") -> SimArray:
        st, c = self._st, self._st.cur
        k = c.n_smem
        c.n_smem += 1
        if k < len(st.smem):
            return st.smem[k]
        name = _name if _name not in (a.name for a in st.smem) else f"{_name}{k}"
        arr = SimArray.shared(name, _DTYPES.get(dtype, dtype), size, st)
        st.smem.append(arr)
        if st.trace is not None:
            st.trace.shapes[name] = arr.shape
            st.trace.shared.add(name)
        return arr

    def atomic_add(self, array: SimArray, index: Any, value: Any) -> Any:
        if not isinstance(array, SimArray):
            raise KernelError(f"atomic_add needs a kernel array, got {type(array).__name__}")
        return array.atomic_add(index, value)


def _f32(v: Any) -> float:
    return float(v)


def _f64(v: Any) -> float:
    return float(v)


def _i32(v: Any) -> int:
    return int(v)


_DTYPES = {_f32: np.float32, _f64: np.float64, _i32: np.int32, float: np.float64, int: np.int64}


# --- the launch -----------------------------------------------------------------------------------
def simulate(fn: Any, grid: Any, block: Any, args: tuple, *, trace: bool = False,
             check_races: bool = True) -> Trace | None:
    """Run kernel ``fn`` on a simulated ``grid`` of ``block``s; NumPy arrays in ``args`` are
    updated in place (as device memory would be). Returns the Trace when ``trace=True``."""
    fn = getattr(fn, "fn", fn)
    grid, block = as_dim3(grid, "grid"), as_dim3(block, "block")
    nthreads = block.x * block.y * block.z
    if nthreads > 1024:
        raise ValueError(f"a block has at most 1024 threads (CUDA's limit), got {nthreads} "
                         f"= {block.x}x{block.y}x{block.z}")
    comp = _compile(fn)
    args = tuple(args)
    if len(args) != len(comp.params):
        raise TypeError(f"kernel {comp.name}() takes {len(comp.params)} arguments "
                        f"({', '.join(comp.params)}), got {len(args)}")
    st = _State(grid, block, comp, trace, check_races)
    sim_args, arrays = [], []
    for name, a in zip(comp.params, args):
        if isinstance(a, np.ndarray):
            sa = SimArray.from_numpy(name, a, st)
            arrays.append((a, sa))
            sim_args.append(sa)
            if st.trace is not None:
                st.trace.shapes[name] = a.shape
        elif isinstance(a, (bool, int, float, np.integer, np.floating)):
            sim_args.append(a.item() if isinstance(a, np.generic) else a)
        else:
            raise TypeError(f"kernel argument {name!r} must be a NumPy array or a number, got "
                            f"{type(a).__name__}")
    ns = _SimNamespace(st)
    f = _with_namespace(fn, ns, comp.code, comp.name)
    is_gen = inspect.isgeneratorfunction(f)
    threads = [(dim3(x, y, z), x + block.x * (y + block.y * z))
               for z in range(block.z) for y in range(block.y) for x in range(block.x)]
    blin = 0
    for bz in range(grid.z):
        for by in range(grid.y):
            for bx in range(grid.x):
                bid = dim3(bx, by, bz)
                ns.blockIdx = bid
                st.smem, st.phase = [], 0
                team = [_Thread(t, bid, tl, blin) for t, tl in threads]
                if is_gen:
                    _run_block(f, sim_args, team, ns, st)
                else:
                    for th in team:
                        st.cur = th
                        ns.threadIdx = th.tid
                        f(*sim_args)
                blin += 1
    st.cur = None
    for a, sa in arrays:
        a[...] = sa.to_numpy()
    return st.trace


def _run_block(f: Any, args: list, team: list, ns: _SimNamespace, st: _State) -> None:
    """Run a block's threads phase by phase, from one syncthreads() to the next."""
    active = []
    for th in team:
        st.cur = th
        ns.threadIdx = th.tid
        active.append((th, f(*args)))  # creating a generator runs nothing yet
    while active:
        waiting, done = [], []
        for th, g in active:
            st.cur = th
            ns.threadIdx = th.tid
            try:
                waiting.append((th, g, next(g)))
            except StopIteration:
                done.append(th)
        st.cur = None
        if waiting and done:
            line = waiting[0][2]
            raise BarrierError(
                f"jit.syncthreads() at kernel line {line} in block "
                f"{_short(team[0].bid, st.grid)} was reached by {_who(waiting, st)} but "
                f"{_who(done, st)} returned without reaching it; every thread of a block must "
                "reach each syncthreads() (keep it outside `if`s that depend on the thread), "
                "or a GPU hangs")
        lines = sorted({w[2] for w in waiting})
        if len(lines) > 1:
            parts = "; ".join(f"line {ln}: {_who([w for w in waiting if w[2] == ln], st)}"
                              for ln in lines)
            raise BarrierError(f"threads of block {_short(team[0].bid, st.grid)} wait at "
                               f"different syncthreads() calls ({parts}); every thread must "
                               "reach the same barrier")
        active = [(th, g) for th, g, _ in waiting]
        st.phase += 1


def _who(items: list, st: _State) -> str:
    ths = [it[0] if isinstance(it, tuple) else it for it in items]
    names = [_short(t.tid, st.block) for t in ths[:6]]
    more = f" and {len(ths) - 6} more" if len(ths) > 6 else ""
    word = "thread" if len(ths) == 1 else "threads"
    return f"{word} {', '.join(names)}{more}"


def blocks_for(n: int, per_block: int) -> int:
    """How many blocks of ``per_block`` threads cover ``n`` elements: ceil(n / per_block)."""
    return max(1, math.ceil(n / per_block))
