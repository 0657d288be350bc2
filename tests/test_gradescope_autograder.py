"""`grade gradescope build`: the zip Gradescope runs, executed here against a folder laid out like /autograder."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
import typing
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.cli.deploy import VISIBILITIES
from grader.deploy.release import release
from grader.reporters.common import points
from grader.reporters.gradescope import GradescopeResults, Visibility
from tests.helpers import course_total, reference_with

BROKEN_LINEAR = "def linear(x, weight, bias=None):\n    return x @ weight\n"


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    done = CliRunner().invoke(main, ["gradescope", "build", str(out), "--profile", "quick"])
    assert done.exit_code == 0, done.output
    return out


def _root(tmp_path: Path, autograder: Path) -> Path:
    """A fresh /autograder: source/ holds the zip's contents, submission/ is empty."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # zipfile does not restore permissions
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (root / "source" / info.filename).chmod(mode)
    return root


def _run_autograder(root: Path) -> GradescopeResults:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable}
    # Gradescope runs it from /autograder; setup.sh's venv is replaced by this test's Python.
    done = subprocess.run(
        [str(root / "source" / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return GradescopeResults.model_validate_json((root / "results" / "results.json").read_text())


def test_visibility_choices_are_gradescopes():
    assert typing.get_args(Visibility) == VISIBILITIES


def test_zip_layout_and_scripts(autograder, tmp_path):
    with zipfile.ZipFile(autograder) as archive:
        names = set(archive.namelist())
        modes = {i.filename: (i.external_attr >> 16) for i in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        run = archive.read("run_autograder").decode()
    assert {"setup.sh", "run_autograder", "grader-src/pyproject.toml", "grader-src/constraints.txt"} <= names
    assert {
        "course/exercises/course.toml",
        "course/solutions/ex01_tensors.py",
        "course/solutions/quiz/key.toml",
    } <= names
    assert "grader-src/grader/deploy/templates/setup.sh" in names and not any("__pycache__" in n for n in names)
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert run.startswith("#!/usr/bin/env bash") and setup.startswith("#!/usr/bin/env bash")
    for script in (setup, run):
        path = tmp_path / "script.sh"
        path.write_text(script)
        assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    # What Gradescope's Ubuntu image needs: Python >= 3.11 with venv, the CPU torch, the grader pinned.
    assert "apt-get install -y --no-install-recommends python3 python3-venv" in setup
    assert "python3.11 python3.11-venv" in setup and "-m venv /autograder/venv" in setup
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in setup
    assert '--constraint "$source_dir/grader-src/constraints.txt" "$source_dir/grader-src"' in setup
    assert "--visibility after_published" in run and "--profile quick" in run


def test_grader_source_in_the_zip_installs(autograder, tmp_path):
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(tmp_path / "source")
        constraints = archive.read("grader-src/constraints.txt").decode()
    assert "hypothesis==" in constraints and "torch" not in constraints.split("\n", 1)[1]
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index"]
    source = tmp_path / "source" / "grader-src"
    done = subprocess.run([*pip, "--target", str(target), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (target / "grader" / "i18n" / "messages.toml").is_file()
    assert (target / "grader" / "deploy" / "templates" / "classroom.yml").is_file()
    where = "import sys; sys.path.insert(0, sys.argv[1]); import grader; print(grader.__file__)"
    version = subprocess.run([sys.executable, "-I", "-c", where, str(target)], capture_output=True, text=True)
    assert version.stdout.strip().startswith(str(target))


def test_ci_and_gradescope_install_the_same_pinned_versions(autograder, course, tmp_path):
    """The learner repository's pyproject (what Classroom's CI installs) pins what the Gradescope zip pins."""
    release(course, tmp_path / "repo", key=None, key_env="K")
    released = tomllib.loads((tmp_path / "repo" / "pyproject.toml").read_text())["project"]["dependencies"]
    with zipfile.ZipFile(autograder) as archive:
        zipped = tomllib.loads(archive.read("grader-src/pyproject.toml").decode())["project"]["dependencies"]
        constraints = archive.read("grader-src/constraints.txt").decode().splitlines()[1:]
    assert released == zipped
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[^=;\s]+(; .+)?", requirement) for requirement in released)
    assert f"hypothesis=={importlib.metadata.version('hypothesis')}" in released
    assert "torch==2.13.0" in released and constraints == [r for r in released if not r.startswith("torch")]


def _points(results: GradescopeResults) -> tuple[float, float]:
    graded = [t for t in results.tests or [] if t.max_score is not None]
    return math.fsum(t.score or 0 for t in graded), math.fsum(t.max_score or 0 for t in graded)


def test_full_marks_from_a_repository_upload(autograder, tmp_path, course, reference_dir):
    root = _root(tmp_path, autograder)
    shutil.copytree(reference_dir / "exercises", root / "submission" / "exercises")
    results = _run_autograder(root)
    earned, total = _points(results)
    full = course_total(course)
    assert earned == pytest.approx(full, abs=1e-9) and total == pytest.approx(full, abs=1e-9)
    first = (results.tests or [])[0]
    assert first.visibility == "visible" and first.status == "passed" and first.score == first.max_score == 0
    assert {t.visibility for t in (results.tests or [])[1:]} == {"after_published"}
    raw = json.loads((root / "results" / "results.json").read_text())
    # Every test is scored (the spec's rule when there is no top-level score), and they add up exactly.
    assert "score" not in raw and all("score" in t for t in raw["tests"])
    assert sum(t["score"] for t in raw["tests"]) == full
    # The graded tests are hidden until published: so is the total, in the text everyone sees.
    assert "Total" not in (results.output or "") and points(full) not in (results.output or "")
    assert "publishes the grades" in (results.output or "")


def test_zero_for_the_stubs(autograder, tmp_path, course, stubs_dir):
    root = _root(tmp_path, autograder)
    shutil.copytree(stubs_dir / "exercises", root / "submission" / "exercises")
    earned, total = _points(_run_autograder(root))
    assert earned == 0 and total == pytest.approx(course_total(course), abs=1e-9)


def test_partial_credit_from_bare_files(autograder, tmp_path, course, reference_dir):
    """Learners often upload the files alone, or inside a folder: each is found by name."""
    root = _root(tmp_path, autograder)
    folder = root / "submission" / "my work"
    folder.mkdir()
    for exercise in course.exercises[1:]:
        shutil.copy(reference_dir / "exercises" / exercise.module, folder / exercise.module)
    (folder / "ex01_tensors.py").write_text(reference_with(course, "ex01_tensors.py", BROKEN_LINEAR))
    (root / "submission" / "__MACOSX").mkdir()
    (root / "submission" / "__MACOSX" / "answers.toml").write_text("q1 = 1\n")
    shutil.copy(reference_dir / "exercises" / "quiz" / "answers.toml", root / "submission" / "answers.toml")
    results = _run_autograder(root)
    earned, total = _points(results)
    full = course_total(course)
    # Everything right but exercise 1's linear, which is worth 2 points.
    assert full - 2 <= earned < full and total == pytest.approx(full, abs=1e-9)
    tests = results.tests or []
    assert tests[0].status == "passed" and "exercises/ex01_tensors.py" in (tests[0].output or "")
    linear = [t for t in tests if (t.name or "").startswith("ex01.linear")]
    assert any(t.status == "failed" for t in linear)
    assert all(t.status == "passed" for t in tests if (t.name or "").startswith("quiz."))


def test_missing_files_are_named_and_scored_zero(autograder, tmp_path):
    root = _root(tmp_path, autograder)
    (root / "submission" / "notes.txt").write_text("I forgot the code")
    results = _run_autograder(root)
    first = (results.tests or [])[0]
    assert first.status == "failed" and "exercises/ex01_tensors.py" in (first.output or "")
    assert _points(results)[0] == 0


def test_a_symlink_to_the_reference_is_not_a_submission(autograder, tmp_path):
    root = _root(tmp_path, autograder)
    (root / "submission" / "exercises").mkdir()
    reference = root / "source" / "course" / "solutions" / "ex01_tensors.py"
    (root / "submission" / "exercises" / "ex01_tensors.py").symlink_to(reference)
    results = _run_autograder(root)
    assert "not found" in ((results.tests or [])[0].output or "") and _points(results)[0] == 0


def test_results_are_written_even_when_the_course_is_broken(autograder, tmp_path):
    root = _root(tmp_path, autograder)
    manifest = root / "source" / "course" / "exercises" / "course.toml"
    manifest.write_text(manifest.read_text().replace("points = 2", "points = 'two'", 1))
    results = _run_autograder(root)
    assert results.tests and results.tests[0].name == "grader" and results.tests[0].score == 0
    assert "course.toml" in (results.output or "")
