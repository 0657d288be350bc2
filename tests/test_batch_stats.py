"""Class statistics: quiz item analysis against hand computation, causes of failure grouped across students."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.batch.stats import cause, item_stats, task_stats, upper_lower
from grader.i18n import Text
from grader.quiz import grade_quiz, load_key, load_quiz
from grader.results import CheckResult, GradeResult, Isolation, Outcome, SectionResult, TaskResult


def _result(sections: list[SectionResult]) -> GradeResult:
    return GradeResult(
        grader_version="test",
        course=Text(en="c"),
        submission="s",
        seed=0,
        profile="quick",
        isolation=Isolation(level="sandboxed"),
        started_at=datetime.now(UTC),
        duration_s=0.0,
        sections=sections,
    )


def _quiz_result(course, tmp_path: Path, name: str, answers: str) -> GradeResult:
    files = course.manifest.quiz
    quiz = load_quiz(course.exercises_dir / files.questions)
    key = load_key(course.solutions_dir / files.key, quiz)
    path = tmp_path / name / "answers.toml"
    path.parent.mkdir()
    path.write_text(answers)
    return _result([grade_quiz(files, quiz, key, path)])


@pytest.fixture
def five_students(course, reference_dir, tmp_path) -> list[GradeResult]:
    key_lines = (reference_dir / "exercises" / "quiz" / "answers.toml").read_text().splitlines()
    everything = "\n".join(key_lines)
    all_but_q1 = "\n".join(["q1 = 1", *(line for line in key_lines if not line.startswith("q1 "))])
    return [
        _quiz_result(course, tmp_path, "s1", everything),  # 14
        _quiz_result(course, tmp_path, "s2", all_but_q1),  # 13
        _quiz_result(course, tmp_path, "s3", "q1 = 3\nq2 = 1\n"),  # 1
        _quiz_result(course, tmp_path, "s4", "q1 = 2\nq2 = 2\n"),  # 1
        _quiz_result(course, tmp_path, "s5", ""),  # 0
    ]


def test_quiz_item_analysis_matches_hand_computation(course, five_students):
    assert [r.points for r in five_students] == [14, 13, 1, 1, 0]
    q1 = next(i for i in item_stats(course, five_students) if i.question_id == "q1")
    assert q1.key == frozenset({3})
    assert q1.students == 5 and q1.answered == 4
    assert q1.difficulty == pytest.approx(0.4)
    assert q1.chosen == {1: 1, 2: 1, 3: 2, 4: 0}
    # Point-biserial by its textbook formula, on the rest of the quiz (total without q1).
    correct = [1, 0, 1, 0, 0]
    rest = [13, 13, 0, 1, 0]
    m1 = statistics.fmean(r for r, c in zip(rest, correct, strict=True) if c)
    m0 = statistics.fmean(r for r, c in zip(rest, correct, strict=True) if not c)
    expected = (m1 - m0) / statistics.pstdev(rest) * math.sqrt(0.4 * 0.6)
    assert q1.point_biserial == pytest.approx(expected)
    assert q1.upper_lower == pytest.approx(1.0)  # the top student right, the bottom one wrong


def test_an_item_everyone_gets_right_has_no_discrimination(course, five_students):
    easy = [r for r in five_students[:2]]
    q3 = next(i for i in item_stats(course, easy) if i.question_id == "q3")
    assert q3.difficulty == 1.0 and q3.point_biserial is None


def test_upper_lower_groups():
    assert upper_lower([0, 0, 1, 1], [1, 2, 3, 4]) == 1.0
    assert upper_lower([1, 1, 0, 0], [1, 2, 3, 4]) == -1.0
    assert upper_lower([1], [3]) is None


def _task(task_id: str, *checks: CheckResult) -> TaskResult:
    return TaskResult(id=task_id, title=Text(en=task_id), max_points=2, checks=list(checks))


def _check(task_id: str, title: str, outcome: Outcome, category: str | None = None, diagnosis: str | None = None):
    return CheckResult(
        id=f"{task_id}:{title}",
        task=task_id,
        title=Text(en=title),
        outcome=outcome,
        category=category,
        diagnosis=Text(en=diagnosis) if diagnosis else None,
    )


def test_causes_are_counted_once_per_student_and_named_alike():
    tid = "ex01.standardize"
    unbiased = "the variance is unbiased"
    students = [
        # Two failing checks with the same diagnosis: one student, counted once.
        _task(
            tid,
            _check(tid, "a", Outcome.FAILED, "value", unbiased),
            _check(tid, "b", Outcome.FAILED, "value", unbiased),
        ),
        _task(tid, _check(tid, "a", Outcome.FAILED, "value", unbiased), _check(tid, "b", Outcome.PASSED)),
        _task(tid, _check(tid, "a", Outcome.FAILED, "timeout"), _check(tid, "b", Outcome.FAILED, "not_run")),
        _task(tid, _check(tid, "a", Outcome.FAILED, "shape"), _check(tid, "b", Outcome.PASSED)),
        _task(tid, _check(tid, "a", Outcome.PASSED), _check(tid, "b", Outcome.PASSED)),
    ]
    section = lambda task: SectionResult(id="ex01", kind="exercise", number=1, title=Text(en="e"), tasks=[task])  # noqa: E731
    (stats,) = task_stats([_result([section(t)]) for t in students])
    assert stats.attempted == 5 and stats.passed == 1 and stats.pass_rate == pytest.approx(0.2)
    causes = {text.en: count for text, count in stats.causes}
    assert causes == {unbiased: 2, "too slow or an infinite loop (timeout)": 1, "a (shape)": 1}
    assert cause(_check(tid, "b", Outcome.FAILED, "not_run")) is None
