"""Learner code that is broken rather than hostile: clear messages, and the rest still graded.

Deliberately hostile submissions (exits, hangs, floods, escapes, cheats) are the corpus in
tests/hostile/, run by tests/test_hostile.py.
"""

from __future__ import annotations

from tests.helpers import reference_with


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


def test_a_tasks_checks_share_one_child_and_each_task_has_its_own(grade_dir, course, make_submission):
    source = reference_with(
        course,
        "ex01_tensors.py",
        """
_one_hot, _flatten_batch = one_hot, flatten_batch


def one_hot(labels, num_classes):
    print("pid", __import__("os").getpid())
    return _one_hot(labels, num_classes)


def flatten_batch(x):
    print("pid", __import__("os").getpid())
    return _flatten_batch(x)
""",
    )
    result = grade_dir(make_submission({"ex01_tensors.py": source}), tasks={"ex01.one_hot", "ex01.flatten_batch"})
    printed = {
        task.id: [c.learner_output for c in task.checks if c.learner_output] for task in result.sections[0].tasks
    }
    assert result.points == result.max_points
    assert len(printed["ex01.one_hot"]) >= 2 and len(printed["ex01.flatten_batch"]) >= 2
    assert len(set(printed["ex01.one_hot"])) == 1 and len(set(printed["ex01.flatten_batch"])) == 1
    assert set(printed["ex01.one_hot"]) != set(printed["ex01.flatten_batch"])
