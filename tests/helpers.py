"""Small helpers the engine tests share."""

from __future__ import annotations

from grader.course import Course
from grader.results import GradeResult, Outcome, TaskResult


def reference_with(course: Course, module: str, replacement: str) -> str:
    """The reference module's source with `replacement` appended: the later definitions win."""
    return (course.solutions_dir / module).read_text(encoding="utf-8") + "\n\n" + replacement.strip() + "\n"


def failing(result: GradeResult) -> list[tuple[str, str]]:
    """(check id, English message) of every check that did not pass: [] when everything passed."""
    return [(c.id, c.message.en if c.message else "") for c in result.checks() if not c.passed]


def explanations(task: TaskResult) -> list[str]:
    """The English message and diagnosis of each failing check of a task, one string per check."""
    return [
        " ".join(filter(None, [c.message.en if c.message else "", c.diagnosis.en if c.diagnosis else ""]))
        for c in task.checks
        if not c.passed
    ]


def assert_not_implemented_everywhere(result: GradeResult) -> None:
    """What grading the untouched stubs must give: zero points, every check "not implemented yet", no input shown."""
    checks = result.checks()
    assert result.points == 0
    assert checks and all(c.outcome is Outcome.FAILED for c in checks)
    assert {c.category for c in checks} == {"not_implemented"}
    assert all("not implemented yet" in c.message.en for c in checks)
    assert all(c.call is None and c.diagnosis is None for c in checks)
