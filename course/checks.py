"""Exercise self-checks: ``check("1.2", answer)`` and the registry of every exercise.

An exercise is registered by a *checker*, a function of the learner's answer that returns normally
when the answer is right and raises :class:`Fail` (with a specific message) when it is wrong::

    from course.checks import exercise, expect_close, call

    @exercise("1.1", points=2, title="dy/dx of x**2 at x = 3", hint="Use the power rule: 2x.")
    def _(answer):
        expect_close(answer, 6.0, what="dy/dx at x = 3")

Checkers live in ``course/exercises/chNN.py`` (one module per chapter); instructors may add hidden
ones from any file with :func:`load_file`. ``check`` prints one line and never raises for a wrong
answer; an unsolved exercise (``...``, ``None``, ``NotImplementedError``) is "not attempted".
"""

from __future__ import annotations

import importlib
import pkgutil
import runpy
import sysconfig
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

STATUSES = ("passed", "failed", "error", "not_attempted")
SYMBOLS = {"passed": "✓", "failed": "✗", "error": "✗", "not_attempted": "○"}


class Fail(Exception):
    """Raised by a checker: the answer is wrong; the message says how."""


class NotAttempted(Exception):
    """Raised by a checker (or :func:`call`) when the exercise has not been attempted."""


@dataclass
class Exercise:
    """One graded exercise: its id (``"3.2"``), points, title, checker and optional hint."""

    id: str
    points: int
    title: str
    checker: Callable[[Any], Any]
    hint: str = ""
    hidden: bool = False

    @property
    def chapter(self) -> int:
        return int(self.id.split(".")[0])


@dataclass
class Result:
    """The outcome of one check."""

    exercise: str
    status: str
    points: float
    max_points: int
    message: str = ""
    title: str = ""

    def line(self) -> str:
        """The one line ``check`` prints."""
        head = f"{SYMBOLS.get(self.status, '✗')} Exercise {self.exercise}"
        if self.title:
            head += f" ({self.title})"
        if self.status == "passed":
            return f"{head}: correct, {self.points:g}/{self.max_points} points."
        if self.status == "not_attempted":
            return f"{head}: not attempted yet. {self.message}".rstrip()
        return f"{head}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "status": self.status, "points": self.points,
                "max_points": self.max_points, "message": self.message, "title": self.title}


REGISTRY: dict[str, Exercise] = {}
RESULTS: dict[str, Result] = {}  # the latest result of each exercise checked in this process
_loaded = False
_replacing = False  # True while load_file runs: an instructor's file may replace a checker


def _origin(fn: Callable[..., Any]) -> tuple[str, int] | None:
    """Where a checker is defined; re-running the same definition is not a duplicate."""
    code = getattr(fn, "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code is not None else None


def exercise(ex_id: str, points: int = 1, title: str = "", hint: str = "",
             hidden: bool = False) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Decorator registering a checker under ``ex_id`` (``"<chapter>.<n>"``)."""
    parts = ex_id.split(".")
    if len(parts) < 2 or not parts[0].isdigit():
        raise ValueError(f"exercise id must look like '3.2' (chapter.number), got {ex_id!r}")
    if not isinstance(points, int) or points < 0:
        raise ValueError(f"points must be a non-negative int, got {points!r}")

    def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        old = REGISTRY.get(ex_id)
        if old is not None and not _replacing and _origin(old.checker) != _origin(fn):
            where = _origin(old.checker)
            raise ValueError(
                f"exercise {ex_id!r} is registered twice (first in {where[0] if where else '?'}); "
                "give the new exercise another id, or load the replacement with load_file()")
        REGISTRY[ex_id] = Exercise(ex_id, points, title, fn, hint, hidden)
        return fn

    return register


def load_all() -> dict[str, Exercise]:
    """Import every ``course.exercises`` module so the registry knows every exercise."""
    global _loaded
    if not _loaded:
        from course import exercises

        for mod in pkgutil.iter_modules(exercises.__path__):
            importlib.import_module(f"course.exercises.{mod.name}")
        _loaded = True
    return REGISTRY


def load_file(path: str | Path) -> list[str]:
    """Register the checkers defined in a Python file (e.g. an instructor's hidden checks).

    Returns the ids the file added or replaced."""
    global _replacing
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checks file {str(path)!r}; pass the path of a .py file that "
                                "registers exercises with @exercise(...)")
    load_all()
    before = {k: v.checker for k, v in REGISTRY.items()}
    _replacing = True
    try:
        runpy.run_path(str(path), run_name=f"course_checks_{path.stem}")
    finally:
        _replacing = False
    return sorted((k for k, v in REGISTRY.items() if before.get(k) is not v.checker), key=_id_key)


def get(ex_id: str) -> Exercise:
    """The registered exercise ``ex_id``; a ValueError naming the known ids otherwise."""
    load_all()
    ex_id = str(ex_id)
    if ex_id not in REGISTRY:
        chapter = ex_id.split(".")[0]
        near = [k for k in sorted(REGISTRY, key=_id_key) if k.split(".")[0] == chapter]
        known = ", ".join(near or sorted(REGISTRY, key=_id_key)) or "none registered"
        raise ValueError(f"unknown exercise {ex_id!r}; known exercises: {known}")
    return REGISTRY[ex_id]


def exercise_ids(chapter: int | None = None, include_hidden: bool = False) -> list[str]:
    """All exercise ids (optionally of one chapter), in chapter/number order."""
    load_all()
    return [k for k in sorted(REGISTRY, key=_id_key)
            if (chapter is None or REGISTRY[k].chapter == chapter)
            and (include_hidden or not REGISTRY[k].hidden)]


def total_points(chapter: int | None = None) -> int:
    """Sum of the points of the (non-hidden) exercises, optionally of one chapter."""
    return sum(REGISTRY[k].points for k in exercise_ids(chapter))


def _id_key(ex_id: str) -> tuple:
    # numbers before words, so that "3.10" sorts after "3.9" and "3.a" never meets an int
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p)
                 for p in ex_id.replace("-", ".").split("."))


def is_unanswered(answer: Any) -> bool:
    """``...`` and ``None`` (or a tuple/list of only those) mean not answered yet."""
    if answer is None or answer is Ellipsis:
        return True
    if type(answer) in (tuple, list) and answer:
        return all(a is None or a is Ellipsis for a in answer)
    return False


_LIBRARY_DIRS = tuple(
    str(p) for p in {Path(__file__).resolve().parent,
                     Path(__file__).resolve().parent.parent / "autograd_lite",
                     Path(sysconfig.get_paths()["stdlib"]).resolve(),
                     Path(sysconfig.get_paths()["purelib"]).resolve(),
                     Path(sysconfig.get_paths()["platlib"]).resolve()})


def _where(exc: BaseException) -> str:
    """`` (line 3 of your code: `return x / h`)`` for the innermost frame outside libraries."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not str(Path(f.filename).resolve()).startswith(_LIBRARY_DIRS)]
    if not frames:
        return ""
    f = frames[-1]
    text = f" (line {f.lineno} of your code" if f.lineno else " (in your code"
    return text + (f": `{f.line.strip()}`)" if f.line else ")")


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def run_check(ex_id: str, answer: Any) -> Result:
    """Check ``answer`` against exercise ``ex_id`` and return the Result (prints nothing)."""
    ex = get(ex_id)
    res = Result(ex.id, "failed", 0, ex.points, "", ex.title)
    try:
        if is_unanswered(answer):
            raise NotAttempted()
        ex.checker(answer)
    except NotAttempted as e:
        res.status = "not_attempted"
        res.message = str(e) or (
            "Replace the `...` or `raise NotImplementedError()` with your answer.")
    except NotImplementedError:
        res.status = "not_attempted"
        res.message = "Your function still raises NotImplementedError: write its body."
    except Fail as e:
        res.message = str(e) or "wrong answer."
        if ex.hint:
            res.message += f" Hint: {ex.hint}"
    except Exception as e:  # noqa: BLE001 - a crashing answer is a result, never a traceback
        res.status = "error"
        res.message = f"checking your answer raised {_describe(e)}{_where(e)}."
        if ex.hint:
            res.message += f" Hint: {ex.hint}"
    else:
        res.status, res.points = "passed", ex.points
    RESULTS[ex.id] = res
    return res


def check(ex_id: str, answer: Any) -> None:
    """Check an exercise in a notebook: prints ✓, ✗ with feedback, or "not attempted"."""
    print(run_check(ex_id, answer).line())


# ---------------------------------------------------------------------------------------------
# Helpers for writing checkers: each raises Fail with a message a learner can act on.


def call(fn: Any, *args: Any, what: str = "your function", **kwargs: Any) -> Any:
    """Call the learner's function; NotImplementedError means not attempted, other errors fail."""
    if is_unanswered(fn):
        raise NotAttempted()
    if not callable(fn):
        raise Fail(f"expected a function, got {type(fn).__name__}.")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as e:
        raise NotAttempted() from e
    except (Fail, NotAttempted):
        raise
    except Exception as e:  # noqa: BLE001
        shown = ", ".join([_short(a) for a in args]
                          + [f"{k}={_short(v)}" for k, v in kwargs.items()])
        raise Fail(f"{what} raised {_describe(e)} when called with ({shown}){_where(e)}.") from e


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


def as_array(answer: Any, what: str = "your answer") -> np.ndarray:
    """A float64 NumPy array from a number, list, ndarray or (autograd_lite / torch) tensor."""
    if is_unanswered(answer):
        raise NotAttempted()
    data = answer
    if hasattr(data, "detach") and hasattr(data, "cpu"):  # autograd_lite or torch tensor
        data = data.detach().cpu().numpy()
    elif hasattr(data, "get") and type(data).__module__.startswith("cupy"):
        data = data.get()
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise Fail(f"{what} should be a number or a tensor, got {type(answer).__name__}.") from e
    return arr


def expect(condition: bool, message: str) -> None:
    """Fail with ``message`` unless ``condition``."""
    if not condition:
        raise Fail(message)


def expect_type(answer: Any, types: type | tuple[type, ...], what: str = "your answer") -> None:
    """Fail unless ``answer`` is an instance of ``types``."""
    if is_unanswered(answer):
        raise NotAttempted()
    if not isinstance(answer, types):
        names = " or ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise Fail(f"{what} should be a {names}, got {type(answer).__name__}.")


def expect_shape(answer: Any, shape: Sequence[int], what: str = "your answer") -> np.ndarray:
    """Fail unless the answer's shape is ``shape``; returns it as an array."""
    arr = as_array(answer, what)
    if tuple(arr.shape) != tuple(shape):
        raise Fail(f"{what} should have shape {tuple(shape)}, got {tuple(arr.shape)}.")
    return arr


def expect_close(answer: Any, expected: Any, what: str = "your answer", rtol: float = 1e-4,
                 atol: float = 1e-6) -> None:
    """Fail unless ``answer`` matches ``expected`` (same shape, values within tolerance)."""
    exp = np.asarray(as_array(expected, "the expected value"))
    got = as_array(answer, what)
    if got.shape != exp.shape:
        if got.size == exp.size == 1:
            got = got.reshape(exp.shape)
        else:
            raise Fail(f"{what} should have shape {tuple(exp.shape)}, got {tuple(got.shape)}.")
    if not np.allclose(got, exp, rtol=rtol, atol=atol, equal_nan=True):
        raise Fail(f"{what} should be {_fmt(exp)}, got {_fmt(got)}.")


def _fmt(a: np.ndarray) -> str:
    if a.ndim == 0:
        return f"{float(a):.6g}"
    return np.array2string(a, precision=4, threshold=12, separator=", ")
