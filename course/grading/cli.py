"""``course grade``: options, the run over a class, resuming, and the output files.

``course.cli`` calls :func:`build_parser` on its ``grade`` sub-parser and :func:`run` with the
parsed arguments; ``python -m course.grading`` does the same on its own parser.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import pkgutil
import platform
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from course.grading import confinement, report, scoring
from course.grading.executor import Settings, grade_submission


def build_parser(parser: argparse.ArgumentParser) -> None:
    """Add the ``grade`` options to ``parser``."""
    parser.description = ("Grade the exercise notebooks of a class: each submission runs on a "
                          "copy, in its own confined kernel, with time and memory limits.")
    parser.add_argument("submissions", metavar="SUBMISSIONS", type=Path,
                        help="folder with one sub-folder (or one .ipynb) per student")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                        help="where gradebook.csv, feedback/, run.json and results/ go")
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                        help="submissions graded in parallel (default 1)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S",
                        help="time limit of one cell, and of one check, in seconds (default 30)")
    parser.add_argument("--total-timeout", type=float, default=600.0, metavar="S",
                        help="time limit of one notebook, from its kernel's start, in seconds "
                             "(default 600)")
    parser.add_argument("--memory", type=int, default=2048, metavar="MB",
                        help="address-space limit of a kernel in MB (default 2048; 0: none)")
    parser.add_argument("--assignment", type=Path, metavar="PATH",
                        help="the released exercise notebook(s), a file or a folder such as "
                             "exercises/: expected notebooks, exercises and canonical check "
                             "cells (recommended; without it intact check cells are used)")
    parser.add_argument("--checks", type=Path, action="append", default=[], metavar="FILE",
                        help="extra visible check file (registry format) loaded in every kernel")
    parser.add_argument("--hidden", type=Path, metavar="DIR",
                        help="folder of instructor-only check files (*.py, registry format), "
                             "sent to the kernel after the submission ran")
    parser.add_argument("--confinement", choices=("auto", "landlock", "none"), default="auto",
                        help="auto: Landlock where the kernel supports it (default); "
                             "landlock: require it; none: process isolation only")
    parser.add_argument("--force", action="store_true",
                        help="grade again submissions already graded with the same content")


def _fail(msg: str) -> int:
    print(f"course grade: error: {msg}", file=sys.stderr)
    return 2


def _load_registry() -> list[str]:
    """Import every chapter's checkers; a broken chapter is reported, not fatal."""
    from course import checks, exercises

    problems = []
    for mod in pkgutil.iter_modules(exercises.__path__):
        try:
            __import__(f"course.exercises.{mod.name}")
        except Exception as e:  # noqa: BLE001
            problems.append(f"course.exercises.{mod.name}: {type(e).__name__}: {e}")
    checks._loaded = True
    return problems


def _read_sources(paths: list[Path]) -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in paths]


def _assignment(path: Path) -> dict[str, list[scoring.Expected]]:
    nbs = sorted(path.glob("*.ipynb")) if path.is_dir() else [path]
    if not nbs:
        raise ValueError(f"no .ipynb in {path}")
    return {p.name: scoring.expected_from_notebook(scoring.read_notebook(p)) for p in nbs}


def make_settings(args: argparse.Namespace, mode: str) -> tuple[Settings, list[str]]:
    """Settings for the workers, and warnings; raises ValueError for unusable options."""
    from course import checks

    warnings = _load_registry()
    for f in args.checks:
        if not f.is_file():
            raise ValueError(f"--checks {f}: no such file")
        checks.load_file(f)
    hidden_files: list[Path] = []
    hidden_ids: list[str] = []
    if args.hidden is not None:
        if not args.hidden.is_dir():
            raise ValueError(f"--hidden {args.hidden}: not a folder of check files")
        hidden_files = sorted(args.hidden.glob("*.py"))
        for f in hidden_files:
            hidden_ids += [i for i in checks.load_file(f) if i not in hidden_ids]
        if not hidden_ids:
            warnings.append(f"--hidden {args.hidden}: no check registered by its *.py files")
    assignment = _assignment(args.assignment) if args.assignment else None
    registry = {k: {"points": ex.points, "title": ex.title, "hidden": ex.hidden}
                for k, ex in checks.REGISTRY.items()}
    for k in hidden_ids:
        registry[k]["hidden"] = True
    settings = Settings(cell_timeout=args.timeout, total_timeout=args.total_timeout,
                        memory_mb=args.memory, mode=mode, checks=_read_sources(args.checks),
                        hidden=_read_sources(hidden_files), hidden_ids=hidden_ids,
                        registry=registry, assignment=assignment)
    return settings, warnings


def discover(folder: Path) -> list[tuple[str, Path]]:
    """(student, path) for each sub-folder and each ``.ipynb`` of ``folder``, sorted."""
    found: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or p.is_symlink():
            continue
        if p.is_dir() or p.suffix == ".ipynb":
            name = p.stem if p.is_file() else p.name
            found[name if name not in found else p.name] = p
    return sorted(found.items())


def content_hash(path: Path) -> str:
    """SHA-256 of a submission's files (names and bytes; links by their target, not followed)."""
    h = hashlib.sha256()
    files = [path] if not path.is_dir() else sorted(
        p for p in path.rglob("*") if ".ipynb_checkpoints" not in p.parts)
    for p in files:
        rel = p.name if p == path else p.relative_to(path).as_posix()
        if p.is_symlink():
            h.update(f"L {rel} -> {os.readlink(p)}\n".encode())
        elif p.is_file():
            h.update(f"F {rel} {p.stat().st_size}\n".encode())
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def settings_hash(settings: Settings) -> str:
    """What else decides a grade: limits, confinement, checks, hidden checks, assignment and
    the grader's own code. Changing any of them grades everyone again."""
    here = Path(__file__).parent
    code = [p.read_text(encoding="utf-8") for p in sorted(here.glob("*.py"))]
    checks_py = Path(__file__).parent.parent / "checks.py"
    data = {"settings": repr(settings), "code": code, "checks": checks_py.read_text("utf-8")}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def safe_name(student: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", student)
    return name if not name.startswith(".") else "_" + name


def _error_result(student: str, message: str) -> dict[str, Any]:
    """Not saved as graded, so the next run tries this student again."""
    return {"student": student, "rows": [{
        "exercise": "*", "notebook": "", "status": "error", "points": 0, "max_points": 0,
        "title": "", "message": message}], "cell_errors": [], "notes": [], "grader_error": True}


def _work(student: str, path: str, settings: Settings) -> dict[str, Any]:
    try:
        return grade_submission(student, Path(path), settings)
    except Exception as e:  # noqa: BLE001 - a grader bug for one student must not stop the class
        return _error_result(student, f"the grader failed on this submission: "
                                      f"{type(e).__name__}: {e}")


def run(args: argparse.Namespace) -> int:
    """Grade a class; returns the exit status (0 when every submission got its rows)."""
    started = time.time()
    if not args.submissions.is_dir():
        return _fail(f"SUBMISSIONS {args.submissions} is not a folder (one sub-folder or "
                     ".ipynb per student)")
    if args.jobs < 1 or args.timeout <= 0 or args.total_timeout <= 0 or args.memory < 0:
        return _fail("--jobs, --timeout and --total-timeout must be positive, --memory >= 0")
    problem = _kernel_python_problem()
    if problem:
        return _fail(problem)
    try:
        mode = confinement.resolve_mode(args.confinement)
        settings, warnings = make_settings(args, mode)
    except (RuntimeError, ValueError, OSError, scoring.NotebookError) as e:
        return _fail(str(e))
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = settings_hash(settings)
    students = [(s, p) for s, p in discover(args.submissions)
                if p.resolve() != out.resolve()]  # OUT may live inside SUBMISSIONS
    results: dict[str, dict[str, Any]] = {}
    todo: list[tuple[str, Path, str]] = []
    for student, path in students:
        key = hashlib.sha256(f"{content_hash(path)} {fingerprint}".encode()).hexdigest()
        saved = out / "results" / f"{safe_name(student)}.json"
        if not args.force and saved.is_file():
            try:
                old = json.loads(saved.read_text(encoding="utf-8"))
            except ValueError:
                old = {}
            if old.get("key") == key:
                results[student] = dict(old["result"], skipped=True)
                continue
        todo.append((student, path, key))
    described = confinement.describe(mode)
    print(f"course grade: {len(students)} submissions, {len(todo)} to grade "
          f"({len(students) - len(todo)} already graded), -j {args.jobs}; "
          f"confinement: {described}", file=sys.stderr)
    progress = report.Progress(len(todo))
    if todo:
        ctx = multiprocessing.get_context("spawn")  # no inherited sockets, threads or state
        with ProcessPoolExecutor(max_workers=min(args.jobs, len(todo)), mp_context=ctx) as pool:
            futures = {pool.submit(_work, s, str(p), settings): (s, k) for s, p, k in todo}
            for fut in as_completed(futures):
                student, key = futures[fut]
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001 - e.g. a worker killed from outside
                    res = _error_result(student, f"the grading worker failed: "
                                                 f"{type(e).__name__}: {e}")
                _save(out, student, key, res)
                progress.update(student, _short(res))
                results[student] = res
    ordered = [results[s] for s, _ in students]
    report.atomic_write(out / "gradebook.csv", report.gradebook_csv(ordered))
    report.atomic_write(out / "run.json", report.run_json({
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 2),
        "confinement": {"mode": mode, "description": described},
        "limits": {"cell_timeout_s": args.timeout, "total_timeout_s": args.total_timeout,
                   "memory_mb": args.memory},
        "jobs": args.jobs, "submissions": str(args.submissions.resolve()),
        "assignment": str(args.assignment) if args.assignment else None,
        "checks": [str(p) for p in args.checks], "hidden_exercises": settings.hidden_ids,
        "graded": [s for s, _, _ in todo],
        "skipped": [s for s, _ in students if results[s].get("skipped")],
        "warnings": warnings, "python": sys.version.split()[0], "platform": platform.platform(),
        "students": {r["student"]: {"points": sum(x["points"] for x in r["rows"]),
                                    "max_points": sum(x["max_points"] for x in r["rows"]),
                                    "kernel": r.get("kernel"), "seconds": r.get("seconds")}
                     for r in ordered}}))
    print(report.summary_table(ordered, described))
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {out / 'gradebook.csv'}, {out / 'feedback'}/, {out / 'run.json'}")
    return 0


def _kernel_python_problem() -> str:
    """Kernels start with ``python -I`` (no cwd, no PYTHONPATH on sys.path, so a submission's
    files cannot shadow the grader's): the course and ipykernel must be installed."""
    import subprocess

    probe = [sys.executable, "-I", "-c", "import course.grading.launcher, ipykernel"]
    proc = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    if proc.returncode == 0:
        return ""
    last = (proc.stderr.strip().splitlines() or ["?"])[-1]
    return (f"{sys.executable} cannot start grading kernels ({last}); install the course in "
            "this environment: pip install -e . (from the repository root)")


def _short(res: dict[str, Any]) -> str:
    got = sum(r["points"] for r in res["rows"])
    total = sum(r["max_points"] for r in res["rows"])
    return f"{got:g}/{total:g}"


def _save(out: Path, student: str, key: str, res: dict[str, Any]) -> None:
    """Feedback first, then the result file that marks the student as graded."""
    report.atomic_write(out / "feedback" / f"{safe_name(student)}.html", report.feedback_html(res))
    if not res.get("grader_error"):
        report.atomic_write(out / "results" / f"{safe_name(student)}.json",
                            json.dumps({"key": key, "result": res}, indent=1))
