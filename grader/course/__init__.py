"""What a course is: the manifest under `exercises/`, its quiz, and where the secret half lives."""

from __future__ import annotations

from pathlib import Path

from grader.course.errors import CourseError
from grader.course.manifest import Course, Exercise, Manifest, Task
from grader.course.tomlfile import load_model

MANIFEST = Path("exercises") / "course.toml"

__all__ = ["MANIFEST", "Course", "CourseError", "Exercise", "Manifest", "Task", "find_course_root", "load_course"]


def find_course_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` that holds `exercises/course.toml`."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / MANIFEST).is_file():
            return candidate
    return None


def load_course(root: Path) -> Course:
    path = root / MANIFEST
    manifest = load_model(Manifest, path)
    for ex in manifest.exercises:
        if not (root / "exercises" / ex.module).is_file():
            raise CourseError(path, f"exercise {ex.number} names {ex.module}, which is not in exercises/")
    return Course(root.resolve(), manifest, path)
