"""`grade test`: the public tests on a submission, in a child process bounded in time; exit codes like grading."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.public_tests import public_tests_file, run_public_tests


def _grade_test(*args: str) -> tuple[int, str]:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "grade"), "test", *args],
        capture_output=True,
        text=True,
        timeout=300,
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


def test_a_hanging_submission_is_stopped(course, make_submission):
    hanging = make_submission({"ex01_tensors.py": "while True:\n    pass\n"})
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_public_tests(course, hanging, [public_tests_file(course, course.exercises[0])], timeout_s=5)
    assert time.monotonic() - started < 60
