"""Per-student feedback, Markdown and HTML: each task's result, what went wrong, the likely cause, and the hints.

Both formats render one outline built from the stored `GradeResult`, with the same wording as
the terminal view (`check_lines`). How much it tells is the feedback level: `before-deadline`
(the default) gives the results and each failed task's first hint only, never the quiz
explanations; `after-deadline` adds every hint (the last ones give the solution away) and the
explanations. Text a learner controls (the entry's name, reasons and notes that quote the
submission) is written so that neither Markdown nor HTML renders it as markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

from grader.batch import DEFAULT_FEEDBACK, FeedbackLevel
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
    # Quotes the learner (their entry's name, a reason or note about their files): never markup.
    learner: bool = False


def _hints(course: Course, task_id: str) -> list[Text]:
    section_id, _, name = task_id.partition(".")
    exercise = course.exercise(section_id)
    task = exercise.task(name) if exercise is not None else None
    return list(task.hints) if task is not None else []


def _task(course: Course, section: SectionResult, task: TaskResult, lang: str, level: FeedbackLevel) -> list[Line]:
    name = task.id.partition(".")[2]
    heading = f"{name} · {task.title.get(lang)}" if section.kind == "quiz" else name
    lines = [Line("task", f"{heading} — {points(task.points)}/{points(task.max_points)}", task.passed)]
    everything = level == "after-deadline"
    if section.kind == "quiz":
        details = check_lines(task.checks[0], lang, with_explanation=everything)
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
        lines.append(Line("details", "\n".join(check_lines(check, lang, with_explanation=everything))))
    hints = _hints(course, task.id)
    for number, hint in enumerate(hints if everything else hints[:1], start=1):
        lines.append(Line("hint", msg("batch_feedback_hint", number=number, text=hint).get(lang)))
    return lines


def outline(
    course: Course, stored: Stored, student: Student, lang: str, level: FeedbackLevel = DEFAULT_FEEDBACK
) -> list[Line]:
    """The feedback for one student, format-neutral."""
    who = f"{student.name} ({stored.student_id})" if student.name else stored.student_id
    lines = [Line("title", msg("batch_feedback_title", course=course.title, student=who).get(lang), learner=True)]
    result = stored.result
    if result is None:
        reason = stored.reason.get(lang) if stored.reason else ""
        return [*lines, Line("text", msg("batch_feedback_not_graded", reason=reason).get(lang), False, learner=True)]
    total = msg("ui_total").get(lang)
    lines.append(Line("text", f"{total}: {points(result.points)}/{points(result.max_points)}", result.passed))
    for section in result.sections:
        title = section.title.get(lang)
        if section.kind == "exercise":
            title = msg("ui_exercise", number=section.number, title=section.title).get(lang)
        lines.append(Line("section", f"{title} — {points(section.points)}/{points(section.max_points)}"))
        if section.error is not None:
            lines.append(Line("details", msg("ui_section_error", text=section.error).get(lang)))
        lines.extend(Line("text", note.get(lang), learner=True) for note in section.notes)
        for task in section.tasks:
            lines.extend(_task(course, section, task, lang, level))
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


# What Markdown reads as markup inside a line (HTML is escaped as entities instead).
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]!|~])")


def _literal(text: str) -> str:
    """Learner text as Markdown that renders as exactly this text: one line, no HTML, no markup."""
    flat = " ".join(text.splitlines())
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(flat, quote=False))


def feedback_markdown(
    course: Course, stored: Stored, student: Student, lang: str, level: FeedbackLevel = DEFAULT_FEEDBACK
) -> str:
    out: list[str] = []
    for line in outline(course, stored, student, lang, level):
        text = _literal(line.text) if line.learner else line.text
        if line.kind == "title":
            out.append(f"# {text}\n")
        elif line.kind == "section":
            out.append(f"\n## {text}\n")
        elif line.kind == "task":
            out.append(f"\n### {_mark(line.passed)}{text}\n")
        elif line.kind == "details":
            fence = _fence(text)
            out.append(f"{fence}text\n{text}\n{fence}\n")
        elif line.kind == "hint":
            out.append(f"> {text}\n")
        else:
            out.append(f"{_mark(line.passed)}{text}\n")
    return "\n".join(out).replace("\n\n\n", "\n\n")


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h3.pass { color: #1a7f37; } h3.fail { color: #b42318; }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; white-space: pre-wrap; }
blockquote { border-left: 4px solid #6ea8fe; margin: .5rem 0; padding: .2rem .8rem; color: #334; }
"""


def feedback_html(
    course: Course, stored: Stored, student: Student, lang: str, level: FeedbackLevel = DEFAULT_FEEDBACK
) -> str:
    body: list[str] = []
    title = ""
    for line in outline(course, stored, student, lang, level):
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
