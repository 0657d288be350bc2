"""Encrypted hidden checks: a round trip restores solutions/; wrong keys, changed bytes, hostile archives fail."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from cryptography.fernet import Fernet

from grader.cli import main
from grader.course import load_course
from grader.deploy.bundle import BundleError, key_from_env, new_key, open_bundle, secret_files, write_bundle
from grader.deploy.release import release
from grader.reporters.classroom import ClassroomResults

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture
def key() -> Fernet:
    return Fernet(new_key())


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_round_trip_restores_every_secret_file(course, key, tmp_path):
    bundle = tmp_path / "hidden.bundle"
    count = write_bundle(course, bundle, key)
    assert count == len(secret_files(course)) >= 3
    data = bundle.read_bytes()
    assert b"def one_hot" not in data and b"explanation" not in data  # encrypted, not merely packed
    assert open_bundle(bundle, tmp_path, key, replace=False) == count
    expected = {p.relative_to(course.solutions_dir).as_posix(): p.read_bytes() for p in secret_files(course)}
    assert _tree(tmp_path / "solutions") == expected


def test_wrong_key_and_changed_bytes_are_refused(course, key, tmp_path):
    bundle = tmp_path / "hidden.bundle"
    write_bundle(course, bundle, key)
    with pytest.raises(BundleError, match="cannot be decrypted"):
        open_bundle(bundle, tmp_path, Fernet(new_key()), replace=False)
    token = bytearray(bundle.read_bytes())
    token[len(token) // 2] ^= 1
    bundle.write_bytes(bytes(token))
    with pytest.raises(BundleError, match="cannot be decrypted"):
        open_bundle(bundle, tmp_path, key, replace=False)
    assert not (tmp_path / "solutions").exists()


def test_existing_solutions_are_kept_unless_replaced(course, key, tmp_path):
    bundle = tmp_path / "hidden.bundle"
    write_bundle(course, bundle, key)
    planted = tmp_path / "solutions" / "checks" / "test_ex01_tensors.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("def test_everything_passes():\n    pass\n")
    with pytest.raises(BundleError, match="already exists"):
        open_bundle(bundle, tmp_path, key, replace=False)
    assert "everything_passes" in planted.read_text()
    open_bundle(bundle, tmp_path, key, replace=True)
    # A learner's own solutions/ does not survive into grading.
    assert planted.read_text() == (course.solutions_dir / "checks" / "test_ex01_tensors.py").read_text()


def _hostile(key: Fernet, member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return key.encrypt(buffer.getvalue())


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("solutions/../../escape.py", tarfile.REGTYPE, "outside solutions/"),
        ("/etc/evil", tarfile.REGTYPE, "outside solutions/"),
        ("other/file.py", tarfile.REGTYPE, "outside solutions/"),
        ("solutions/link", tarfile.SYMTYPE, "not a plain file"),
    ],
)
def test_hostile_archives_are_refused(key, tmp_path, name, kind, message):
    member = tarfile.TarInfo(name)
    member.type = kind
    member.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else ""
    member.size = 1 if kind == tarfile.REGTYPE else 0
    bundle = tmp_path / "evil.bundle"
    bundle.write_bytes(_hostile(key, member, b"x"))
    with pytest.raises(BundleError, match=message):
        open_bundle(bundle, tmp_path, key, replace=True)
    assert not (tmp_path.parent / "escape.py").exists() and not (tmp_path / "solutions").exists()


def test_key_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("SOME_KEY", raising=False)
    with pytest.raises(BundleError, match="SOME_KEY is not set"):
        key_from_env("SOME_KEY")
    monkeypatch.setenv("SOME_KEY", "not a key")
    with pytest.raises(BundleError, match="is not a bundle key"):
        key_from_env("SOME_KEY")
    monkeypatch.setenv("SOME_KEY", new_key())
    assert isinstance(key_from_env("SOME_KEY"), Fernet)


def test_cli_bundle_and_unbundle(tmp_path):
    runner = CliRunner()
    made = runner.invoke(main, ["bundle", "--new-key"])
    assert made.exit_code == 0
    env = {"GRADER_BUNDLE_KEY": made.stdout.strip()}
    bundle = tmp_path / "b.bundle"
    done = runner.invoke(main, ["bundle", str(bundle), "--course", str(ROOT)], env=env)
    count = len(secret_files(load_course(ROOT)))
    assert done.exit_code == 0 and f"encrypted {count} files" in done.stdout
    course = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", course / "exercises")
    args = ["unbundle", str(bundle), "--course", str(course)]
    assert runner.invoke(main, args, env=env).exit_code == 0
    assert (course / "solutions" / "quiz" / "key.toml").is_file()
    again = runner.invoke(main, args, env=env)
    assert again.exit_code == 2 and "--replace" in again.output and "Traceback" not in again.output
    wrong = runner.invoke(main, [*args, "--replace"], env={"GRADER_BUNDLE_KEY": new_key()})
    assert wrong.exit_code == 2 and "cannot be decrypted" in wrong.output


def _plant(root: Path) -> Path:
    planted = root / "solutions" / "checks" / "test_ex01_tensors.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("def test_everything_passes():\n    pass\n")
    return planted


def test_a_bundle_that_cannot_be_opened_replaces_nothing(course, key, tmp_path):
    bundle = tmp_path / "hidden.bundle"
    write_bundle(course, bundle, key)
    bundle.write_bytes(bundle.read_bytes()[:-10])  # damaged
    planted = _plant(tmp_path)
    with pytest.raises(BundleError, match="cannot be decrypted"):
        open_bundle(bundle, tmp_path, key, replace=True)
    assert planted.is_file()


@pytest.mark.parametrize("env", [{"GRADER_BUNDLE_KEY": ""}, {"GRADER_BUNDLE_KEY": new_key()}])
@pytest.mark.parametrize("bundle_name", ["hidden.bundle", "missing.bundle"])
def test_cli_unbundle_replace_keeps_the_instructors_solutions_when_it_fails(tmp_path, env, bundle_name):
    """A missing key, a wrong one or a wrong path loses nothing (CI removes a learner's solutions/ itself)."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", course / "exercises")
    planted = _plant(course)
    (course / ".grader").mkdir()
    (course / ".grader" / "hidden.bundle").write_bytes(b"not a bundle")
    done = CliRunner().invoke(
        main, ["unbundle", str(course / ".grader" / bundle_name), "--course", str(course), "--replace"], env=env
    )
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert planted.is_file()


def test_ci_grades_nothing_when_the_bundle_cannot_be_opened(course, tmp_path):
    """The issue's attack: a committed fake solutions/ and a corrupted bundle gave full marks."""
    repo = tmp_path / "learner"
    secret = {"GRADER_BUNDLE_KEY": new_key()}
    release(course, repo, key=Fernet(secret["GRADER_BUNDLE_KEY"]), key_env="GRADER_BUNDLE_KEY")
    bundle = repo / ".grader" / "hidden.bundle"
    bundle.write_bytes(bundle.read_bytes()[:-10])
    _plant(repo)
    flow = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    unbundle = next(s for s in steps if s.get("id") == "unbundle")
    grading = next(s for s in steps if s.get("id") == "grader")
    assert grading["env"]["HIDDEN_CHECKS"] == "${{ steps.unbundle.outcome }}"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    opened = subprocess.run(["bash", "-c", unbundle["run"]], cwd=repo, env={**env, **secret}, capture_output=True)
    assert opened.returncode == 2 and not (repo / "solutions").exists()
    _plant(repo)  # even if something puts one back after the step, the Grade step removes it
    output = tmp_path / "github_output"
    graded = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", grading["run"]],
        cwd=repo,
        env={**env, "HIDDEN_CHECKS": "failure", "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert graded.returncode == 0, graded.stderr
    line = next(x for x in output.read_text().splitlines() if x.startswith("result="))
    doc = ClassroomResults.model_validate_json(base64.b64decode(line.removeprefix("result=")))
    assert doc.status == "error" and sum(t.score for t in doc.tests) == 0
    assert "hidden checks could not be opened" in doc.tests[0].message
