"""`course grade` on a fixture class: one student per adversarial case, graded in one run (-j 2).

The class is built from the sample notebook ``tests/fixtures/grading/99_sample_exercises.ipynb``
(released form) whose exercises are registered by ``checks_sample.py`` (``--checks``), plus one
hidden check (``--hidden``). Nothing here depends on the course's own chapters.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course.grading import confinement

FIXTURES = Path(__file__).parent / "fixtures" / "grading"
RELEASED = FIXTURES / "99_sample_exercises.ipynb"
NB_NAME = RELEASED.name
LANDLOCK, LANDLOCK_REASON = confinement.landlock_status()
needs_landlock = pytest.mark.skipif(not LANDLOCK, reason=f"Landlock unavailable: "
                                                         f"{LANDLOCK_REASON}")

RIGHT = {"99.1": "dydx = 6.0", "99.2": "def square_grad(x):\n    return 2 * x",
         "99.3": "total = sum([1, 2, 3, 4])"}
ALL = ("99.1", "99.2", "99.3", "99.2.negative")


def released() -> dict:
    return json.loads(RELEASED.read_text(encoding="utf-8"))


def gid(cell: dict) -> str:
    return cell["metadata"].get("nbgrader", {}).get("grade_id", "")


def solved(**sources: str) -> dict:
    """The released notebook with solution cells replaced (default: the right answers)."""
    nb = released()
    answers = {**RIGHT, **{k.replace("_", "."): v for k, v in sources.items()}}
    for cell in nb["cells"]:
        ex = gid(cell).removesuffix("-solution")
        if gid(cell).endswith("-solution") and ex in answers:
            cell["source"] = answers[ex]
    return nb


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source}


def write(folder: Path, nb: dict | str, name: str = NB_NAME) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = nb if isinstance(nb, str) else json.dumps(nb, indent=1)
    (folder / name).write_text(text, encoding="utf-8")


def build_class(root: Path, hidden: Path, grader_home: Path) -> Path:
    sub = root / "submissions"
    perfect = solved()
    perfect["cells"].insert(2, code_cell(
        "import sys, warnings\nwarnings.warn('noise on stderr')\n"
        "print('more noise', file=sys.stderr)"))
    write(sub / "perfect", perfect)
    write(sub / "empty", released())
    write(sub / "loop", solved(**{"99_1": "while True:\n    pass\ndydx = 6.0",
                                  "99_2": "def square_grad(x):\n    while True:\n        pass"}))
    write(sub / "crash", solved(**{"99_2": "import os\nos._exit(3)"}))
    write(sub / "membomb", solved(**{"99_3": "def bomb():\n    hog = []\n    while True:\n"
                                             "        hog.append(bytearray(64 * 2**20))\n"
                                             "bomb()\ntotal = 10"}))
    write(sub / "notjson", '{"cells": [ this is not JSON')
    write(sub / "nbformat3", json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                         "worksheets": [{"cells": []}]}))
    (sub / "missing").mkdir(parents=True)
    (sub / "missing" / "notes.txt").write_text("I forgot to upload it\n")
    # renamed 99.1 check, deleted 99.3 check, 99.2 check duplicated, cells reordered
    nb = solved()
    cells = nb["cells"]
    for c in cells:
        if gid(c) == "99.1-check":
            c["metadata"]["nbgrader"]["grade_id"] = "99.1-check-renamed"
    cells[:] = [c for c in cells if gid(c) != "99.3-check"]
    sol3 = next(c for c in cells if gid(c) == "99.3-solution")
    cells.remove(sol3)
    cells.insert(2, sol3)
    dup = next(c for c in cells if gid(c) == "99.2-check")
    cells.insert(cells.index(dup), json.loads(json.dumps(dup)))
    write(sub / "renamed", nb)
    # wrong answers behind edited check cells, faked outputs, a patched registry, HTML in errors
    nb = solved(**{"99_1": "dydx = 5.0", "99_2": "square_grad = lambda x: 3 * x",
                   "99_3": "total = 11\nimport course.checks as c\n"
                           "c.REGISTRY['99.3'].checker = lambda answer: None"})
    fake = [{"name": "stdout", "output_type": "stream", "text": "✓ Exercise 99.1: correct\n"}]
    for c in nb["cells"]:
        if gid(c) == "99.1-check":
            c["source"], c["outputs"] = 'print("✓ Exercise 99.1: correct, 2/2 points.")', fake
        if gid(c) == "99.2-check":
            c["source"] = 'check("99.2", lambda x: 2 * x)'
    nb["cells"].append(code_cell("raise ValueError('<script>alert(1)</script>')"))
    write(sub / "edited", nb)
    # checks 99.1 and 99.2 run before the cell that patches numpy and course.checks
    write(sub / "tamper", solved(**{"99_3": "total = 11\nimport numpy, course.checks\n"
                                            "numpy.allclose = lambda *a, **k: True\n"
                                            "course.checks.expect = lambda *a: None"}))
    deleter = solved(**{"99_1": "import os, shutil\nfor p in os.listdir('.'):\n"
                                "    shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)\n"
                                "dydx = 6.0"})
    write(sub / "deleter", deleter)
    (sub / "deleter" / "data.txt").write_text("precious data\n")
    snoop = solved()
    attempts = [f"open({str(hidden / 'hidden_99.py')!r}).read()",
                f"open({str(grader_home / 'pwned.txt')!r}, 'w').write('pwned')",
                f"import os\nos.listdir({str(sub / 'perfect')!r})",
                "import os\nfiles = [os.path.join(r, f) for r, _, fs in os.walk(os.path.dirname("
                "os.environ['HOME'])) for f in fs]\n"
                "found = [p for p in files if os.path.isfile(p) and '99.2.' + 'negative' in "
                "open(p, errors='ignore').read()]\nprint(len(files), 'files searched')\n"
                "if found:\n    raise RuntimeError(f'HIDDEN FOUND {found}')"]
    snoop["cells"][2:2] = [code_cell(a) for a in attempts]
    write(sub / "snoop", snoop)
    write(sub, solved(), name="solo.ipynb")  # a submission that is a single notebook
    return sub


EXPECTED = {
    "perfect": dict.fromkeys(ALL, "passed"),
    "solo": dict.fromkeys(ALL, "passed"),
    "empty": dict.fromkeys(ALL, "not_attempted"),
    "loop": {"99.1": "timeout", "99.2": "timeout", "99.3": "passed", "99.2.negative": "timeout"},
    "crash": {"99.1": "passed", "99.2": "error", "99.3": "error", "99.2.negative": "error"},
    "membomb": {"99.1": "passed", "99.2": "passed", "99.3": "error", "99.2.negative": "passed"},
    "notjson": dict.fromkeys(ALL, "error"),
    "nbformat3": dict.fromkeys(ALL, "error"),
    "missing": dict.fromkeys(ALL, "missing"),
    "renamed": {"99.1": "missing", "99.2": "passed", "99.3": "missing",
                "99.2.negative": "passed"},
    "edited": dict.fromkeys(ALL, "failed"),
    "tamper": {"99.1": "passed", "99.2": "passed", "99.3": "error", "99.2.negative": "error"},
    "deleter": dict.fromkeys(ALL, "passed"),
    "snoop": dict.fromkeys(ALL, "passed"),
}
POINTS = {"99.1": 2, "99.2": 2, "99.3": 1, "99.2.negative": 1}


def tree_hash(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def grade(sub: Path, out: Path, home: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE")}
    env["HOME"] = str(home)
    cmd = [sys.executable, "-m", "course.grading", str(sub), "-o", str(out), "-j", "2",
           "--timeout", "5", "--total-timeout", "120", "--memory", "1024",
           "--assignment", str(RELEASED), "--checks", str(FIXTURES / "checks_sample.py"),
           "--hidden", str(out.parent / "hidden"), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600,
                          cwd=str(out.parent))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading-class")
    hidden = root / "hidden"
    hidden.mkdir()
    (hidden / "hidden_99.py").write_text((FIXTURES / "hidden" / "hidden_99.py").read_text())
    home = root / "grader_home"
    home.mkdir()
    sub = build_class(root, hidden, home)
    before = tree_hash(sub)
    out = root / "out"
    proc = grade(sub, out, home)
    assert proc.returncode == 0, proc.stderr
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"root": root, "sub": sub, "out": out, "home": home, "before": before, "proc": proc,
            "rows": rows}


def feedback(graded, student: str) -> str:
    return (graded["out"] / "feedback" / f"{student}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_gradebook_rows(graded, student):
    rows = [r for r in graded["rows"] if r["student"] == student]
    assert {r["exercise"]: r["status"] for r in rows} == EXPECTED[student]
    for r in rows:
        assert int(r["max_points"]) == POINTS[r["exercise"]]
        want = POINTS[r["exercise"]] if r["status"] == "passed" else 0
        assert float(r["points"]) == want


def test_gradebook_has_every_student_and_only_known_statuses(graded):
    assert list(graded["rows"][0]) == ["student", "exercise", "points", "max_points", "status"]
    assert {r["student"] for r in graded["rows"]} == set(EXPECTED)
    assert {r["status"] for r in graded["rows"]} <= {"passed", "failed", "error", "timeout",
                                                     "not_attempted", "missing"}


@pytest.mark.parametrize("student, text", [
    ("loop", "longer than 5 s"),
    ("crash", "exited with code 3"),
    ("membomb", "MemoryError"),
    ("notjson", "not valid JSON"),
    ("nbformat3", "nbformat 3"),
    ("missing", f"notebook {NB_NAME} not found"),
    ("renamed", "grade_id &#x27;99.1-check&#x27;"),
    ("edited", "dy/dx at x = 3 should be 6, got 5"),
    ("edited", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("tamper", "changed code the checks rely on (numpy.allclose, course.checks.expect)"),
])
def test_feedback_explains(graded, student, text):
    assert text in feedback(graded, student)


def test_feedback_is_escaped(graded):
    assert "<script>" not in feedback(graded, "edited")


def test_originals_unchanged(graded):
    assert tree_hash(graded["sub"]) == graded["before"]
    assert (graded["sub"] / "deleter" / "data.txt").read_text() == "precious data\n"


def test_run_json_and_summary(graded):
    info = json.loads((graded["out"] / "run.json").read_text())
    assert info["confinement"]["mode"] == ("landlock" if LANDLOCK else "none")
    assert sorted(info["graded"]) == sorted(EXPECTED) and info["skipped"] == []
    assert info["hidden_exercises"] == ["99.2.negative"]
    out = graded["proc"].stdout
    assert "confinement: " + info["confinement"]["description"] in out
    assert all(s in out for s in EXPECTED)
    assert "14/14" in graded["proc"].stderr  # the progress bar reached the end


def test_second_run_skips_already_graded(graded):
    book = (graded["out"] / "gradebook.csv").read_text()
    proc = grade(graded["sub"], graded["out"], graded["home"])
    assert proc.returncode == 0, proc.stderr
    info = json.loads((graded["out"] / "run.json").read_text())
    assert info["graded"] == [] and sorted(info["skipped"]) == sorted(EXPECTED)
    assert "0 to grade (14 already graded)" in proc.stderr
    assert (graded["out"] / "gradebook.csv").read_text() == book


def test_changed_submission_is_graded_again(graded):
    """The result files are keyed by content: a new file regrades that student only."""
    (graded["sub"] / "missing" / "late.txt").write_text("the notebook is still missing\n")
    proc = grade(graded["sub"], graded["out"], graded["home"])
    assert proc.returncode == 0, proc.stderr
    info = json.loads((graded["out"] / "run.json").read_text())
    assert info["graded"] == ["missing"] and len(info["skipped"]) == len(EXPECTED) - 1


@needs_landlock
def test_kernel_cannot_read_hidden_checks(graded):
    assert "PermissionError: [Errno 13] Permission denied: &#x27;" + \
        str(graded["root"] / "hidden" / "hidden_99.py") in feedback(graded, "snoop")
    assert "HIDDEN FOUND" not in feedback(graded, "snoop")
    assert feedback(graded, "snoop").count(": raised ") == 3  # the search itself ran cleanly


@needs_landlock
def test_kernel_cannot_write_graders_home(graded):
    assert "pwned.txt" in feedback(graded, "snoop")
    assert not (graded["home"] / "pwned.txt").exists()


@needs_landlock
def test_kernel_cannot_list_other_students(graded):
    text = feedback(graded, "snoop")
    assert "PermissionError" in text and str(graded["sub"] / "perfect") in text
    assert text.count("PermissionError") == 3


@needs_landlock
def test_every_kernel_was_confined(graded):
    info = json.loads((graded["out"] / "run.json").read_text())
    kernels = [s["kernel"] for s in info["students"].values() if s["kernel"]]
    assert kernels and all(k["landlock"] and not k["probe_readable"] for k in kernels)
