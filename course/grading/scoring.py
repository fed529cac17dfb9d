"""Reading submitted notebooks and matching their cells to exercises by nbgrader ``grade_id``.

A solution cell has ``grade_id`` ``"3.2-solution"``, its check cell ``"3.2-check"`` whose canonical
source is exactly ``check("3.2", <answer>)``. The canonical check comes from the released notebook
(``--assignment``) when given, so a check cell the student edited is never trusted; the student's
own check cell is used only when it still has exactly that form. Nothing here runs student code.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATUSES = ("passed", "failed", "error", "timeout", "not_attempted", "missing")


class NotebookError(Exception):
    """A submitted notebook that cannot be graded; the message says why and what to do."""


@dataclass
class Expected:
    """An exercise a notebook must contain: its id and the canonical check's answer expression."""

    id: str
    answer: str | None = None  # None: take it from the student's check cell if it is intact


@dataclass
class Step:
    """One thing to send to the kernel, in notebook order."""

    kind: str  # "cell" (student code) or "check" (canonical check of `exercise`)
    source: str = ""
    exercise: str = ""  # the exercise a solution cell or check belongs to
    answer: str = ""  # check: the answer expression
    index: int = 0  # the cell's position in the notebook (1-based, code cells and others)
    grade_id: str = ""


@dataclass
class Matched:
    """A submitted notebook matched against its expected exercises."""

    steps: list[Step] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # exercise -> message
    errors: dict[str, str] = field(default_factory=dict)  # exercise -> message (unusable check)
    notes: list[str] = field(default_factory=list)


def read_notebook(path: str | Path) -> dict[str, Any]:
    """The notebook at ``path`` as a dict, or a NotebookError saying why it cannot be graded."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise NotebookError(f"cannot read {path.name}: {e.strerror or e}") from e
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise NotebookError(f"{path.name} is not a notebook (not valid JSON: {e}); "
                            "re-download the exercise notebook and redo the work in it") from e
    if not isinstance(nb, dict) or "nbformat" not in nb:
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook (no 'nbformat')")
    major = nb.get("nbformat")
    if major != 4:
        raise NotebookError(f"{path.name} is nbformat {major}, grading needs nbformat 4: "
                            "open it in a current Jupyter and save it, or start from the "
                            "released notebook")
    if not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path.name} has no list of cells")
    return nb


def cell_source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def grade_id(cell: dict[str, Any]) -> str:
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
    return gid if isinstance(gid, str) else ""


def split_grade_id(gid: str) -> tuple[str, str]:
    """``"3.2-check"`` -> ``("3.2", "check")``; anything else -> ``("", "")``."""
    for kind in ("solution", "check"):
        if gid.endswith(f"-{kind}") and len(gid) > len(kind) + 1:
            return gid[: -len(kind) - 1], kind
    return "", ""


def parse_check(source: str) -> tuple[str, str] | None:
    """``check("3.2", answer)`` -> ``("3.2", "answer")``; None for anything else."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if (not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name)
            or call.func.id != "check" or len(call.args) != 2 or call.keywords):
        return None
    ex_id, answer = call.args
    if not (isinstance(ex_id, ast.Constant) and isinstance(ex_id.value, str)):
        return None
    if not isinstance(answer, (ast.Name, ast.Attribute)):
        return None  # a name (or attribute) only: an expression could compute its own answer
    return ex_id.value, ast.unparse(answer)


def expected_from_notebook(nb: dict[str, Any]) -> list[Expected]:
    """The exercises of a released notebook, from its check cells (canonical answers)."""
    found: list[Expected] = []
    for cell in nb["cells"]:
        ex_id, kind = split_grade_id(grade_id(cell))
        if kind != "check" or any(e.id == ex_id for e in found):
            continue
        parsed = parse_check(cell_source(cell))
        if parsed is None or parsed[0] != ex_id:
            raise NotebookError(f"check cell {ex_id}-check of the released notebook is not "
                                f"exactly check({ex_id!r}, <answer>)")
        found.append(Expected(ex_id, parsed[1]))
    return found


def exercises_in(nb: dict[str, Any]) -> list[str]:
    """Exercise ids a submitted notebook mentions in any grade_id, in order."""
    ids: list[str] = []
    for cell in nb["cells"]:
        ex_id, _ = split_grade_id(grade_id(cell))
        if ex_id and ex_id not in ids:
            ids.append(ex_id)
    return ids


def match(nb: dict[str, Any], expected: list[Expected]) -> Matched:
    """The steps to run for a submitted notebook: student cells as they are, each expected
    exercise's canonical check at the position of the student's (last) cell with its grade_id."""
    out = Matched()
    wanted = {e.id: e for e in expected}
    last_check: dict[str, int] = {}
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        ex_id, kind = split_grade_id(grade_id(cell))
        if kind == "check" and ex_id in wanted:
            last_check[ex_id] = i
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        gid = grade_id(cell)
        ex_id, kind = split_grade_id(gid)
        src = cell_source(cell)
        if kind == "check" and ex_id in wanted:
            if last_check[ex_id] != i:
                out.notes.append(f"cell {i + 1}: a duplicate of check cell {gid} was not run "
                                 "(the last copy is the one graded)")
                continue
            answer = wanted[ex_id].answer
            if answer is None:
                parsed = parse_check(src)
                if parsed is None or parsed[0] != ex_id:
                    out.errors[ex_id] = (f"the check cell {gid} was edited; restore it to "
                                         f"check({ex_id!r}, <your answer>)")
                    continue
                answer = parsed[1]
            out.steps.append(Step("check", exercise=ex_id, answer=answer, index=i + 1,
                                  grade_id=gid))
        elif kind == "check":
            out.notes.append(f"cell {i + 1}: check cell {gid} is not an exercise of this "
                             "notebook and was not run")
        else:
            out.steps.append(Step("cell", source=src, exercise=ex_id if kind else "",
                                  index=i + 1, grade_id=gid))
    for e in expected:
        if e.id not in last_check:
            out.missing[e.id] = (f"no cell with grade_id '{e.id}-check' in the notebook (deleted "
                                 "or renamed?): copy it back from the released notebook")
    return out


def hidden_base(hidden_id: str, visible: list[str]) -> str | None:
    """The visible exercise whose answer a hidden check examines: itself, or the longest
    visible id ``v`` with ``hidden_id`` starting with ``v + "."`` (``"3.2.extra"`` -> ``"3.2"``)."""
    if hidden_id in visible:
        return hidden_id
    bases = [v for v in visible if hidden_id.startswith(v + ".")]
    return max(bases, key=len) if bases else None
