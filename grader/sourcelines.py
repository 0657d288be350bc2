"""Where a learner's definitions start, read from the source (never run), so reports can point at a line."""

from __future__ import annotations

import ast
from pathlib import Path


def definition_lines(path: Path) -> dict[str, int]:
    """Top-level function and class names of `path` with their `def`/`class` line; empty when unreadable."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {node.name: node.lineno for node in tree.body if isinstance(node, kinds)}
