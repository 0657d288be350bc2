"""Make what learner code printed safe to show: no terminal escapes, no CI workflow commands, bounded size."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b.")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# GitHub Actions reads `::command::` (and the older `##[command]`) from any line of a job's output.
_WORKFLOW = re.compile(r"^(\s*)(:|#)(?=:|#\[)", re.MULTILINE)


def defuse_workflow_commands(text: str) -> str:
    """Break every line that GitHub Actions would read as a workflow command (`::`, `##[`) with a space."""
    return _WORKFLOW.sub(r"\1\2 ", text.replace("\r\n", "\n").replace("\r", "\n"))


def neutralize(text: str, cap: int = 4000) -> str:
    text = _ANSI.sub("", text)
    text = _CONTROL.sub("", defuse_workflow_commands(text))
    if len(text) > cap:
        text = text[:cap] + f"\n[... {len(text) - cap} more characters not shown]"
    return text
