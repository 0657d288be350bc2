"""Build a class's submissions folder for the batch tests: honest, wrong, hostile and broken entries."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from grader.course import Course
from grader.selftest import reference_submission, stub_submission
from tests.helpers import course_total, reference_with

# The classic mistake of exercise 1: the unbiased variance (the check names it).
UNBIASED_STANDARDIZE = """
def standardize(x, dim=0, eps=1e-5):
    return (x - x.mean(dim, keepdim=True)) / (x.var(dim, keepdim=True) + eps).sqrt()
"""
INFINITE_LINEAR = """
def linear(x, weight, bias=None):
    while True:
        pass
"""


def reference(course: Course, dest: Path) -> Path:
    return reference_submission(course, dest)


def stubs(course: Course, dest: Path) -> Path:
    return stub_submission(course, dest)


def with_module(course: Course, dest: Path, source: str) -> Path:
    """The reference submission with exercise 1's module replaced by `source`."""
    reference_submission(course, dest)
    (dest / "exercises" / "ex01_tensors.py").write_text(source, encoding="utf-8")
    return dest


def wrong_standardize(course: Course, dest: Path) -> Path:
    return with_module(course, dest, reference_with(course, "ex01_tensors.py", UNBIASED_STANDARDIZE))


def exit_at_import(course: Course, dest: Path) -> Path:
    source = (course.solutions_dir / "ex01_tensors.py").read_text() + "\nimport sys\nsys.exit(0)\n"
    return with_module(course, dest, source)


def infinite_loop(course: Course, dest: Path) -> Path:
    return with_module(course, dest, reference_with(course, "ex01_tensors.py", INFINITE_LINEAR))


def answers(dest: Path, text: str) -> Path:
    (dest / "exercises" / "quiz" / "answers.toml").write_text(text, encoding="utf-8")
    return dest


def zip_folder(folder: Path, archive: Path, prefix: str = "") -> Path:
    """Zip `folder`'s files under `prefix/` (GitHub Classroom's archives add the repository folder)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{prefix}{path.relative_to(folder).as_posix()}")
    return archive


def traversal_zip(course: Course, archive: Path) -> Path:
    source = (course.solutions_dir / "ex01_tensors.py").read_text()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("exercises/ex01_tensors.py", source)
        zf.writestr("../../outside.py", "print('escaped')\n")
    return archive


def corrupt_zip(archive: Path) -> Path:
    archive.write_bytes(b"PK\x03\x04" + os.urandom(64))
    return archive


def mixed_class(course: Course, root: Path, scratch: Path) -> Path:
    """A class of every kind of entry; returns the submissions folder. Expected rows: see expected()."""
    root.mkdir(parents=True)
    reference(course, root / "alice")
    stubs(course, root / "bob")
    wrong_standardize(course, root / "carol")
    exit_at_import(course, root / "dave")
    infinite_loop(course, root / "eve")
    (root / "frank").mkdir()  # an empty folder
    corrupt_zip(root / "gina.zip")
    traversal_zip(course, root / "hank.zip")
    nested = reference(course, scratch / "ivan-src")
    answers(nested, "q1 = 1\nq2 = 2\n")
    zip_folder(nested, root / "ivan.zip", prefix="pytorch-course-ivan/")
    (root / "notes.txt").write_text("not a submission")
    return root


def expected(course: Course) -> dict[str, tuple[str, float | None, float | None]]:
    """student -> (status, total points or None, exercise 1 points or None) for `mixed_class`."""
    full = course_total(course)
    ex01 = sum(task.points for task in course.exercise(1).tasks)  # type: ignore[union-attr]
    quiz = full - sum(task.points for exercise in course.exercises for task in exercise.tasks)
    standardize = course.exercise(1).task("standardize").points  # type: ignore[union-attr]
    linear = course.exercise(1).task("linear").points  # type: ignore[union-attr]
    return {
        "alice": ("graded", full, ex01),
        "bob": ("graded", 0.0, 0.0),
        "carol": ("graded", full - standardize, ex01 - standardize),
        "dave": ("graded", full - ex01, 0.0),
        "eve": ("graded", full - linear, ex01 - linear),
        "frank": ("rejected", None, None),
        "gina": ("rejected", None, None),
        "hank": ("rejected", None, None),
        # Everything right but the quiz, where only q2 (one point) of q1 and q2 was answered right.
        "ivan": ("graded", full - quiz + 1, ex01),
    }
