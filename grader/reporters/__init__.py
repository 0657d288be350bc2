"""Views of one GradeResult: text for people, JSON, and the formats CI systems read.

Each reporter module has `render(result, options) -> str`, a pure function. Those written for
machines (classroom, gradescope, junit) also have `render_error(message, max_points, options) -> str`:
the same kind of document for a run that could not grade, so that CI always has one to read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from grader.runner.output import LINE_COMMAND, defuse_workflow_commands

if TYPE_CHECKING:
    from grader.reporters.common import ReportOptions
    from grader.results import GradeResult

Renderer = Callable[["GradeResult", "ReportOptions"], str]
ErrorRenderer = Callable[[str, "float | None", "ReportOptions"], str]
FORMATS = ("text", "json", "gradescope", "classroom", "junit")
# How each format is written, which decides how a workflow command inside it is broken.
_SYNTAX = {"text": "text", "json": "json", "gradescope": "json", "classroom": "json", "junit": "xml"}


def shield_workflow_commands(text: str, syntax: str) -> str:
    """The report with nothing a CI runner would read as a workflow command (`::` at a line start,
    `##[` anywhere): a report may quote learner text. JSON and XML documents decode unchanged."""
    if syntax == "json":
        # A JSON document never starts a line with "::" outside a string; "\u005b" decodes to "[".
        return text.replace("##[", "##\\u005b")
    if syntax == "xml":
        return LINE_COMMAND.sub(r"\1&#58;:", text.replace("##[", "##&#91;"))
    return defuse_workflow_commands(text)


def _module(name: str) -> ModuleType:
    if name not in FORMATS:
        raise KeyError(name)
    # Imported lazily: each view pays only for itself.
    return importlib.import_module(f"grader.reporters.{name}")


def renderer(name: str) -> Renderer:
    """The render function for format `name`, its output shielded against workflow commands."""
    render = _module(name).render

    def shielded(result: GradeResult, options: ReportOptions) -> str:
        return shield_workflow_commands(render(result, options), _SYNTAX[name])

    return shielded


def error_renderer(name: str) -> ErrorRenderer | None:
    """The error-document function for format `name`, or None for the views meant for people."""
    render_error = getattr(_module(name), "render_error", None)
    if render_error is None:
        return None

    def shielded(message: str, max_points: float | None, options: ReportOptions) -> str:
        return shield_workflow_commands(render_error(message, max_points, options), _SYNTAX[name])

    return shielded


__all__ = ["FORMATS", "ErrorRenderer", "Renderer", "error_renderer", "renderer", "shield_workflow_commands"]
