"""Reading a class folder: entries, the layouts GitHub Classroom produces, hostile archives, the roster."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from grader.batch.archive import Limits, Rejected, extract_zip
from grader.batch.intake import Entry, find_root, read_entry, scan
from grader.batch.roster import RosterError, read_roster
from tests import classroom


def _zip(path: Path, members: dict[str, bytes | str], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../escape.py", "outside its folder"),
        ("exercises/../../escape.py", "outside its folder"),
        ("/tmp/escape.py", "outside its folder"),
        ("..\\escape.py", "outside its folder"),
        ("C:/escape.py", "outside its folder"),
    ],
)
def test_paths_outside_the_target_reject_the_archive(tmp_path, name, reason):
    archive = _zip(tmp_path / "a.zip", {"exercises/ex01_tensors.py": "x = 1\n", name: "escaped = True\n"})
    dest = tmp_path / "one" / "two" / "dest"
    dest.mkdir(parents=True)
    with pytest.raises(Rejected, match=reason):
        extract_zip(archive, dest)
    assert not list(tmp_path.rglob("escape.py"))
    assert not Path("/tmp/escape.py").exists()


def test_links_are_never_created_and_escaping_ones_reject(tmp_path):
    inside = _zip(tmp_path / "in.zip", {"exercises/a.py": "a = 1\n"}, links={"exercises/b.py": "a.py"})
    dest = tmp_path / "in"
    dest.mkdir()
    extract_zip(inside, dest)
    assert (dest / "exercises" / "a.py").is_file() and not (dest / "exercises" / "b.py").exists()
    for target in ("/etc/passwd", "../../../etc/passwd", "../.."):
        outside = _zip(tmp_path / "out.zip", {"exercises/a.py": "a\n"}, links={"exercises/ex01_tensors.py": target})
        (tmp_path / "out").mkdir(exist_ok=True)
        with pytest.raises(Rejected, match="link pointing outside"):
            extract_zip(outside, tmp_path / "out")
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))


def test_size_count_and_zip_bomb_limits(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", {"exercises/zeros.bin": b"\0" * (4 << 20)})
    assert bomb.stat().st_size < 64 << 10
    with pytest.raises(Rejected, match="zip bomb"):
        extract_zip(bomb, _dir(tmp_path / "b1"), Limits(max_ratio=100))
    with pytest.raises(Rejected, match="larger than 1 MB"):
        extract_zip(bomb, _dir(tmp_path / "b2"), Limits(max_file_bytes=1 << 30, max_total_bytes=1 << 20))
    many = _zip(tmp_path / "many.zip", {f"exercises/f{i}.py": "" for i in range(30)})
    with pytest.raises(Rejected, match="holds 30 files"):
        extract_zip(many, _dir(tmp_path / "m"), Limits(max_files=20))
    extract_zip(many, _dir(tmp_path / "ok"))
    assert len(list((tmp_path / "ok" / "exercises").iterdir())) == 30


def test_sizes_are_counted_as_written_not_as_declared(tmp_path):
    """A header that understates a size is refused, and no more than the limit is ever written."""
    archive = _zip(tmp_path / "liar.zip", {"exercises/big.txt": "y" * (3 << 20)})
    data = bytearray(archive.read_bytes())
    declared = (3 << 20).to_bytes(4, "little")
    fake = (10).to_bytes(4, "little")
    data[:] = data.replace(declared, fake)
    archive.write_bytes(bytes(data))
    with pytest.raises(Rejected):
        extract_zip(archive, _dir(tmp_path / "d"), Limits(max_total_bytes=1 << 20, max_file_bytes=1 << 20))
    written = sum(p.stat().st_size for p in (tmp_path / "d").rglob("*") if p.is_file())
    assert written <= 1 << 20


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04garbage", b"not a zip at all"])
def test_corrupt_archives_are_rejected(tmp_path, content):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(content)
    with pytest.raises(Rejected, match="cannot be read"):
        extract_zip(archive, _dir(tmp_path / "d"))


def test_truncated_archive_is_rejected(tmp_path, course):
    archive = classroom.zip_folder(classroom.reference(course, tmp_path / "ref"), tmp_path / "ref.zip")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(Rejected, match="cannot be read"):
        read_entry(course, Entry("ref", archive, "zip"))


def _dir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def test_scan_names_entries_after_students(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "bob.zip").write_bytes(b"")
    (tmp_path / "alice.zip").write_bytes(b"")  # a second entry for alice
    (tmp_path / "README.md").write_text("")
    (tmp_path / ".DS_Store").write_text("")
    (tmp_path / "__MACOSX").mkdir()
    entries, ignored = scan(tmp_path)
    assert [(e.student_id, e.kind) for e in entries] == [("alice", "folder"), ("bob", "zip")]
    assert ignored == ["README.md", "alice.zip"]


def test_exercises_found_at_the_top_or_under_one_nested_folder(tmp_path):
    (tmp_path / "top" / "exercises").mkdir(parents=True)
    assert find_root(tmp_path / "top") == tmp_path / "top"
    nested = tmp_path / "login" / "assignment-login" / "exercises"
    nested.mkdir(parents=True)
    (tmp_path / "login" / "__MACOSX" / "exercises").mkdir(parents=True)
    assert find_root(tmp_path / "login") == tmp_path / "login" / "assignment-login"
    (tmp_path / "two" / "a" / "exercises").mkdir(parents=True)
    (tmp_path / "two" / "b" / "exercises").mkdir(parents=True)
    with pytest.raises(Rejected, match="more than one exercises/"):
        find_root(tmp_path / "two")
    (tmp_path / "empty").mkdir()
    with pytest.raises(Rejected, match="empty"):
        find_root(tmp_path / "empty")
    (tmp_path / "other" / "src").mkdir(parents=True)
    (tmp_path / "other" / "src" / "main.py").write_text("")
    with pytest.raises(Rejected, match="no exercises/ folder"):
        find_root(tmp_path / "other")


def test_folder_and_archive_of_the_same_files_have_the_same_digest(tmp_path, course):
    folder = classroom.reference(course, tmp_path / "alice")
    archive = classroom.zip_folder(folder, tmp_path / "alice.zip", prefix="repo-alice/")
    from_folder = read_entry(course, Entry("alice", folder, "folder"))
    from_zip = read_entry(course, Entry("alice", archive, "zip"))
    assert from_folder.digest == from_zip.digest and from_zip.layout == "repo-alice"
    assert {name for name, _ in from_folder.files} >= {"exercises/ex01_tensors.py", "exercises/quiz/answers.toml"}
    (folder / "exercises" / "ex01_tensors.py").write_text("changed = True\n")
    assert read_entry(course, Entry("alice", folder, "folder")).digest != from_folder.digest


def test_folder_links_are_not_followed(tmp_path, course):
    folder = classroom.reference(course, tmp_path / "alice")
    secret = tmp_path / "secret.txt"
    secret.write_text("instructor only")
    (folder / "exercises" / "notes.txt").symlink_to(secret)
    names = {name for name, _ in read_entry(course, Entry("alice", folder, "folder")).files}
    assert "exercises/notes.txt" not in names


def test_an_exercises_folder_without_course_files_is_rejected(tmp_path, course):
    (tmp_path / "x" / "exercises").mkdir(parents=True)
    (tmp_path / "x" / "exercises" / "homework.py").write_text("")
    with pytest.raises(Rejected, match="none of the course's files"):
        read_entry(course, Entry("x", tmp_path / "x", "folder"))


def test_roster_columns_in_any_order_and_case(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeffEmail,GitHub_Username,Name,Section\na@example.invalid,ann,Ann Lee,A\nb@x.invalid,bo,,B\n")
    students = read_roster(path)
    assert [(s.id, s.name, s.email, s.section) for s in students] == [
        ("ann", "Ann Lee", "a@example.invalid", "A"),
        ("bo", None, "b@x.invalid", "B"),
    ]
    path.write_text("id,name\nann,Ann\nann,Again\n")
    with pytest.raises(RosterError, match=r"roster.csv:3: student id 'ann' appears twice"):
        read_roster(path)


def test_an_archive_grades_like_its_folder_whatever_tools_left_in_it(tmp_path, course):
    """A .venv of 2,100 files (with its absolute links), .git and caches: skipped in a zip as in a folder."""
    folder = classroom.reference(course, tmp_path / "alice")
    venv = folder / ".venv" / "lib" / "site-packages"
    venv.mkdir(parents=True)
    for i in range(2100):
        (venv / f"m{i}.py").write_text("")
    for junk in (".git/objects/ab", "exercises/__pycache__", "node_modules/x", ".ipynb_checkpoints"):
        (folder / junk).mkdir(parents=True, exist_ok=True)
        (folder / junk / "blob").write_bytes(b"\0" * 64)
    archive = classroom.zip_folder(folder, tmp_path / "alice.zip", prefix="repo-alice/")
    with zipfile.ZipFile(archive, "a") as zf:  # a virtual environment's link to the system interpreter
        info = zipfile.ZipInfo("repo-alice/.venv/bin/python")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/usr/bin/python3")
    from_folder = read_entry(course, Entry("alice", folder, "folder"))
    from_zip = read_entry(course, Entry("alice", archive, "zip"))
    assert from_zip.digest == from_folder.digest
    dest = _dir(tmp_path / "extracted")
    extract_zip(archive, dest)
    assert not (dest / "repo-alice" / ".venv").exists() and not (dest / "repo-alice" / ".git").exists()


def test_a_submission_without_exercises_says_what_it_holds(tmp_path, course):
    inner = classroom.zip_folder(classroom.reference(course, tmp_path / "ref"), tmp_path / "alice.zip")
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as zf:
        zf.write(inner, "alice.zip")
    with pytest.raises(Rejected, match=r"only an archive inside it \(alice\.zip\)"):
        read_entry(course, Entry("alice", nested, "zip"))
    flat = _zip(tmp_path / "flat.zip", {"ex01_tensors.py": "x = 1\n", "quiz/answers.toml": ""})
    with pytest.raises(Rejected, match=r"no exercises/ folder in the submission; it holds: ex01_tensors\.py, quiz"):
        read_entry(course, Entry("bob", flat, "zip"))
