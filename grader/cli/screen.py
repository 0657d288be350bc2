"""How the CLI writes for people: colour on a terminal only, the terminal's width, no trailing padding."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console

from grader.reporters.common import console_text, string_console


def use_color() -> bool:
    """Colour on a terminal, unless NO_COLOR is set; FORCE_COLOR asks for it anywhere."""
    if "NO_COLOR" in os.environ:
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def width() -> int:
    return min(shutil.get_terminal_size((100, 24)).columns, 120)


@contextmanager
def screen() -> Iterator[Console]:
    """A console to print one screen on; what it holds goes to stdout when the block ends."""
    color = use_color()
    console = string_console(color, width())
    yield console
    # click strips colour codes off a terminal unless told otherwise: FORCE_COLOR must reach the pipe.
    click.echo(console_text(console), nl=False, color=color)
