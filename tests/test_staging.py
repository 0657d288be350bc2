"""Staged copies: only a submission's Python sources, copied once per submission, removed when it is
graded, and readable by that submission's children alone."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from grader.runner.errors import LearnerRaised
from grader.runner.session import CheckSession, TaskChild, TaskHealth
from grader.runner.staging import Staging
from grader.sandbox.limits import Limits


def _folder(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_only_python_sources_are_staged(tmp_path):
    source = _folder(
        tmp_path / "sub" / "exercises",
        {
            "ex01_demo.py": "A = 1\n",
            "pkg/helper.py": "B = 2\n",
            "quiz/answers.toml": "[q1]\nanswer = 'b'\n",
            "course.toml": "",
            "data.csv": "1,2\n",
        },
    )
    (source / "link.py").symlink_to(source / "pkg" / "helper.py")
    staged = Staging(tmp_path / "staged").stage(source / "ex01_demo.py")
    copied = sorted(str(p.relative_to(staged.parent)) for p in staged.parent.rglob("*") if p.is_file())
    assert copied == ["ex01_demo.py", "pkg/helper.py"]
    assert stat.S_IMODE(staged.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "staged").stat().st_mode) == 0o711  # children cannot list the staging area


def test_a_folder_is_staged_once_for_all_its_modules_and_again_when_a_source_changes(tmp_path):
    source = _folder(tmp_path / "exercises", {"ex01_a.py": "A = 1\n", "ex02_b.py": "B = 1\n"})
    staging = Staging(tmp_path / "staged")
    first = staging.stage(source / "ex01_a.py")
    assert staging.stage(source / "ex02_b.py") == first.with_name("ex02_b.py")
    assert staging.stage(source / "ex01_a.py") == first
    (source / "ex02_b.py").write_text("B = 22\n")
    second = staging.stage(source / "ex01_a.py")
    assert second.parent != first.parent and second.with_name("ex02_b.py").read_text() == "B = 22\n"
    assert not first.parent.exists()  # the outdated copy is gone
    staging.release(source)
    assert list((tmp_path / "staged").iterdir()) == []


@pytest.fixture
def staged_copies(monkeypatch) -> list[Path]:
    """Every path Staging.stage returns while the test runs."""
    returned: list[Path] = []
    original = Staging.stage

    def spy(self: Staging, module: Path) -> Path:
        path = original(self, module)
        returned.append(path)
        return path

    monkeypatch.setattr(Staging, "stage", spy)
    return returned


def test_a_submission_is_staged_once_and_removed_once_graded(grade_dir, reference_dir, staged_copies):
    tasks = {"ex01.one_hot", "ex01.flatten_batch", "ex02.grad_of", "ex02.SiLU"}
    result = grade_dir(reference_dir, exercises=(1, 2), tasks=tasks)
    assert result.points == result.max_points
    assert len(staged_copies) >= 4  # a child per exercise and per task
    assert len({path.parent for path in staged_copies}) == 1
    assert not staged_copies[0].parent.exists()


def test_a_child_reads_only_its_own_submissions_copy(server, tmp_path):
    if "landlock" not in server.ready()["layers"]:
        pytest.skip(f"only landlock can narrow a child's view: {server.ready()['missing'].get('landlock')}")
    first = _folder(tmp_path / "first" / "exercises", {"ex01_demo.py": "A = 1\n"})
    second = _folder(
        tmp_path / "second" / "exercises",
        {
            "ex01_demo.py": "import os\nfrom helper import B\n"
            "def read(path):\n    return open(path).read()\n"
            "def listing(path):\n    return sorted(os.listdir(path))\n",
            "helper.py": "B = 2\n",
        },
    )
    limits = Limits(call_timeout_s=5.0)
    classmate = TaskChild(server, first / "ex01_demo.py", limits, 0)
    mine = TaskChild(server, second / "ex01_demo.py", limits, 0)
    session = CheckSession(server, second / "ex01_demo.py", "ex01.demo", limits, 0, TaskHealth(), child=mine)
    try:
        theirs = classmate.get().folder  # the first submission's copy, still there
        for target, path in (("read", theirs / "ex01_demo.py"), ("listing", theirs), ("listing", theirs.parent)):
            with pytest.raises(LearnerRaised) as raised:
                session.call(target, (str(path),), {})
            assert raised.value.is_a(PermissionError), (target, path)
        assert session.call("listing", (str(mine.get().folder),), {}) == ["ex01_demo.py", "helper.py"]
    finally:
        mine.close()
        classmate.close()


def test_a_module_that_is_a_link_brings_nothing_of_where_it_points(tmp_path):
    """exercises/ex01.py -> ../solutions/ex01.py must not stage the solutions folder (Classroom opens it there)."""
    solutions = _folder(tmp_path / "repo" / "solutions", {"ex01_demo.py": "A = 1\n", "checks/test_ex01.py": ""})
    exercises = _folder(tmp_path / "repo" / "exercises", {"helper.py": "B = 2\n"})
    (exercises / "ex01_demo.py").symlink_to(Path("..") / "solutions" / "ex01_demo.py")
    staging = Staging(tmp_path / "staged")
    staged = staging.stage(exercises / "ex01_demo.py")
    assert sorted(p.name for p in staged.parent.rglob("*")) == ["helper.py"]
    assert solutions.is_dir()
    staging.release(exercises)
    assert list((tmp_path / "staged").iterdir()) == []


def test_grading_refuses_a_module_that_is_a_link(grade_dir, course, stubs_dir, tmp_path):
    submission = tmp_path / "submission"
    shutil.copytree(stubs_dir, submission)
    module = submission / "exercises" / "ex01_tensors.py"
    module.unlink()
    module.symlink_to(course.solutions_dir / "ex01_tensors.py")
    result = grade_dir(submission)
    assert result.points == 0
    assert "a symbolic link" in (result.sections[0].error or result.checks()[0].message).en
