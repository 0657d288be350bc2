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
    """A submission made of the course's untouched stubs and answers file."""
    exercises = dest / "exercises"
    exercises.mkdir(parents=True, exist_ok=True)
    for ex in course.exercises:
        shutil.copy(course.exercises_dir / ex.module, exercises / ex.module)
    if course.manifest.quiz is not None:
        source = course.exercises_dir / course.manifest.quiz.answers
        answers = exercises / course.manifest.quiz.answers
        answers.parent.mkdir(parents=True, exist_ok=True)
        if source.is_file():
            shutil.copy(source, answers)
    return dest
