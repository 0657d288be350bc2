"""Views of one GradeResult: text for people, JSON, and the formats CI systems read."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.reporters.common import ReportOptions
    from grader.results import GradeResult

Renderer = Callable[["GradeResult", "ReportOptions"], str]
FORMATS = ("text", "json", "gradescope")


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
    return render


__all__ = ["FORMATS", "Renderer", "renderer"]
