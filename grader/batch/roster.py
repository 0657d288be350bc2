"""The class roster (`--roster students.csv`): maps each student id (the entry's name) to a name and an email.

A header row names the columns, in any order and any case. The id column is `id`, `login`,
`github_username` or `identifier` (GitHub Classroom's roster export); `name` and `email` are
optional, and so are the columns that let Canvas match students: `canvas_id`, `sis_user_id`,
`sis_login_id`, `section`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

_ID_COLUMNS = ("id", "login", "github_username", "identifier")
_OPTIONAL = ("name", "email", "canvas_id", "sis_user_id", "sis_login_id", "section")


@dataclass(frozen=True)
class Student:
    id: str
    name: str | None = None
    email: str | None = None
    canvas_id: str | None = None
    sis_user_id: str | None = None
    sis_login_id: str | None = None
    section: str | None = None


class RosterError(Exception):
    """The roster cannot be read; the message names the file and, where it can, the line."""


def read_roster(path: Path) -> list[Student]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterError(f"{path}: cannot read the roster: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    header = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    id_column = next((header[c] for c in _ID_COLUMNS if c in header), None)
    if id_column is None:
        raise RosterError(f"{path}: the header needs an id column (one of: {', '.join(_ID_COLUMNS)})")
    students: dict[str, Student] = {}
    for row in reader:
        line = reader.line_num
        student_id = (row.get(id_column) or "").strip()
        if not student_id:
            raise RosterError(f"{path}:{line}: no student id")
        if student_id in students:
            raise RosterError(f"{path}:{line}: student id {student_id!r} appears twice")
        extra = {key: (row.get(header[key]) or "").strip() or None for key in _OPTIONAL if key in header}
        students[student_id] = Student(student_id, **extra)
    return list(students.values())
