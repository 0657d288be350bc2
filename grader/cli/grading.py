"""`grade exercise`, `grade quiz`, `grade all`: grade, show the result in the chosen view, exit 0 or 1."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli.context import EXIT_FAILED, Target, course_root, exercise_named, reported_errors, resolve, task_named
from grader.cli.learner import without_hidden_checks
from grader.cli.options import grading_options
from grader.cli.screen import use_color, width
from grader.course import CourseError

if TYPE_CHECKING:
    from grader.judge import ExampleMemory, Selection
    from grader.results import GradeResult
    from grader.runner.server import SandboxServer


def max_points(course_dir: Path | None, submission: Path | None) -> float | None:
    """The course's total points, for an error document; None when even the course cannot be read."""
    from grader.course import load_course
    from grader.course.points import course_points

    try:
        return course_points(load_course(course_root(course_dir, submission)))
    except (CourseError, click.UsageError):
        return None


def error_document(
    fmt: str, course_dir: Path | None, submission: Path | None, lang: str | None
) -> Callable[[str], str] | None:
    """For machine formats: the document to print when grading cannot run (see `reported_errors`)."""
    from grader.i18n import detect_lang
    from grader.reporters import error_renderer
    from grader.reporters.common import ReportOptions

    render = error_renderer(fmt)
    if render is None:
        return None
    return lambda problem: render(problem, max_points(course_dir, submission), ReportOptions(lang or detect_lang()))


def _hidden_checks_absent(target: Target, fmt: str) -> bool:
    """A learner's repository without `solutions/`: people get public tests instead; machines an error."""
    return fmt == "text" and not target.course.has_hidden_checks()


def show(
    target: Target,
    selection: Selection,
    server: SandboxServer | None,
    *,
    fmt: str,
    seed: int | None,
    profile: str,
    verbose: bool,
    memory: ExampleMemory | None = None,
) -> GradeResult:
    """Grade the selection with `server`, remember the outcome for `grade list`, and print it in `fmt`.

    `memory` lets a long-lived command (watch) replay the examples of checks that passed before."""
    from grader.judge import grade
    from grader.progress import record
    from grader.reporters import renderer
    from grader.reporters.common import ReportOptions

    run_seed = target.course.manifest.course.seed if seed is None else seed
    result = grade(
        target.course, target.submission, selection, seed=run_seed, profile=profile, server=server, memory=memory
    )
    record(target.submission, target.course, result)
    options = ReportOptions(lang=target.lang, color=fmt == "text" and use_color(), verbose=verbose, width=width())
    click.echo(renderer(fmt)(result, options), nl=fmt != "text", color=options.color)
    return result


def run(
    target: Target,
    exercises: tuple,
    quiz: bool,
    tasks: frozenset[str] | None,
    *,
    fmt: str,
    seed: int | None,
    profile: str,
    verbose: bool,
) -> None:
    """Grade the selection and exit with 0 (all passed) or 1 (something failed)."""
    from grader.runner.server import SandboxServer

    # Start the sandbox first: it imports torch in parallel with this process.
    server = SandboxServer() if exercises else None
    try:
        from grader.judge import Selection

        selection = Selection(exercises=exercises, quiz=quiz, tasks=tasks)
        result = show(target, selection, server, fmt=fmt, seed=seed, profile=profile, verbose=verbose)
    finally:
        if server is not None:
            server.close()
    sys.exit(0 if result.passed else EXIT_FAILED)


@click.command("exercise")
@click.argument("number")
@click.argument("task", required=False)
@grading_options
def exercise_cmd(
    number: str,
    task: str | None,
    submission: Path | None,
    course_dir: Path | None,
    lang: str | None,
    fmt: str,
    seed: int | None,
    quick: bool,
    profile: str,
    verbose: bool,
) -> None:
    """Grade exercise NUMBER (1, 01 or ex01), or only its TASK (one_hot)."""
    with reported_errors(error_document(fmt, course_dir, submission, lang)):
        target = resolve(course_dir, submission, lang)
        ex = exercise_named(target.course, number)
        tasks = None if task is None else frozenset({ex.task_id(task_named(ex, task))})
        if _hidden_checks_absent(target, fmt):
            without_hidden_checks(target, [ex], task, quiz=False)
        run(target, (ex,), False, tasks, fmt=fmt, seed=seed, profile="quick" if quick else profile, verbose=verbose)


@click.command("quiz")
@grading_options
def quiz_cmd(
    submission: Path | None,
    course_dir: Path | None,
    lang: str | None,
    fmt: str,
    seed: int | None,
    quick: bool,
    profile: str,
    verbose: bool,
) -> None:
    """Grade the quiz (exercises/quiz/answers.toml)."""
    with reported_errors(error_document(fmt, course_dir, submission, lang)):
        target = resolve(course_dir, submission, lang)
        if target.course.manifest.quiz is None:
            raise click.UsageError("this course has no quiz")
        if _hidden_checks_absent(target, fmt):
            without_hidden_checks(target, [], None, quiz=True)
        run(target, (), True, None, fmt=fmt, seed=seed, profile=profile, verbose=verbose)


@click.command("all")
@grading_options
def all_cmd(
    submission: Path | None,
    course_dir: Path | None,
    lang: str | None,
    fmt: str,
    seed: int | None,
    quick: bool,
    profile: str,
    verbose: bool,
) -> None:
    """Grade every exercise and the quiz."""
    with reported_errors(error_document(fmt, course_dir, submission, lang)):
        target = resolve(course_dir, submission, lang)
        exercises = tuple(target.course.exercises)
        if _hidden_checks_absent(target, fmt):
            without_hidden_checks(target, list(exercises), None, quiz=True)
        run(target, exercises, True, None, fmt=fmt, seed=seed, profile="quick" if quick else profile, verbose=verbose)
