"""``course progress``: run each exercise notebook of a folder and tabulate what passes."""

from __future__ import annotations

import sys
from pathlib import Path

from course.checks import Result
from course.runner import NotebookRun, run_notebook

STATUS_TEXT = {"passed": "✓ passed", "failed": "✗ failed", "error": "✗ error",
               "not_attempted": "○ not attempted", "not_run": "? not run"}
PATTERN = "*_exercises.ipynb"


def table(rows: list[tuple[str, str, str, str]]) -> str:
    """Rows as aligned columns with a header rule."""
    header = ("exercise", "title", "status", "points")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

    def fmt(r: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])


def _row(res: Result) -> tuple[str, str, str, str]:
    title = res.title if len(res.title) <= 48 else res.title[:45] + "..."
    return (res.exercise, title, STATUS_TEXT.get(res.status, res.status),
            f"{res.points:g}/{res.max_points}")


def report(runs: list[NotebookRun]) -> str:
    """The progress table of executed notebooks, with each notebook's and the overall total."""
    lines: list[str] = []
    total = maximum = passed = count = 0
    for run in runs:
        lines.append(f"\n{run.path.name}")
        if run.error:
            lines.append(f"  ! {run.error}")
        for err in run.cell_errors:
            lines.append(f"  ! {err.line()}")
        rows = run.rows()
        if rows:
            lines.append(table([_row(r) for r in rows]))
            lines.append(f"subtotal: {run.points:g}/{run.max_points} points")
        else:
            lines.append("  (no check(...) cells ran in this notebook)")
        total += run.points
        maximum += run.max_points
        passed += sum(r.status == "passed" for r in rows)
        count += len(rows)
    lines.append(f"\nTotal: {total:g}/{maximum} points, {passed} of {count} exercises passed, "
                 f"{len(runs)} notebook(s).")
    return "\n".join(lines).lstrip("\n")


def progress(folder: str | Path = "exercises", timeout: int = 120) -> int:
    """Print the progress table of the exercise notebooks in ``folder``; exit status."""
    folder = Path(folder)
    if not folder.is_dir():
        print(f"course progress: no folder {folder}; pass the folder of your exercise notebooks, "
              "e.g. `course progress exercises`", file=sys.stderr)
        return 1
    notebooks = sorted(p for p in folder.glob(PATTERN) if not p.name.startswith("."))
    if not notebooks:
        print(f"course progress: no exercise notebooks ({PATTERN}) in {folder}; instructors "
              "generate them with `course release`.", file=sys.stderr)
        return 1
    runs = []
    for i, path in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] running {path.name} ...", file=sys.stderr, flush=True)
        runs.append(run_notebook(path, timeout=timeout))
    print(report(runs))
    return 0
