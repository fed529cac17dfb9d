"""The `course` CLI: --help everywhere, doctor, check, progress, release, grade and lab."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from course import cli, doctor

FIXTURES = Path(__file__).parent / "fixtures" / "release"
NAME = "99_sample_exercises.ipynb"


pytestmark = pytest.mark.usefixtures("release_sample_checks")  # tests/conftest.py


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: course {command}")


def test_top_level_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in cli.COMMANDS:
        assert f"    {command} " in out


def test_no_command_prints_help_and_unknown_arguments_are_errors(capsys):
    assert cli.main([]) == 2
    assert "usage: course" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        cli.main(["doctor", "--bogus"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_module_entry_point_runs():
    out = subprocess.run([sys.executable, "-m", "course.cli", "release", "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--check" in out.stdout


# ------------------------------------------------------------------ doctor


def test_doctor_reports_every_item_and_exits_zero(capsys):
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    requires, groups = doctor.requirements()
    assert f"Python: {sys.version_info.major}.{sys.version_info.minor}" in out
    assert f"(needs {requires})" in out
    for line in groups["runtime"]:
        name = line.split(">")[0].split("<")[0].split("=")[0].strip()
        assert f"{name}: " in out, name
    for part in ("nbclient", "nbformat", "pytest (dev)", "graphviz binary `dot`",
                 "GPU and CuPy", "chromium", "grading confinement"):
        assert part in out, part


def test_doctor_says_how_to_add_missing_optional_parts(monkeypatch, capsys):
    from autograd_lite import cuda

    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    monkeypatch.setattr(doctor, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(cuda, "is_available", lambda: False)
    assert cli.main(["doctor"]) == 0  # optional parts missing: still exit 0
    out = capsys.readouterr().out
    assert "○ graphviz binary `dot`: not found: graphs are drawn with matplotlib instead" in out
    assert "apt-get install -y graphviz" in out
    assert "○ chromium: not found at /nonexistent/chromium" in out
    assert "apt-get install -y chromium" in out
    assert f"○ GPU and CuPy: {cuda.unavailable_reason()}" in out
    assert "optional part(s) missing; each has a fallback" in out


def test_doctor_reports_a_working_gpu(monkeypatch):
    from autograd_lite import cuda

    monkeypatch.setattr(cuda, "is_available", lambda: True)
    monkeypatch.setattr(cuda, "device_count", lambda: 2)
    item = doctor.check_gpu()
    assert item.status == "ok" and item.detail.startswith("2 CUDA device(s)")
    assert "device='cuda' works" in item.detail


def test_doctor_fails_when_a_runtime_dependency_is_missing(monkeypatch, capsys):
    real = doctor.requirements

    def with_missing():
        requires, groups = real()
        return requires, {**groups, "runtime": groups["runtime"] + ["no-such-package-xyz>=1,<2"]}

    monkeypatch.setattr(doctor, "requirements", with_missing)
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "✗ no-such-package-xyz: not installed, needs >=1,<2" in out
    assert "-m pip install 'no-such-package-xyz<2,>=1'" in out


def test_doctor_shows_the_grading_confinement_description(monkeypatch, capsys):
    fake = types.ModuleType("course.grading.confinement")
    fake.describe = lambda: "process isolation only (Landlock unavailable: old kernel)"
    monkeypatch.setitem(sys.modules, "course.grading.confinement", fake)
    cli.main(["doctor"])
    out = capsys.readouterr().out
    assert "○ grading confinement: process isolation only (Landlock unavailable" in out
    monkeypatch.setitem(sys.modules, "course.grading.confinement", None)  # not installed
    cli.main(["doctor"])
    assert "grading confinement: course.grading is not installed" in capsys.readouterr().out


# ------------------------------------------------------------------ check and progress


def test_check_on_a_solved_notebook(capsys):
    assert cli.main(["check", str(FIXTURES / "solutions" / NAME)]) == 0
    out = capsys.readouterr().out
    assert "✓ Exercise 99.1 (square a number): correct, 2/2 points." in out
    assert "✓ Exercise 99.2 (d/dx x**3 at x = 2): correct, 1/1 points." in out
    assert out.rstrip().endswith("Total: 3/3 points (2 of 2 exercises passed).")


def test_check_on_an_unsolved_notebook(capsys):
    assert cli.main(["check", str(FIXTURES / "exercises" / NAME)]) == 1
    out = capsys.readouterr().out
    assert "○ Exercise 99.1 (square a number): not attempted yet." in out
    assert "○ Exercise 99.2 (d/dx x**3 at x = 2): not attempted yet." in out
    assert out.rstrip().endswith("Total: 0/3 points (0 of 2 exercises passed).")


def test_check_uses_results_from_the_kernel_not_stored_outputs(tmp_path, capsys):
    """A wrong answer whose stored output claims success is still reported as wrong."""
    import nbformat

    from course.release import read_notebook

    shutil.copy(FIXTURES / "checks_sample.py", tmp_path / "checks_sample.py")
    (tmp_path / "work").mkdir()
    nb = read_notebook(FIXTURES / "solutions" / NAME)
    sol = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
               == "99.1-solution")
    sol.source = "def square(x):\n    return x + x\n"
    nb.cells.insert(2, nbformat.v4.new_code_cell("1 / 0"))  # an error does not stop the run
    path = tmp_path / "work" / NAME
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    before = path.read_bytes()
    assert cli.main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "! cell 3 raised ZeroDivisionError: division by zero" in out
    assert "✗ Exercise 99.1 (square a number): square(1.5) should be 2.25, got 3." in out
    assert "✓ Exercise 99.2" in out and "Total: 1/3 points" in out
    assert path.read_bytes() == before  # the notebook is never modified


def _sample_with(tmp_path: Path, position: int, source: str) -> Path:
    """The solved sample with one extra code cell, in a folder beside checks_sample.py."""
    import nbformat

    from course.release import read_notebook

    shutil.copy(FIXTURES / "checks_sample.py", tmp_path / "checks_sample.py")
    (tmp_path / "work").mkdir()
    nb = read_notebook(FIXTURES / "solutions" / NAME)
    nb.cells.insert(position, nbformat.v4.new_code_cell(source))
    path = tmp_path / "work" / NAME
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def test_check_stops_an_endless_cell_and_still_checks_the_rest(tmp_path, capsys):
    path = _sample_with(tmp_path, 2, "import time\nwhile True:\n    time.sleep(0.01)")
    assert cli.main(["check", "--timeout", "2", str(path)]) == 0
    out = capsys.readouterr().out
    assert "! cell 3 ran longer than 2 s and was stopped (pass --timeout to allow more)" in out
    assert "Total: 3/3 points" in out


def test_check_reports_a_crashed_kernel(tmp_path, capsys):
    path = _sample_with(tmp_path, 2, "import os\nos._exit(1)")
    assert cli.main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "the kernel died while running cell 3" in err


def test_check_on_a_missing_notebook_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["check", str(tmp_path / "nope.ipynb")]) == 2
    assert "no notebook" in capsys.readouterr().err


def test_progress_table(capsys):
    assert cli.main(["progress", str(FIXTURES / "solutions")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == NAME
    assert lines[1].split() == ["exercise", "title", "status", "points"]
    assert lines[3].split() == ["99.1", "square", "a", "number", "✓", "passed", "2/2"]
    assert "Total: 3/3 points, 2 of 2 exercises passed, 1 notebook(s)." in out


def test_progress_without_exercise_notebooks_says_so(tmp_path, capsys):
    assert cli.main(["progress", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"no exercise notebooks (*_exercises.ipynb) in {tmp_path}" in err
    assert cli.main(["progress", str(tmp_path / "missing")]) == 1
    assert "no folder" in capsys.readouterr().err


# ------------------------------------------------------------------ release


def _args(tmp: Path) -> list[str]:
    return ["--solutions", str(tmp / "solutions"), "--exercises", str(tmp / "exercises")]


def test_release_check_passes_on_the_sample_and_fails_on_drift(tmp_path, capsys):
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    assert cli.main(["release", "--check", *_args(tmp_path)]) == 0
    assert "is up to date (1 notebook(s))" in capsys.readouterr().out
    target = tmp_path / "exercises" / NAME
    target.write_text(target.read_text(encoding="utf-8").replace("YOUR CODE HERE", "edited"),
                      encoding="utf-8")
    drifted = target.read_bytes()
    assert cli.main(["release", "--check", *_args(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"differs from its solution notebook: {target}" in out
    assert "run `course release` to regenerate it" in out
    assert target.read_bytes() == drifted  # --check writes nothing
    assert cli.main(["release", *_args(tmp_path)]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    assert cli.main(["release", "--check", *_args(tmp_path)]) == 0


def test_release_reports_validation_errors(tmp_path, capsys):
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    src = tmp_path / "solutions" / NAME
    src.write_text(src.read_text(encoding="utf-8").replace('"points": 2', '"points": 4'),
                   encoding="utf-8")
    assert cli.main(["release", *_args(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "1 problem(s)" in err and "nothing written" in err
    assert "points is 4 but exercise 99.1 is worth 2 in the registry; set \"points\": 2" in err


# ------------------------------------------------------------------ grade and lab


def test_grade_delegates_to_the_grading_module(monkeypatch, capsys):
    seen = {}
    fake = types.ModuleType("course.grading.cli")

    def build_parser(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("submissions")
        parser.add_argument("-o", "--out", required=True)

    def run(args: argparse.Namespace) -> int:
        seen.update(submissions=args.submissions, out=args.out)
        return 3

    fake.build_parser, fake.run = build_parser, run
    monkeypatch.setitem(sys.modules, "course.grading.cli", fake)
    assert cli.main(["grade", "subs", "-o", "out"]) == 3
    assert seen == {"submissions": "subs", "out": "out"}
    with pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    assert "--out" in capsys.readouterr().out


def test_grade_without_the_grading_module_says_so(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "course.grading.cli", None)  # import raises ImportError
    assert cli.main(["grade", "subs", "-o", "out"]) == 1
    assert "course grade is not available in this installation" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])  # the rest of the CLI still works
    assert exit_.value.code == 0


def test_lab_command_opens_the_course_and_passes_arguments_through(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    assert cli.main(["lab", "--root", str(tmp_path), "--dry-run", "--port", "9123",
                     "--no-browser"]) == 0
    cmd = capsys.readouterr().out.split()
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--notebook-dir={tmp_path.resolve()}" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks" in cmd
    assert cmd[-3:] == ["--port", "9123", "--no-browser"]
    assert ("--allow-root" in cmd) == (os.geteuid() == 0)
