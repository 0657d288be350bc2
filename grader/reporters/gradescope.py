"""Gradescope's results.json: one test per check with its points; no top-level score, so Gradescope sums the tests.

The models follow the published specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications": every field optional, extra fields refused), so what this module emits is valid
by construction. Test visibility is a parameter: the autograder built by `grade gradescope build`
keeps hidden checks `after_published` by default, while the `--format gradescope` view shows all.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.i18n import msg
from grader.reporters.common import ReportOptions, check_lines, points
from grader.results import GradeResult

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
OutputFormat = Literal["text", "html", "simple_format", "md", "ansi"]


class GradescopeTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    name_format: OutputFormat | None = None
    number: str | None = None
    # Both optional: a test without points is an informational check that only passes or fails.
    score: float | None = None
    max_score: float | None = None
    status: Literal["passed", "failed"] | None = None
    output: str | None = None
    output_format: OutputFormat | None = None
    tags: list[str] = Field(default_factory=list)
    visibility: Visibility | None = None
    extra_data: dict[str, Any] | None = None


class LeaderboardEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    value: float | str
    order: Literal["asc", "desc"] | None = None


class GradescopeResults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Overrides the sum of the tests when present; this grader leaves it out.
    score: float | None = None
    execution_time: int | None = None
    output: str | None = None
    output_format: OutputFormat | None = None
    test_output_format: OutputFormat | None = None
    test_name_format: OutputFormat | None = None
    visibility: Visibility | None = None
    stdout_visibility: Visibility | None = None
    extra_data: dict[str, Any] | None = None
    tests: list[GradescopeTest] | None = None
    leaderboard: list[LeaderboardEntry] | None = None

    def dump(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True)


def document(result: GradeResult, options: ReportOptions, visibility: Visibility = "visible") -> GradescopeResults:
    """The results for `result`; `visibility` applies to every graded test (checks and quiz questions)."""
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
                        output_format="text",
                        visibility=visibility,
                        tags=[section.id, task.id] + ([check.category] if check.category else []),
                    )
                )
    total = msg("ui_total").get(lang)
    return GradescopeResults(
        output=f"{total}: {points(result.points)}/{points(result.max_points)}",
        output_format="text",
        execution_time=max(1, round(result.duration_s)),
        visibility="visible",
        stdout_visibility="hidden",
        tests=tests,
    )


def error_document(message: str, max_points: float | None, options: ReportOptions) -> GradescopeResults:
    """Results for a run that could not grade: one failed test that says why, scoring nothing."""
    text = msg("grader_failed", detail=message).get(options.lang)
    test = GradescopeTest(
        name="grader",
        score=0.0,
        max_score=max_points,
        status="failed",
        output=text,
        output_format="text",
        visibility="visible",
    )
    return GradescopeResults(output=text, output_format="text", visibility="visible", tests=[test])


def render(result: GradeResult, options: ReportOptions) -> str:
    return document(result, options).dump()


def render_error(message: str, max_points: float | None, options: ReportOptions) -> str:
    return error_document(message, max_points, options).dump()
