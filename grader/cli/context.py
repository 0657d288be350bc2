"""Resolve what a command works on (course, submission, language) and report failures the same way everywhere."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from grader.course import MANIFEST, Course, CourseError, Exercise, Task, find_course_root, load_course
from grader.i18n import detect_lang

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


@dataclass
class Target:
    course: Course
    submission: Path
    lang: str


def course_root(course_dir: Path | None, submission: Path | None = None) -> Path:
    """The course's root: `--course`, or the course repository around the current directory.

    Never the submission's own: a submission that brings a course.toml and a solutions/ would
    grade itself. A course found from the current directory inside the submission is refused too.
    """
    if course_dir is not None:
        if not (course_dir / MANIFEST).is_file():
            raise click.UsageError(f"no course found: --course {course_dir} has no exercises/course.toml")
        return course_dir.resolve()
    root = find_course_root(Path.cwd())
    if root is None:
        raise click.UsageError(
            "no course found: run inside the course repository or name it with --course "
            "(a submission never brings its own course)"
        )
    if submission is not None and root.is_relative_to(submission.resolve()):
        raise click.UsageError(
            f"the course found from the current directory ({root}) is inside the submission {submission}: "
            "a submission never brings its own course. Name the course with --course, or, to grade this "
            "repository with its own course (a learner's), leave out --submission"
        )
    return root


def resolve(course_dir: Path | None, submission: Path | None, lang: str | None) -> Target:
    """The course (see `course_root`) and the submission (default: the course)."""
    course = load_course(course_root(course_dir, submission))
    target = (submission or course.root).resolve()
    if not target.is_dir():
        raise click.UsageError(f"submission {target} is not a directory")
    if not (target / "exercises").is_dir():
        raise click.UsageError(
            f"submission {target} has no exercises/ folder (a submission is laid out like the course repo)"
        )
    return Target(course, target, lang or detect_lang())


def exercise_named(course: Course, number: str) -> Exercise:
    """The exercise NUMBER names (1, 01 or ex01); a usage error listing the course's exercises otherwise."""
    ex = course.exercise(number)
    if ex is None:
        known = ", ".join(str(e.number) for e in course.exercises)
        raise click.BadParameter(f"no exercise {number!r}; this course has {known}", param_hint="NUMBER")
    return ex


def task_named(ex: Exercise, name: str) -> Task:
    """The task of `ex` called `name`; a usage error listing its tasks otherwise."""
    task = ex.task(name)
    if task is None:
        known = ", ".join(t.name for t in ex.tasks)
        raise click.BadParameter(f"exercise {ex.number} has no task {name!r}; it has {known}", param_hint="TASK")
    return task


@contextmanager
def reported_errors(document: Callable[[str], str] | None = None) -> Iterator[None]:
    """Turn configuration problems into one message and exit status 2; Ctrl-C into 130. No tracebacks.

    With `document` (a machine format's error document), whatever stops the run also prints that
    document on stdout first, so CI reads a result that says why instead of nothing.
    """
    from grader.runner.server import SandboxUnavailable

    def emit(problem: str) -> None:
        if document is not None:
            click.echo(document(problem))

    try:
        yield
    except (CourseError, SandboxUnavailable) as exc:
        emit(str(exc))
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        emit(exc.format_message())
        raise
    except KeyboardInterrupt:
        click.secho("interrupted", fg="yellow", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        if document is None:
            raise
        # A bug in the grader: CI still gets its document, the log gets the traceback.
        emit(f"internal error: {type(exc).__name__}: {exc}")
        traceback.print_exc()
        sys.exit(EXIT_USAGE)
