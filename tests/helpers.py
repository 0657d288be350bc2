"""Small helpers the engine tests share."""

from __future__ import annotations

from grader.course import Course
from grader.results import GradeResult, TaskResult


def reference_with(course: Course, module: str, replacement: str) -> str:
    """The reference module's source with `replacement` appended: the later definitions win."""
    return (course.solutions_dir / module).read_text(encoding="utf-8") + "\n\n" + replacement.strip() + "\n"


def explained(task: TaskResult) -> list[str]:
    """Each failing check's message and diagnosis, in English, as one string."""
    return [
        " ".join(filter(None, [c.message.en if c.message else "", c.diagnosis.en if c.diagnosis else ""]))
        for c in task.checks
        if not c.passed
    ]


def summary(result: GradeResult) -> list[tuple]:
    """What must not change between two runs with the same seed."""
    return [(c.id, c.outcome, c.points, c.call, c.message, c.diagnosis) for c in result.checks()]
