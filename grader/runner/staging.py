"""Copies of learner modules that children import instead of the originals.

A child reads its module from a copy under the sandbox's scratch directory, never from the
submission: it cannot change the submission, its `__file__` leads nowhere near the course, the
copy is world-readable (a child that runs as nobody reads it even when the submission sits in a
root-only directory), and the filesystem view only needs to include the staging area.

Only Python sources are staged: a learner module may import its siblings and the packages
beside it, and nothing else in the folder. The quiz answers, the course manifest and any data
file stay out of every child's reach (the course's exercises take their data as arguments).

A module folder is copied once per submission, for all its modules and tasks (again only when
one of its sources changes), into a folder of its own with an unguessable name in a staging
area no child can list; `release` removes the copy when the submission is done, so a worker
that grades a whole class keeps at most the current submission's copy.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SKIP_DIRS = frozenset({"__pycache__"})
# A submission's sources are a few small files; anything past this is not learner code.
_MAX_BYTES = 64 << 20

# What each staged file was when copied: (path in the folder, inode, size, mtime).
Signature = tuple[tuple[str, int, int, int], ...]


@dataclass(frozen=True)
class _Copy:
    signature: Signature
    folder: Path


def _sources(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """The Python sources under `folder`, as regular files (links are not followed: they could point anywhere)."""
    found = []
    for parent, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = Path(parent) / name
            status = path.lstat()
            if stat.S_ISREG(status.st_mode):
                found.append((path, status))
    return found


def _signature(folder: Path, sources: list[tuple[Path, os.stat_result]]) -> Signature:
    return tuple((str(path.relative_to(folder)), s.st_ino, s.st_size, s.st_mtime_ns) for path, s in sources)


class Staging:
    """Stages the folder of each learner module once (again when one of its sources changes)."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(mode=0o711, exist_ok=True)
        # Children reach their own copy by its path; none can list the others.
        self.root.chmod(0o711)
        self._staged: dict[Path, _Copy] = {}

    def stage(self, module: Path) -> Path:
        """The path of a current copy of `module`, with the Python sources of its folder beside it."""
        # The folder is resolved, never the module: a module that is a link is not a source (`_sources`),
        # so it cannot bring the file it points at (a reference solution) into the copy.
        folder = module.parent.resolve()
        module = folder / module.name
        sources = _sources(folder)
        signature = _signature(folder, sources)
        known = self._staged.get(folder)
        if known is not None and known.signature == signature:
            return known.folder / module.name
        self.release(folder)
        target = Path(tempfile.mkdtemp(dir=self.root))
        target.chmod(0o755)
        _copy_sources(folder, sources, target)
        self._staged[folder] = _Copy(signature, target)
        return target / module.name

    def release(self, folder: Path) -> None:
        """Remove the copy of `folder` (a submission's module folder), if there is one."""
        known = self._staged.pop(folder.resolve(), None)
        if known is not None:
            shutil.rmtree(known.folder, ignore_errors=True)


def _copy_sources(source: Path, sources: list[tuple[Path, os.stat_result]], target: Path) -> None:
    """Copy `sources` (files under `source`) to the same places under `target`, readable by all."""
    budget = _MAX_BYTES
    for path, status in sources:
        if status.st_size > budget:
            continue
        budget -= status.st_size
        copy = target / path.relative_to(source)
        for folder in reversed(copy.relative_to(target).parents[:-1]):
            here = target / folder
            if not here.is_dir():
                here.mkdir(mode=0o755)
                here.chmod(0o755)
        shutil.copyfile(path, copy, follow_symlinks=False)
        copy.chmod(0o644)
