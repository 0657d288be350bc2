"""The stubs `grade selftest` and the tests grade are the course's untouched ones, even where a learner solved them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import Course, CourseError, load_course
from grader.selftest import stub_submission


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def _solve(course: Course, reference: Path) -> None:
    """What a learner who finished the course has in exercises/: working code and the quiz answered."""
    shutil.copytree(reference / "exercises", course.exercises_dir, dirs_exist_ok=True)


@pytest.fixture
def fresh(course: Course, stubs_dir: Path, tmp_path: Path) -> Path:
    """A course repository as a learner clones it: the stubs, committed."""
    repo = tmp_path / "course"
    shutil.copytree(course.exercises_dir, repo / "exercises")
    shutil.copytree(stubs_dir / "exercises", repo / "exercises", dirs_exist_ok=True)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "course")
    return repo


def _same_files(a: Path, b: Path, names: list[str]) -> bool:
    return all((a / name).read_bytes() == (b / name).read_bytes() for name in names)


def _graded_files(course: Course) -> list[str]:
    assert course.manifest.quiz is not None
    return [ex.module for ex in course.exercises] + [course.manifest.quiz.answers]


@pytest.mark.parametrize("committed", [False, True], ids=["edited", "edited-and-committed"])
def test_stubs_come_from_git_once_the_learner_solved_them(fresh, stubs_dir, reference_dir, tmp_path, committed):
    course = load_course(fresh)
    _solve(course, reference_dir)
    if committed:
        _git(fresh, "commit", "-q", "-am", "my solutions")
        _git(fresh, "commit", "-q", "--allow-empty", "-m", "later work")
    stubs = stub_submission(course, tmp_path / "stubs") / "exercises"
    assert _same_files(stubs, stubs_dir / "exercises", _graded_files(course))


def test_a_stub_the_instructor_is_editing_is_graded_as_it_is(fresh, tmp_path):
    course = load_course(fresh)
    module = course.exercises_dir / course.exercises[0].module
    edited = module.read_text(encoding="utf-8").replace('"""', '"""Edited. ', 1)
    module.write_text(edited, encoding="utf-8")
    stubs = stub_submission(course, tmp_path / "stubs") / "exercises"
    assert (stubs / module.name).read_text(encoding="utf-8") == edited


def test_solved_exercises_and_no_git_say_what_to_do(fresh, reference_dir, tmp_path):
    shutil.rmtree(fresh / ".git")
    course = load_course(fresh)
    _solve(course, reference_dir)
    with pytest.raises(CourseError, match="no git commit holds the untouched stub"):
        stub_submission(course, tmp_path / "stubs")


def test_selftest_on_a_solved_repository_without_git_is_a_usage_error(fresh, course, reference_dir):
    shutil.rmtree(fresh / ".git")
    shutil.copytree(course.solutions_dir, fresh / "solutions")
    _solve(load_course(fresh), reference_dir)
    done = CliRunner().invoke(main, ["selftest", "--course", str(fresh)])
    assert done.exit_code == 2
    assert "ex01_tensors.py: a task is implemented here" in done.output and "Traceback" not in done.output
