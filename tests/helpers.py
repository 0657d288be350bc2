"""Small helpers the engine tests share."""

from __future__ import annotations

from grader.course import Course


def reference_with(course: Course, module: str, replacement: str) -> str:
    """The reference module's source with `replacement` appended: the later definitions win."""
    return (course.solutions_dir / module).read_text(encoding="utf-8") + "\n\n" + replacement.strip() + "\n"
