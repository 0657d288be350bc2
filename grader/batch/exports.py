"""Exports of the gradebook: `grades.csv`, a Canvas gradebook import file, and per-student feedback.

Each is a view of the stored `GradeResult`s (the same model every other view reads), rebuilt
from the gradebook alone: the course comes from the snapshot the gradebook keeps.

Canvas' gradebook import reads a header row `Student, ID, SIS User ID, SIS Login ID, Section`
followed by one column per assignment, then a row whose first cell is `    Points Possible`
(four spaces) with each assignment's maximum, then one row per student. It matches a student by
ID (Canvas' user id), then SIS User ID, then SIS Login ID, then name; an assignment column
whose title matches no existing assignment creates one. Totals are not exported: Canvas
computes its own, and a column named like one would become an extra assignment.

Canvas changes only the rows a file holds: a student left out keeps whatever an earlier import
gave. So every student is written: a graded one with their points; a rejected entry and a
roster student without one with 0 in every column (nothing gradable was handed in); a
submission the grader failed on with empty cells (Canvas reads an empty cell as "no score",
not as a zero: the grader's failure costs the student nothing).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.batch import DEFAULT_FEEDBACK, FeedbackLevel
from grader.batch.coursefiles import materialize
from grader.batch.feedback import feedback_html, feedback_markdown
from grader.batch.gradebook import Gradebook, Stored
from grader.batch.roster import Student
from grader.course import Course
from grader.course.points import section_points
from grader.i18n import Text, msg
from grader.results import GradeResult

GRADES_CSV = "grades.csv"
CANVAS_CSV = "canvas.csv"
FEEDBACK_DIR = "feedback"
CANVAS_POINTS_POSSIBLE = "    Points Possible"
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@contextmanager
def stored_course(book: Gradebook) -> Iterator[Course | None]:
    """The course of the gradebook's latest run, from its snapshot (None before any run)."""
    files = book.course_files()
    if files is None:
        yield None
        return
    course = materialize(files)
    try:
        yield course
    finally:
        shutil.rmtree(course.root, ignore_errors=True)


def sections(course: Course) -> list[tuple[str, Text]]:
    """Each gradebook column: its section id and title, in course order (any number of exercises)."""
    columns = [(ex.id, msg("ui_exercise", number=ex.number, title=ex.title)) for ex in course.exercises]
    if course.manifest.quiz is not None:
        columns.append(("quiz", course.manifest.quiz.title))
    return columns


def number(value: float) -> str:
    """Points as written to CSV: up to 4 decimals (the precision of the result model), no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _cell(text: str | None) -> str:
    """A text cell that a spreadsheet will not run as a formula (OWASP's CSV injection rule).

    Spreadsheets skip leading blanks before they look for a formula, so " =1+1" or "\n@SUM(...)"
    counts too; a cell starting with a tab or carriage return is quoted as well.
    """
    text = text or ""
    formula = text.lstrip()[:1] in ("=", "+", "-", "@")
    return "'" + text if formula or text[:1] in ("\t", "\r") else text


def _section_points(result: GradeResult) -> dict[str, tuple[float, float]]:
    return {s.id: (s.points, s.max_points) for s in result.sections}


def grades_csv(course: Course, stored: list[Stored], roster: dict[str, Student], lang: str) -> str:
    """One row per student: each exercise, the quiz, the total; students on the roster without an entry too."""
    ids = [sid for sid, _ in sections(course)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student_id", "name", "email", "status", *ids, "total", "max_points", "note"])
    by_id = {s.student_id: s for s in stored}
    for student_id in sorted(set(by_id) | set(roster)):
        person = roster.get(student_id, Student(student_id))
        row = by_id.get(student_id)
        if row is None:
            cells, status, note = [""] * (len(ids) + 2), "missing", ""
        elif row.result is None:
            cells, status, note = [""] * (len(ids) + 2), row.status, row.reason.get(lang) if row.reason else ""
        else:
            got = _section_points(row.result)
            cells = [number(got[sid][0]) if sid in got else "" for sid in ids]
            cells += [number(row.result.points), number(row.result.max_points)]
            status, note = row.status, ""
        writer.writerow([_cell(student_id), _cell(person.name), _cell(person.email), status, *cells, _cell(note)])
    return out.getvalue()


def canvas_csv(course: Course, stored: list[Stored], roster: dict[str, Student], lang: str) -> str:
    """Canvas' gradebook import format, one assignment column per exercise and the quiz; a row for every student."""
    columns = sections(course)
    maxima = section_points(course)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CANVAS_STUDENT_COLUMNS, *(title.get(lang) for _, title in columns)])
    blanks = [""] * (len(CANVAS_STUDENT_COLUMNS) - 1)
    writer.writerow([CANVAS_POINTS_POSSIBLE, *blanks, *(number(maxima[s]) if s in maxima else "" for s, _ in columns)])
    by_id = {s.student_id: s for s in stored}
    for student_id in sorted(set(by_id) | set(roster)):
        person = roster.get(student_id, Student(student_id))
        row = by_id.get(student_id)
        if row is not None and row.result is not None:
            got = _section_points(row.result)
            cells = [number(got[sid][0]) if sid in got else "" for sid, _ in columns]
        elif row is not None and row.status == "error":
            cells = [""] * len(columns)
        else:
            cells = ["0"] * len(columns)
        writer.writerow(
            [
                _cell(person.name or student_id),
                _cell(person.canvas_id),
                _cell(person.sis_user_id),
                _cell(person.sis_login_id or student_id),
                _cell(person.section),
                *cells,
            ]
        )
    return out.getvalue()


def _write(path: Path, text: str) -> None:
    """Replace `path` whole: a reader never sees a half-written export."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_exports(book: Gradebook, out: Path, lang: str, feedback: FeedbackLevel = DEFAULT_FEEDBACK) -> list[Path]:
    """Write grades.csv, canvas.csv and feedback/<student>.md|.html from the gradebook; return the files.

    `feedback` decides how much the feedback files tell (see `grader.batch.feedback`)."""

    stored = book.submissions()
    roster = book.roster()
    written: list[Path] = []
    with stored_course(book) as course:
        if course is None:
            return written
        for name, text in (
            (GRADES_CSV, grades_csv(course, stored, roster, lang)),
            (CANVAS_CSV, canvas_csv(course, stored, roster, lang)),
        ):
            _write(out / name, text)
            written.append(out / name)
        folder = out / FEEDBACK_DIR
        folder.mkdir(exist_ok=True)
        for row in stored:
            person = roster.get(row.student_id, Student(row.student_id))
            for suffix, render in ((".md", feedback_markdown), (".html", feedback_html)):
                path = folder / f"{row.student_id}{suffix}"
                _write(path, render(course, row, person, lang, feedback))
                written.append(path)
    return written
