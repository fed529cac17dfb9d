"""Unit tests of course.grading: notebook matching, reports, confinement policy, launcher, CLI.

Only the last tests start kernels (process isolation only, one small class, --force).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course.grading import cli, confinement, report, scoring
from course.grading.__main__ import main as grading_main

FIXTURES = Path(__file__).parent / "fixtures" / "grading"
RELEASED = FIXTURES / "99_sample_exercises.ipynb"
LANDLOCK, LANDLOCK_REASON = confinement.landlock_status()


def nb_with(*cells: tuple[str, str]) -> dict:
    """A notebook of code cells given as (grade_id or "", source)."""
    out = []
    for gid, src in cells:
        meta = {"nbgrader": {"grade_id": gid}} if gid else {}
        out.append({"cell_type": "code", "metadata": meta, "source": src, "outputs": []})
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": out}


# -- scoring ------------------------------------------------------------------------------------
@pytest.mark.parametrize("source, parsed", [
    ('check("3.2", answer)', ("3.2", "answer")),
    ("check('3.2', grads.w)", ("3.2", "grads.w")),
    ('check("3.2", 6.0)', None),  # a literal would grade itself
    ('check("3.2", f(x))', None),
    ('check("3.2", a)\nprint(1)', None),
    ('print("✓ correct")', None),
    ("check(", None),
])
def test_parse_check(source, parsed):
    assert scoring.parse_check(source) == parsed


def test_expected_from_released_notebook():
    nb = scoring.read_notebook(RELEASED)
    assert [(e.id, e.answer) for e in scoring.expected_from_notebook(nb)] == [
        ("99.1", "dydx"), ("99.2", "square_grad"), ("99.3", "total")]


def test_match_uses_canonical_check_and_last_duplicate():
    nb = nb_with(("", "import x"), ("1.1-solution", "a = 1"), ("1.1-check", "print('ok')"),
                 ("1.1-check", "check('1.1', b)"), ("9.9-check", "check('9.9', c)"))
    m = scoring.match(nb, [scoring.Expected("1.1", "a"), scoring.Expected("1.2", "z")])
    assert [(s.kind, s.exercise, s.answer or s.source) for s in m.steps] == [
        ("cell", "", "import x"), ("cell", "1.1", "a = 1"), ("check", "1.1", "a")]
    assert list(m.missing) == ["1.2"] and "grade_id '1.2-check'" in m.missing["1.2"]
    assert any("duplicate" in n for n in m.notes) and any("9.9-check" in n for n in m.notes)


def test_match_without_canonical_rejects_edited_check():
    nb = nb_with(("1.1-check", "check('1.1', a)"), ("1.2-check", "check('1.2', lambda: 1)"))
    m = scoring.match(nb, [scoring.Expected("1.1"), scoring.Expected("1.2")])
    assert [s.answer for s in m.steps] == ["a"]
    assert "was edited" in m.errors["1.2"]


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not text", "not valid JSON"),
    (b"[1, 2]", "not a Jupyter notebook"),
    (b'{"nbformat": 3, "worksheets": []}', "nbformat 3, grading needs nbformat 4"),
    (b'{"nbformat": 4, "cells": {}}', "no list of cells"),
])
def test_read_notebook_errors(tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    with pytest.raises(scoring.NotebookError, match=message):
        scoring.read_notebook(path)
    with pytest.raises(scoring.NotebookError, match="cannot read"):
        scoring.read_notebook(tmp_path / "absent.ipynb")


def test_hidden_base():
    assert scoring.hidden_base("3.2.extra", ["3.1", "3.2"]) == "3.2"
    assert scoring.hidden_base("3.2", ["3.2"]) == "3.2"
    assert scoring.hidden_base("3.21.x", ["3.2"]) is None


# -- reports ------------------------------------------------------------------------------------
RES = {"student": "ann <b>", "rows": [
    {"exercise": "1.1", "notebook": "n.ipynb", "status": "failed", "points": 0, "max_points": 2,
     "title": "t & u", "message": "should be <6>"},
    {"exercise": "1.2", "notebook": "n.ipynb", "status": "passed", "points": 1.5,
     "max_points": 2, "title": "", "message": ""}],
    "cell_errors": [{"notebook": "n.ipynb", "cell": 3, "grade_id": "", "status": "error",
                     "message": "raised X: <y>"}], "notes": ["a <note>"]}


def test_gradebook_csv_and_feedback_html():
    rows = list(csv.reader(io.StringIO(report.gradebook_csv([RES]))))
    assert rows == [["student", "exercise", "points", "max_points", "status"],
                    ["ann <b>", "1.1", "0", "2", "failed"],
                    ["ann <b>", "1.2", "1.5", "2", "passed"]]
    page = report.feedback_html(RES)
    for text in ("ann &lt;b&gt;", "t &amp; u", "should be &lt;6&gt;", "raised X: &lt;y&gt;",
                 "a &lt;note&gt;", "1.5 / 4"):
        assert text in page
    assert "<b>" not in page.replace("<b>1.5", "")


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "gradebook.csv"
    report.atomic_write(target, "old\n")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(report.os, "replace", broken)
    with pytest.raises(OSError):
        report.atomic_write(target, "new\n")
    assert target.read_text() == "old\n" and os.listdir(tmp_path) == ["gradebook.csv"]


def test_progress_without_terminal():
    stream = io.StringIO()
    bar = report.Progress(2, stream)
    bar.update("ann", "2/3")
    bar.update("bob", "0/3")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "1/2 ann: 2/3" in lines[0] and "#" * 30 in lines[1]


# -- confinement and launcher ---------------------------------------------------------------------
def test_describe_says_which_confinement():
    assert confinement.describe("none").startswith("process isolation only")
    assert confinement.describe().startswith("Landlock" if LANDLOCK else "process isolation")
    with pytest.raises(ValueError, match="auto, landlock or none"):
        confinement.resolve_mode("docker")


def test_policy_grants_environment_not_grader_files(tmp_path):
    policy = confinement.make_policy("landlock", tmp_path / "w", tmp_path, 512, 60, tmp_path / "s")
    repo = Path(__file__).resolve().parent.parent
    assert str(repo) not in policy["read_dirs"] and str(Path.home()) not in policy["read_dirs"]
    assert str((repo / "course").resolve()) in policy["read_dirs"]
    assert policy["write_dirs"] == [str(tmp_path.resolve())]


def run_launched(tmp_path: Path, mode: str, code: str, write_dir: Path | None = None):
    work = tmp_path / "box"
    work.mkdir(exist_ok=True)
    policy = confinement.make_policy(mode, work, write_dir or work, 700, 20, work / "status.json")
    (work / "policy.json").write_text(json.dumps(policy))
    cmd = [sys.executable, "-I", "-m", "course.grading.launcher", str(work / "policy.json"), "--",
           sys.executable, "-c", code]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_launcher_sets_limits_before_exec(tmp_path):
    code = ("import os, resource\nprint(resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20, "
            "resource.getrlimit(resource.RLIMIT_CPU)[0], os.path.basename(os.getcwd()))\n"
            "try:\n    bytearray(2 * 2**30)\nexcept MemoryError:\n    print('MemoryError')")
    proc = run_launched(tmp_path, "none", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["700", "20", "box", "MemoryError"]


@pytest.mark.skipif(not LANDLOCK, reason=f"Landlock unavailable: {LANDLOCK_REASON}")
def test_launcher_confines_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    code = (f"import os\nopen('mine.txt', 'w').write('ok')\nprint(open('mine.txt').read())\n"
            f"for f in ({str(secret)!r}, '/etc/shadow'):\n"
            f"    try:\n        open(f).read(); print('READ', f)\n"
            f"    except PermissionError:\n        print('denied')\n"
            f"import numpy, course.checks\nprint('imports ok')")
    proc = run_launched(tmp_path, "landlock", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ok", "denied", "denied", "imports", "ok"]
    status = json.loads((tmp_path / "box" / "status.json").read_text())
    assert status["landlock"] is True and status["limits"]["address_space_mb"] == 700


@pytest.mark.skipif(not LANDLOCK, reason=f"Landlock unavailable: {LANDLOCK_REASON}")
def test_launcher_fails_closed(tmp_path):
    proc = run_launched(tmp_path, "landlock", "print('kernel started')", tmp_path / "absent")
    assert proc.returncode == 3 and "kernel started" not in proc.stdout
    assert "not starting the kernel" in proc.stderr


# -- command line -------------------------------------------------------------------------------
def test_discover_hash_and_names(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "a.ipynb").write_text("{}")
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    assert [s for s, _ in cli.discover(tmp_path)] == ["ann", "bob"]
    h = cli.content_hash(tmp_path / "bob")
    (tmp_path / "bob" / "a.ipynb").write_text("{ }")
    assert cli.content_hash(tmp_path / "bob") != h
    assert cli.safe_name("../x y") == "_.._x_y" and cli.safe_name(".a") == "_.a"


def test_parser_has_the_grade_options():
    parser = argparse.ArgumentParser()
    cli.build_parser(parser)
    args = parser.parse_args(["subs", "-o", "out", "-j", "3", "--timeout", "5",
                              "--total-timeout", "50", "--memory", "512", "--hidden", "h",
                              "--force"])
    assert (args.jobs, args.timeout, args.total_timeout, args.memory, args.force) == \
        (3, 5.0, 50.0, 512, True)
    assert args.hidden == Path("h") and args.confinement == "auto"


def test_bad_options_are_clear_errors(tmp_path, capsys):
    assert grading_main([str(tmp_path / "nope"), "-o", str(tmp_path / "o")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert grading_main([str(tmp_path), "-o", str(tmp_path / "o"), "--checks",
                         str(tmp_path / "missing.py")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_grading_with_process_isolation_only(tmp_path):
    """--confinement none: grading still works, and run.json and the summary say so."""
    sub = tmp_path / "subs"
    sub.mkdir()
    nb = json.loads(RELEASED.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "99.1-solution":
            cell["source"] = "dydx = 6.0"
    (sub / "ann.ipynb").write_text(json.dumps(nb))
    cmd = [sys.executable, "-m", "course.grading", str(sub), "-o", str(tmp_path / "out"),
           "--confinement", "none", "--assignment", str(RELEASED),
           "--checks", str(FIXTURES / "checks_sample.py")]
    for extra, graded in (([], ["ann"]), ([], []), (["--force"], ["ann"])):
        proc = subprocess.run(cmd + extra, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        info = json.loads((tmp_path / "out" / "run.json").read_text())
        assert info["graded"] == graded
    assert info["confinement"]["mode"] == "none"
    assert "confinement: process isolation only" in proc.stdout
    book = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()
    assert book[1:] == ["ann,99.1,2,2,passed", "ann,99.2,0,2,not_attempted",
                        "ann,99.3,0,1,not_attempted"]


def test_total_time_limit(tmp_path):
    """A notebook that sleeps past --total-timeout: every exercise left is a timeout."""
    sub = tmp_path / "subs" / "slow"
    sub.mkdir(parents=True)
    nb = json.loads(RELEASED.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "99.1-solution":
            cell["source"] = "import time\ntime.sleep(60)\ndydx = 6.0"
    (sub / RELEASED.name).write_text(json.dumps(nb))
    out = tmp_path / "out"
    # in a subprocess: --checks must not register the sample exercises in this test process
    cmd = [sys.executable, "-m", "course.grading", str(sub.parent), "-o", str(out), "--timeout",
           "60", "--total-timeout", "6", "--assignment", str(RELEASED),
           "--checks", str(FIXTURES / "checks_sample.py")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    book = (out / "gradebook.csv").read_text().splitlines()[1:]
    assert [line.split(",")[-1] for line in book] == ["timeout"] * 3
    page = (out / "feedback" / "slow.html").read_text()
    assert "total time limit of 6 s" in page and "ran longer than" not in page


def test_plan_finds_notebooks_by_name_then_by_exercises(tmp_path):
    from course.grading.executor import Settings, plan_notebooks

    first = nb_with(("1.1-solution", "a = 1"), ("1.1-check", "check('1.1', a)"))
    second = nb_with(("2.1-check", "check('2.1', b)"))
    (tmp_path / "01_a.ipynb").write_text(json.dumps(first))
    (tmp_path / "my copy of 02.ipynb").write_text(json.dumps(second))  # renamed by the student
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "01_a.ipynb").write_text("{}")
    settings = Settings(assignment={"01_a.ipynb": [scoring.Expected("1.1", "a")],
                                    "02_b.ipynb": [scoring.Expected("2.1", "b")],
                                    "03_c.ipynb": [scoring.Expected("3.1", "c")]})
    plan = {name: path and path.name for name, path, _ in plan_notebooks(tmp_path, settings)}
    assert plan == {"01_a.ipynb": "01_a.ipynb", "02_b.ipynb": "my copy of 02.ipynb",
                    "03_c.ipynb": None}
