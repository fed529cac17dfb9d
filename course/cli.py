"""The ``course`` command: lab, doctor, check, progress, release and grade.

``main(argv)`` parses the arguments and returns the exit status, so notebooks and tests can call
``cli.main(["doctor"])`` directly. ``course grade`` belongs to :mod:`course.grading.cli` and is
imported only when that subcommand is used, so the rest works without it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from course import __version__

ROOT = Path(__file__).resolve().parent.parent  # the repository (editable install)
COMMANDS = ("lab", "doctor", "check", "progress", "release", "grade")


def _add_lab(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lab", help="open JupyterLab on the course",
        description="Open JupyterLab with the course repository as notebook directory, showing "
                    "notebooks/ first. Other arguments (e.g. --port 9000 --no-browser) are passed "
                    "to `jupyter lab`.")
    p.add_argument("--root", type=Path, default=None,
                   help="course directory to open (default: the repository this package is in, "
                        "or the current directory)")
    p.add_argument("--dry-run", action="store_true", help="print the command instead of running it")


def _add_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check", help="run an exercise notebook and show its check results",
        description="Execute NOTEBOOK top to bottom in a fresh kernel of this Python (in the "
                    "notebook's folder, without changing the file) and print each exercise's "
                    "result and the points total. Exit status 0 when every exercise passed.")
    p.add_argument("notebook", type=Path, help="the .ipynb file, e.g. "
                                                 "exercises/03_autograd_mechanics_exercises.ipynb")
    p.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell "
                                                            "(default 120)")


def _add_progress(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "progress", help="table of the exercises your notebooks pass",
        description="Execute every *_exercises.ipynb in DIR and print a table: exercise, title, "
                    "status, points, with totals.")
    p.add_argument("dir", nargs="?", type=Path, default=Path("exercises"),
                   help="folder of exercise notebooks (default: exercises/)")
    p.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell "
                                                            "(default 120)")


def _add_release(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "release", help="generate exercises/ from solutions/ (or --check that they agree)",
        description="Validate the solution notebooks and write the exercise notebooks: each "
                    "### BEGIN SOLUTION ... ### END SOLUTION block is replaced by a placeholder, "
                    "outputs of solution and check cells are cleared.")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 and list the notebooks that differ, are missing "
                        "or have no solution")
    p.add_argument("--solutions", type=Path, default=Path("solutions"),
                   help="folder of solution notebooks (default: solutions/)")
    p.add_argument("--exercises", type=Path, default=Path("exercises"),
                   help="folder of generated exercise notebooks (default: exercises/)")


_grading: dict[str, object] = {}  # the loaded course.grading.cli module, or why it is missing


def _add_grade(sub: argparse._SubParsersAction, load: bool) -> None:
    p = sub.add_parser("grade", help="grade a class's submissions (instructors)",
                       description="Grade the exercise notebooks students hand in.")
    _grading.clear()
    if load:
        try:
            module = importlib.import_module("course.grading.cli")
            module.build_parser(p)
            _grading["module"] = module
            return
        except Exception as e:  # noqa: BLE001 - report it when `grade` runs, never crash here
            _grading["error"] = f"{type(e).__name__}: {e}"
    p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def build_parser(load_grading: bool = False) -> argparse.ArgumentParser:
    """The ``course`` argument parser; ``load_grading`` imports ``course.grading.cli``."""
    parser = argparse.ArgumentParser(
        prog="course", description="The autograd-course toolkit: open the course, check your "
                                   "exercises, and (instructors) release and grade them.")
    parser.add_argument("--version", action="version", version=f"course {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_lab(sub)
    sub.add_parser("doctor", help="what works on this machine and how to add what is missing",
                   description="Check Python, the dependencies, the graphviz binary, GPU and "
                               "CuPy, chromium and the grading confinement; print the command "
                               "that adds each missing part. Exit 1 only when a required part "
                               "is missing.")
    _add_check(sub)
    _add_progress(sub)
    _add_release(sub)
    _add_grade(sub, load_grading)
    return parser


def _first_positional(argv: Sequence[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``course`` with ``argv`` (default: the command line); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(load_grading=_first_positional(argv) == "grade")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "lab":
        return cmd_lab(args, extra)
    if args.command == "doctor":
        from course import doctor
        return doctor.main()
    if args.command == "check":
        return cmd_check(args)
    if args.command == "progress":
        return cmd_progress(args)
    if args.command == "release":
        return cmd_release(args)
    return cmd_grade(args)


# ---------------------------------------------------------------------------------------------


def lab_command(root: Path, extra: Sequence[str] = ()) -> list[str]:
    """The ``jupyter lab`` command line that opens the course at ``root``."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={root}"]
    if (root / "notebooks").is_dir():
        cmd.append("--LabApp.default_url=/lab/tree/notebooks")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root; Jupyter refuses otherwise
    return cmd + list(extra)


def cmd_lab(args: argparse.Namespace, extra: Sequence[str]) -> int:
    root = args.root
    if root is None:
        root = ROOT if (ROOT / "notebooks").is_dir() else Path.cwd()
    root = root.resolve()
    if not root.is_dir():
        print(f"course lab: {root} is not a directory; pass --root DIR", file=sys.stderr)
        return 2
    cmd = lab_command(root, extra)
    print(" ".join(cmd))
    if args.dry_run:
        return 0
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130


def _print_run(run: object) -> None:
    for err in run.cell_errors:
        print(f"! {err.line()}")
    for res in run.rows():
        print(res.line())


def cmd_check(args: argparse.Namespace) -> int:
    from course.runner import run_notebook

    path: Path = args.notebook
    if not path.is_file():
        print(f"course check: no notebook {path}; pass the path of an .ipynb file, e.g. "
              "exercises/01_manual_derivatives_exercises.ipynb", file=sys.stderr)
        return 2
    print(f"Running {path} ...")
    run = run_notebook(path, timeout=args.timeout)
    if run.error:
        print(f"course check: {run.error}", file=sys.stderr)
        if not run.results:
            return 1
    _print_run(run)
    rows = run.rows()
    if not rows:
        print("No exercises were checked: this notebook has no check(...) cells.")
        return 1
    passed = sum(r.status == "passed" for r in rows)
    print(f"Total: {run.points:g}/{run.max_points} points "
          f"({passed} of {len(rows)} exercises passed).")
    return 0 if passed == len(rows) and not run.error else 1


def cmd_progress(args: argparse.Namespace) -> int:
    from course.progress import progress

    return progress(args.dir, timeout=args.timeout)


def cmd_release(args: argparse.Namespace) -> int:
    from course.release import ReleaseError, release

    try:
        report = release(args.solutions, args.exercises, check=args.check)
    except ReleaseError as e:
        print(f"course release: {len(e.problems)} problem(s) in {args.solutions}, nothing "
              "written:", file=sys.stderr)
        for problem in e.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if args.check:
        for path in report.drift:
            print(f"differs from its solution notebook: {path}")
        for path in report.missing:
            print(f"missing (not generated yet): {path}")
        for path in report.extra:
            print(f"no solution notebook for: {path}")
        if not report.in_sync:
            print(f"{args.exercises} is out of date: run `course release` to regenerate it.")
            return 1
        print(f"{args.exercises} is up to date ({len(report.unchanged)} notebook(s)).")
        return 0
    for path in report.written:
        print(f"wrote {path}")
    for path in report.extra:
        print(f"note: {path} has no solution notebook (left alone; delete it if it is stale)")
    print(f"{len(report.written)} notebook(s) written, {len(report.unchanged)} unchanged.")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    grading = _grading.get("module")
    if grading is None:
        why = _grading.get("error", "course.grading.cli is not installed")
        print(f"course grade is not available in this installation ({why}). It needs the "
              "course.grading package of the autograd-course repository: run `pip install -e .` "
              "in an up-to-date checkout.", file=sys.stderr)
        return 1
    return int(grading.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
