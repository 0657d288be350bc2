"""Make learner text (what it printed, its exceptions, its objects' reprs) safe to show: no terminal escapes,
no CI workflow commands, bounded size.

Learner text may be megabytes of anything, so every step here is linear in the text's length, and
`neutralize` only cleans as much as it can show.
"""

from __future__ import annotations

import re
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b.")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# GitHub Actions runs `::command::` found at the start of a line of a job's log (after blanks), and
# the older `##[command]` found anywhere in a line. The blanks are matched without newlines: `\s*`
# would run across every following empty line from each line start, quadratic in a run of them.
LINE_COMMAND = re.compile(r"^([^\S\n]*)::", re.MULTILINE)
# Escapes removed while cleaning shorten the text: clean this many times what can be shown.
_HEAD_FACTOR = 4


def defuse_workflow_commands(text: str) -> str:
    """Break every workflow command GitHub Actions would read (`::` at a line start, `##[` anywhere) with a space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return LINE_COMMAND.sub(r"\1: :", text.replace("##[", "# #["))


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Escapes and control characters go first: removing them must not join a `::` or `##[` together.
    text = _CONTROL.sub("", _ANSI.sub("", text))
    return defuse_workflow_commands(text)


def neutralize(text: str, cap: int = 4000) -> str:
    """`text` without escapes, control characters or workflow commands, cut to `cap` characters."""
    head = text[: cap * _HEAD_FACTOR]
    shown = _clean(head)
    if len(shown) <= cap and len(head) == len(text):
        return shown
    shown = shown[:cap]
    return shown + f"\n[... {len(text) - len(shown)} more characters not shown]"


def one_line(text: str, cap: int = 1000) -> str:
    """Learner text quoted inside a line of a report or a log (a quiz line, an entry's name): neutralised,
    its line breaks made spaces (a newline could start a log line with `::error::`), cut to `cap`."""
    head = text[: cap * 4]
    flat = neutralize(" ".join(head.splitlines()), cap=len(head) + 1)
    return flat if len(flat) <= cap and len(head) == len(text) else flat[: cap - 1] + "…"


def neutralize_all(data: Any) -> Any:
    """Every string inside `data` (an error the child described, checked by `answers.check_answer`) neutralised."""
    if isinstance(data, str):
        return neutralize(data)
    if isinstance(data, dict):
        return {k: neutralize_all(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(neutralize_all(v) for v in data)
    return data
