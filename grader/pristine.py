"""The course's stubs and answers file as learners receive them, even in a copy where someone has solved them.

The course repository is also where learners may work, so `exercises/` can hold their solutions.
A stub is pristine when every task of its exercise is still a stub (`raise NotImplementedError`,
the test `grade list` uses); the answers file, when it holds no answer. The source is the newest
pristine version: the working copy (an instructor editing a stub), else the latest git commit
that holds one (a learner's own commits of their work are passed over, however many). Nothing
pristine at all is a CourseError.
"""

from __future__ import annotations

import subprocess
import tomllib
from collections.abc import Callable, Iterator

from grader.course import Course, CourseError, Exercise
from grader.progress import definitions


def stub_source(course: Course, exercise: Exercise) -> str:
    """The pristine stub of `exercise`."""

    def pristine(source: str) -> bool:
        found = definitions(source)
        return found is not None and all(found.get(task.name) for task in exercise.tasks)

    text = _newest(course, f"exercises/{exercise.module}", pristine)
    if text is None:
        raise CourseError(
            course.exercises_dir / exercise.module,
            "a task is implemented here and no git commit holds the untouched stub: restore it "
            f"(git checkout <first commit> -- exercises/{exercise.module}) to have the stubs graded",
        )
    return text


def answers_source(course: Course) -> str | None:
    """The pristine answers file (no answer in it), or None when the course has none."""
    files = course.manifest.quiz
    if files is None:
        return None

    def pristine(text: str) -> bool:
        try:
            return tomllib.loads(text) == {}
        except tomllib.TOMLDecodeError:
            return False

    return _newest(course, f"exercises/{files.answers}", pristine)


def _newest(course: Course, relative: str, pristine: Callable[[str], bool]) -> str | None:
    path = course.root / relative
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if pristine(text):
            return text
    return next((text for text in _committed_versions(course, relative) if pristine(text)), None)


def _committed_versions(course: Course, relative: str) -> Iterator[str]:
    """Each committed version of `relative`, newest first; nothing without git or a repository."""
    commits = _git(course, "log", "--format=%H", "--", relative)
    for commit in (commits or "").split():
        text = _git(course, "show", f"{commit}:./{relative}")
        if text is not None:
            yield text


def _git(course: Course, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(course.root), *args], capture_output=True, text=True, encoding="utf-8", timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
