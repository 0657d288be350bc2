"""Instructor commands that take a course to learners and CI: release, bundle, unbundle, gradescope build/run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from grader.cli.context import EXIT_USAGE, reported_errors, resolve
from grader.cli.options import course_option
from grader.deploy import DEFAULT_KEY_ENV
from grader.profiles import PROFILES

# Gradescope's visibility settings (grader.reporters.gradescope.Visibility, not imported at start-up).
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


class _Failed(click.ClickException):
    exit_code = EXIT_USAGE


@contextmanager
def _deploy_errors() -> Iterator[None]:
    from grader.deploy.errors import DeployError

    with reported_errors():
        try:
            yield
        except DeployError as exc:
            raise _Failed(str(exc)) from None


_key_env_option = click.option(
    "--key-env",
    default=DEFAULT_KEY_ENV,
    show_default=True,
    help="Environment variable that holds the bundle key (in CI: a secret of that name).",
)


@click.command("release")
@click.argument("out", type=click.Path(path_type=Path))
@course_option
@_key_env_option
@click.option(
    "--no-bundle",
    is_flag=True,
    help="Write no encrypted hidden checks (the workflow then gets them from a private repository).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    default="en",
    show_default=True,
    help="Language of the report CI prints in the Grade step's log.",
)
def release_cmd(out: Path, course_dir: Path | None, key_env: str, no_bundle: bool, lang: str) -> None:
    """Write the learners' template repository into OUT, a new or empty folder.

    Exercises, public tests, quiz questions, an empty answers file, a README, the grader and the
    GitHub Classroom workflow; the hidden checks only encrypted, with the key in KEY_ENV.
    """
    from grader.deploy.bundle import key_from_env
    from grader.deploy.release import release

    with _deploy_errors():
        course = resolve(course_dir, None, "en").course
        key = None if no_bundle else key_from_env(key_env)
        done = release(course, out, key=key, key_env=key_env, lang=lang)
        click.echo(f"wrote {done.files} files to {done.out}")
        if done.bundle is not None:
            click.echo(f"hidden checks encrypted in {done.bundle.relative_to(done.out)}; CI opens them with {key_env}")
        for note in done.notes:
            click.secho(f"note: {note}", fg="yellow", err=True)


@click.command("bundle")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path), required=False)
@course_option
@_key_env_option
@click.option("--new-key", is_flag=True, help="Print a new random key and exit.")
def bundle_cmd(out: Path | None, course_dir: Path | None, key_env: str, new_key: bool) -> None:
    """Encrypt the hidden checks (all of solutions/) into OUT with the key in KEY_ENV."""
    from grader.deploy.bundle import key_from_env, write_bundle
    from grader.deploy.bundle import new_key as make_key

    if new_key:
        click.echo(make_key())
        return
    if out is None:
        raise click.UsageError("give the bundle file to write (OUT), or --new-key for a key")
    with _deploy_errors():
        course = resolve(course_dir, None, "en").course
        count = write_bundle(course, out, key_from_env(key_env))
        click.echo(f"encrypted {count} files of {course.solutions_dir} into {out}")


@click.command("unbundle")
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@course_option
@_key_env_option
@click.option("--replace", is_flag=True, help="Replace an existing solutions/ folder (as CI must).")
def unbundle_cmd(bundle: Path, course_dir: Path | None, key_env: str, replace: bool) -> None:
    """Decrypt BUNDLE into the course's solutions/ folder, with the key in KEY_ENV."""
    from grader.deploy.bundle import key_from_env, open_bundle

    with _deploy_errors():
        course = resolve(course_dir, None, "en").course
        count = open_bundle(bundle, course.root, key_from_env(key_env), replace=replace)
        click.echo(f"opened {count} files into {course.solutions_dir}")


def _run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--visibility",
        type=click.Choice(VISIBILITIES),
        default="after_published",
        show_default=True,
        help="When learners see the graded tests (Gradescope's visibility); the list of files found is always visible.",
    )(func)
    func = click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)(func)
    func = click.option("--profile", type=click.Choice(list(PROFILES)), default="grading", show_default=True)(func)
    func = click.option("--seed", type=int, default=None, help="Seed for generated inputs (default: the course's).")(
        func
    )
    return func


@click.group("gradescope")
def gradescope_group() -> None:
    """Gradescope's autograder: build the zip to upload; run is what the zip runs."""


@gradescope_group.command("build")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@course_option
@_run_options
def gradescope_build_cmd(
    out: Path, course_dir: Path | None, visibility: str, lang: str, profile: str, seed: int | None
) -> None:
    """Write the autograder zip OUT (setup.sh, run_autograder, the grader and the course) for Gradescope."""
    from grader.deploy.gradescope import RunSettings, build

    with _deploy_errors():
        course = resolve(course_dir, None, "en").course
        count = build(course, out, RunSettings(visibility, lang, profile, seed))  # type: ignore[arg-type]
        click.echo(f"wrote {out} ({count} files); upload it as the assignment's autograder")


@gradescope_group.command("run")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("/autograder"),
    show_default=True,
    help="Gradescope's folder: source/ (the zip), submission/ and results/.",
)
@_run_options
def gradescope_run_cmd(root: Path, visibility: str, lang: str, profile: str, seed: int | None) -> None:
    """Grade ROOT/submission and write ROOT/results/results.json (what run_autograder does)."""
    from grader.deploy.gradescope import RunSettings, run

    results = run(root, RunSettings(visibility, lang, profile, seed))  # type: ignore[arg-type]
    click.echo(results.output or "")


@click.group("classroom")
def classroom_group() -> None:
    """GitHub Classroom: run is what the workflow's Grade step runs."""


@classroom_group.command("run")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the document the Autograding Reporter reads (JSON).",
)
@course_option
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True)
@click.option("--profile", type=click.Choice(list(PROFILES)), default="grading", show_default=True)
@click.option("--seed", type=int, default=None, help="Seed for generated inputs (default: the course's).")
def classroom_run_cmd(out: Path, course_dir: Path | None, lang: str, profile: str, seed: int | None) -> None:
    """Grade this repository like `grade all`: the text report in the job log, the Classroom document in OUT.

    Without solutions/ (the hidden checks were not opened) OUT says so as an error; exit 0, 1 or 2 as `grade all`.
    """
    import sys

    from grader.cli.grading import max_points
    from grader.course import CourseError
    from grader.deploy.classroom import error_for_classroom, grade_for_classroom
    from grader.runner.server import SandboxUnavailable

    try:
        course = resolve(course_dir, None, lang).course
        if not course.has_hidden_checks():
            raise CourseError(course.solutions_dir, msg_no_hidden_checks(lang))
        run = grade_for_classroom(course, lang, profile, seed)
        code = 0 if run.passed else 1
    except (click.ClickException, CourseError, SandboxUnavailable) as exc:
        problem = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        run = error_for_classroom(problem, max_points(course_dir, None), lang)
        code = EXIT_USAGE
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(run.document + "\n", encoding="utf-8")
    click.echo(run.log, nl=False)
    sys.exit(code)


def msg_no_hidden_checks(lang: str) -> str:
    from grader.i18n import msg

    return msg("classroom_no_hidden_checks").get(lang)
