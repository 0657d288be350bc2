"""Make learner text (what it printed, its exceptions, its objects' reprs) safe to show: no terminal escapes,
no CI workflow commands, bounded size."""

from __future__ import annotations

import re
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b.")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# GitHub Actions runs `::command::` found at the start of a line of a job's log, and the older
# `##[command]` found anywhere in a line.
_LINE_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)


def defuse_workflow_commands(text: str) -> str:
    """Break every workflow command GitHub Actions would read (`::` at a line start, `##[` anywhere) with a space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _LINE_COMMAND.sub(r"\1: :", text.replace("##[", "# #["))


def neutralize(text: str, cap: int = 4000) -> str:
    text = _ANSI.sub("", text)
    text = _CONTROL.sub("", defuse_workflow_commands(text))
    if len(text) > cap:
        text = text[:cap] + f"\n[... {len(text) - cap} more characters not shown]"
    return text


def neutralize_all(data: Any) -> Any:
    """Every string inside `data` (an error description the child sent) neutralised."""
    if isinstance(data, str):
        return neutralize(data)
    if isinstance(data, dict):
        return {k: neutralize_all(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(neutralize_all(v) for v in data)
    return data
