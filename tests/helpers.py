"""Small helpers the engine tests share: submissions built from the reference, and what a grade says."""

from __future__ import annotations

from grader.course import Course
from grader.results import GradeResult, Outcome, TaskResult


def reference_with(course: Course, module: str, replacement: str) -> str:
    """The reference module's source with `replacement` appended: the later definitions win."""
    return (course.solutions_dir / module).read_text(encoding="utf-8") + "\n\n" + replacement.strip() + "\n"


def failing(result: GradeResult) -> list[tuple[str, str]]:
    """(check id, English message) of every check that did not pass: [] means full marks."""
    return [(c.id, c.message.en if c.message else "") for c in result.checks() if not c.passed]


def explanations(task: TaskResult) -> list[str]:
    """The English message and diagnosis of each failing check of a task, one string per check."""
    return [
        " ".join(filter(None, [c.message.en if c.message else "", c.diagnosis.en if c.diagnosis else ""]))
        for c in task.checks
        if not c.passed
    ]


def assert_all_not_implemented(result: GradeResult) -> None:
    """Stubs score zero cleanly: every check says "not implemented yet", with no input and no diagnosis shown."""
    assert result.points == 0
    checks = result.checks()
    assert checks and all(c.outcome is Outcome.FAILED for c in checks)
    assert {c.category for c in checks} == {"not_implemented"}
    assert all("not implemented yet" in c.message.en for c in checks)
    assert all(c.call is None and c.diagnosis is None for c in checks)  # noise when nothing is implemented


def assert_caught(result: GradeResult, variant: str, expected: str) -> None:
    """The only graded task failed, and one failing check's message or diagnosis contains `expected`."""
    (graded,) = result.sections[0].tasks
    assert not graded.passed, f"{variant} was not caught"
    explained = explanations(graded)
    assert any(expected in text for text in explained), explained


def summary(result: GradeResult) -> list[tuple]:
    """What must not change between two runs with the same seed."""
    return [(c.id, c.outcome, c.points, c.call, c.message, c.diagnosis) for c in result.checks()]


def course_total(course: Course) -> float:
    """Every point the course gives: all exercises' tasks and the quiz."""
    from grader.quiz import load_quiz

    total = sum(task.points for exercise in course.exercises for task in exercise.tasks)
    if course.manifest.quiz is not None:
        total += sum(q.points for q in load_quiz(course.exercises_dir / course.manifest.quiz.questions).questions)
    return total
