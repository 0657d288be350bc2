"""Resolve what a command works on (course, submission, language) and report failures the same way everywhere."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from grader.course import Course, CourseError, Exercise, Task, find_course_root, load_course
from grader.i18n import detect_lang

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


@dataclass
class Target:
    course: Course
    submission: Path
    lang: str


def resolve(course_dir: Path | None, submission: Path | None, lang: str | None) -> Target:
    """The course (from --course or the nearest exercises/course.toml) and the submission (default: the course)."""
    root = course_dir
    if root is None:
        root = find_course_root(Path.cwd()) or (find_course_root(submission) if submission is not None else None)
    if root is None:
        where = "--course" if course_dir is not None else "this directory or any parent"
        raise click.UsageError(f"no course found: {where} has no exercises/course.toml")
    course = load_course(root)
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
