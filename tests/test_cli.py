"""The `grade` command: exit codes, one clean document per machine format, friendly text, usage errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.reporters.gradescope import GradescopeResults
from grader.results import GradeResult

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_json_is_one_document_of_the_result_model(reference_dir):
    result = invoke("exercise", "1", "--submission", str(reference_dir), "--format", "json", "--quick")
    assert result.exit_code == 0, result.output
    parsed = GradeResult.model_validate_json(result.stdout)
    assert parsed.points == parsed.max_points == 12
    assert parsed.isolation.layers and parsed.seed == 20260112


def test_gradescope_document_is_valid_and_adds_up(stubs_dir):
    result = invoke("exercise", "1", "--submission", str(stubs_dir), "--format", "gradescope", "--quick")
    assert result.exit_code == 1
    raw = json.loads(result.stdout)
    assert "max_score" not in raw and "score" not in raw
    document = GradescopeResults.model_validate(raw)
    assert sum(t.max_score for t in document.tests) == pytest.approx(12)
    assert all(t.score == 0 and t.status == "failed" for t in document.tests)
    assert all(t.name.startswith("ex01.") and ": " in t.name for t in document.tests)


def test_quiz_scores_and_explains(tmp_path, reference_dir):
    result = invoke("quiz", "--submission", str(reference_dir))
    assert result.exit_code == 0, result.output
    assert "Define-by-Run" in result.stdout and "14/14" in result.stdout


def test_quiz_in_gradescope_names_questions_by_task_id(stubs_dir):
    result = invoke("quiz", "--submission", str(stubs_dir), "--format", "gradescope")
    names = [t["name"] for t in json.loads(result.stdout)["tests"]]
    assert names[0].startswith("quiz.q1: ") and names[2].startswith("quiz.q3: ")


def test_text_in_korean_from_a_real_process(stubs_dir):
    env = {**os.environ, "GRADE_LANG": "ko", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "grader", "exercise", "1", "one_hot", "--submission", str(stubs_dir), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "실습 1 · 텐서" in done.stdout and "아직 구현되지 않았습니다" in done.stdout
    assert "grade hint 1 one_hot" in done.stdout
    assert "\x1b[" not in done.stdout  # no colour off a terminal


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("exercise", "9"), "no exercise '9'"),
        (("exercise", "1", "nosuch"), "has no task 'nosuch'"),
        (("exercise", "1", "--submission", "/nonexistent/dir"), "is not a directory"),
        (("hint", "1", "nosuch"), "has no task 'nosuch'"),
        (("exercise", "1", "--format", "xml"), "Invalid value"),
    ],
)
def test_usage_errors_exit_2_without_a_traceback(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_broken_manifest_is_one_message_and_exit_2(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(ROOT / "exercises", course / "exercises")
    manifest = course / "exercises" / "course.toml"
    manifest.write_text(manifest.read_text().replace("points = 2", "points = 'two'", 1))
    result = invoke("list", "--course", str(course))
    assert result.exit_code == 2
    assert "course.toml:" in result.output and "points" in result.output and "Traceback" not in result.output


def test_submission_without_exercises_folder(tmp_path):
    result = invoke("quiz", "--submission", str(tmp_path))
    assert result.exit_code == 2 and "has no exercises/ folder" in result.output


def test_list_shows_tasks_points_and_status(stubs_dir):
    result = invoke("list", "--submission", str(stubs_dir))
    assert result.exit_code == 0
    assert "one_hot" in result.stdout and "todo" in result.stdout and "masked_mean" in result.stdout
    assert [line for line in result.stdout.splitlines() if line != line.rstrip()] == []  # no table padding


@pytest.mark.parametrize("args", [("list",), ("hint", "1"), ("exercise", "1", "one_hot", "--quick")])
def test_force_color_colours_output_off_a_terminal(stubs_dir, args):
    env = {"FORCE_COLOR": "1", "NO_COLOR": None}
    assert "\x1b[" in invoke(*args, "--submission", str(stubs_dir), env=env).stdout
    assert "\x1b[" not in invoke(*args, "--submission", str(stubs_dir), env={"FORCE_COLOR": None}).stdout


def test_list_reports_last_grade_and_edits(reference_dir, tmp_path):
    submission = tmp_path / "sub"
    shutil.copytree(reference_dir, submission)
    invoke("exercise", "1", "linear", "--submission", str(submission), "--quick")
    listed = invoke("list", "--submission", str(submission)).stdout
    assert "passed" in listed and "edited, not graded" in listed
    module = submission / "exercises" / "ex01_tensors.py"
    module.write_text(module.read_text() + "\n# touched\n")
    assert "passed" not in invoke("list", "--submission", str(submission)).stdout


def test_hints_nudge_before_they_tell():
    first = invoke("hint", "1", "linear")
    assert first.exit_code == 0 and "1. " in first.stdout and "2. " not in first.stdout
    assert "--level 2" in first.stdout
    both = invoke("hint", "1", "linear", "--level", "2", "--lang", "ko")
    assert "2. `out = x @ weight.T`" in both.stdout and "저장됩니다" in both.stdout
    overview = invoke("hint", "1")
    assert "grade hint 1 one_hot" in overview.stdout


def test_selftest_proves_the_course_consistent():
    result = invoke("selftest", "--quick")
    assert result.exit_code == 0, result.output
    assert "ok: the course is consistent" in result.output


def _self_grading_submission(tmp_path: Path) -> Path:
    """A submission that brings its own course: the stubs, a course.toml and a solutions/ folder."""
    submission = tmp_path / "submission"
    shutil.copytree(ROOT / "exercises", submission / "exercises")
    shutil.copytree(ROOT / "solutions", submission / "solutions")
    return submission


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_submission_never_brings_its_own_course(tmp_path, monkeypatch, fmt):
    submission = _self_grading_submission(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    result = invoke("quiz", "--submission", str(submission), "--format", fmt)
    assert result.exit_code == 2, result.output
    assert "no course found" in result.output and "Traceback" not in result.output


def test_a_course_found_inside_the_submission_is_refused(tmp_path, monkeypatch):
    submission = _self_grading_submission(tmp_path)
    monkeypatch.chdir(submission / "exercises")
    result = invoke("quiz", "--submission", str(submission))
    assert result.exit_code == 2, result.output
    assert "is inside the submission" in result.output and "--course" in result.output


def test_an_explicit_course_grades_a_submission_from_anywhere(tmp_path, monkeypatch, stubs_dir):
    monkeypatch.chdir(tmp_path)
    result = invoke("quiz", "--submission", str(stubs_dir), "--course", str(ROOT), "--format", "json")
    assert result.exit_code == 1, result.output  # graded (the stubs answer nothing), not refused
    assert GradeResult.model_validate_json(result.stdout).points == 0


def test_learner_commands_in_a_learner_repository(tmp_path, monkeypatch):
    learner = tmp_path / "learner"
    shutil.copytree(ROOT / "exercises", learner / "exercises")  # released: no solutions/
    monkeypatch.chdir(learner)
    listed = invoke("list")
    assert listed.exit_code == 0 and "one_hot" in listed.stdout
    quiz = invoke("quiz")
    assert quiz.exit_code == 1 and "Traceback" not in quiz.output  # the answers are read, none given yet
    assert "no course found" not in quiz.output


# Windows lacks `resource`, `fcntl` and fork: the CLI run as Windows would see it.
_AS_WITHOUT_POSIX = """
import os, sys
sys.modules["resource"] = None
sys.modules["fcntl"] = None
del os.fork
from grader.cli import main
main(sys.argv[1:], prog_name="grade")
"""


def _grade_without_posix(*args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _AS_WITHOUT_POSIX, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", "GRADE_LANG": lang},
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "code", "shown"),
    [
        (("list",), 0, "one_hot"),
        (("hint", "1", "one_hot"), 0, "num_classes"),
        (("quiz", "--submission", "{stubs}"), 1, "Total: 0/14"),
    ],
)
def test_what_runs_no_learner_code_works_without_posix(stubs_dir, args, code, shown):
    done = _grade_without_posix(*(a.format(stubs=stubs_dir) for a in args))
    assert done.returncode == code
    assert "Traceback" not in done.stdout + done.stderr
    assert shown in done.stdout


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("exercise", ("1",)),
        ("test", ("1",)),
        ("all", ()),
        ("watch", ()),
        ("doctor", ()),
        ("selftest", ()),
        ("batch", ("{tmp}", "--out", "{tmp}/out")),
        ("gradescope run", ("--root", "{tmp}")),
        ("classroom run", ("--out", "{tmp}/classroom.json")),
    ],
)
def test_what_runs_learner_code_stops_without_posix_and_says_use_wsl(tmp_path, command, args):
    done = _grade_without_posix(*command.split(), *(a.format(tmp=tmp_path) for a in args))
    assert done.returncode == 2
    assert f"grade {command} needs the sandbox that runs learner code" in done.stderr
    assert "install WSL (`wsl --install`)" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_the_platform_message_is_in_the_learners_language():
    done = _grade_without_posix("exercise", "1", lang="ko")
    assert done.returncode == 2 and "Windows에서는 WSL" in done.stderr
