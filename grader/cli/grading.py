"""`grade exercise`, `grade quiz`, `grade all`: grade, show the result in the chosen view, exit 0 or 1."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from grader.cli.context import EXIT_FAILED, Target, reported_errors, resolve
from grader.cli.options import grading_options


def _color(fmt: str) -> bool:
    if fmt != "text" or "NO_COLOR" in os.environ:
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


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
        from grader.judge import Selection, grade
        from grader.progress import record
        from grader.reporters import renderer
        from grader.reporters.common import ReportOptions

        selection = Selection(exercises=exercises, quiz=quiz, tasks=tasks)
        run_seed = target.course.manifest.course.seed if seed is None else seed
        result = grade(target.course, target.submission, selection, seed=run_seed, profile=profile, server=server)
    finally:
        if server is not None:
            server.close()
    record(target.submission, target.course, result)
    width = min(shutil.get_terminal_size((100, 24)).columns, 120)
    options = ReportOptions(lang=target.lang, color=_color(fmt), verbose=verbose, width=width)
    click.echo(renderer(fmt)(result, options), nl=fmt != "text")
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
    with reported_errors():
        target = resolve(course_dir, submission, lang)
        ex = target.course.exercise(number)
        if ex is None:
            known = ", ".join(str(e.number) for e in target.course.exercises)
            raise click.BadParameter(f"no exercise {number!r}; this course has {known}", param_hint="NUMBER")
        tasks = None
        if task is not None:
            if ex.task(task) is None:
                known = ", ".join(t.name for t in ex.tasks)
                raise click.BadParameter(
                    f"exercise {ex.number} has no task {task!r}; it has {known}", param_hint="TASK"
                )
            tasks = frozenset({ex.task_id(ex.task(task))})  # type: ignore[arg-type]
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
    with reported_errors():
        target = resolve(course_dir, submission, lang)
        if target.course.manifest.quiz is None:
            raise click.UsageError("this course has no quiz")
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
    with reported_errors():
        target = resolve(course_dir, submission, lang)
        exercises = tuple(target.course.exercises)
        run(target, exercises, True, None, fmt=fmt, seed=seed, profile="quick" if quick else profile, verbose=verbose)
