"""What a learner can run where the secret half is absent (a repository made by `grade release`).

`grade test` runs the public tests in a separate process. `grade exercise`, `grade all` and
`grade quiz` in such a repository explain that the hidden checks and the quiz key run on GitHub,
then run the public tests and read the answers file (never scoring it) instead of stopping with
a configuration error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from grader.cli.context import EXIT_FAILED, EXIT_USAGE, Target, exercise_named, reported_errors, resolve, task_named
from grader.cli.options import target_options
from grader.course import Exercise
from grader.i18n import msg

_TIMEOUT_S = 600.0


def _say(key: str, lang: str, err: bool = False, **params: object) -> None:
    click.echo(msg(key, **params).get(lang), err=err)


def run_public(target: Target, exercises: list[Exercise], task: str | None = None) -> int:
    """Run the public tests of `exercises` (only those about `task` when given); an exit status."""
    from grader.public_tests import FAILED, NONE_SELECTED, PASSED, public_tests_file, run_public_tests
    from grader.public_tests_plugin import TIMED_OUT

    lang = target.lang
    files = []
    for ex in exercises:
        path = public_tests_file(target.course, ex)
        if path.is_file():
            files.append(path)
        else:
            _say("public_tests_missing", lang, number=ex.number, file=path.relative_to(target.course.root).as_posix())
    if not files:
        return EXIT_USAGE
    try:
        status = run_public_tests(
            target.course, target.submission, files, task, color=sys.stdout.isatty(), lang=lang, timeout_s=_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        _say("public_tests_timeout", lang, seconds=_TIMEOUT_S)
        return EXIT_FAILED
    if status == TIMED_OUT:
        _say("public_tests_stopped", lang)
        return EXIT_FAILED
    if status == NONE_SELECTED:
        _say("public_tests_none", lang, task=task or "")
        return EXIT_USAGE
    if status not in (PASSED, FAILED):
        _say("public_tests_broken", lang, code=status)
        return EXIT_USAGE
    return 0 if status == PASSED else EXIT_FAILED


def check_answers(target: Target) -> int:
    """Read the answers file the way grading will, and say what it holds; 0 when every question has an answer."""
    from grader.cli.screen import screen
    from grader.quiz import load_quiz
    from grader.quiz.answers import read_answers
    from grader.reporters.text import option_lines, print_question

    lang = target.lang
    files = target.course.manifest.quiz
    if files is None:
        return 0
    quiz = load_quiz(target.course.exercises_dir / files.questions)
    answers = read_answers(target.submission / "exercises" / files.answers, quiz)
    if answers.error is not None:
        click.echo(answers.error.get(lang))
        return EXIT_FAILED
    with screen() as console:
        for q in quiz.questions:
            print_question(
                console, q.id, q.text.get(lang), option_lines(q.options, lang, answers.chosen.get(q.id, set()), None)
            )
    for problem in [*answers.invalid.values(), *answers.notes]:
        click.echo(problem.get(lang))
    missing = [q.id for q in quiz.questions if q.id not in answers.chosen and q.id not in answers.invalid]
    _say("answers_count", lang, answered=len(answers.chosen), total=len(quiz.questions))
    if missing:
        _say("answers_missing_ids", lang, ids=", ".join(missing))
    return 0 if not missing and not answers.invalid else EXIT_FAILED


def without_hidden_checks(target: Target, exercises: list[Exercise], task: str | None, quiz: bool) -> None:
    """Stand in for grading where `solutions/` is absent: explain, run the public tests, read the answers; exit."""
    lang = target.lang
    status = 0
    if exercises:
        _say("learner_no_hidden_checks", lang)
        click.echo()
        status = run_public(target, exercises, task)
    if quiz and target.course.manifest.quiz is not None:
        click.echo()
        _say("learner_no_quiz_key", lang)
        status = max(status, check_answers(target))
    sys.exit(status)


@click.command("test")
@click.argument("number", required=False)
@click.argument("task", required=False)
@target_options
def test_cmd(
    number: str | None, task: str | None, submission: Path | None, course_dir: Path | None, lang: str | None
) -> None:
    """Run the public tests of exercise NUMBER (all exercises without it), or only those about TASK.

    They run your code in a separate process and give no points: `grade exercise` grades.
    """
    with reported_errors():
        target = resolve(course_dir, submission, lang)
        exercises = target.course.exercises
        if number is not None:
            ex = exercise_named(target.course, number)
            if task is not None:
                task_named(ex, task)
            exercises = [ex]
        sys.exit(run_public(target, exercises, task))
