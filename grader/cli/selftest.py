"""`grade selftest`: the course's own proof that reference and grader agree."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from grader.cli.context import EXIT_FAILED, reported_errors, resolve


@click.command("selftest")
@click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Course root (default: found from the current directory).",
)
@click.option("--quick", is_flag=True, help="Fewer generated examples per check.")
@click.option("--seed", type=int, default=None, help="Seed for generated inputs (default: the course's).")
def selftest_cmd(course_dir: Path | None, quick: bool, seed: int | None) -> None:
    """Grade the reference solutions (must score full marks) and the stubs (must score zero).

    The stubs are the course's untouched ones, from git where exercises/ holds someone's work.
    """
    from grader.judge import Selection, grade
    from grader.reporters.common import points
    from grader.runner.server import SandboxServer
    from grader.selftest import reference_submission, stub_submission

    with reported_errors():
        target = resolve(course_dir, None, "en")
        course = target.course
        selection = Selection(exercises=tuple(course.exercises), quiz=True)
        run_seed = course.manifest.course.seed if seed is None else seed
        profile = "quick" if quick else "grading"
        with tempfile.TemporaryDirectory(prefix="grade-selftest-") as tmp:
            # Both built first: a course whose pristine stubs cannot be found stops before any grading.
            reference_dir = reference_submission(course, Path(tmp) / "reference")
            stubs_dir = stub_submission(course, Path(tmp) / "stubs")
            server = SandboxServer()
            try:
                reference = grade(course, reference_dir, selection, seed=run_seed, profile=profile, server=server)
                stubs = grade(course, stubs_dir, selection, seed=run_seed, profile=profile, server=server)
            finally:
                server.close()
    ok = True
    click.echo(f"reference solutions: {points(reference.points)}/{points(reference.max_points)} (expected full marks)")
    for check in reference.checks():
        if not check.passed:
            ok = False
            click.secho(f"  ✗ {check.task}: {check.title.en}: {check.message.en if check.message else ''}", fg="red")
    click.echo(f"stubs: {points(stubs.points)}/{points(stubs.max_points)} (expected 0)")
    for check in stubs.checks():
        if check.passed or check.points:
            ok = False
            click.secho(f"  ✗ {check.task}: {check.title.en} passes on the stub", fg="red")
    click.secho("ok: the course is consistent" if ok else "the course is not consistent", fg="green" if ok else "red")
    sys.exit(0 if ok else EXIT_FAILED)
