"""Gradescope's results.json: one test per check with its points; no top-level score, so Gradescope sums the tests.

The models follow the published specification (gradescope-autograders.readthedocs.io, "Autograder
Specifications": every field optional, extra fields refused, and a top-level `score` only where a
test lacks one), so what this module emits is valid by construction. Test visibility is a parameter:
the autograder built by `grade gradescope build` keeps hidden checks `after_published` by default,
while the `--format gradescope` view shows all.

Gradescope adds the scores of the tests up itself, and shows students the sum of those they can see,
so a top-level score would give a hidden total away. Each test's points are therefore whole
sixteenths of a point (four decimals at most, exact in binary floating point): any sum of them, in
any order, is exact, and the tests of a task add up to its points. A task's points are shared over
its checks in proportion to the grader's own split, largest remainders first; a check scores the
same part of its share as of its points in the grader (all, none, or for a multiple-choice question
with partial credit a part, rounded down to a sixteenth). The total may differ from the grader's by
that rounding (less than 1/16 of a point per check). The visible top-level text gives the
total only when the graded tests are visible.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.i18n import msg
from grader.reporters.common import ReportOptions, check_lines, points
from grader.results import CheckResult, GradeResult, TaskResult, split_points

Visibility = Literal["hidden", "after_due_date", "after_published", "visible"]
OutputFormat = Literal["text", "html", "simple_format", "md", "ansi"]

# Sixteenths of a point: four decimals at most and exact in binary, so that every sum of them is exact.
POINT_UNIT = 1 / 16


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


def task_shares(task: TaskResult) -> list[float]:
    """Each check's share of `task`'s points in whole `POINT_UNIT`s, proportional to the grader's split."""
    weights = [c.max_points for c in task.checks]
    if not weights or sum(weights) <= 0:
        return [0.0] * len(weights)
    return split_points(round(task.max_points / POINT_UNIT) * POINT_UNIT, weights, POINT_UNIT)


def _earned(check: CheckResult, share: float) -> float:
    """The part of `share` the check earned, in whole `POINT_UNIT`s rounded down (a quiz question may earn part)."""
    if check.passed or check.points >= check.max_points > 0:
        return share
    if check.max_points <= 0 or check.points <= 0:
        return 0.0
    return math.floor(share * check.points / check.max_points / POINT_UNIT) * POINT_UNIT


def _summary(earned: float, possible: float, visibility: Visibility, lang: str) -> str:
    """The visible top-level text: the total, or when the graded tests are hidden, when it will be shown."""
    if visibility == "visible":
        return f"{msg('ui_total').get(lang)}: {points(earned)}/{points(possible)}"
    return msg(f"gradescope_points_{visibility}").get(lang)


def document(result: GradeResult, options: ReportOptions, visibility: Visibility = "visible") -> GradescopeResults:
    """The results for `result`; `visibility` applies to every graded test (checks and quiz questions)."""
    lang = options.lang
    tests = []
    for section in result.sections:
        for task in section.tasks:
            for check, share in zip(task.checks, task_shares(task), strict=True):
                if section.error is not None:
                    lines = [msg("ui_section_error", text=section.error).get(lang)]
                else:
                    lines = check_lines(check, lang)
                tests.append(
                    GradescopeTest(
                        name=f"{task.id}: {' '.join(check.title.get(lang).split())}",
                        score=_earned(check, share),
                        max_score=share,
                        status="passed" if check.passed else "failed",
                        output="\n".join(lines),
                        output_format="text",
                        visibility=visibility,
                        tags=[section.id, task.id] + ([check.category] if check.category else []),
                    )
                )
    earned = sum(t.score or 0.0 for t in tests)
    possible = sum(t.max_score or 0.0 for t in tests)
    return GradescopeResults(
        output=_summary(earned, possible, visibility, lang),
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
