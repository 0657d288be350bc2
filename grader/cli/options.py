"""Options shared by the grading commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader.profiles import PROFILES
from grader.reporters import FORMATS

course_option = click.option(
    "--course",
    "course_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Course root holding exercises/course.toml (default: the course repository around the current directory; "
    "never taken from --submission).",
)


def lang_option(func: Callable[..., Any], what: str = "messages") -> Callable[..., Any]:
    return click.option(
        "--lang",
        type=click.Choice(["en", "ko"]),
        default=None,
        envvar="GRADE_LANG",
        help=f"Language of {what} (default: from GRADE_LANG or the locale).",
    )(func)


def target_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = course_option(lang_option(func))
    func = click.option(
        "--submission",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Submission folder laid out like the repo (default: the current repo).",
    )(func)
    return func


def grading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = target_options(func)
    func = click.option("-v", "--verbose", is_flag=True, help="Show every failing check, not only the first per task.")(
        func
    )
    func = click.option(
        "--profile",
        type=click.Choice(list(PROFILES)),
        default="grading",
        show_default=True,
        help="How many generated examples per check.",
    )(func)
    func = click.option("--quick", is_flag=True, help="Same as --profile quick: fewer examples, faster feedback.")(func)
    func = click.option("--seed", type=int, default=None, help="Seed for generated inputs (default: the course's).")(
        func
    )
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="text for people; for machines: json (the result model), gradescope (results.json), "
        "classroom (GitHub Classroom's reporter) or junit (JUnit XML).",
    )(func)
    return func
