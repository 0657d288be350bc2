"""Exports and report from stored results, no grading: Canvas rows, CSV cells, feedback levels and escaping."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from grader.batch.exports import CANVAS_POINTS_POSSIBLE, _cell, canvas_csv
from grader.batch.feedback import feedback_html, feedback_markdown
from grader.batch.gradebook import Stored
from grader.batch.report import render_report
from grader.batch.roster import Student
from grader.i18n import Text
from grader.results import CheckResult, GradeResult, Isolation, Outcome, SectionResult, TaskResult
from tests.helpers import course_total

STANDARDIZE = "ex01.standardize"


def _result(course, quiz_right: bool, note: str | None = None) -> GradeResult:
    """Exercise 1 with `standardize` failed (the rest passed), the other exercises passed, and the quiz."""
    sections = []
    for ex in course.exercises:
        tasks = []
        for task in ex.tasks:
            task_id = ex.task_id(task)
            passed = task_id != STANDARDIZE
            check = CheckResult(
                id=f"{task_id}.c",
                task=task_id,
                title=Text(en="matches the reference"),
                outcome=Outcome.PASSED if passed else Outcome.FAILED,
                points=task.points if passed else 0.0,
                max_points=task.points,
                category=None if passed else "values",
                message=None if passed else Text(en="values differ"),
            )
            title = Text(en=task.name)
            tasks.append(TaskResult(id=task_id, title=title, max_points=task.points, checks=[check]))
        sections.append(SectionResult(id=ex.id, kind="exercise", number=ex.number, title=ex.title, tasks=tasks))
    points = course_total(course) - sum(t.points for ex in course.exercises for t in ex.tasks)
    quiz_check = CheckResult(
        id="quiz.q1",
        task="quiz.q1",
        title=Text(en="What does autograd record?"),
        outcome=Outcome.PASSED if quiz_right else Outcome.FAILED,
        points=points if quiz_right else 0.0,
        max_points=points,
        category=None if quiz_right else "wrong",
        message=Text(en="your answer 2 is right" if quiz_right else "your answer 1 is not right"),
        explanation=Text(en="THE-EXPLANATION: the graph of operations"),
        chosen=[2] if quiz_right else [1],
    )
    quiz = SectionResult(
        id="quiz",
        kind="quiz",
        title=Text(en="Quiz"),
        tasks=[TaskResult(id="quiz.q1", title=quiz_check.title, max_points=points, checks=[quiz_check])],
        notes=[Text(en=note)] if note else [],
    )
    return GradeResult(
        grader_version="test",
        course=course.title,
        submission="s",
        seed=0,
        profile="quick",
        isolation=Isolation(level="strong"),
        started_at=datetime.now(UTC),
        duration_s=0.0,
        sections=[*sections, quiz],
    )


def _graded(course, student_id: str, quiz_right: bool = True, note: str | None = None) -> Stored:
    return Stored(student_id, student_id, "graded", None, _result(course, quiz_right, note), "d", 1)


def _unfinished(student_id: str, status: str, reason: str) -> Stored:
    return Stored(student_id, f"{student_id}.zip", status, Text(en=reason), None, "d", 1)  # type: ignore[arg-type]


def test_canvas_has_a_row_for_every_student_so_no_old_cell_survives(course):
    stored = [
        _graded(course, "alice"),
        _unfinished("gina", "rejected", "the archive cannot be read"),
        _unfinished("dan", "error", "the sandbox server did not start"),
    ]
    roster = {"zoe": Student("zoe", name="Zoe Park", canvas_id="1018"), "alice": Student("alice")}
    table = list(csv.reader(io.StringIO(canvas_csv(course, stored, roster, "en"))))
    header, possible, *students = table
    columns = len(header) - 5
    assert possible[0] == CANVAS_POINTS_POSSIBLE
    assert sum(float(cell) for cell in possible[5:]) == course_total(course)
    by_login = {row[3]: row for row in students}
    assert set(by_login) == {"alice", "gina", "dan", "zoe"}
    assert by_login["gina"][5:] == ["0"] * columns  # rejected: nothing gradable was handed in
    assert by_login["zoe"][:2] == ["Zoe Park", "1018"] and by_login["zoe"][5:] == ["0"] * columns
    assert by_login["dan"][5:] == [""] * columns  # the grader's failure: no score, not a zero
    assert sum(float(cell) for cell in by_login["alice"][5:]) == course_total(course) - 2


def test_canvas_points_possible_come_from_the_course_even_when_nobody_was_graded(course):
    table = list(csv.reader(io.StringIO(canvas_csv(course, [_unfinished("gina", "rejected", "empty")], {}, "en"))))
    assert sum(float(cell) for cell in table[1][5:]) == course_total(course)


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", " =1+1", "\n=HYPERLINK(1)", "\t=1", "\r=1", "  \t @x", "\tplain", "\rplain"],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(text):
    assert _cell(text) == "'" + text


@pytest.mark.parametrize("text", ["alice", "Zoe Park", "a=b", "", " plain"])
def test_csv_cells_that_are_plain_text_stay_as_they_are(text):
    assert _cell(text) == text


def test_feedback_before_the_deadline_gives_results_and_the_first_hint_only(course):
    assert "unbiased=False" in course.exercise(1).task("standardize").hints[-1].en
    stored = _graded(course, "carol", quiz_right=False)
    markdown = feedback_markdown(course, stored, Student("carol"), "en")
    page = feedback_html(course, stored, Student("carol"), "en")
    for text in (markdown, page):
        assert "standardize" in text and "values differ" in text and "your answer 1 is not right" in text
        assert "Hint 1:" in text and "Hint 2:" not in text
        assert "unbiased=False" not in text  # the last hint gives the solution away
        assert "THE-EXPLANATION" not in text


def test_feedback_after_the_deadline_gives_everything(course):
    stored = _graded(course, "carol", quiz_right=False)
    for render in (feedback_markdown, feedback_html):
        text = render(course, stored, Student("carol"), "en", "after-deadline")
        assert "Hint 2:" in text and "THE-EXPLANATION" in text


def test_learner_text_in_markdown_feedback_is_never_markup(course):
    hostile = '<img src=x onerror="alert(1)"> [click](javascript:alert(1))\n\n<script>alert(2)</script>'
    stored = _graded(course, "x<b>y", note=hostile)
    markdown = feedback_markdown(course, stored, Student("x<b>y", name="<i>Eve</i>"), "en")
    assert "<img" not in markdown and "<script" not in markdown and "<b>" not in markdown and "<i>" not in markdown
    assert "&lt;img src=x" in markdown and "&lt;script&gt;" in markdown and "\\[click\\]" in markdown
    assert "# PyTorch" in markdown  # the course's own Markdown is kept
    rejected = _unfinished("bob", "rejected", "the archive holds a path outside its folder (<svg onload=x>)")
    assert "<svg" not in feedback_markdown(course, rejected, Student("bob"), "en")


def test_report_flags_a_question_nobody_answered_right_and_lists_missing_students(course):
    stored = [_graded(course, name, quiz_right=False) for name in ("alice", "bob")]
    roster = {sid: Student(sid) for sid in ("alice", "bob", "zoe")}
    page = render_report(course, stored, "en", roster)
    assert "nobody answered it right" in page
    missing = page[page.index('<section id="missing">') :]
    assert "zoe" in missing and "alice" not in missing
    fine = render_report(course, [_graded(course, "alice", quiz_right=True)], "en", roster)
    assert "nobody answered it right" not in fine
