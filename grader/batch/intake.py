"""A class's submissions folder: one entry per student (a folder or a `.zip`), read into what a worker grades.

An entry is named after the student (GitHub Classroom's download tools name each folder after
the login). Inside, `exercises/` may sit at the top or under one nested folder (the repository
folder a download or an archive adds). What a worker receives is the files under that
`exercises/` folder and nothing else, with a digest of their content: the same files give the
same digest wherever they came from, so a re-run can tell an unchanged submission.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.batch.archive import Limits, Rejected, extract_zip, ignored_folder
from grader.course import Course
from grader.i18n import msg

_MAX_DEPTH = 3
# How many of the files found are named when a submission has no exercises/ folder.
_FOUND_SHOWN = 8
_ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".7z", ".rar", ".gz")


@dataclass(frozen=True)
class Entry:
    student_id: str
    path: Path
    kind: Literal["folder", "zip"]

    @property
    def source(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Payload:
    """The submission's `exercises/` files (paths relative to the submission root) and their digest."""

    files: tuple[tuple[str, bytes], ...]
    digest: str
    # Where `exercises/` was found inside the entry ("" for the top), for the log.
    layout: str = ""


def scan(folder: Path, exclude: Path | None = None) -> tuple[list[Entry], list[str]]:
    """The entries of `folder`, sorted by student id, and the names of things that are not entries.

    `exclude` (the output folder, when it sits among the submissions) is not an entry.
    """
    entries: dict[str, Entry] = {}
    ignored: list[str] = []
    skip = exclude.resolve() if exclude is not None else None
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if ignored_folder(item.name) or item.is_symlink() or item.resolve() == skip:
            continue
        if item.is_dir():
            entry = Entry(item.name, item, "folder")
        elif item.is_file() and item.suffix.lower() == ".zip":
            entry = Entry(item.name[: -len(".zip")], item, "zip")
        else:
            ignored.append(item.name)
            continue
        if entry.student_id in entries:
            ignored.append(item.name)  # `alice/` and `alice.zip`: the folder (sorted first) wins
            continue
        entries[entry.student_id] = entry
    return list(entries.values()), ignored


def _visible_dirs(folder: Path) -> list[Path]:
    return [
        p
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.is_dir() and not p.is_symlink() and not ignored_folder(p.name)
    ]


def find_root(top: Path) -> Path:
    """The folder holding `exercises/`: `top` itself, or the shallowest nested folder that has one."""
    level = [top]
    for _ in range(_MAX_DEPTH + 1):
        found = [d for d in level if (d / "exercises").is_dir() and not (d / "exercises").is_symlink()]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(str(d.relative_to(top)) for d in found)
            raise Rejected(msg("batch_ambiguous", names=names))
        level = [sub for d in level for sub in _visible_dirs(d)]
        if not level:
            break
    found = _found_files(top)
    if not found:
        raise Rejected(msg("batch_empty"))
    archives = [name for name in found if name.lower().endswith(_ARCHIVES)]
    if archives:
        raise Rejected(msg("batch_nested_archive", names=_names(archives)))
    raise Rejected(msg("batch_no_exercises_found", names=_names(found)))


def _found_files(top: Path) -> list[str]:
    """The files under `top` (ignored folders left out, shallowest first), to say what a submission holds instead."""
    found: list[tuple[int, str]] = []
    for dirpath, dirnames, filenames in os.walk(top):
        depth = len(Path(dirpath).relative_to(top).parts)
        dirnames[:] = sorted(d for d in dirnames if not ignored_folder(d)) if depth < _MAX_DEPTH else []
        found.extend((depth, (Path(dirpath) / name).relative_to(top).as_posix()) for name in filenames)
    return [name for _, name in sorted(found)]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_FOUND_SHOWN])
    return shown + (f", … ({len(names)})" if len(names) > _FOUND_SHOWN else "")


def _files(root: Path, limits: Limits) -> list[tuple[str, bytes]]:
    """Regular files under `root/exercises`, links never followed, within the same limits as an archive."""
    files: list[tuple[str, bytes]] = []
    total = 0
    for dirpath, dirnames, filenames in os.walk(root / "exercises"):
        dirnames[:] = sorted(d for d in dirnames if not ignored_folder(d))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file() or name.endswith(".pyc"):
                continue
            size = path.stat().st_size
            total += size
            if size > limits.max_file_bytes or total > limits.max_total_bytes:
                raise Rejected(msg("batch_zip_too_large", mb=limits.max_total_bytes >> 20))
            if len(files) >= limits.max_files:
                raise Rejected(msg("batch_zip_too_many", count=len(files) + 1, limit=limits.max_files))
            files.append((path.relative_to(root).as_posix(), path.read_bytes()))
    return files


def digest_of(files: Iterable[tuple[str, bytes]]) -> str:
    """One digest for a set of files: their paths and contents, in path order."""
    outer = hashlib.sha256()
    for name, data in sorted(files):
        outer.update(name.encode() + b"\x00" + hashlib.sha256(data).digest())
    return outer.hexdigest()


def graded_files(course: Course) -> list[str]:
    """The paths, relative to a submission, that grading reads: each exercise module and the quiz answers."""
    names = [f"exercises/{ex.module}" for ex in course.exercises]
    if course.manifest.quiz is not None:
        names.append(f"exercises/{course.manifest.quiz.answers}")
    return names


def _payload(course: Course, top: Path, limits: Limits) -> Payload:
    root = find_root(top)
    files = _files(root, limits)
    present = {name for name, _ in files}
    expected = graded_files(course)
    if not present & set(expected):
        raise Rejected(msg("batch_no_course_files", files=", ".join(expected)))
    layout = root.relative_to(top).as_posix()
    return Payload(tuple(files), digest_of(files), "" if layout == "." else layout)


def read_entry(course: Course, entry: Entry, limits: Limits = Limits()) -> Payload:
    """What the worker will grade for `entry`, or Rejected with the reason (empty, corrupt, unsafe, no exercises)."""
    if entry.kind == "folder":
        return _payload(course, entry.path, limits)
    with tempfile.TemporaryDirectory(prefix="grade-intake-") as tmp:
        extract_zip(entry.path, Path(tmp), limits)
        return _payload(course, Path(tmp), limits)


def write_payload(payload: Payload, dest: Path) -> Path:
    """Lay the payload's files out under `dest`, which then is a submission folder."""
    for name, data in payload.files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (dest / "exercises").mkdir(parents=True, exist_ok=True)
    return dest
