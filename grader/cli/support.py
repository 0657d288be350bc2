"""Commands that run learner code need a POSIX system; elsewhere (Windows) they stop with one clear message.

The sandbox forks children from a server and bounds them with POSIX resource limits and process
groups; `grade test` uses the same limits. `list`, `hint`, `quiz` (without exercises), `release`,
`bundle` and `report` run no learner code and work everywhere.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import click

from grader.cli.context import EXIT_USAGE
from grader.i18n import detect_lang, msg


def runs_learner_code_here() -> bool:
    """Whether this system has what the sandbox needs: fork and POSIX resource limits."""
    try:
        import resource  # noqa: F401  (absent on Windows)
    except ImportError:
        return False
    return hasattr(os, "fork") and hasattr(os, "killpg")


def needs_posix(command: click.Command, name: str) -> click.Command:
    """Make `command` stop with exit status 2 and a message (use WSL) where learner code cannot run.

    The check runs once the options are parsed, so `--help` and usage errors work everywhere.
    """
    callback = command.callback
    assert callback is not None

    @functools.wraps(callback)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not runs_learner_code_here():
            lang = kwargs.get("lang") or detect_lang()
            click.secho(msg("platform_unsupported", command=name).get(lang), fg="red", err=True)
            sys.exit(EXIT_USAGE)
        return callback(*args, **kwargs)

    command.callback = checked
    return command
