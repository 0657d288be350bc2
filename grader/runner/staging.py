"""Copies of learner modules that children import instead of the originals.

A child reads its module from a copy under the sandbox's scratch directory, never from the
submission: it cannot change the submission, its `__file__` leads nowhere near the course, the
copy is world-readable (a child that runs as nobody reads it even when the submission sits in a
root-only directory), and the filesystem view only needs to include the staging area.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_SKIP_DIRS = frozenset({"__pycache__"})
# A submission folder holds a few small files; anything bigger than this is not learner code.
_MAX_BYTES = 64 << 20


def _signature(module: Path) -> tuple[int, int, int]:
    stat = module.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class Staging:
    """Stages the folder of each learner module once (again when the module file changes)."""

    def __init__(self, root: Path):
        self.root = root
        self.root.mkdir(mode=0o755, exist_ok=True)
        self.root.chmod(0o755)
        self._staged: dict[Path, tuple[tuple[int, int, int], Path]] = {}
        self._copies = 0

    def stage(self, module: Path) -> Path:
        """The path of a current copy of `module`, with the regular files of its folder beside it."""
        module = module.resolve()
        signature = _signature(module)
        known = self._staged.get(module.parent)
        if known is not None and known[0] == signature:
            return known[1] / module.name
        self._copies += 1
        target = self.root / str(self._copies)
        _copy_tree(module.parent, target)
        self._staged[module.parent] = (signature, target)
        return target / module.name


def _copy_tree(source: Path, target: Path) -> None:
    """Regular files and folders only (links are not followed: they could point anywhere), readable by all."""
    budget = _MAX_BYTES
    for folder, dirs, files in os.walk(source, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        here = target / Path(folder).relative_to(source)
        here.mkdir(mode=0o755)
        here.chmod(0o755)
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            if size > budget:
                continue
            budget -= size
            copy = here / name
            shutil.copyfile(path, copy, follow_symlinks=False)
            copy.chmod(0o644)
