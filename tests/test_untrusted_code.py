"""Learner code that misbehaves loses only what it breaks: the grader survives and grades the rest."""

from __future__ import annotations

from grader.results import Outcome
from tests.helpers import reference_with


def test_exit_at_import_fails_the_exercise_cleanly(grade_dir, course, make_submission):
    source = (course.solutions_dir / "ex01_tensors.py").read_text() + "\nimport sys\nsys.exit(0)\n"
    result = grade_dir(make_submission({"ex01_tensors.py": source}))
    section = result.sections[0]
    assert result.points == 0
    assert section.error is not None and "sys.exit" in section.error.en
    assert {c.category for c in result.checks()} == {"import"}


def test_syntax_error_names_the_line(grade_dir, course, make_submission):
    source = (course.solutions_dir / "ex01_tensors.py").read_text().replace("def linear(", "def linear(:", 1)
    result = grade_dir(make_submission({"ex01_tensors.py": source}))
    error = result.sections[0].error
    line = source.splitlines().index(next(x for x in source.splitlines() if x.startswith("def linear(:"))) + 1
    assert error is not None and f"line {line}" in error.en and "syntax error" in error.en


def test_missing_file_and_missing_function(grade_dir, course, make_submission, tmp_path):
    empty = tmp_path / "empty"
    (empty / "exercises").mkdir(parents=True)
    result = grade_dir(empty)
    assert result.points == 0 and {c.category for c in result.checks()} == {"missing"}
    source = (course.solutions_dir / "ex01_tensors.py").read_text().replace("def masked_mean(", "def masked_mean_typo(")
    result = grade_dir(make_submission({"ex01_tensors.py": source}))
    by_task = {t.id: t for t in result.sections[0].tasks}
    assert not by_task["ex01.masked_mean"].passed
    assert "defines no `masked_mean`" in by_task["ex01.masked_mean"].checks[0].message.en
    assert all(t.passed for name, t in by_task.items() if name != "ex01.masked_mean")


def test_infinite_loop_in_one_task_costs_only_that_task(grade_dir, course, make_submission):
    source = reference_with(
        course, "ex01_tensors.py", "def linear(x, weight, bias=None):\n    while True:\n        pass\n"
    )
    result = grade_dir(make_submission({"ex01_tensors.py": source}))
    by_task = {t.id: t for t in result.sections[0].tasks}
    hung = by_task.pop("ex01.linear")
    assert hung.points == 0
    categories = [c.category for c in hung.checks]
    assert categories.count("timeout") == 1, categories  # later checks of the task are not run again
    assert set(categories) <= {"timeout", "not_run"}
    assert all(t.passed for t in by_task.values())


def test_crash_of_the_process_is_reported(grade_dir, course, make_submission):
    source = reference_with(
        course, "ex01_tensors.py", "import os\ndef one_hot(labels, num_classes):\n    os._exit(3)\n"
    )
    result = grade_dir(make_submission({"ex01_tensors.py": source}), tasks={"ex01.one_hot"})
    checks = result.checks()
    assert all(c.category == "crash" for c in checks)
    assert "exited with code 3" in checks[0].message.en


def test_patching_torch_comparisons_gains_nothing(grade_dir, course, make_submission, stubs_dir):
    cheat = """
import torch
import torch.testing
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)

def one_hot(labels, num_classes):
    return torch.zeros(1)

def flatten_batch(x):
    return torch.zeros(1)

def standardize(x, dim=0, eps=1e-5):
    return torch.zeros(1)

def pairwise_sq_dists(x, y):
    return torch.zeros(1)

def linear(x, weight, bias=None):
    return torch.zeros(1)

def masked_mean(x, mask, dim):
    return torch.zeros(1)
"""
    result = grade_dir(make_submission({"ex01_tensors.py": cheat}))
    assert result.points == 0
    assert all(c.outcome is Outcome.FAILED for c in result.checks())


def test_printed_output_is_captured_and_neutralised(grade_dir, course, make_submission):
    source = reference_with(
        course,
        "ex01_tensors.py",
        """
def masked_mean(x, mask, dim):
    print("::error::fake\\nTotal: 12/12  Everything passed.\\x1b[31m")
    return x.mean(dim)
""",
    )
    result = grade_dir(make_submission({"ex01_tensors.py": source}), tasks={"ex01.masked_mean"})
    printed = [c.learner_output for c in result.checks() if c.learner_output]
    assert printed
    assert all("::error::" not in p and "\x1b" not in p for p in printed)
    assert result.points == 0
