"""course.checks: feedback wording, "not attempted", errors reported not raised, the registry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course import checks
from course.checks import (
    Fail,
    NotAttempted,
    as_array,
    call,
    check,
    exercise,
    expect,
    expect_close,
    expect_shape,
    expect_type,
    run_check,
)

FIXTURES = Path(__file__).parent / "fixtures" / "release"


@pytest.fixture(autouse=True)
def clean_registry():
    """Each test may register exercises of chapter 98/99; the real registry is restored after."""
    checks.load_all()
    saved, results = dict(checks.REGISTRY), dict(checks.RESULTS)
    yield
    checks.REGISTRY.clear()
    checks.REGISTRY.update(saved)
    checks.RESULTS.clear()
    checks.RESULTS.update(results)


def _register_samples() -> None:
    @exercise("98.1", points=3, title="gradient of a sum", hint="Every element gets 1.")
    def _(answer):
        expect_close(expect_shape(answer, (3,), what="the gradient"), np.ones(3),
                     what="the gradient")

    @exercise("98.2", points=1, title="a float")
    def _(answer):
        expect_type(answer, float, what="the slope")
        expect(answer > 0, "the slope should be positive.")

    @exercise("98.3", points=2, title="double")
    def _(fn):
        expect_close(call(fn, 2.0, what="double"), 4.0, what="double(2.0)")

    @exercise("98.4", points=1, title="uses .grad")
    def _(answer):
        expect_close(answer.grad, 1.0)  # AttributeError for a float: an error result


def test_right_answer_passes_with_points_and_prints_one_line(capsys):
    _register_samples()
    res = run_check("98.1", [1.0, 1.0, 1.0])
    assert (res.status, res.points, res.max_points) == ("passed", 3, 3)
    check("98.1", np.ones(3))
    assert capsys.readouterr().out == "✓ Exercise 98.1 (gradient of a sum): correct, 3/3 points.\n"
    assert checks.RESULTS["98.1"].status == "passed"


def test_shape_mismatch_names_expected_and_actual_shape_and_hint():
    _register_samples()
    res = run_check("98.1", np.ones((3, 1)))
    assert res.status == "failed" and res.points == 0
    assert "the gradient should have shape (3,), got (3, 1)." in res.message
    assert res.message.endswith("Hint: Every element gets 1.")
    assert res.line().startswith("✗ Exercise 98.1 (gradient of a sum): the gradient should")


def test_value_mismatch_shows_expected_and_got():
    _register_samples()
    res = run_check("98.1", [1.0, 2.0, 1.0])
    assert res.status == "failed"
    assert "the gradient should be [1., 1., 1.], got [1., 2., 1.]." in res.message


def test_scalar_value_mismatch_and_tensor_answers():
    import autograd_lite as torch

    @exercise("98.9", points=1)
    def _(answer):
        expect_close(answer, 6.0, what="dy/dx")

    assert run_check("98.9", torch.tensor(6.0, requires_grad=True)).status == "passed"
    res = run_check("98.9", torch.tensor(5.0))
    assert res.message == "dy/dx should be 6, got 5."


def test_type_mismatch_names_both_types():
    _register_samples()
    res = run_check("98.2", "0.5")
    assert res.status == "failed"
    assert res.message == "the slope should be a float, got str."
    assert run_check("98.2", -1.0).message == "the slope should be positive."


def test_non_numeric_answer_fails_with_a_message_not_a_numpy_error():
    _register_samples()
    res = run_check("98.1", {"a": 1})
    assert res.status == "failed"
    assert "should be a number or a tensor, got dict" in res.message


@pytest.mark.parametrize("placeholder", [..., None, (..., ...), [None, ...]])
def test_placeholders_are_not_attempted(placeholder, capsys):
    _register_samples()
    res = run_check("98.1", placeholder)
    assert res.status == "not_attempted" and res.points == 0
    check("98.1", placeholder)
    out = capsys.readouterr().out
    assert out.startswith("○ Exercise 98.1 (gradient of a sum): not attempted yet.")


def test_unsolved_function_raising_not_implemented_is_not_attempted():
    _register_samples()

    def double(x):
        raise NotImplementedError()

    res = run_check("98.3", double)
    assert res.status == "not_attempted"
    assert run_check("98.3", ...).status == "not_attempted"


def test_partially_answered_tuple_counts_as_an_answer():
    assert not checks.is_unanswered((1.0, ...))
    assert not checks.is_unanswered(())


def test_error_in_learners_function_is_reported_not_raised(capsys):
    _register_samples()

    def double(x):
        return x / 0  # the learner's bug

    res = run_check("98.3", double)
    assert res.status == "failed" and res.points == 0
    assert "double raised ZeroDivisionError: float division by zero" in res.message
    assert "when called with (2.0)" in res.message
    assert "`return x / 0  # the learner's bug`" in res.message  # the line of their code
    check("98.3", double)  # prints, never raises
    assert capsys.readouterr().out.startswith("✗ Exercise 98.3 (double): double raised")


def test_wrong_kind_of_answer_crashing_the_checker_is_an_error_result():
    _register_samples()
    res = run_check("98.4", 1.0)
    assert res.status == "error" and res.points == 0
    assert res.message.startswith(
        "checking your answer raised AttributeError: 'float' object has no attribute 'grad'")
    assert "✗ Exercise 98.4" in res.line()


def test_not_a_function_where_a_function_is_expected():
    _register_samples()
    res = run_check("98.3", 4.0)
    assert res.message == "expected a function, got float."


def test_helpers_raise_fail_and_not_attempted():
    with pytest.raises(NotAttempted):
        as_array(...)
    with pytest.raises(NotAttempted):
        call(None)
    with pytest.raises(Fail, match=r"should have shape \(2,\), got \(3,\)"):
        expect_close([1, 2, 3], [1, 2])
    expect_close([[2.0]], 2.0)  # a one-element answer matches a scalar
    np.testing.assert_array_equal(as_array([1, 2]), np.array([1.0, 2.0]))


def test_unknown_id_names_the_known_ids_of_that_chapter():
    _register_samples()
    with pytest.raises(ValueError, match=r"unknown exercise '98\.7'; known exercises: "
                                         r"98\.1, 98\.2, 98\.3, 98\.4$"):
        run_check("98.7", 1.0)
    with pytest.raises(ValueError, match=r"unknown exercise '97\.1'; known exercises: .*98\.1"):
        checks.get("97.1")


def test_registration_validates_ids_points_and_duplicates():
    with pytest.raises(ValueError, match="must look like '3.2'"):
        exercise("first")
    with pytest.raises(ValueError, match="non-negative int"):
        exercise("98.5", points=-1)
    _register_samples()
    with pytest.raises(ValueError, match="registered twice"):
        @exercise("98.1", points=1)
        def _(answer):
            pass


def test_load_file_registers_an_extra_checks_file_and_reports_its_ids():
    added = checks.load_file(FIXTURES / "checks_sample.py")
    assert added == ["99.1", "99.2"]
    assert checks.get("99.1").points == 2 and checks.get("99.2").title == "d/dx x**3 at x = 2"
    # loading it again (an instructor's replacement) is allowed and reports the ids again
    assert checks.load_file(FIXTURES / "checks_sample.py") == ["99.1", "99.2"]
    assert run_check("99.1", lambda x: x * x).status == "passed"
    with pytest.raises(FileNotFoundError, match="no checks file"):
        checks.load_file(FIXTURES / "nope.py")


def test_points_and_ids_by_chapter():
    checks.load_file(FIXTURES / "checks_sample.py")

    @exercise("99.3", points=5, hidden=True)
    def _(answer):
        pass

    assert checks.exercise_ids(99) == ["99.1", "99.2"]
    assert checks.exercise_ids(99, include_hidden=True) == ["99.1", "99.2", "99.3"]
    assert checks.total_points(99) == 3
    assert "99.1" in checks.exercise_ids()


def test_ids_sort_numerically():
    assert sorted(["3.10", "3.9", "10.1", "3.a"], key=checks._id_key) == [
        "3.9", "3.10", "3.a", "10.1"]


def test_result_round_trips_through_a_dict():
    _register_samples()
    res = run_check("98.2", 0.5)
    assert checks.Result(**res.to_dict()) == res
