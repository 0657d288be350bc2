"""Extract a learner's `.zip` without trusting it: no path outside the target, no links, bounded size and count.

Sizes are counted while the bytes are written, not read from the archive's headers, which a
zip bomb can fake. Only regular files and folders are created, with ordinary permissions.
"""

from __future__ import annotations

import posixpath
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from grader.i18n import Text, msg

_CHUNK = 1 << 16
# Folders that tools add and that never hold a submission (a virtual environment, version control,
# caches, macOS resource forks): skipped in folders and archives alike, as are folders whose name
# starts with a dot. Their members are neither extracted nor counted against the limits.
IGNORED_FOLDERS = frozenset(
    {"__MACOSX", "__pycache__", ".git", ".github", ".ipynb_checkpoints", ".venv", "node_modules"}
)


def ignored_folder(name: str) -> bool:
    """Whether a folder called `name` is one that `IGNORED_FOLDERS` (or a leading dot) leaves out."""
    return name in IGNORED_FOLDERS or name.startswith(".")


@dataclass(frozen=True)
class Limits:
    """How much one submission may hold. The course's files are a few kilobytes; these leave room for data files."""

    max_files: int = 2000
    # Entries of any kind, ignored folders included: bounds the work of checking each one (zipfile has read
    # the whole directory by then).
    max_entries: int = 200_000
    max_file_bytes: int = 16 << 20
    max_total_bytes: int = 64 << 20
    # Deflate reaches about 1000:1 on runs of zeros; real source code compresses 3:1 to 10:1.
    max_ratio: float = 100.0


class Rejected(Exception):
    """The entry cannot be graded; `reason` says why, in both languages."""

    def __init__(self, reason: Text):
        super().__init__(reason.en)
        self.reason = reason


def _safe_name(name: str) -> str | None:
    """The member's path relative to the target, or None when it would land outside (absolute, `..`, drive)."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":") or "\x00" in unified:
        return None
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def _in_ignored_folder(info: zipfile.ZipInfo, name: str) -> bool:
    parts = name.split("/")
    folders = parts if info.is_dir() else parts[:-1]
    return any(ignored_folder(part) for part in folders)


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _link_escapes(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bool:
    target = zf.read(info)[:4096].decode("utf-8", errors="replace")
    if target.startswith("/") or "\\" in target:
        return True
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
    return joined == ".." or joined.startswith("../")


def _copy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, limits: Limits) -> int:
    """Write one member, stopping as soon as it exceeds its own limit or the archive's remaining budget."""
    written = 0
    with zf.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > limits.max_file_bytes or written > budget:
                raise Rejected(msg("batch_zip_too_large", mb=limits.max_total_bytes >> 20))
            if info.compress_size and written > (1 << 20) and written / info.compress_size > limits.max_ratio:
                raise Rejected(msg("batch_zip_bomb", name=info.filename))
            sink.write(chunk)
    return written


def _check_members(zf: zipfile.ZipFile, limits: Limits) -> list[tuple[zipfile.ZipInfo, str]]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise Rejected(msg("batch_zip_too_many", count=len(infos), limit=limits.max_entries))
    named = []
    for info in infos:
        name = _safe_name(info.filename)
        if name is None:
            raise Rejected(msg("batch_zip_unsafe_path", name=info.filename))
        # A member of an ignored folder is never extracted: neither its size nor its links matter.
        if not _in_ignored_folder(info, name):
            named.append((info, name))
    if len(named) > limits.max_files:
        raise Rejected(msg("batch_zip_too_many", count=len(named), limit=limits.max_files))
    declared = 0
    members = []
    for info, name in named:
        if _is_link(info):
            if _link_escapes(zf, info, name):
                raise Rejected(msg("batch_zip_link", name=info.filename))
            continue  # links are never created; one that stays inside is simply left out
        declared += info.file_size
        if declared > limits.max_total_bytes:
            raise Rejected(msg("batch_zip_too_large", mb=limits.max_total_bytes >> 20))
        if name:
            members.append((info, name))
    return members


def extract_zip(archive: Path, dest: Path, limits: Limits = Limits()) -> None:
    """Extract `archive` into the empty folder `dest`, or raise Rejected saying why it cannot be."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _check_members(zf, limits)
            budget = limits.max_total_bytes
            root = dest.resolve()
            for info, name in members:
                target = root / name
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _copy(zf, info, target, budget, limits)
    except Rejected:
        raise
    except RuntimeError as exc:  # encrypted members
        raise Rejected(msg("batch_zip_corrupt", detail=str(exc))) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise Rejected(msg("batch_zip_corrupt", detail=str(exc) or type(exc).__name__)) from None
    except OSError as exc:  # a member that is both a file and a folder, a name the filesystem refuses
        raise Rejected(msg("batch_zip_corrupt", detail=f"{type(exc).__name__}: {exc.strerror or exc}")) from None
