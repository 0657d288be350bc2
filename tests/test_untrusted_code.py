"""Learner code that is broken rather than hostile: clear messages, and the rest still graded.

Deliberately hostile submissions (exits, hangs, floods, escapes, cheats) are the corpus in
tests/hostile/, run by tests/test_hostile.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

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


class _SeenLengths:
    """Stands in for a compiled pattern and records how long a text it was asked to clean was."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.lengths: list[int] = []

    def sub(self, replacement, text):
        self.lengths.append(len(text))
        return self.pattern.sub(replacement, text)


def test_cleaning_learner_text_works_only_on_what_can_be_shown(monkeypatch):
    from grader.runner import output

    spies = {name: _SeenLengths(getattr(output, name)) for name in ("_ANSI", "_CONTROL")}
    for name, spy in spies.items():
        monkeypatch.setattr(output, name, spy)
    flood = "\n" * 10_000_000 + "::error::x"
    shown = output.neutralize(flood, cap=4000)
    assert shown.startswith("\n" * 100) and shown.endswith("more characters not shown]")
    assert all(length <= 4 * 4000 for spy in spies.values() for length in spy.lengths)


def test_no_workflow_command_is_joined_together_by_cleaning():
    from grader.runner.output import neutralize

    for text in (":\x00:error::x", "#\x00#[error]x", "\x1b[31m::error::x", "a\r::error::x"):
        cleaned = neutralize(text)
        assert "##[" not in cleaned and not any(line.lstrip().startswith("::") for line in cleaned.splitlines())


def test_a_report_of_a_million_empty_lines_is_defused():
    """The line-start pattern once ran across every following empty line from each line start: hours
    for this text. Run apart, with a limit only so that a regression fails instead of hanging."""
    import subprocess
    import sys

    from grader.runner import output

    code = (
        "from grader.runner.output import defuse_workflow_commands as d\n"
        "text = d('\\n' * 1_000_000 + 'x\\n  ::error::x\\n')\n"
        "assert text.endswith('\\nx\\n  : :error::x\\n') and text.count('\\n') == 1_000_002\n"
    )
    # From the folder holding the grader imported here, so that the same code is tested.
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300, cwd=Path(output.__file__).parents[2])


@pytest.mark.parametrize(
    "answer",
    [
        {"ok": True, "value": [[1]]},  # names are not strings (the first request lists the module's names)
        [[1]],
        {"ok": 1, "value": 2},
        {"ok": False},
        {"ok": False, "error": {"message": "\n" * 1000, "frames": [["f.py"]]}},
        {"ok": False, "error": 5},
        {"ok": True, "value": 1, "output": b"bytes"},
    ],
    ids=["names", "list", "ok-int", "no-error", "frames", "error-int", "output-bytes"],
)
def test_a_malformed_answer_is_a_protocol_error(answer):
    from grader.runner.answers import check_answer, check_names
    from grader.sandbox.protocol import ProtocolError

    with pytest.raises(ProtocolError, match="malformed"):
        check_names(check_answer(answer)["value"])


@pytest.mark.parametrize(
    "answer",
    [
        [[1]],
        {"result": 1, "args": []},
        {"result": 1, "args": 5, "kwargs": {}},
        {"result": 1, "args": [], "kwargs": [1]},
        {"result": 1, "args": [], "kwargs": {1: 2}},
    ],
    ids=["list", "no-kwargs", "args-int", "kwargs-list", "kwargs-int-key"],
)
def test_a_malformed_echoed_call_is_a_protocol_error(answer):
    from grader.runner.answers import check_echo
    from grader.sandbox.protocol import ProtocolError

    with pytest.raises(ProtocolError, match="malformed"):
        check_echo(answer)
    assert check_echo({"result": 1, "args": [2], "kwargs": {"k": 3}}) == (1, (2,), {"k": 3})


def test_gradcheck_bounds_the_learners_output_and_checks_its_gradients():
    from grader.checks import CheckFailed, gradcheck_through

    x = torch.zeros(64, dtype=torch.float64)
    zeros = torch.zeros(1, dtype=torch.float64)
    with pytest.raises(CheckFailed) as huge:  # a Jacobian of 64 x 131072 entries
        gradcheck_through(lambda t: zeros.expand(1 << 17), lambda t, g: (torch.zeros_like(t),), [x], name="f")
    assert huge.value.category == "shape" and "(131072,)" in huge.value.message.en
    for backward, category in (
        (lambda t, g: (torch.zeros(3, dtype=torch.float64),), "gradient"),
        (lambda t, g: (t, t), "gradient"),
        (lambda t, g: 5, "type"),
    ):
        with pytest.raises(CheckFailed) as failed:
            gradcheck_through(lambda t: t * 2, backward, [x], name="f")
        assert failed.value.category == category
        assert failed.value.message.ko


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.eye(2).to_sparse(),
        lambda: torch.empty(2, 2, device="meta"),
        lambda: torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]),
    ],
    ids=["sparse", "meta", "nested"],
)
def test_a_tensor_that_is_not_dense_fails_its_check_saying_what_it_is(make):
    from grader.checks import CheckFailed, expect_close
    from grader.sandbox import protocol
    from grader.sandbox.values import decode, encode

    got = decode(protocol.loads(protocol.dumps(encode(make()))))
    with pytest.raises(CheckFailed) as failed:
        expect_close(got, torch.eye(2))
    assert failed.value.category == "type"
    assert "dense" in failed.value.message.en and "밀집" in failed.value.message.ko
