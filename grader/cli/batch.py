"""`grade batch` (a whole class into a gradebook and its exports) and `grade report` (the class report page)."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from grader.batch import DEFAULT_FEEDBACK, FEEDBACK_LEVELS, FeedbackLevel
from grader.cli.context import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, course_root, reported_errors
from grader.cli.options import course_option, lang_option
from grader.profiles import PROFILES


def _fail(message: str) -> None:
    from grader.runner.output import neutralize

    # The message may quote a learner's entry or what the grader met in it.
    click.secho(f"error: {neutralize(message)}", fg="red", err=True)
    sys.exit(EXIT_USAGE)


@click.command("batch")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Gradebook and exports.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: the CPU count).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="CSV: id,name,email,...")
@click.option("--force", is_flag=True, help="Grade every submission again, even unchanged ones.")
@click.option("--scheduler", metavar="ADDRESS", help="Run the jobs on this Dask scheduler (tcp://host:8786).")
@click.option("--seed", type=int, default=None, help="Seed for generated inputs (default: the course's).")
@click.option("--profile", type=click.Choice(list(PROFILES)), default="grading", show_default=True)
@click.option("--quick", is_flag=True, help="Same as --profile quick.")
@click.option(
    "--submission-timeout",
    "submission_timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    default=None,
    help="Wall-clock limit of one submission; past it, it is recorded as timed out and its worker restarted "
    "(default: twice the sum of the course's task timeouts, plus a minute).",
)
@click.option(
    "--feedback",
    type=click.Choice(FEEDBACK_LEVELS),
    default=DEFAULT_FEEDBACK,
    show_default=True,
    help="What the feedback files tell: before-deadline = results and each failed task's first hint; "
    "after-deadline = every hint (the last ones give the solution) and the quiz explanations.",
)
@course_option
@partial(lang_option, what="the feedback files, the report and messages")
def batch_cmd(
    submissions: Path,
    out: Path,
    jobs: int | None,
    roster: Path | None,
    force: bool,
    scheduler: str | None,
    seed: int | None,
    profile: str,
    quick: bool,
    submission_timeout: float | None,
    feedback: FeedbackLevel,
    course_dir: Path | None,
    lang: str | None,
) -> None:
    """Grade every submission in SUBMISSIONS (folders or .zip files, one per student) into a gradebook.

    \b
    Writes OUT/gradebook.sqlite, OUT/grades.csv, OUT/canvas.csv and OUT/feedback/.
    Unchanged submissions are skipped on a re-run; an interrupted run resumes where it stopped.
    Run it again with --feedback after-deadline once the deadline is past: only the exports change.
    """
    from grader.batch.executors import ExecutorUnavailable
    from grader.batch.gradebook import GradebookError
    from grader.batch.progress import progress_for
    from grader.batch.roster import RosterError
    from grader.batch.run import BatchError, BatchOptions, default_jobs, default_submission_timeout, run_batch
    from grader.course import load_course
    from grader.i18n import detect_lang

    lang = lang or detect_lang()
    with reported_errors():
        course = load_course(course_root(course_dir))
        options = BatchOptions(
            submissions=submissions,
            out=out,
            seed=course.manifest.course.seed if seed is None else seed,
            profile="quick" if quick else profile,
            jobs=jobs or default_jobs(),
            force=force,
            roster=roster,
            scheduler=scheduler,
            lang=lang,
            submission_timeout_s=submission_timeout or default_submission_timeout(course),
            feedback=feedback,
        )
        progress = progress_for(lang)
        try:
            summary = run_batch(course, options, progress)
        except (BatchError, ExecutorUnavailable, GradebookError, RosterError) as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.secho(_text("batch_interrupted", lang, out=str(out)), fg="yellow", err=True)
            sys.exit(EXIT_INTERRUPTED)
    _print_summary(summary, out, lang)
    sys.exit(EXIT_FAILED if summary.errors else 0)


def _text(key: str, lang: str, **params: object) -> str:
    from grader.i18n import msg

    return msg(key, **params).get(lang)


def _print_summary(summary, out: Path, lang: str) -> None:  # type: ignore[no-untyped-def]
    from grader.reporters.common import points
    from grader.runner.output import one_line

    echo = click.echo
    echo(
        _text(
            "batch_summary",
            lang,
            entries=summary.entries,
            graded=summary.graded,
            skipped=summary.skipped,
            rejected=summary.rejected,
            errors=summary.errors,
            seconds=f"{summary.seconds:.1f}",
        )
    )
    if summary.graded:
        echo(_text("batch_rate", lang, rate=f"{summary.per_minute:.1f}", median=points(summary.median or 0)))
    for key, names in (
        ("batch_ignored", summary.ignored),
        ("batch_not_in_roster", summary.not_in_roster),
        ("batch_no_submission", summary.no_submission),
    ):
        if names:
            echo(_text(key, lang, names=", ".join(one_line(name, cap=200) for name in names)))
    echo(_text("batch_written", lang, out=str(out)))


@click.command("report")
@click.argument("out", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@partial(lang_option, what="the report")
def report_cmd(out: Path, lang: str | None) -> None:
    """Write DIR/report.html: the class at a glance, from the gradebook that `grade batch` wrote into DIR."""
    from grader.batch.gradebook import GRADEBOOK, GradebookError
    from grader.batch.report import write_report
    from grader.i18n import detect_lang

    lang = lang or detect_lang()
    with reported_errors():
        if not (out / GRADEBOOK).is_file():
            _fail(f"{out} has no {GRADEBOOK}: run `grade batch SUBMISSIONS --out {out}` first")
        try:
            path = write_report(out, lang)
        except GradebookError as exc:
            _fail(str(exc))
        except ModuleNotFoundError as exc:
            _fail(f"`grade report` needs {exc.name}: pip install 'pytorch-course-grader[batch]'")
    click.echo(path)
