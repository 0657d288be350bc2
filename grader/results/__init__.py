"""The result model: one pydantic tree that every reporter renders."""

from grader.results.model import (
    CheckResult,
    GradeResult,
    Isolation,
    Outcome,
    SectionResult,
    TaskResult,
    split_points,
)

__all__ = ["CheckResult", "GradeResult", "Isolation", "Outcome", "SectionResult", "TaskResult", "split_points"]
