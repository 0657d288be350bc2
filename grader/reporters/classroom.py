"""GitHub Classroom: the result document `autograding-grading-reporter` reads from a grading step's `result` output.

The reporter (classroom-resources/autograding-grading-reporter) base64-decodes `<RUNNER>_RESULTS`,
adds up `score` over `tests` in JavaScript and reports `total/max_score` to Classroom when
`max_score` is non-zero; `status` "fail" or "error" fails the job. Scores are therefore whole
multiples of a power-of-two fraction of a point (a quarter by default): such sums are exact in
binary floating point, so the total Classroom shows is the grader's, to the quarter, for full,
zero and partial submissions alike. Every string is defused against workflow commands, because
the reporter prints names and messages into the job log.

What the reporter prints (v1, dist/main.js): a passing test as `✅ name - line N`, a failing one as
`❌ name - line N` without its message (only an `error` test's message is printed), `Test code:` and
`test_code`, then `Total points for <runner>: X/max_score` where X counts passing tests
(passed / tests × max_score), not scores. So one partial submission shows three totals: the
grader's (25.2), the recorded sum of scores (25, to the quarter) and the count-based line (25.53);
the last two agree for full and zero marks, or when every check is worth the same. The Grade step
(`grader.deploy.classroom`) prints the text report and says which total Classroom records.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

from grader.i18n import msg
from grader.reporters.common import ReportOptions, check_lines
from grader.results import CheckResult, GradeResult, Outcome, SectionResult, TaskResult, split_points
from grader.runner.output import defuse_workflow_commands

Status = Literal["pass", "fail", "error"]

# A step output travels to the reporter in an environment variable: Linux refuses a single one over
# 128 KiB, so the base64 document stays under that, messages giving way first.
_MAX_ENCODED_BYTES = 100_000
_MESSAGE_CAPS = (1500, 300, 0)


class ClassroomTest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    status: Status
    score: float = Field(ge=0)
    message: str
    test_code: str
    filename: str
    line_no: int = Field(ge=0)
    duration: float = Field(ge=0)


class ClassroomResults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    status: Status
    # Zero would make the reporter skip the points altogether.
    max_score: PositiveFloat
    message: str | None = None
    tests: list[ClassroomTest]


def points_unit(max_points: float) -> float:
    """The coarsest of 1/4 ... 1/64 of a point that `max_points` is a whole multiple of (1/64 if none is)."""
    for k in range(2, 7):
        scaled = max_points * 2**k
        if math.isclose(scaled, round(scaled), abs_tol=1e-6):
            return 2.0**-k
    return 2.0**-6


def whole_scores(checks: list[CheckResult], max_points: float) -> tuple[float, list[float]]:
    """`max_score` and one score per check, in multiples of `points_unit`, that add up exactly.

    The earned total is rounded down to the unit (full marks stay full, nothing earns what it did
    not), then shared over the checks in proportion to their points, largest remainders first.
    """
    unit = points_unit(max_points)
    max_units = round(max_points / unit)
    earned = sum(c.points for c in checks)
    units = min(max_units, math.floor(earned / unit + 1e-6))
    if earned < max_points - 1e-9:
        # A total that is no multiple of the unit (10.3) must not round a near miss up to full marks.
        units = min(units, max_units - 1)
    if units <= 0:
        return max_units * unit, [0.0] * len(checks)
    return max_units * unit, split_points(units * unit, [c.points for c in checks], unit)


def _status(outcome: Outcome) -> Status:
    return {Outcome.PASSED: "pass", Outcome.FAILED: "fail", Outcome.ERROR: "error"}[outcome]


def _command(section: SectionResult, task: TaskResult) -> str:
    if section.kind == "quiz":
        return "grade quiz"
    return f"grade exercise {section.number} {task.id.partition('.')[2]}"


def _message(section: SectionResult, check: CheckResult, lang: str) -> str:
    if section.error is not None:
        lines = [msg("ui_section_error", text=section.error).get(lang)]
    else:
        # Quiz explanations stay out of the job log: they would give the key away before the deadline.
        lines = check_lines(check, lang, with_explanation=False)
    return "\n".join(lines)


def _clean(text: str, cap: int | None = None) -> str:
    text = defuse_workflow_commands(text)
    if cap is not None and len(text) > cap:
        text = text[:cap].rstrip() + ("…" if cap else "")
    return text


def document(result: GradeResult, options: ReportOptions, message_cap: int | None = None) -> ClassroomResults:
    lang = options.lang
    rows = [(s, t, c) for s in result.sections for t in s.tasks for c in t.checks]
    max_score, scores = whole_scores([c for _, _, c in rows], result.max_points)
    tests = [
        ClassroomTest(
            name=_clean(f"{task.id}: {' '.join(check.title.get(lang).split())}"),
            status=_status(check.outcome),
            score=score,
            message=_clean(_message(section, check, lang), message_cap),
            test_code=_command(section, task),
            filename=section.file or "",
            line_no=task.line or 0,
            duration=round(check.duration_s, 3),
        )
        for (section, task, check), score in zip(rows, scores, strict=True)
    ]
    statuses = {t.status for t in tests}
    status: Status = "fail" if "fail" in statuses else "error" if "error" in statuses else "pass"
    return ClassroomResults(status=status, max_score=max_score or 1.0, tests=tests)


def _dump(doc: ClassroomResults) -> str:
    data = doc.model_dump(exclude_none=True)
    return ClassroomResults.model_validate(data).model_dump_json(exclude_none=True)


def render(result: GradeResult, options: ReportOptions) -> str:
    """The document as compact JSON; the workflow base64-encodes it into the step's `result` output."""
    for cap in _MESSAGE_CAPS:
        text = _dump(document(result, options, cap))
        # base64 grows 4/3; the check keeps the encoded form under the environment-variable limit.
        if len(text.encode()) * 4 // 3 + 4 <= _MAX_ENCODED_BYTES:
            break
    return text


def render_error(message: str, max_points: float | None, options: ReportOptions) -> str:
    """The document for a run that could not grade: still one test, so the reporter shows why."""
    text = _clean(msg("grader_failed", detail=message).get(options.lang), _MESSAGE_CAPS[0])
    test = ClassroomTest(
        name="grader", status="error", score=0, message=text, test_code="grade all", filename="", line_no=0, duration=0
    )
    max_score = whole_scores([], max_points or 0.0)[0]
    return _dump(ClassroomResults(status="error", max_score=max_score or 1.0, message=text, tests=[test]))
