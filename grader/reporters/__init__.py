"""Views of one GradeResult: text for people, JSON, and the formats CI systems read."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.reporters.common import ReportOptions
    from grader.results import GradeResult

Renderer = Callable[["GradeResult", "ReportOptions"], str]
FORMATS = ("text", "json", "gradescope")
_JSON_FORMATS = frozenset({"json", "gradescope"})
# GitHub Actions runs `::command::` found at the start of a line of a job's log, and the older
# `##[command]` found anywhere in a line; a report may quote learner text, so it must hold neither.
_LINE_COMMAND = re.compile(r"^(\s*)::", re.MULTILINE)


def shield_workflow_commands(text: str, json_text: bool) -> str:
    """The report with no line a CI runner would read as a command; a JSON document decodes unchanged."""
    if json_text:
        # JSON never starts a line with "::" outside a string, and "\u005b" decodes to "[".
        return text.replace("##[", "##\\u005b")
    return _LINE_COMMAND.sub(r"\1: :", text.replace("##[", "# #["))


def renderer(name: str) -> Renderer:
    """The render function for format `name` (imported lazily: each view pays only for itself)."""
    if name == "text":
        from grader.reporters.text import render
    elif name == "json":
        from grader.reporters.json import render
    elif name == "gradescope":
        from grader.reporters.gradescope import render
    else:
        raise KeyError(name)
    json_text = name in _JSON_FORMATS

    def shielded(result: GradeResult, options: ReportOptions) -> str:
        return shield_workflow_commands(render(result, options), json_text)

    return shielded


__all__ = ["FORMATS", "Renderer", "renderer", "shield_workflow_commands"]
