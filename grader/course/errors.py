"""The one error a broken course raises: it names the file, the line or field, and what is wrong."""

from __future__ import annotations

from pathlib import Path


class CourseError(Exception):
    """A course file (manifest, quiz, key, hidden checks) is missing or malformed: a configuration error."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None, field: str | None = None):
        self.path = Path(path)
        self.problem = problem
        self.line = line
        self.field = field
        where = str(path) + (f":{line}" if line else "")
        detail = f"{field}: {problem}" if field else problem
        super().__init__(f"{where}: {detail}")
