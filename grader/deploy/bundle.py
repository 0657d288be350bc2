"""The secret half of a course as one encrypted file, for CI: `solutions/` in a tar archive under Fernet.

Fernet (from `cryptography`) is AES-128-CBC with an HMAC-SHA256 over the whole token: a wrong key
or a changed byte is refused, never half-decrypted. The key is a url-safe base64 string kept in an
environment variable, in CI a GitHub organisation or repository secret. Extraction accepts only
regular files and folders under `solutions/`, through tarfile's "data" filter.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from grader.course import Course
from grader.deploy.errors import DeployError

DEFAULT_BUNDLE = Path(".grader") / "hidden.bundle"
_ROOT = "solutions"
_SKIP = ("__pycache__", ".pytest_cache", ".hypothesis")


class BundleError(DeployError):
    """A bundle cannot be made or opened: a missing key, a wrong key, a damaged file. The message says which."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_from_env(name: str) -> Fernet:
    value = os.environ.get(name, "").strip()
    if not value:
        raise BundleError(
            f"{name} is not set: it holds the bundle key (make one with `grade bundle --new-key`; "
            "in CI, add it as an organisation or repository secret)"
        )
    try:
        return Fernet(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise BundleError(f"{name} is not a bundle key (32 url-safe base64-encoded bytes)") from None


def secret_files(course: Course) -> list[Path]:
    """Every file under `solutions/` (reference, hidden checks, probes, quiz key, helpers), in a stable order."""
    root = course.solutions_dir
    if not root.is_dir():
        raise BundleError(f"{root} does not exist: there is nothing to bundle")
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part in _SKIP or part.endswith(".pyc") for part in p.parts)
    )


def _archive(course: Course) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path in secret_files(course):
            info = tarfile.TarInfo(f"{_ROOT}/{path.relative_to(course.solutions_dir).as_posix()}")
            data = path.read_bytes()
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_bundle(course: Course, out: Path, key: Fernet) -> int:
    """Encrypt the course's `solutions/` into `out`; returns the number of files packed."""
    count = len(secret_files(course))
    token = key.encrypt(_archive(course))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(token)
    return count


def _members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        parts = Path(member.name).parts
        if not parts or parts[0] != _ROOT or ".." in parts or Path(member.name).is_absolute():
            raise BundleError(f"the bundle holds {member.name!r}, outside {_ROOT}/: refusing it")
        if not (member.isfile() or member.isdir()):
            raise BundleError(f"the bundle holds {member.name!r}, which is not a plain file: refusing it")
        members.append(member)
    return members


def remove_solutions(into: Path) -> None:
    """Remove `into/solutions` (a folder, file or link) so that only a bundle can put one back."""
    target = into / _ROOT
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.exists():
        shutil.rmtree(target)


def open_bundle(bundle: Path, into: Path, key: Fernet, *, replace: bool) -> int:
    """Decrypt `bundle` into `into/solutions`; returns the number of files written.

    An existing `solutions/` is an error unless `replace`: in CI it must be replaced (a learner's
    repository may carry a `solutions/` of its own making), on an instructor's machine it must not be.
    It is replaced only once the bundle is decrypted and extracted: a wrong key or path loses nothing.
    (CI removes a learner's `solutions/` itself before this runs, so a bundle that cannot be opened
    leaves none to grade with.)
    """
    target = into / _ROOT
    try:
        token = bundle.read_bytes()
    except OSError as exc:
        raise BundleError(f"{bundle} cannot be read ({exc.strerror or exc})") from None
    try:
        archive = key.decrypt(token)
    except InvalidToken:
        raise BundleError(f"{bundle} cannot be decrypted with this key (a wrong key, or a changed file)") from None
    if target.exists() and not replace:
        raise BundleError(f"{target} already exists; pass --replace to overwrite it")
    with tempfile.TemporaryDirectory(prefix="grade-unbundle-", dir=into) as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            members = _members(tar)
            # The "data" filter (Python >= 3.11.4) is a second line behind `_members`.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(tmp, members=members, **safe)
        remove_solutions(into)
        Path(tmp, _ROOT).rename(target)
    return sum(m.isfile() for m in members)
