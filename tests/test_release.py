"""`grade release`: the learners' repository holds nothing of solutions/, works alone, and its CI grades."""

from __future__ import annotations

import ast
import base64
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from cryptography.fernet import Fernet

from grader.cli import main
from grader.course import load_course
from grader.deploy import release as release_module
from grader.deploy.bundle import new_key
from grader.deploy.errors import DeployError
from grader.deploy.leaks import answers_shown, find_leaks, key_answers
from grader.deploy.release import release
from grader.deploy.templates import PACKAGE_DATA
from grader.reporters.classroom import ClassroomResults
from tests.helpers import course_total

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def course(pristine_course):
    """Released as learners get it, even where someone solved the exercises in this repository."""
    return pristine_course


@pytest.fixture(scope="module")
def key() -> str:
    return new_key()


@pytest.fixture(scope="module")
def released(course, key, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("released") / "learner-repo"
    release(course, out, key=Fernet(key.encode()), key_env="GRADER_BUNDLE_KEY")
    return out


def _secret_strings(course) -> set[str]:
    """Found independently of the release's own scanner: check names and titles, mistakes, key explanations."""
    found: set[str] = set()
    checks = course.solutions_dir / "checks"
    for path in checks.glob("test_*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found.add(node.name)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("check", "Mistake"):
                texts = [
                    a.value for a in [*node.args, *(k.value for k in node.keywords)] if isinstance(a, ast.Constant)
                ]
                found.update(t for t in texts if isinstance(t, str) and " " in t)
    key = tomllib.loads((course.solutions_dir / "quiz" / "key.toml").read_text())
    found.update(text for entry in key.values() for text in (entry.get("explanation") or {}).values())
    reference = (course.solutions_dir / "ex01_tensors.py").read_text()
    stub = (course.exercises_dir / "ex01_tensors.py").read_text()
    found.update(line.strip() for line in reference.splitlines() if len(line.strip()) > 20 and line not in stub)
    # What the course itself publishes (a check title that repeats the stub's docstring) is not a secret.
    files = [p for p in course.exercises_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    public = "\n".join(p.read_text() for p in files)
    return {text for text in found if text not in public}


def test_release_holds_nothing_of_solutions(course, released):
    files = [p for p in released.rglob("*") if p.is_file()]
    assert not [p for p in files if "solutions" in p.relative_to(released).parts]
    secret_bytes = {p.read_bytes() for p in course.solutions_dir.rglob("*") if p.is_file()}
    assert not [p for p in files if p.read_bytes() in secret_bytes]
    secrets = _secret_strings(course)
    assert len(secrets) > 50 and "test_one_hot_width" in secrets
    texts = {p: p.read_bytes().decode("utf-8", errors="replace") for p in files}
    leaked = sorted({(str(p.relative_to(released)), s) for p, text in texts.items() for s in secrets if s in text})
    assert leaked == []
    assert find_leaks(course, released) == []


def test_release_layout_and_empty_answers(course, released):
    for path in (
        "README.md",
        ".gitignore",
        "pyproject.toml",
        ".github/workflows/classroom.yml",
        ".grader/hidden.bundle",
        "exercises/course.toml",
        "exercises/ex01_tensors.py",
        "exercises/tests/test_ex01_tensors.py",
        "exercises/quiz/questions.toml",
        "grader/cli/__init__.py",
        "grader/deploy/templates/classroom.yml",
    ):
        assert (released / path).is_file(), path
    assert (released / "exercises" / "ex01_tensors.py").read_bytes() == (
        course.exercises_dir / "ex01_tensors.py"
    ).read_bytes()
    answers = (released / "exercises" / "quiz" / "answers.toml").read_text()
    assert tomllib.loads(answers) == {} and "# q14 = " in answers
    readme = (released / "README.md").read_text()
    assert "## 한국어" in readme and "grade test 1" in readme and "`exercises/ex01_tensors.py`" in readme
    assert "@" not in re.sub(r"\S+@\S+", "", readme.replace("@v", ""))  # no placeholder left
    project = tomllib.loads((released / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"grade": "grader.cli:main"}
    assert any(d.startswith("cryptography==") for d in project["project"]["dependencies"])
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["package-data"]["grader"] == PACKAGE_DATA
    assert ours["tool"]["setuptools"]["package-data"]["grader"] == PACKAGE_DATA


def test_workflow_is_the_classroom_shape(released):
    flow = yaml.safe_load((released / ".github" / "workflows" / "classroom.yml").read_text())
    assert flow["name"] == "Autograding Tests"
    assert flow["on"] == {"push": None, "repository_dispatch": None}
    assert flow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = flow["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == "ubuntu-latest" and job["if"] == "github.actor != 'github-classroom[bot]'"
    steps = job["steps"]
    assert steps[0] == {"name": "Checkout code", "uses": "actions/checkout@v4"}
    unbundle = next(s for s in steps if "unbundle" in s.get("run", ""))
    assert unbundle["env"] == {"GRADER_BUNDLE_KEY": "${{ secrets.GRADER_BUNDLE_KEY }}"}
    assert unbundle["continue-on-error"] is True
    grading = next(s for s in steps if "grade classroom run" in s.get("run", ""))
    assert "GRADER_BUNDLE_KEY" not in str(grading)  # the key never reaches the step that runs learner code
    reporter = steps[-1]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    runner_id = reporter["with"]["runners"]
    # The reporter reads process.env[`${runner.toUpperCase()}_RESULTS`]; runner ids are alphanumeric.
    assert re.fullmatch(r"[a-z0-9]+", runner_id) and grading["id"] == runner_id
    assert reporter["env"] == {f"{runner_id.upper()}_RESULTS": f"${{{{steps.{runner_id}.outputs.result}}}}"}


def _run_step(step: dict, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", step["run"]], cwd=cwd, env=full, capture_output=True, text=True, timeout=600
    )


def _reported(output: Path, runner_id: str) -> ClassroomResults:
    """What the reporter decodes from `<RUNNER>_RESULTS`, read from $GITHUB_OUTPUT as Actions does."""
    line = next(x for x in output.read_text().splitlines() if x.startswith("result="))
    env = {f"{runner_id.upper()}_RESULTS": line.removeprefix("result=")}
    return ClassroomResults.model_validate_json(base64.b64decode(env[f"{runner_id.upper()}_RESULTS"]))


def test_ci_steps_grade_a_learner_repository(course, released, key, reference_dir, tmp_path):
    """The workflow's own steps, run by bash as Actions would: open the bundle, grade, report."""
    repo = tmp_path / "learner"
    shutil.copytree(released, repo)
    for exercise in course.exercises:
        shutil.copy(reference_dir / "exercises" / exercise.module, repo / "exercises")
    shutil.copy(reference_dir / "exercises" / "quiz" / "answers.toml", repo / "exercises" / "quiz")
    # A learner's own "solutions" must not be what grades them.
    (repo / "solutions" / "checks").mkdir(parents=True)
    (repo / "solutions" / "checks" / "test_ex01_tensors.py").write_text("def test_free_points():\n    pass\n")
    steps = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())["jobs"][
        "run-autograding-tests"
    ]["steps"]
    unbundle = next(s for s in steps if "unbundle" in s.get("run", ""))
    grading = next(s for s in steps if s.get("id") == "grader")
    opened = _run_step(unbundle, repo, {"GRADER_BUNDLE_KEY": key})
    assert opened.returncode == 0, opened.stderr
    output = tmp_path / "github_output"
    env = {"GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path), "HIDDEN_CHECKS": "success"}
    graded = _run_step(grading, repo, env)
    assert graded.returncode == 0, graded.stderr
    doc = _reported(output, "grader")
    full = course_total(load_course(ROOT))
    assert doc.status == "pass" and doc.max_score == full and sum(t.score for t in doc.tests) == full
    assert len(doc.tests) > 30


def test_ci_steps_report_an_error_without_the_key(released, tmp_path):
    repo = tmp_path / "learner"
    shutil.copytree(released, repo)
    steps = yaml.safe_load((repo / ".github" / "workflows" / "classroom.yml").read_text())["jobs"][
        "run-autograding-tests"
    ]["steps"]
    unbundle = next(s for s in steps if "unbundle" in s.get("run", ""))
    opened = _run_step(unbundle, repo, {"GRADER_BUNDLE_KEY": ""})
    assert opened.returncode == 2 and "GRADER_BUNDLE_KEY is not set" in opened.stderr
    output = tmp_path / "github_output"
    graded = _run_step(
        next(s for s in steps if s.get("id") == "grader"),
        repo,
        {"GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path), "HIDDEN_CHECKS": "failure"},
    )
    assert graded.returncode == 0
    doc = _reported(output, "grader")
    assert doc.status == "error" and doc.max_score == course_total(load_course(ROOT))
    assert doc.tests[0].status == "error"
    assert "hidden checks could not be opened" in doc.tests[0].message


def test_ci_step_reports_even_when_the_grader_cannot_start(released, tmp_path):
    steps = yaml.safe_load((released / ".github" / "workflows" / "classroom.yml").read_text())["jobs"][
        "run-autograding-tests"
    ]["steps"]
    grading = next(s for s in steps if s.get("id") == "grader")
    output = tmp_path / "github_output"
    done = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", grading["run"]],
        cwd=released,
        env={"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), "RUNNER_TEMP": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    doc = _reported(output, "grader")
    assert doc.status == "error" and doc.tests and doc.max_score > 0


def test_learner_repository_works_without_solutions(released, tmp_path):
    runner = CliRunner()
    repo = ["--course", str(released)]
    listed = runner.invoke(main, ["list", *repo])
    assert listed.exit_code == 0 and "one_hot" in listed.stdout
    graded = subprocess.run(
        [sys.executable, "-m", "grader", "exercise", "1", "one_hot", *repo],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "GRADE_LANG": "ko"},
    )
    # No configuration error: an explanation, then the public tests of that task, which fail on the stub.
    assert graded.returncode == 1, graded.stderr
    assert "숨겨진 검사는 이 저장소에 없습니다" in graded.stdout
    assert "test_one_hot_example" in graded.stdout and "test_linear" not in graded.stdout
    quiz = runner.invoke(main, ["quiz", *repo, "--lang", "en"])
    assert quiz.exit_code == 1 and "0 of 14 questions answered" in quiz.stdout
    machine = runner.invoke(main, ["exercise", "1", "--format", "json", *repo])
    assert machine.exit_code == 2 and "solutions/ is missing" in machine.output


def test_release_refuses_a_folder_in_use(course, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(DeployError, match="not empty"):
        release(course, out, key=None, key_env="K")
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_release_refuses_exercises_solved_in_this_copy(course, tmp_path):
    """The course repository is also where someone may solve the exercises: those files must not be published."""
    solved = tmp_path / "solved"
    shutil.copytree(course.root, solved)
    module = solved / "exercises" / "ex01_tensors.py"
    module.write_text("# my work\n" + (solved / "solutions" / "ex01_tensors.py").read_text())
    out = tmp_path / "out"
    with pytest.raises(DeployError, match=r"exercises/ex01_tensors.py implements one_hot, .*publish a solution"):
        release(load_course(solved), out, key=None, key_env="K")
    assert not out.exists()


def test_release_that_would_leak_keeps_nothing(course, tmp_path, monkeypatch):
    explanation = tomllib.loads((course.solutions_dir / "quiz" / "key.toml").read_text())["q1"]["explanation"]["en"]
    original = release_module.readme
    monkeypatch.setattr(release_module, "readme", lambda c: original(c) + "\n" + explanation + "\n")
    out = tmp_path / "leaky"
    with pytest.raises(DeployError, match="give away the secret half") as caught:
        release(course, out, key=None, key_env="K")
    assert "README.md" in str(caught.value) and "key.toml" in str(caught.value)
    assert not out.exists()


def test_leak_scanner_finds_copies_and_lines(course, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(course.solutions_dir / "ex01_tensors.py", out / "copy.py")
    (out / "notes.md").write_text("see test_one_hot_width\n")
    line = next(
        x.strip() for x in (course.solutions_dir / "ex01_tensors.py").read_text().splitlines() if "scatter_" in x
    )
    (out / "snippet.py").write_text(f"    {line}\n")
    found = {(leak.path.name, leak.what.split(" ")[0]) for leak in find_leaks(course, out)}
    assert ("copy.py", "a") in found and ("notes.md", "contains") in found and ("snippet.py", "contains") in found


def test_leak_scanner_finds_the_key_written_as_an_example(course, tmp_path):
    """A README or comment showing `q1 = 3` gives the answer away when 3 is q1's key, in any spelling."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("Answer like this: `q1 = 3`, or a list: q4 = [2, 1].\n")
    (out / "answers.toml").write_text('# "q9"=[1,2]\nq13 = [2]\n')
    (out / "fine.md").write_text("q1 = 2, q4 = [1, 3], q0 = 3, q10 = 22, xq1 = 3\n")
    found = sorted((leak.path.name, leak.what) for leak in find_leaks(course, out))
    assert found == [
        ("README.md", "shows the key's answer 'q1 = 3'"),
        ("README.md", "shows the key's answer 'q4 = [2, 1]'"),
        ("answers.toml", "shows the key's answer 'q13 = [2]'"),
        ("answers.toml", "shows the key's answer 'q9\"=[1,2]'"),
    ]


def test_course_documents_show_no_key_answer_as_an_example(course):
    key = key_answers(course)
    assert key["q1"] == {3} and key["q4"] == {1, 2}
    documents = [
        ROOT / "README.md",
        ROOT / "docs" / "architecture.md",
        ROOT / "grader" / "deploy" / "templates" / "README.md",
        *course.exercises_dir.rglob("*.toml"),
    ]
    shown = {str(path): answers_shown(path.read_text(encoding="utf-8"), key) for path in documents}
    assert {path: found for path, found in shown.items() if found} == {}
    assert answers_shown(release_module._answers_template(course), key) == []


def test_cli_release_needs_a_key_or_no_bundle(course, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(
        main, ["release", str(tmp_path / "a"), "--course", str(course.root)], env={"GRADER_BUNDLE_KEY": ""}
    )
    assert missing.exit_code == 2 and "GRADER_BUNDLE_KEY is not set" in missing.output
    assert not (tmp_path / "a").exists()
    plain = runner.invoke(main, ["release", str(tmp_path / "b"), "--course", str(course.root), "--no-bundle"])
    assert plain.exit_code == 0 and "private repository" in plain.output
    assert not (tmp_path / "b" / ".grader").exists()
