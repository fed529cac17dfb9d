"""Solution cells for ``course release``: find the BEGIN/END SOLUTION blocks and strip them.

``strip_code`` turns a solution cell's code into the learner's starting point (a placeholder that
still runs); ``bound_names``/``used_names`` tell which later cells depend on a solution, so that
their stored outputs (computed with the solution) are not shipped to learners.
"""

from __future__ import annotations

import ast
import re
from typing import Any

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_PLACEHOLDER = "# YOUR CODE HERE"
TEXT_PLACEHOLDER = "YOUR ANSWER HERE"
_CHAPTER = re.compile(r"^(\d+)_")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def source_of(cell: dict[str, Any]) -> str:
    """A cell's source as one string (nbformat stores a list of lines on disk)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    """The cell's ``metadata.nbgrader`` ({} when absent)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def cell_label(nb_name: str, index: int, cell: dict[str, Any]) -> str:
    """``"03_x.ipynb, cell 4 ('3.2-check')"``: how error messages point at a cell."""
    gid = nbgrader_meta(cell).get("grade_id")
    return f"{nb_name}, cell {index + 1}" + (f" ({gid!r})" if gid else "")


def chapter_of(nb_name: str) -> int | None:
    """``3`` for ``03_autograd_mechanics_exercises.ipynb``; None without a number prefix."""
    m = _CHAPTER.match(nb_name)
    return int(m.group(1)) if m else None


def solution_blocks(source: str) -> list[tuple[int, int, str]]:
    """(begin line, end line, indentation) of each BEGIN/END pair; ValueError if unbalanced."""
    blocks, start = [], None
    for i, line in enumerate(source.split("\n")):
        text = line.strip()
        if text == BEGIN:
            if start is not None:
                raise ValueError(f"a second {BEGIN!r} on line {i + 1} before the "
                                 f"{END!r} of line {start[0] + 1}'s block; close the first block")
            start = (i, line[: len(line) - len(line.lstrip())])
        elif text == END:
            if start is None:
                raise ValueError(f"{END!r} on line {i + 1} has no {BEGIN!r} before it")
            indent = line[: len(line) - len(line.lstrip())]
            if indent != start[1]:
                raise ValueError(f"{BEGIN!r} (line {start[0] + 1}) and {END!r} (line {i + 1}) "
                                 "are indented differently; indent them alike")
            blocks.append((start[0], i, start[1]))
            start = None
    if start is not None:
        raise ValueError(f"{BEGIN!r} on line {start[0] + 1} has no {END!r}; add one after the "
                         "solution")
    return blocks


def function_bodies(source: str) -> list[tuple[int, int]] | None:
    """1-based (first, last) line ranges of every function body; None if the code has magics."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    # from the line after ``def`` (a block may open the body, before its first statement)
    return [(n.lineno + 1, n.end_lineno or n.lineno) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _assigned_names(block: str) -> list[str]:
    """Names bound by the block's top-level ``name = ...`` statements, in order."""
    tree = ast.parse(block)
    names: list[str] = []

    def add(target: ast.expr) -> None:
        if isinstance(target, ast.Name) and target.id not in names:
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                add(t.value if isinstance(t, ast.Starred) else t)

    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                add(t)
        elif isinstance(stmt, ast.AnnAssign):
            add(stmt.target)
    return names


def strip_code(source: str) -> str:
    """The released code of a solution cell (see the module docstring); ValueError if invalid."""
    blocks = solution_blocks(source)
    if not blocks:
        raise ValueError(f"no {BEGIN!r} ... {END!r} block")
    lines = source.split("\n")
    functions = function_bodies(source)
    out: list[str] = []
    pos = 0
    for begin, end, indent in blocks:
        out.extend(lines[pos:begin])
        inside_def = bool(indent) and (functions is None or any(
            first <= begin + 1 <= last for first, last in functions))
        if inside_def:
            out += [indent + CODE_PLACEHOLDER, indent + "raise NotImplementedError()"]
        else:
            body = "\n".join(line[len(indent):] for line in lines[begin + 1:end])
            try:
                names = _assigned_names(body)
            except SyntaxError as e:
                raise ValueError(f"the solution block starting on line {begin + 1} is not valid "
                                 f"Python ({e.msg}, block line {e.lineno})") from e
            out.append(indent + CODE_PLACEHOLDER)
            out += [f"{indent}{name} = ..." for name in names]
            if indent and not names:
                out.append(indent + "pass")
        pos = end + 1
    out.extend(lines[pos:])
    return "\n".join(out)


def strip_markdown(source: str) -> str:
    """A written answer: the block becomes ``YOUR ANSWER HERE``."""
    blocks = solution_blocks(source)
    if not blocks:
        raise ValueError(f"no {BEGIN!r} ... {END!r} block")
    lines, out, pos = source.split("\n"), [], 0
    for begin, end, indent in blocks:
        out += lines[pos:begin] + [indent + TEXT_PLACEHOLDER]
        pos = end + 1
    return "\n".join(out + lines[pos:])


def clear_outputs(cell: dict[str, Any]) -> None:
    """No outputs, no execution count (and no timing metadata of the old outputs)."""
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell.get("metadata", {}).pop("execution", None)  # nbclient's timestamps of those outputs


def bound_names(source: str) -> set[str]:
    """Top-level names a cell (re)binds, including ``Value`` in ``Value.tanh = f``; no imports."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()

    def base(target: ast.expr) -> None:
        while isinstance(target, (ast.Attribute, ast.Subscript, ast.Starred)):
            target = target.value
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                base(t)

    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                base(t)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            base(stmt.target)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            base(stmt.target)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    base(item.optional_vars)
    return names


def used_names(source: str) -> set[str]:
    """Every name a cell mentions (all words when the cell has IPython magics)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(_WORD.findall(source))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
