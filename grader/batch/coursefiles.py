"""A snapshot of the course (`exercises/` and `solutions/`) taken once per batch, with its digest.

Workers grade against the snapshot, not the live folder: every submission of a batch is graded
against exactly the course whose digest the gradebook records, even if the instructor edits
the course meanwhile, and a Dask worker on another machine needs only the grader installed.
The gradebook keeps the snapshot too, so exports and the report can be rebuilt from it alone.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.batch.intake import digest_of
from grader.course import Course, load_course

_SKIPPED_DIRS = {"__pycache__", ".hypothesis", ".pytest_cache", ".ipynb_checkpoints"}


@dataclass(frozen=True)
class CourseFiles:
    digest: str
    files: tuple[tuple[str, bytes], ...]


def snapshot(course: Course) -> CourseFiles:
    files: list[tuple[str, bytes]] = []
    for top in ("exercises", "solutions"):
        for dirpath, dirnames, filenames in os.walk(course.root / top):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if name.endswith(".pyc") or name.startswith(".") or path.is_symlink() or not path.is_file():
                    continue
                files.append((path.relative_to(course.root).as_posix(), path.read_bytes()))
    return CourseFiles(digest_of(files), tuple(files))


def materialize(files: CourseFiles, parent: Path | None = None) -> Course:
    """Write the snapshot into a new folder and load it as a course."""
    root = Path(tempfile.mkdtemp(prefix=f"grade-course-{files.digest[:12]}-", dir=parent))
    for name, data in files.files:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return load_course(root)
