"""`grade watch`: grade the exercise you are working on each time you save it, then move on to the next.

One sandbox server stays up for the whole session, so a re-grade costs the checks alone, not a
fresh torch import. Without NUMBER the loop starts at the first exercise not yet passed and, once
it passes, goes on to the next one; with NUMBER it stays there. Where `solutions/` is absent (a
learner's repository) the public tests stand in for grading, as in `grade exercise`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from grader.cli.context import Target, exercise_named, reported_errors, resolve
from grader.cli.options import target_options
from grader.cli.screen import use_color
from grader.course import Exercise
from grader.i18n import msg

_POLL_S = 0.3


Signature = tuple[int, int] | None


def signature(path: Path) -> Signature:
    """What changes when the file is saved (or created, or deleted)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def wait_for_change(path: Path, since: Signature, poll_s: float = _POLL_S) -> None:
    """Return once `path` differs from `since` and has stopped changing (an editor may write it in steps).

    Polling one file needs no watcher library and works the same everywhere.
    """
    current = signature(path)
    while current == since:
        time.sleep(poll_s)
        current = signature(path)
    while True:
        time.sleep(poll_s)
        settled, current = current, signature(path)
        if current == settled:
            return


def first_unfinished(target: Target, skip: frozenset[str] = frozenset()) -> Exercise | None:
    """The first exercise, other than those in `skip`, with a task not passed at its last grading."""
    from grader.progress import task_statuses

    statuses = task_statuses(target.course, target.submission)
    for ex in target.course.exercises:
        if ex.id not in skip and any(statuses[ex.task_id(task)] != "passed" for task in ex.tasks):
            return ex
    return None


def _grader(target: Target, profile: str, verbose: bool) -> tuple[Callable[[Exercise], bool], Callable[[], None]]:
    """A function that grades one exercise and says whether it passed, and one that releases what it holds."""
    if not target.course.has_hidden_checks():
        from grader.cli.learner import run_public

        def test_one(ex: Exercise) -> bool:
            click.echo(msg("learner_no_hidden_checks").get(target.lang) + "\n")
            return run_public(target, [ex]) == 0

        return test_one, lambda: None

    from grader.cli.grading import show
    from grader.judge import ExampleMemory, Selection
    from grader.runner.server import SandboxServer

    server = SandboxServer()
    # Checks that passed once replay their examples on the next save instead of generating them again.
    memory = ExampleMemory()

    def grade_one(ex: Exercise) -> bool:
        selection = Selection(exercises=(ex,), quiz=False)
        return show(
            target, selection, server, fmt="text", seed=None, profile=profile, verbose=verbose, memory=memory
        ).passed

    return grade_one, server.close


@click.command("watch")
@click.argument("number", required=False)
@click.option("--quick", is_flag=True, help="Fewer generated examples: faster feedback while you work.")
@click.option("-v", "--verbose", is_flag=True, help="Show every failing check, not only the first per task.")
@target_options
def watch_cmd(
    number: str | None,
    quick: bool,
    verbose: bool,
    submission: Path | None,
    course_dir: Path | None,
    lang: str | None,
) -> None:
    """Re-grade exercise NUMBER each time you save it (without NUMBER: the first not yet passed, then the next).

    Stop with Ctrl-C.
    """
    with reported_errors():
        target = resolve(course_dir, submission, lang)
        pinned = number is not None
        if pinned:
            ex = exercise_named(target.course, number)
        else:
            ex = first_unfinished(target)
            if ex is None:
                _all_done(target)
                return
        grade_one, release = _grader(target, "quick" if quick else "grading", verbose)
        try:
            _loop(target, ex, pinned, grade_one)
        except KeyboardInterrupt:
            click.echo("\n" + msg("watch_stopped").get(target.lang))
        finally:
            release()


def _say(text: str, **style: object) -> None:
    click.secho(text, color=use_color(), **style)  # type: ignore[arg-type]


def _all_done(target: Target) -> None:
    _say(msg("watch_all_done").get(target.lang), fg="green")
    done = target.course.manifest.course.done
    if done is not None:
        _say(done.get(target.lang).strip(), fg="green")


def _loop(target: Target, ex: Exercise, pinned: bool, grade_one: Callable[[Exercise], bool]) -> None:
    lang = target.lang
    # Passed in this session: public tests leave no record behind, and a passed exercise is not revisited.
    passed_here: set[str] = set()
    saved = False
    while True:
        if saved and sys.stdout.isatty():
            click.clear()
        path = target.submission / "exercises" / ex.module
        graded = signature(path)  # taken first, so a save during grading is not missed
        if grade_one(ex) and not pinned:
            passed_here.add(ex.id)
            following = first_unfinished(target, frozenset(passed_here))
            if following is None:
                _all_done(target)
                return
            _say(msg("watch_next", number=ex.number, next=following.number).get(lang), fg="green")
            ex, saved = following, False
            continue
        _say(msg("watch_waiting", file=path.relative_to(target.submission).as_posix()).get(lang), dim=True)
        wait_for_change(path, graded)
        saved = True
