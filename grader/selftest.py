"""Build the two submissions that prove a course is consistent: the reference (full marks) and the stubs (zero)."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.course import Course
from grader.quiz import load_key, load_quiz


def _answers_from_key(course: Course) -> str:
    files = course.manifest.quiz
    if files is None:
        return ""
    quiz = load_quiz(course.exercises_dir / files.questions)
    key = load_key(course.solutions_dir / files.key, quiz)
    lines = []
    for question in quiz.questions:
        answer = key.entry(question.id).answer
        lines.append(f"{question.id} = {answer!r}")
    return "\n".join(lines) + "\n"


def reference_submission(course: Course, dest: Path) -> Path:
    """A submission made of the reference solutions and the key's answers."""
    exercises = dest / "exercises"
    exercises.mkdir(parents=True, exist_ok=True)
    for ex in course.exercises:
        shutil.copy(course.reference_path(ex), exercises / ex.module)
    if course.manifest.quiz is not None:
        answers = exercises / course.manifest.quiz.answers
        answers.parent.mkdir(parents=True, exist_ok=True)
        answers.write_text(_answers_from_key(course), encoding="utf-8")
    return dest


def stub_submission(course: Course, dest: Path) -> Path:
    """A submission made of the course's pristine stubs and answers file (`grader.pristine`), not of edits to them."""
    from grader.pristine import answers_source, stub_source

    exercises = dest / "exercises"
    exercises.mkdir(parents=True, exist_ok=True)
    for ex in course.exercises:
        (exercises / ex.module).write_text(stub_source(course, ex), encoding="utf-8")
    answers = answers_source(course)
    if course.manifest.quiz is not None and answers is not None:
        path = exercises / course.manifest.quiz.answers
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(answers, encoding="utf-8")
    return dest
