"""Per-student feedback, Markdown and HTML: each task's result, what went wrong, the likely cause, and the hints.

Both formats render one outline built from the stored `GradeResult`, with the same wording as
the terminal view (`check_lines`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Literal

from grader.batch.gradebook import Stored
from grader.batch.roster import Student
from grader.course import Course
from grader.i18n import Text, msg
from grader.reporters.common import check_lines, points
from grader.results import SectionResult, TaskResult

Kind = Literal["title", "section", "task", "text", "details", "hint"]


@dataclass(frozen=True)
class Line:
    kind: Kind
    text: str
    passed: bool | None = None


def _hints(course: Course, task_id: str) -> list[Text]:
    section_id, _, name = task_id.partition(".")
    exercise = course.exercise(section_id)
    task = exercise.task(name) if exercise is not None else None
    return list(task.hints) if task is not None else []


def _task(course: Course, section: SectionResult, task: TaskResult, lang: str) -> list[Line]:
    name = task.id.partition(".")[2]
    heading = f"{name} · {task.title.get(lang)}" if section.kind == "quiz" else name
    lines = [Line("task", f"{heading} — {points(task.points)}/{points(task.max_points)}", task.passed)]
    if section.kind == "quiz":
        details = check_lines(task.checks[0], lang)
        return lines + ([Line("details", "\n".join(details))] if details else [])
    if section.error is not None or task.passed:
        return lines
    shown: list[str] = []
    for check in task.checks:
        if check.passed or (check.message is not None and check.message.get(lang) in shown):
            continue  # every check of an unimplemented task says the same thing: once is enough
        if check.message is not None:
            shown.append(check.message.get(lang))
        lines.append(Line("text", check.title.get(lang), False))
        lines.append(Line("details", "\n".join(check_lines(check, lang))))
    for number, hint in enumerate(_hints(course, task.id), start=1):
        lines.append(Line("hint", msg("batch_feedback_hint", number=number, text=hint).get(lang)))
    return lines


def outline(course: Course, stored: Stored, student: Student, lang: str) -> list[Line]:
    """The feedback for one student, format-neutral."""
    who = f"{student.name} ({stored.student_id})" if student.name else stored.student_id
    lines = [Line("title", msg("batch_feedback_title", course=course.title, student=who).get(lang))]
    result = stored.result
    if result is None:
        reason = stored.reason.get(lang) if stored.reason else ""
        return [*lines, Line("text", msg("batch_feedback_not_graded", reason=reason).get(lang), False)]
    total = msg("ui_total").get(lang)
    lines.append(Line("text", f"{total}: {points(result.points)}/{points(result.max_points)}", result.passed))
    for section in result.sections:
        title = section.title.get(lang)
        if section.kind == "exercise":
            title = msg("ui_exercise", number=section.number, title=section.title).get(lang)
        lines.append(Line("section", f"{title} — {points(section.points)}/{points(section.max_points)}"))
        if section.error is not None:
            lines.append(Line("details", msg("ui_section_error", text=section.error).get(lang)))
        lines.extend(Line("text", note.get(lang)) for note in section.notes)
        for task in section.tasks:
            lines.extend(_task(course, section, task, lang))
    return lines


def _mark(passed: bool | None) -> str:
    return {True: "✓ ", False: "✗ ", None: ""}[passed]


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`, so learner output cannot close it early."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def feedback_markdown(course: Course, stored: Stored, student: Student, lang: str) -> str:
    out: list[str] = []
    for line in outline(course, stored, student, lang):
        if line.kind == "title":
            out.append(f"# {line.text}\n")
        elif line.kind == "section":
            out.append(f"\n## {line.text}\n")
        elif line.kind == "task":
            out.append(f"\n### {_mark(line.passed)}{line.text}\n")
        elif line.kind == "details":
            fence = _fence(line.text)
            out.append(f"{fence}text\n{line.text}\n{fence}\n")
        elif line.kind == "hint":
            out.append(f"> {line.text}\n")
        else:
            out.append(f"{_mark(line.passed)}{line.text}\n")
    return "\n".join(out).replace("\n\n\n", "\n\n")


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h3.pass { color: #1a7f37; } h3.fail { color: #b42318; }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; white-space: pre-wrap; }
blockquote { border-left: 4px solid #6ea8fe; margin: .5rem 0; padding: .2rem .8rem; color: #334; }
"""


def feedback_html(course: Course, stored: Stored, student: Student, lang: str) -> str:
    body: list[str] = []
    title = ""
    for line in outline(course, stored, student, lang):
        text = html.escape(line.text)
        if line.kind == "title":
            title = text
            body.append(f"<h1>{text}</h1>")
        elif line.kind == "section":
            body.append(f"<h2>{text}</h2>")
        elif line.kind == "task":
            css = {True: "pass", False: "fail", None: ""}[line.passed]
            body.append(f'<h3 class="{css}">{_mark(line.passed)}{text}</h3>')
        elif line.kind == "details":
            body.append(f"<pre>{text}</pre>")
        elif line.kind == "hint":
            body.append(f"<blockquote>{text}</blockquote>")
        else:
            body.append(f"<p>{_mark(line.passed)}{text}</p>")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
