"""The result model as one JSON document (both languages included)."""

from __future__ import annotations

from grader.reporters.common import ReportOptions
from grader.results import GradeResult


def render(result: GradeResult, options: ReportOptions) -> str:
    return result.model_dump_json(indent=2)
