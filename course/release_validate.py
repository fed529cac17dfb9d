"""Validation of solution notebooks for ``course release``: each problem names its fix.

Checked: nbgrader metadata of solution and check cells, matching BEGIN/END pairs, unique grade
ids, a check cell's source being one ``check("<id>", <answer>)`` call with the registry's points,
a solution cell before each check cell, and every registered exercise of the chapter present.
"""

from __future__ import annotations

import ast
from typing import Any

import nbformat

from course import checks
from course.release_cells import (
    BEGIN,
    END,
    cell_label,
    chapter_of,
    function_bodies,
    nbgrader_meta,
    source_of,
    strip_code,
    strip_markdown,
)


def validate_notebook(nb: nbformat.NotebookNode, nb_name: str) -> list[str]:
    """Every problem that stops ``nb`` (a solution notebook) from being released."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    solutions: set[str] = set()
    checked: list[str] = []
    for i, cell in enumerate(nb.cells):
        meta, src, where = nbgrader_meta(cell), source_of(cell), cell_label(nb_name, i, cell)
        has_block = BEGIN in src or END in src
        if not meta:
            if has_block:
                problems.append(f"{where}: has {BEGIN!r} but no nbgrader metadata; give it "
                                '{"nbgrader": {"grade_id": "<id>-solution", "solution": true, '
                                '"grade": false, "locked": false, "schema_version": 3}}')
            continue
        gid = meta.get("grade_id")
        if not isinstance(gid, str) or not gid:
            problems.append(f"{where}: nbgrader metadata without a grade_id; add "
                            '"grade_id": "<exercise id>-solution" or "<exercise id>-check"')
            continue
        if gid in seen:
            problems.append(f"{where}: grade_id {gid!r} is also used by cell {seen[gid] + 1}; "
                            "grade ids must be unique in a notebook")
        seen.setdefault(gid, i)
        if meta.get("schema_version") != 3:
            problems.append(f"{where}: set nbgrader schema_version to 3 "
                            f"(got {meta.get('schema_version')!r})")
        if meta.get("solution") and meta.get("grade"):
            problems.append(f"{where}: a cell is either a solution cell (solution: true) or a "
                            "check cell (grade: true), not both; split it in two cells")
            solutions.add(gid.rsplit("-solution", 1)[0])  # one problem, not a cascade
        elif meta.get("solution"):
            problems += _validate_solution(cell, gid, src, where)
            solutions.add(gid.rsplit("-solution", 1)[0])
        elif meta.get("grade"):
            ex_id = _validate_check(cell, meta, gid, src, where, solutions, problems)
            if ex_id:
                checked.append(ex_id)
        elif has_block:
            problems.append(f"{where}: has {BEGIN!r} but nbgrader solution is not true; set "
                            '"solution": true (and "grade": false)')
    chapter = chapter_of(nb_name)
    if chapter is not None:
        for ex_id in checks.exercise_ids(chapter):
            if ex_id not in checked:
                title = checks.get(ex_id).title
                problems.append(
                    f"{nb_name}: exercise {ex_id}{f' ({title})' if title else ''} is registered "
                    f"for chapter {chapter} but has no check cell; add a solution cell "
                    f"'{ex_id}-solution' and a check cell '{ex_id}-check' with "
                    f'check("{ex_id}", <answer>)')
    return problems


def _validate_solution(cell: dict[str, Any], gid: str, src: str, where: str) -> list[str]:
    problems = []
    meta = nbgrader_meta(cell)
    if meta.get("locked"):
        problems.append(f"{where}: a solution cell must not be locked; set \"locked\": false")
    if not gid.endswith("-solution"):
        problems.append(f"{where}: name the solution cell's grade_id '<exercise id>-solution' "
                        f"(got {gid!r})")
    try:
        released = (strip_code(src) if cell.get("cell_type") == "code" else strip_markdown(src))
    except ValueError as e:
        problems.append(f"{where}: {e}")
        return problems
    if cell.get("cell_type") == "code" and function_bodies(src) is not None:
        try:
            ast.parse(released)
        except SyntaxError as e:
            problems.append(f"{where}: the released code would not run ({e.msg} on line "
                            f"{e.lineno}); put the block inside a function body or at top level")
    return problems


def _check_call_id(src: str) -> str | None:
    """The id of a source that is exactly one ``check("<id>", <answer>)`` call, else None."""
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == "check" and len(call.args) == 2 and not call.keywords
            and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
        return call.args[0].value
    return None


def _validate_check(cell: dict[str, Any], meta: dict[str, Any], gid: str, src: str, where: str,
                    solutions: set[str], problems: list[str]) -> str | None:
    """Problems of a check cell go to ``problems``; returns its exercise id when it has one."""
    if cell.get("cell_type") != "code":
        problems.append(f"{where}: a check cell must be a code cell")
        return None
    if not meta.get("locked"):
        problems.append(f"{where}: a check cell must be locked; set \"locked\": true")
    ex_id = _check_call_id(src)
    if ex_id is None:
        problems.append(f"{where}: a check cell's source must be exactly one call "
                        f'check("<exercise id>", <answer>), got {src.strip()[:60]!r}')
        return gid[: -len("-check")] if gid.endswith("-check") else None
    if gid != f"{ex_id}-check":
        problems.append(f"{where}: grade_id should be '{ex_id}-check' to match "
                        f'check("{ex_id}", ...)')
    try:
        ex = checks.get(ex_id)
    except ValueError as e:
        problems.append(f"{where}: {e}; register it in course/exercises/chNN.py")
        return ex_id
    if meta.get("points") != ex.points:
        problems.append(f"{where}: points is {meta.get('points')!r} but exercise {ex_id} is "
                        f"worth {ex.points} in the registry; set \"points\": {ex.points}")
    if ex_id not in solutions:
        problems.append(f"{where}: no solution cell '{ex_id}-solution' before this check cell; "
                        "add one (with a BEGIN/END SOLUTION block) above it")
    return ex_id
