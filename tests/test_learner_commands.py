"""`grade test`: the public tests on a submission, in a child process bounded in time; exit codes like grading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.public_tests import public_tests_file, run_public_tests
from tests.helpers import reference_with


def _grade_test(*args: str, timeout_s: float = 300) -> tuple[int, str]:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "grade"), "test", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return done.returncode, done.stdout + done.stderr


def test_reference_passes_and_stubs_fail(reference_dir, stubs_dir):
    code, out = _grade_test("1", "--submission", str(reference_dir))
    assert code == 0 and "9 passed" in out
    code, out = _grade_test("1", "linear", "--submission", str(stubs_dir))
    assert code == 1 and "1 failed" in out and "deselected" in out


def test_usage_errors():
    runner = CliRunner()
    assert runner.invoke(main, ["test", "9"]).exit_code == 2
    unknown = runner.invoke(main, ["test", "1", "nosuch"])
    assert unknown.exit_code == 2 and "has no task 'nosuch'" in unknown.output


def test_an_infinite_loop_at_import_stops_at_the_exercise_time_limit(make_submission):
    hanging = make_submission({"ex01_tensors.py": "import torch\n\nwhile True:\n    pass\n"})
    code, out = _grade_test("1", "--submission", str(hanging), timeout_s=150)
    assert code == 1
    assert "stopped after 5 s, the exercise's time limit" in out  # course.toml: exercise 1, timeout = 5
    assert "exercises/ex01_tensors.py:3: in <module>" in out  # the line it was running
    assert "your code ran past the exercise's time limit and was stopped" in out


def test_an_infinite_loop_in_a_task_fails_only_the_tests_that_call_it(course, make_submission):
    endless = "def one_hot(labels, num_classes):\n    while True:\n        pass"
    looping = reference_with(course, "ex01_tensors.py", endless)
    submission = make_submission({"ex01_tensors.py": looping})
    code, out = _grade_test("1", "--lang", "ko", "--submission", str(submission), timeout_s=150)
    assert code == 1
    assert "3 failed, 6 passed" in out  # the three one_hot tests
    assert "실습의 시간 제한인 5초가 지나 멈췄습니다" in out and "in one_hot" in out


def test_code_that_escapes_the_time_limit_meets_the_overall_timeout(course, make_submission):
    # A loop that swallows the interruption: only the whole run's wall clock can stop it.
    stubborn = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"
    hanging = make_submission({"ex01_tensors.py": stubborn})
    with pytest.raises(subprocess.TimeoutExpired):
        run_public_tests(course, hanging, [public_tests_file(course, course.exercises[0])], timeout_s=8)
