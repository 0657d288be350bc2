"""Gradescope's results.json: one test per check with its points; no top-level score, so Gradescope sums the tests.

The document is built from pydantic models of the published format (extra fields refused), so
what this module emits is valid by construction.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.i18n import msg
from grader.reporters.common import ReportOptions, check_lines, points
from grader.results import GradeResult

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
OutputFormat = Literal["text", "html", "simple_format", "md", "ansi"]


class GradescopeTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    output: str = ""
    output_format: OutputFormat = "text"
    visibility: Visibility = "visible"
    tags: list[str] = Field(default_factory=list)


class GradescopeResults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Deliberately no `score` and no `max_score`: Gradescope then totals the tests.
    output: str = ""
    output_format: OutputFormat = "text"
    execution_time: int | None = None
    visibility: Visibility = "visible"
    stdout_visibility: Visibility = "hidden"
    tests: list[GradescopeTest]


def document(result: GradeResult, options: ReportOptions, visibility: Visibility = "visible") -> GradescopeResults:
    lang = options.lang
    tests = []
    for section in result.sections:
        for task in section.tasks:
            for check in task.checks:
                if section.error is not None:
                    lines = [msg("ui_section_error", text=section.error).get(lang)]
                else:
                    lines = check_lines(check, lang)
                tests.append(
                    GradescopeTest(
                        name=f"{task.id}: {' '.join(check.title.get(lang).split())}",
                        score=check.points,
                        max_score=check.max_points,
                        status="passed" if check.passed else "failed",
                        output="\n".join(lines),
                        visibility=visibility,
                        tags=[section.id, task.id] + ([check.category] if check.category else []),
                    )
                )
    total = msg("ui_total").get(lang)
    return GradescopeResults(
        output=f"{total}: {points(result.points)}/{points(result.max_points)}",
        execution_time=max(1, round(result.duration_s)),
        visibility=visibility,
        tests=tests,
    )


def render(result: GradeResult, options: ReportOptions) -> str:
    return document(result, options).model_dump_json(indent=2)
