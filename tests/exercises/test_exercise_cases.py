"""Every registered exercise passes with a right answer and fails with each deliberately wrong one.

Each chapter's cases live in ``cases_chNN.py`` beside this file: a dict ``CASES`` mapping the
exercise id to ``(right_answer, [wrong_answer, ...])``. Answers that must be built fresh for every
test (tensors with grads, functions with state) may be given as ``Fresh(lambda: ...)``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from cases_support import Fresh

from course.checks import exercise_ids, run_check

HERE = Path(__file__).parent


def _load_cases() -> dict[str, tuple]:
    cases: dict[str, tuple] = {}
    for path in sorted(HERE.glob("cases_ch*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for ex_id, case in mod.CASES.items():
            assert ex_id not in cases, f"exercise {ex_id} has cases in two files"
            cases[ex_id] = case
    return cases


CASES = _load_cases()


def _materialise(answer):
    return answer.make() if isinstance(answer, Fresh) else answer


def test_every_exercise_has_a_right_and_a_wrong_case():
    ids = exercise_ids()
    missing = [i for i in ids if i not in CASES or not CASES[i][1]]
    assert not missing, f"exercises without a right and a wrong case: {missing}"
    unknown = sorted(set(CASES) - set(ids))
    assert not unknown, f"cases for unregistered exercises: {unknown}"


@pytest.mark.parametrize("ex_id", sorted(CASES))
def test_right_answer_passes(ex_id):
    res = run_check(ex_id, _materialise(CASES[ex_id][0]))
    assert res.status == "passed", res.line()
    assert res.points == res.max_points > 0


@pytest.mark.parametrize(
    "ex_id,k", [(i, k) for i in sorted(CASES) for k in range(len(CASES[i][1]))]
)
def test_wrong_answer_fails(ex_id, k):
    res = run_check(ex_id, _materialise(CASES[ex_id][1][k]))
    assert res.status in ("failed", "error"), res.line()
    assert res.points == 0
    assert res.message, "a failing check must say why"


@pytest.mark.parametrize("ex_id", sorted(CASES))
@pytest.mark.parametrize("placeholder", [None, ...])
def test_placeholder_is_not_attempted(ex_id, placeholder):
    assert run_check(ex_id, placeholder).status == "not_attempted"
