"""``course release``: generate ``exercises/`` from ``solutions/`` and check that they agree.

A solution notebook marks each answer with nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION``.
Releasing replaces each block by a placeholder the unsolved notebook still runs with:

* inside a function body: ``# YOUR CODE HERE`` and ``raise NotImplementedError()``;
* elsewhere (top level): ``# YOUR CODE HERE`` and ``name = ...`` for each ``name = <expr>`` of
  the block.

Solution and check cells lose their outputs and execution counts, and so does a cell that uses a
name bound by a solution cell (its stored output was computed with the solution and may show the
answer); other cells keep theirs. Metadata is copied unchanged (nbgrader-compatible). Before
anything is written every notebook is validated (:mod:`course.release_validate`: matching BEGIN/END
pairs, unique grade ids, check cells' points equal to the registry's, every registered exercise of
the chapter present); problems are reported as :class:`ReleaseError`.
The output is deterministic: releasing twice gives byte-identical files.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4.rwbase import rejoin_lines, strip_transient

from course import checks
from course.release_cells import (
    BEGIN,
    CODE_PLACEHOLDER,
    END,
    TEXT_PLACEHOLDER,
    bound_names,
    chapter_of,
    clear_outputs,
    nbgrader_meta,
    source_of,
    strip_code,
    strip_markdown,
    used_names,
)
from course.release_validate import validate_notebook

__all__ = ["BEGIN", "CODE_PLACEHOLDER", "END", "TEXT_PLACEHOLDER", "ReleaseError", "ReleaseReport",
           "build", "chapter_of", "notebook_text", "read_notebook", "release", "release_notebook",
           "strip_code", "strip_markdown", "validate_notebook"]

class ReleaseError(Exception):
    """Solution notebooks that cannot be released; ``problems`` lists each one with its fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ReleaseReport:
    """What ``release`` did (or, with ``check=True``, would do)."""

    written: list[str] = field(default_factory=list)    # exercise notebooks (re)written
    unchanged: list[str] = field(default_factory=list)  # already identical
    drift: list[str] = field(default_factory=list)      # --check: differ from their solutions
    missing: list[str] = field(default_factory=list)    # --check: not generated yet
    extra: list[str] = field(default_factory=list)      # in exercises/ without a solution

    @property
    def in_sync(self) -> bool:
        return not (self.drift or self.missing or self.extra)


# ---------------------------------------------------------------------------------------------
# Reading and writing notebooks


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read without nbformat's normalisation, which would give id-less cells random ids."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReleaseError([f"{path}: cannot read the notebook ({e}); save it again in "
                            "JupyterLab"]) from e
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        raise ReleaseError([f"{path}: not an nbformat 4 notebook; open and save it in JupyterLab"])
    nb = strip_transient(rejoin_lines(nbformat.from_dict(data)))  # as nbformat.reads does
    if nb.get("nbformat_minor", 0) >= 5:  # ids are required there: derive missing ones stably
        for i, cell in enumerate(nb.cells):
            if not cell.get("id"):
                cell["id"] = hashlib.sha1(f"{Path(path).name}:{i}".encode()).hexdigest()[:8]
    return nb


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The exact text nbformat writes (indent 1, sorted keys), ending with a newline."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# One notebook


def release_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The exercise notebook for a (valid) solution notebook; ``nb`` is not modified.

    A code cell that uses a name a solution cell (or such a cell) binds loses its outputs too:
    they were computed with the solution and would show learners the answer."""
    out = copy.deepcopy(nb)
    tainted: set[str] = set()
    for cell in out.cells:
        meta, src = nbgrader_meta(cell), source_of(cell)
        if meta.get("solution"):
            cell["source"] = (strip_code(src) if cell.get("cell_type") == "code"
                              else strip_markdown(src))
            tainted |= bound_names(src)
            clear_outputs(cell)
        elif meta.get("grade"):
            clear_outputs(cell)
        elif cell.get("cell_type") == "code" and used_names(src) & tainted:
            tainted |= bound_names(src)
            clear_outputs(cell)
    return out

# ---------------------------------------------------------------------------------------------
# Whole directories


def _notebooks(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.glob("*.ipynb")) if not p.name.startswith(".")}


def build(solutions: Path) -> dict[str, str]:
    """Validate every notebook of ``solutions`` and return name -> released notebook text."""
    solutions = Path(solutions)
    if not solutions.is_dir():
        raise ReleaseError([f"{solutions}: no such directory; run from the course repository "
                            "or pass --solutions DIR"])
    sources = _notebooks(solutions)
    if not sources:
        raise ReleaseError([f"{solutions}: no solution notebooks (*.ipynb) to release"])
    try:
        checks.load_all()
    except Exception as e:  # noqa: BLE001 - a broken chapter module: say which, no traceback
        raise ReleaseError([f"the exercise registry does not load ({type(e).__name__}: {e}); "
                            "fix the course/exercises/chNN.py module it names"]) from e
    problems: list[str] = []
    released: dict[str, str] = {}
    for name, path in sources.items():
        try:
            nb = read_notebook(path)
        except ReleaseError as e:
            problems += e.problems
            continue
        found = validate_notebook(nb, name)
        problems += found
        if not found:
            released[name] = notebook_text(release_notebook(nb))
    if problems:
        raise ReleaseError(problems)
    return released


def release(solutions: str | Path = "solutions", exercises: str | Path = "exercises",
            check: bool = False) -> ReleaseReport:
    """Generate ``exercises`` from ``solutions``; with ``check`` compare only, writing nothing.

    Raises :class:`ReleaseError` (nothing written) when a solution notebook is invalid."""
    released = build(Path(solutions))
    exercises = Path(exercises)
    report = ReleaseReport()
    existing = _notebooks(exercises) if exercises.is_dir() else {}
    report.extra = sorted(str(p) for name, p in existing.items() if name not in released)
    for name, text in released.items():
        target = exercises / name
        current = target.read_bytes() if target.is_file() else None
        if current == text.encode("utf-8"):
            report.unchanged.append(str(target))
        elif check:
            (report.missing if current is None else report.drift).append(str(target))
        else:
            _write_atomic(target, text)
            report.written.append(str(target))
    return report
