"""Execute an exercise notebook and collect its check results from the kernel.

``run_notebook(path)`` runs every cell with nbclient in a kernel of the *current* Python (whatever
kernelspec the notebook names), in the notebook's directory, keeps going after a cell that raises,
and then asks the kernel for ``course.checks.RESULTS``: results come from the checks that actually
ran, never from the outputs stored in the file. ``course check`` and ``course progress`` use it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from course import checks
from course.checks import Result

RESULTS_MIME = "application/x-course-results+json"
# Runs in the kernel after the notebook: hands RESULTS back as a display_data output.
_COLLECT = f"""\
def _course_collect():
    import sys
    from IPython.display import display
    mod = sys.modules.get("course.checks")
    data = [r.to_dict() for r in mod.RESULTS.values()] if mod is not None else []
    display({{"{RESULTS_MIME}": data}}, raw=True)
_course_collect()
del _course_collect
"""
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class CellError:
    """A cell of the notebook that raised: its 1-based number and the exception."""

    cell: int
    ename: str
    evalue: str

    def line(self) -> str:
        if self.ename == "timeout":
            return f"cell {self.cell} {self.evalue}"
        return f"cell {self.cell} raised {self.ename}: {self.evalue}".rstrip(": ")


@dataclass
class NotebookRun:
    """The outcome of executing one notebook."""

    path: Path
    results: dict[str, Result] = field(default_factory=dict)  # exercise id -> latest result
    expected: list[str] = field(default_factory=list)  # ids with a check cell in the notebook
    cell_errors: list[CellError] = field(default_factory=list)
    error: str = ""  # the run itself failed (unreadable notebook, kernel died, timeout)

    def rows(self) -> list[Result]:
        """A Result for every exercise of the notebook, "not_run" where no check ran."""
        ids = list(dict.fromkeys(self.expected + list(self.results)))
        rows = []
        for ex_id in sorted(ids, key=checks._id_key):
            if ex_id in self.results:
                rows.append(self.results[ex_id])
                continue
            try:
                ex = checks.get(ex_id)
                title, points = ex.title, ex.points
            except Exception:  # noqa: BLE001 - unknown here (or the registry is broken)
                title, points = "", 0
            rows.append(Result(ex_id, "not_run", 0, points,
                               "its check cell did not run (an earlier error, or it was deleted).",
                               title))
        return rows

    @property
    def points(self) -> float:
        return sum(r.points for r in self.rows())

    @property
    def max_points(self) -> int:
        return sum(r.max_points for r in self.rows())


class _CurrentPythonSpecs(KernelSpecManager):
    """Every kernel name resolves to an ipykernel of this very interpreter (this environment)."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f",
                                "{connection_file}"],
                          display_name="Python 3 (ipykernel)", language="python",
                          resource_dir="")


class _Client(NotebookClient):
    def create_kernel_manager(self) -> AsyncKernelManager:
        self.km = AsyncKernelManager(kernel_name="python3",
                                     kernel_spec_manager=_CurrentPythonSpecs())
        return self.km


def expected_ids(nb: nbformat.NotebookNode) -> list[str]:
    """Exercise ids of the notebook's check cells (nbgrader grade_id ``"<id>-check"``)."""
    ids = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        gid = meta.get("grade_id", "") if isinstance(meta, dict) else ""
        if isinstance(gid, str) and gid.endswith("-check"):
            ids.append(gid[: -len("-check")])
    return ids


def run_notebook(path: str | Path, timeout: int = 120, startup_timeout: int = 60) -> NotebookRun:
    """Execute ``path`` (never modified) and return the results of its checks.

    ``timeout`` limits each cell, in seconds. Errors never raise: they are in the returned run."""
    path = Path(path)
    run = NotebookRun(path)
    try:
        with warnings.catch_warnings():  # e.g. cells without ids: nbformat adds them, fine here
            warnings.simplefilter("ignore")
            nb = nbformat.read(path, as_version=4)
    except Exception as e:  # noqa: BLE001 - any unreadable file is a reported result
        run.error = f"cannot read {path} as a notebook ({type(e).__name__}: {e})"
        return run
    run.expected = expected_ids(nb)
    # interrupt_on_timeout: a cell stuck in a loop is stopped and the later checks still run
    client = _Client(nb, timeout=timeout, startup_timeout=startup_timeout, allow_errors=True,
                     interrupt_on_timeout=True, record_timing=False,
                     resources={"metadata": {"path": str(path.parent.resolve())}})
    index = -1
    try:
        # the kernel's own stderr (ipykernel start-up notices) is noise for a learner
        with client.setup_kernel(stderr=subprocess.DEVNULL):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                client.execute_cell(cell, index)
                run.cell_errors += [_cell_error(index, o, timeout) for o in cell.get("outputs", [])
                                    if o.get("output_type") == "error"]
            collect = nbformat.v4.new_code_cell(_COLLECT)
            nb.cells.append(collect)  # the in-memory copy only; the file is never written
            client.execute_cell(collect, len(nb.cells) - 1)
    except CellTimeoutError:
        run.error = (f"cell {index + 1} ran longer than {timeout} s and could not be stopped "
                     "(pass --timeout to allow more)")
        return run
    except DeadKernelError:
        run.error = (f"the kernel died while running cell {index + 1} (it crashed, ran out of "
                     "memory or called exit()); no results could be collected")
        return run
    except Exception as e:  # noqa: BLE001 - e.g. the kernel did not start
        run.error = f"could not run the notebook: {type(e).__name__}: {e}"
        return run
    for out in collect.outputs:
        if out.get("output_type") == "display_data" and RESULTS_MIME in out.get("data", {}):
            for item in out["data"][RESULTS_MIME]:
                try:
                    res = Result(**item)
                except TypeError:  # a kernel with another version of course.checks
                    continue
                run.results[res.exercise] = res
    return run


def _cell_error(index: int, output: dict, timeout: int) -> CellError:
    if output.get("ename") == "KeyboardInterrupt":  # nothing else interrupts a batch run
        return CellError(index + 1, "timeout",
                         f"ran longer than {timeout} s and was stopped (pass --timeout to allow "
                         "more)")
    return CellError(index + 1, output.get("ename", ""), _ANSI.sub("", output.get("evalue", "")))
