"""The manifest is data: valid courses load, broken ones give one error naming the file, the line and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course import CourseError, find_course_root, load_course
from grader.tomlpos import find_line

ROOT = Path(__file__).resolve().parents[1]


def test_the_course_loads_with_ids_and_points(course):
    ex = course.exercise(1)
    assert ex is not None and ex.id == "ex01" and ex.stem == "ex01_tensors"
    assert [t.name for t in ex.tasks][:2] == ["one_hot", "flatten_batch"]
    assert all(t.hints for t in ex.tasks)
    assert course.exercise("ex01") is course.exercise("01") is ex
    assert course.exercise(99) is None


def test_find_course_root_walks_up(tmp_path):
    assert find_course_root(ROOT / "exercises" / "quiz") == ROOT
    assert find_course_root(tmp_path) is None


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    target = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", target / "exercises")
    return target


def _break(course_root: Path, old: str, new: str) -> Path:
    path = course_root / "exercises" / "course.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def test_broken_toml_names_the_line(course_copy):
    path = _break(course_copy, 'name = "flatten_batch"', 'name = "flatten_batch')
    with pytest.raises(CourseError) as caught:
        load_course(course_copy)
    assert str(path) in str(caught.value) and "not valid TOML" in str(caught.value)
    assert "line" in str(caught.value)


def test_bad_field_names_the_field_and_line(course_copy):
    path = _break(course_copy, 'name = "standardize"\npoints = 2', 'name = "standardize"\npoints = -1')
    with pytest.raises(CourseError) as caught:
        load_course(course_copy)
    error = caught.value
    assert error.field == "exercise[1].task[3].points"
    lines = path.read_text().splitlines()
    assert error.line is not None and lines[error.line - 1].strip() == "points = -1"
    assert "greater than 0" in error.problem


def test_unknown_field_and_missing_module_are_reported(course_copy):
    _break(course_copy, "timeout = 5", "timeout = 5\ntimout = 3")
    with pytest.raises(CourseError, match="timout"):
        load_course(course_copy)


def test_module_must_exist_and_match_its_number(course_copy):
    (course_copy / "exercises" / "ex01_tensors.py").unlink()
    with pytest.raises(CourseError, match=r"ex01_tensors\.py, which is not in exercises"):
        load_course(course_copy)
    shutil.copy(ROOT / "exercises" / "ex01_tensors.py", course_copy / "exercises" / "ex01_tensors.py")
    _break(course_copy, 'module = "ex01_tensors.py"', 'module = "ex02_tensors.py"')
    with pytest.raises(CourseError, match="must be named ex01_"):
        load_course(course_copy)


def test_repeated_task_names_are_refused(course_copy):
    _break(course_copy, 'name = "linear"', 'name = "one_hot"')
    with pytest.raises(CourseError, match="task names repeat: one_hot"):
        load_course(course_copy)


def test_find_line_handles_tables_and_arrays_of_tables():
    text = "\n".join(
        [
            "[course]",
            "title = 'x'",
            "",
            "[[exercise]]",
            "number = 1",
            "[[exercise.task]]",
            "name = 'a'",
            "[[exercise.task]]",
            "name = 'b'",
            "points = 3",
            "[[exercise]]",
            "number = 2",
        ]
    )
    assert find_line(text, ["course", "title"]) == 2
    assert find_line(text, ["exercise", 0, "task", 1, "points"]) == 10
    assert find_line(text, ["exercise", 1, "number"]) == 12
    assert find_line(text, ["exercise", 0, "task", 1, "hint"]) == 8
