"""GitHub Classroom's Grade step (`grade classroom run`): one grading, two views.

The reporter action (autograding-grading-reporter v1) prints a failing check's title and line only:
a test's `message` reaches the job log only when its status is `error`. So the Grade step prints the
text report (in the learner's language) in its own log, and writes the document the reporter reads.
It also says which of the totals in the log Classroom records (see `grader.reporters.classroom`).
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.course import Course
from grader.i18n import msg
from grader.reporters import error_renderer, renderer
from grader.reporters.classroom import ClassroomResults, points_unit
from grader.reporters.common import ReportOptions, points

# The job log is read in a browser: wide enough for long messages, no terminal colours.
_LOG_WIDTH = 120


@dataclass(frozen=True)
class ClassroomRun:
    document: str
    log: str
    passed: bool


def _fraction(unit: float) -> str:
    return f"1/{round(1 / unit)}"


def grade_for_classroom(course: Course, lang: str, profile: str, seed: int | None) -> ClassroomRun:
    """Grade the repository like `grade all`; the Classroom document and the job log's text."""
    from grader.judge import Selection, grade
    from grader.runner.server import SandboxServer

    server = SandboxServer()
    try:
        selection = Selection(exercises=tuple(course.exercises), quiz=True)
        run_seed = course.manifest.course.seed if seed is None else seed
        result = grade(course, course.root, selection, seed=run_seed, profile=profile, server=server)
    finally:
        server.close()
    # The job log is read before the deadline: no quiz explanation, no ✓/✗ on each chosen option.
    options = ReportOptions(lang=lang, verbose=True, width=_LOG_WIDTH, show_key=False)
    document = renderer("classroom")(result, options)
    doc = ClassroomResults.model_validate_json(document)
    recorded = sum(t.score for t in doc.tests)
    note = msg(
        "classroom_totals",
        recorded=points(recorded),
        max=points(doc.max_score),
        unit=_fraction(points_unit(doc.max_score)),
    ).get(lang)
    log = renderer("text")(result, options).rstrip("\n") + "\n\n" + note + "\n"
    return ClassroomRun(document=document, log=log, passed=result.passed)


def error_for_classroom(problem: str, max_points: float | None, lang: str) -> ClassroomRun:
    """The run that could not grade: the error document, and the reason for the log."""
    render = error_renderer("classroom")
    assert render is not None
    text = msg("grader_failed", detail=problem).get(lang)
    return ClassroomRun(document=render(problem, max_points, ReportOptions(lang=lang)), log=text + "\n", passed=False)
