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
