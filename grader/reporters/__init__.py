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

if TYPE_CHECKING:
    from grader.reporters.common import ReportOptions
    from grader.results import GradeResult

Renderer = Callable[["GradeResult", "ReportOptions"], str]
ErrorRenderer = Callable[[str, "float | None", "ReportOptions"], str]
FORMATS = ("text", "json", "gradescope", "classroom", "junit")


def _module(name: str) -> ModuleType:
    if name not in FORMATS:
        raise KeyError(name)
    # Imported lazily: each view pays only for itself.
    return importlib.import_module(f"grader.reporters.{name}")


def renderer(name: str) -> Renderer:
    """The render function for format `name`."""
    return _module(name).render


def error_renderer(name: str) -> ErrorRenderer | None:
    """The error-document function for format `name`, or None for the views meant for people."""
    return getattr(_module(name), "render_error", None)


__all__ = ["FORMATS", "ErrorRenderer", "Renderer", "error_renderer", "renderer"]
