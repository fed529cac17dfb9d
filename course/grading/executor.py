"""Grading one student's submission: copy, run each notebook in a confined kernel, score.

:func:`grade_submission` never raises for anything a submission does: every exercise of every
expected notebook gets a row with a status and a message. The originals are only read (copied
without following symbolic links); all work happens in a temporary directory removed afterwards.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.grading import scoring
from course.grading.kernel import Kernel, nonce, result_from

AGENT_SOURCE = (Path(__file__).parent / "agent.py").read_text(encoding="utf-8")


@dataclass
class Settings:
    """Everything a worker needs to grade (plain data: it crosses process boundaries)."""

    cell_timeout: float = 30.0
    total_timeout: float = 600.0
    memory_mb: int = 2048
    mode: str = "none"  # confinement in force: "landlock" or "none"
    checks: list[tuple[str, str]] = field(default_factory=list)  # (file name, source), visible
    hidden: list[tuple[str, str]] = field(default_factory=list)  # (file name, source)
    hidden_ids: list[str] = field(default_factory=list)
    registry: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> points, title
    assignment: dict[str, list[scoring.Expected]] | None = None  # notebook name -> exercises
    startup_timeout: float = 90.0


def _row(ex_id: str, settings: Settings, notebook: str, status: str, message: str = "",
         points: float = 0) -> dict[str, Any]:
    info = settings.registry.get(ex_id, {})
    return {"exercise": ex_id, "notebook": notebook, "status": status, "points": points,
            "max_points": info.get("points", 0), "title": info.get("title", ""),
            "message": message}


def _copy_submission(src: Path, work: Path) -> None:
    if src.is_dir():
        # symlinks=True: a link to a grader file is copied as a link (and stays unreadable)
        shutil.copytree(src, work, symlinks=True, ignore_dangling_symlinks=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        work.mkdir()
        shutil.copyfile(src, work / src.name, follow_symlinks=False)


def _notebooks(work: Path) -> list[Path]:
    return sorted(p for p in work.rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts and not p.is_symlink() and p.is_file())


def _overlap(path: Path, expected: list[scoring.Expected]) -> int:
    try:
        ids = scoring.exercises_in(scoring.read_notebook(path))
    except scoring.NotebookError:
        return 0
    return len(set(ids) & {e.id for e in expected})


def plan_notebooks(work: Path, settings: Settings) -> list[tuple[str, Path | None, list]]:
    """(notebook name, its path in the copy or None, expected exercises) for each notebook.

    With an assignment, a notebook is found by file name, else the one sharing most exercises
    (a renamed notebook, or a submission that is a single ``.ipynb``)."""
    found = _notebooks(work)
    if settings.assignment is None:
        return [(p.name, p, []) for p in found]
    plan, used = [], set()
    single = len(settings.assignment) == 1 and len(found) == 1
    for name, expected in settings.assignment.items():
        path = next((p for p in found if p.name == name and p not in used), None)
        if path is None and single:
            path = found[0]
        if path is None:
            scored = [(_overlap(p, expected), p) for p in found if p not in used]
            scored = [s for s in scored if s[0] > 0]
            path = max(scored, key=lambda s: s[0])[1] if scored else None
        if path is not None:
            used.add(path)
        plan.append((name, path, expected))
    return plan


def _expected_without_assignment(nb: dict, settings: Settings) -> list[scoring.Expected]:
    ids = scoring.exercises_in(nb)
    chapters = {i.split(".")[0] for i in ids}
    for k, info in settings.registry.items():
        if k.split(".")[0] in chapters and not info.get("hidden") and k not in ids:
            ids.append(k)
    return [scoring.Expected(i) for i in ids]


def grade_submission(student: str, src: Path, settings: Settings) -> dict[str, Any]:
    """Grade one student's submission (a folder or one ``.ipynb``); returns rows and notes."""
    started = time.monotonic()
    result: dict[str, Any] = {"student": student, "rows": [], "cell_errors": [], "notes": [],
                              "confinement": settings.mode}
    tmp = Path(tempfile.mkdtemp(prefix="course-grade-"))
    try:
        scan = tmp / "scan"  # a copy to find and read the notebooks in; never run
        _copy_into(src, scan, result)
        plan = plan_notebooks(scan, settings)
        if not plan:
            result["rows"].append(_row("*", settings, "", "missing",
                                       "no notebook (.ipynb) in the submission"))
        for k, (name, path, expected) in enumerate(plan):
            # each notebook runs in a fresh copy: what one does cannot disturb the next
            root = tmp / f"run{k}"
            root.mkdir()
            if path is not None:
                _copy_into(src, root / "work", None)
                path = root / "work" / path.relative_to(scan)
            _grade_notebook(name, path, expected, root, settings, result)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _copy_into(src: Path, work: Path, result: dict[str, Any] | None) -> None:
    try:
        _copy_submission(src, work)
    except (OSError, shutil.Error) as e:
        if result is not None:
            result["notes"].append(f"some files could not be copied: {e}")
        work.mkdir(exist_ok=True)


def _grade_notebook(name: str, path: Path | None, expected: list[scoring.Expected], tmp: Path,
                    settings: Settings, result: dict[str, Any]) -> None:
    rows = result["rows"]

    def hidden_pairs(visible: list[str]) -> list[tuple[str, str]]:
        """(hidden id, the exercise whose answer it checks); a hidden id may replace one."""
        pairs = [(h, scoring.hidden_base(h, visible)) for h in settings.hidden_ids]
        return [(h, b) for h, b in pairs if b is not None]

    def all_ids(visible: list[str]) -> list[str]:
        return visible + [h for h, _ in hidden_pairs(visible) if h not in visible]

    visible = [e.id for e in expected]
    if path is None:
        msg = f"notebook {name} not found in the submission"
        rows.extend(_row(i, settings, name, "missing", msg) for i in all_ids(visible))
        return
    try:
        nb = scoring.read_notebook(path)
    except scoring.NotebookError as e:
        rows.extend(_row(i, settings, name, "error", str(e)) for i in all_ids(visible) or ["*"])
        return
    if settings.assignment is None:
        expected = _expected_without_assignment(nb, settings)
        visible = [e.id for e in expected]
    matched = scoring.match(nb, expected)
    result["notes"].extend(f"{name}: {n}" for n in matched.notes)
    scores = _run_notebook(name, path, matched, hidden_pairs(visible), tmp, settings, result)
    base = dict(hidden_pairs(visible))
    for ex_id in all_ids(visible):
        of = base.get(ex_id, ex_id)  # a hidden check shares the fate of its exercise's cells
        if of in matched.missing:
            rows.append(_row(ex_id, settings, name, "missing", matched.missing[of]))
        elif of in matched.errors:
            rows.append(_row(ex_id, settings, name, "error", matched.errors[of]))
        else:
            status, message, points = scores.get(ex_id, ("error", "not graded", 0))
            rows.append(_row(ex_id, settings, name, status, message, points))


def _run_notebook(name: str, path: Path, matched: scoring.Matched, hidden: list[tuple[str, str]],
                  tmp: Path, settings: Settings, result: dict[str, Any]) -> dict[str, tuple]:
    """Execute the matched steps; returns exercise -> (status, message, points)."""
    scores: dict[str, tuple] = {}
    graded = [s.exercise for s in matched.steps if s.kind == "check"]
    graded += [h for h, _ in hidden if h not in graded]
    kernel = Kernel(tmp, path.parent, settings.mode, settings.memory_mb, settings.total_timeout)
    try:
        kernel.start(settings.startup_timeout)
    except Exception as e:  # noqa: BLE001 - a kernel that will not start is this student's error
        for ex_id in graded:
            scores[ex_id] = ("error", str(e), 0)
        return scores
    try:
        stopped = _bootstrap(kernel, settings, result)
        if stopped:
            return {ex_id: ("error", stopped, 0) for ex_id in graded}
        cell_fault: dict[str, tuple[str, str]] = {}  # exercise -> (status, message)
        for step in matched.steps:
            stop = _stop_reason(kernel, settings)
            if stop:
                break
            if step.kind == "cell":
                out = kernel.execute(step.source, settings.cell_timeout)
                _note_cell(name, step, out, settings, result, cell_fault)
                continue
            token = nonce()
            code = (f"__import__('sys').modules[{kernel.agent!r}].grade({step.exercise!r}, "
                    f"lambda: ({step.answer}), {step.answer!r}, {token!r})")
            out = kernel.execute(code, settings.cell_timeout, grader=True)
            scores[step.exercise] = _score(out, token, step.exercise, settings, kernel,
                                           cell_fault.get(step.exercise))
        if hidden and not _stop_reason(kernel, settings):
            _grade_hidden(kernel, hidden, settings, scores, result, cell_fault)
        stop = _stop_reason(kernel, settings)
        for ex_id in graded:
            if ex_id not in scores:
                status = "timeout" if kernel.remaining() <= 0 else "error"
                scores[ex_id] = (status, f"not checked: {stop or 'the kernel stopped'}", 0)
    finally:
        kernel.shutdown()
    return scores


def _bootstrap(kernel: Kernel, settings: Settings, result: dict[str, Any]) -> str:
    """Send the agent and the visible check files; '' when ready, else why grading stopped."""
    kernel.agent = "_course_grader_" + nonce().strip("@")[:12]
    probe = Path(tempfile.mkdtemp(prefix="course-grade-probe-")) / "probe"
    probe.write_text("the grader's private file\n", encoding="utf-8")
    token = nonce()
    code = ("def _cg_boot():\n"
            "    import os, sys, types\n"
            "    saved, cwd = list(sys.path), os.getcwd()\n"
            "    sys.path[:] = [p for p in saved if p not in ('', '.') and "
            "os.path.abspath(p) != cwd]\n"
            "    try:\n"
            f"        mod = types.ModuleType({kernel.agent!r})\n"
            f"        exec(compile({AGENT_SOURCE!r}, '<course grader>', 'exec'), mod.__dict__)\n"
            "    finally:\n"
            "        sys.path[:] = saved\n"
            f"    sys.modules[{kernel.agent!r}] = mod\n"
            f"    mod.setup({settings.checks!r}, {str(probe)!r}, {token!r})\n"
            "_cg_boot()\n"
            "del _cg_boot\n")
    try:
        out = kernel.execute(code, max(settings.startup_timeout, settings.cell_timeout),
                             grader=True)
    finally:
        shutil.rmtree(probe.parent, ignore_errors=True)
    info = result_from(out, token)
    if info is None:
        return f"the grader could not set up the kernel ({out.status}: {out.error_line()})"
    result["notes"].extend(f"checks not loaded: {f}" for f in info["failed"])
    status = kernel.launcher_status
    result["kernel"] = {"landlock": bool(status.get("landlock")), "limits": status.get("limits"),
                        "probe_readable": info["probe_readable"]}
    if settings.mode == "landlock" and (info["probe_readable"] or not status.get("landlock")):
        return "the kernel was not confined although Landlock was asked for; not grading it"
    return ""


def _stop_reason(kernel: Kernel, settings: Settings) -> str:
    if not kernel.alive():
        return kernel.death_message() or "the kernel stopped"
    if kernel.remaining() <= 0:
        return f"the notebook ran out of its total time limit ({settings.total_timeout:g} s)"
    return ""


def _note_cell(name: str, step: scoring.Step, out, settings: Settings, result: dict[str, Any],
               cell_fault: dict[str, tuple[str, str]]) -> None:
    if out.status == "ok":
        return
    if out.status == "timeout" and out.evalue == "total":
        msg = (f"was stopped: the notebook reached its total time limit of "
               f"{settings.total_timeout:g} s")
    elif out.status == "timeout":
        msg = (f"ran longer than {settings.cell_timeout:g} s (an infinite loop?) and was "
               "interrupted")
    elif out.status == "dead":
        msg = out.evalue or "the kernel stopped"
    else:
        msg = f"raised {out.error_line()}"
        if out.ename == "MemoryError":
            msg += f" (the memory limit is {settings.memory_mb} MB)"
    result["cell_errors"].append({"notebook": name, "cell": step.index, "grade_id": step.grade_id,
                                  "status": out.status, "message": msg})
    if step.exercise:
        status = "timeout" if out.status == "timeout" else "error"
        cell_fault[step.exercise] = (status, f"your solution cell (cell {step.index}) {msg}")


def _score(out, token: str, ex_id: str, settings: Settings, kernel: Kernel,
           fault: tuple[str, str] | None) -> tuple:
    if out.status == "timeout" and out.evalue == "total":
        return ("timeout", f"not checked: the notebook reached its total time limit of "
                f"{settings.total_timeout:g} s", 0)
    if out.status == "timeout":
        return ("timeout", f"checking took longer than {settings.cell_timeout:g} s "
                "(an infinite loop in your code?)", 0)
    if out.status == "dead":
        return ("error", f"while checking this exercise {out.evalue or 'the kernel stopped'}", 0)
    res = result_from(out, token)
    if res is None:
        return ("error", "the check produced no result (was the grader's output tampered "
                f"with?) {out.error_line()}".strip(), 0)
    status, message, points = res["status"], res["message"], res["points"]
    if fault and status != "passed":
        status, message = fault[0], fault[1] + (f"; {message}" if message else "")
    return (status, message, points)


def _grade_hidden(kernel: Kernel, hidden: list[tuple[str, str]], settings: Settings,
                  scores: dict[str, tuple], result: dict[str, Any],
                  cell_fault: dict[str, tuple[str, str]]) -> None:
    """Send the hidden check files (only now, after the submission ran) and run them on the
    answers captured at the check cells."""
    token = nonce()
    code = (f"__import__('sys').modules[{kernel.agent!r}].load_hidden("
            f"{settings.hidden!r}, {token!r})")
    out = kernel.execute(code, settings.cell_timeout, grader=True)
    info = result_from(out, token)
    if info is None:
        return
    result["notes"].extend(f"hidden checks not loaded: {f}" for f in info["failed"])
    for hid, base in hidden:
        if _stop_reason(kernel, settings):
            return
        token = nonce()
        code = f"__import__('sys').modules[{kernel.agent!r}].grade_hidden({hid!r}, {base!r}, " \
               f"{token!r})"
        out = kernel.execute(code, settings.cell_timeout, grader=True)
        scores[hid] = _score(out, token, hid, settings, kernel, cell_fault.get(base))
