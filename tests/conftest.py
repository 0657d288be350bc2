"""Shared fixtures: the repository's course, one sandbox server per test session, and submissions built on the fly."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader.course import Course, load_course
from grader.judge import Selection, grade
from grader.results import GradeResult
from grader.runner.server import SandboxServer
from grader.selftest import reference_submission, stub_submission

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep `grade`'s progress cache out of the developer's home directory."""
    previous = os.environ.get("GRADE_CACHE_DIR")
    os.environ["GRADE_CACHE_DIR"] = str(tmp_path_factory.mktemp("grade-cache"))
    yield
    if previous is None:
        os.environ.pop("GRADE_CACHE_DIR", None)
    else:
        os.environ["GRADE_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT)


@pytest.fixture(scope="session")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(scope="session")
def reference_dir(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_submission(course, tmp_path_factory.mktemp("reference"))


@pytest.fixture(scope="session")
def stubs_dir(course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stub_submission(course, tmp_path_factory.mktemp("stubs"))


@pytest.fixture(scope="session")
def pristine_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A copy of the course whose exercises/ holds the pristine stubs and answers file, whatever this copy's hold.

    For what publishes exercises/ as it is (`grade release`): someone who solved the exercises here
    must not make the tests release their solutions. Built from ROOT, not from the `course`
    fixture, so that a test module can stand it in for `course`.
    """
    here = load_course(ROOT)
    root = tmp_path_factory.mktemp("pristine-course")
    for part in ("exercises", "solutions"):
        shutil.copytree(here.root / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    stub_submission(here, root)
    return load_course(root)


Grader = Callable[..., GradeResult]


@pytest.fixture(scope="session")
def grade_dir(course: Course, server: SandboxServer) -> Grader:
    """grade_dir(path, exercises=(1,), quiz=False, tasks=None, profile="quick", seed=0) -> GradeResult."""

    def run(
        submission: Path,
        exercises: tuple[int, ...] = (1,),
        quiz: bool = False,
        tasks: set[str] | None = None,
        profile: str = "quick",
        seed: int = 0,
    ) -> GradeResult:
        selection = Selection(
            exercises=tuple(course.exercise(n) for n in exercises),  # type: ignore[misc]
            quiz=quiz,
            tasks=frozenset(tasks) if tasks is not None else None,
        )
        return grade(course, submission, selection, seed=seed, profile=profile, server=server)

    return run


@pytest.fixture
def make_submission(tmp_path: Path, reference_dir: Path) -> Callable[..., Path]:
    """make_submission({"ex01_tensors.py": source}, base=reference) -> a submission folder.

    Starts from a copy of the reference submission (or `base`), then writes the given files.
    """
    counter = iter(range(1_000_000))

    def make(files: dict[str, str], base: Path | None = None) -> Path:
        target = tmp_path / f"submission-{next(counter)}"
        shutil.copytree(base or reference_dir, target)
        for name, text in files.items():
            path = target / "exercises" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return target

    return make
