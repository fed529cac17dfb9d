"""The grader's side inside a student's kernel (its source is sent as code, never imported there).

The executor sends this file's text before any student code runs; it becomes a module under a
random name. It snapshots the checkers of the exercise registry (so a submission that later patches
``course.checks`` does not change how it is scored), evaluates each canonical check's answer at the
check cell's position, runs the checker, and writes the result to stdout between two copies of a
nonce that the grader makes for that one request. Output and writers are captured at set-up, so a
submission that replaces ``print``, ``sys.stdout`` or ``json`` does not reach the channel either;
warnings (and NumPy floating-point flags) never change a result. A notebook that rebinds functions
the checks rely on (builtins, NumPy, ``course.checks``, a checker's code) gets "error", not points.

Limit: this runs in the submission's own interpreter (the answers are live objects there), so a
notebook written to attack this module specifically could still forge a result; the nonce and
the tamper checks stop the simple ways (printed fakes, stored outputs, patched libraries).
"""

import contextlib
import json
import os
import pkgutil
import sys
import warnings

import numpy as np

import course.checks as _checks

_out = sys.stdout
_write, _flush, _dumps = _out.write, _out.flush, json.dumps
_errstate = np.errstate
_Fail, _NotAttempted, _unanswered = _checks.Fail, _checks.NotAttempted, _checks.is_unanswered
_snapshot = {}  # id -> (checker, points, title, hint)
_answers = {}  # id -> the answer captured at its check cell


def _emit(nonce, payload):
    _write("\n" + nonce + _dumps(payload, default=str) + nonce + "\n")
    _flush()


def _take_snapshot():
    for k, ex in _checks.REGISTRY.items():
        _snapshot[k] = (ex.checker, ex.points, ex.title, ex.hint)
        _codes[k] = getattr(ex.checker, "__code__", None)


# Tamper evidence: what checkers rely on, as it was before any student code ran. A notebook that
# rebinds one of these (``numpy.allclose = lambda *a, **k: True``) gets "error", not points.
_GUARDED = {"builtins": ("isinstance", "len", "float", "int", "abs", "min", "max", "all", "any",
                         "hasattr", "getattr", "callable", "type", "repr", "str", "tuple", "list",
                         "sum", "zip", "range", "round", "iter", "next", "sorted"),
            "numpy": ("allclose", "isclose", "asarray", "array", "array_equal", "all", "any",
                      "abs", "shape", "ndim", "float64", "ndarray", "errstate", "seterr")}
_guard = []  # (namespace, name, original)
_codes = {}  # exercise id -> its checker's code object


def _arm_guard():
    import builtins

    for mod, names in ((builtins, _GUARDED["builtins"]), (np, _GUARDED["numpy"])):
        _guard.extend((vars(mod), f"{mod.__name__}.{n}", vars(mod).get(n)) for n in names)
    _guard.extend((vars(_checks), f"course.checks.{n}", v) for n, v in vars(_checks).items()
                  if callable(v) and not n.startswith("__"))


def _tampered():
    missing = object()
    bad = [name for ns, name, orig in _guard if ns.get(name.rsplit(".", 1)[1], missing) is not orig]
    bad += [f"the checker of {k}" for k, code in _codes.items()
            if getattr(_snapshot[k][0], "__code__", None) is not code]
    return bad


@contextlib.contextmanager
def clean_path():
    """Import from the environment only: a submission's own ``numpy.py`` or ``course/`` in its
    folder must not replace what the checkers use (IPython puts the cwd first on sys.path)."""
    saved = list(sys.path)
    cwd = os.getcwd()
    sys.path[:] = [p for p in saved if p not in ("", ".") and os.path.abspath(p) != cwd]
    try:
        yield
    finally:
        sys.path[:] = saved


def _exec_source(name, source):
    code = compile(source, f"<checks {name}>", "exec")
    with clean_path():
        exec(code, {"__name__": f"course_checks_{name.rsplit('.', 1)[0]}"})


def setup(sources, probe, nonce):
    """Load the course's checkers and the visible extra check files; test the confinement."""
    failed = []
    from course import exercises

    with clean_path():
        for name in ["autograd_lite"] + [f"course.exercises.{m.name}"
                                         for m in pkgutil.iter_modules(exercises.__path__)]:
            try:
                __import__(name)
            except Exception as e:  # noqa: BLE001 - one broken chapter must not stop grading
                failed.append(f"{name}: {type(e).__name__}: {e}")
    _checks._loaded = True
    for name, source in sources:
        try:
            _exec_source(name, source)
        except Exception as e:  # noqa: BLE001
            failed.append(f"{name}: {type(e).__name__}: {e}")
    _take_snapshot()
    _arm_guard()
    try:
        with open(probe, "rb"):
            probe_readable = True
    except OSError:
        probe_readable = False
    _emit(nonce, {"failed": failed, "probe_readable": probe_readable, "ids": sorted(_snapshot)})


def _result(ex_id, status, message="", points=0):
    return {"exercise": ex_id, "status": status, "points": points, "message": message}


def _run(ex_id, answer):
    if ex_id not in _snapshot:
        return _result(ex_id, "error", f"exercise {ex_id} is not in the registry of checks "
                       "(an instructor can add its checker with --checks FILE)")
    checker, points, _title, hint = _snapshot[ex_id]
    res = _checked(ex_id, checker, points, hint, answer)
    bad = _tampered()  # before or during the check (the answer's code runs inside it)
    if bad:
        return _result(ex_id, "error", "not graded: the notebook changed code the checks rely "
                       f"on ({', '.join(bad[:5])}); do not reassign library functions")
    return res


def _checked(ex_id, checker, points, hint, answer):
    try:
        with warnings.catch_warnings(), _errstate(all="ignore"):
            warnings.simplefilter("ignore")
            if _unanswered(answer):
                raise _NotAttempted()
            checker(answer)
    except _NotAttempted as e:
        return _result(ex_id, "not_attempted", str(e) or "Replace the `...` or `raise "
                       "NotImplementedError()` with your answer.")
    except NotImplementedError:
        return _result(ex_id, "not_attempted", "Your function still raises NotImplementedError.")
    except _Fail as e:
        return _result(ex_id, "failed", str(e) + (f" Hint: {hint}" if hint else ""))
    except Exception as e:  # noqa: BLE001 - a crashing answer is a result
        return _result(ex_id, "error", f"checking raised {type(e).__name__}: {e}")
    return _result(ex_id, "passed", "", points)


def grade(ex_id, getter, name, nonce):
    """Check exercise ``ex_id`` with the answer ``getter()`` (the canonical check's argument)."""
    try:
        answer = getter()
    except NameError:
        _emit(nonce, _result(ex_id, "error", f"the answer `{name}` is not defined (was it "
                             "renamed, or did its solution cell fail?)"))
        return
    except Exception as e:  # noqa: BLE001
        _emit(nonce, _result(ex_id, "error", f"evaluating `{name}` raised {type(e).__name__}: {e}"))
        return
    _answers[ex_id] = answer
    _emit(nonce, _run(ex_id, answer))


def load_hidden(sources, nonce):
    """Register the hidden checkers (sent as text after the submission ran)."""
    before = {k: v[0] for k, v in _snapshot.items()}
    failed = []
    for name, source in sources:
        try:
            _exec_source(name, source)
        except Exception as e:  # noqa: BLE001
            failed.append(f"{name}: {type(e).__name__}: {e}")
    _take_snapshot()
    changed = sorted(k for k, v in _snapshot.items() if before.get(k) is not v[0])
    _emit(nonce, {"failed": failed, "ids": changed})


def grade_hidden(ex_id, base_id, nonce):
    """Check hidden exercise ``ex_id`` on the answer captured for exercise ``base_id``."""
    if base_id not in _answers:
        _emit(nonce, _result(ex_id, "not_attempted",
                             f"no answer for exercise {base_id} was checked in the notebook"))
        return
    _emit(nonce, _run(ex_id, _answers[base_id]))
