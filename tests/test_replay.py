"""Remembered examples: replaying the examples of passing checks grades exactly as generating them."""

from __future__ import annotations

import json

import pytest
import torch
from hypothesis.errors import UnsatisfiedAssumption

from grader.i18n import Text
from grader.judge import ExampleMemory, Selection, grade
from grader.judge.replay import Recording, replay
from grader.runner.errors import SandboxAbort
from tests.helpers import reference_with
from tests.test_exercise01 import WRONG


def _comparable(result) -> dict:
    """A result as data, without what varies from run to run (timings, where the submission was)."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("duration_s", "started_at", "submission")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(result.model_dump_json()))


@pytest.fixture
def grade_with(course, server):
    def run(submission, memory=None):
        selection = Selection(exercises=(course.exercise(1),), quiz=False)
        return grade(course, submission, selection, seed=3, profile="quick", server=server, memory=memory)

    return run


def test_replayed_grades_equal_generated_ones_for_right_and_wrong_submissions(
    grade_with, course, reference_dir, stubs_dir, make_submission
):
    crash = """
def one_hot(labels, num_classes):
    if labels.numel() > 2:
        __import__("ctypes").string_at(0)
    return torch.nn.functional.one_hot(labels, num_classes).float()
"""
    wrong = [reference_with(course, "ex01_tensors.py", source) for _, _, source, _ in WRONG[:6]]
    submissions = [
        reference_dir,
        stubs_dir,
        *(make_submission({"ex01_tensors.py": source}) for source in wrong),
        make_submission({"ex01_tensors.py": reference_with(course, "ex01_tensors.py", crash)}),
        reference_dir,
    ]
    memory = ExampleMemory()
    for submission in submissions:
        assert _comparable(grade_with(submission, memory)) == _comparable(grade_with(submission))
    assert memory.examples and memory.replayed > 0 and memory.fell_back > 0


def test_a_passing_run_is_remembered_and_then_replayed(grade_with, reference_dir):
    memory = ExampleMemory()
    first = grade_with(reference_dir, memory)
    assert first.passed and memory.replayed == 0 and memory.examples
    grade_with(reference_dir, memory)
    assert memory.replayed == len(memory.examples) and memory.fell_back == 0


def test_a_failing_run_is_not_remembered(grade_with, stubs_dir):
    memory = ExampleMemory()
    grade_with(stubs_dir, memory)
    assert not memory.examples


def test_examples_are_copied_before_the_check_can_change_them():
    recording = Recording(frozenset({"learner"}))
    x = torch.zeros(3)[::2]
    recording.add((), {"learner": object(), "x": x, "n": 2})
    x.add_(1)
    assert recording.complete()
    [example] = recording.examples
    assert set(example) == {"x", "n"} and torch.equal(example["x"], torch.zeros(2))
    assert example["x"].stride() == (2,)  # the layout is the example's too


def test_positional_arguments_or_a_rejected_example_make_a_run_unreplayable():
    recording = Recording(frozenset())
    recording.add((1,), {})
    assert not recording.complete()
    assert not Recording(frozenset()).complete()  # nothing ran


def test_replay_stops_at_the_first_failure_and_lets_a_sandbox_abort_through():
    seen = []

    def body(learner, x):
        seen.append(x)
        if x == 2:
            raise AssertionError("wrong")
        if x == 5:
            raise UnsatisfiedAssumption()

    assert replay(body, {"learner": None}, [{"x": 1}, {"x": 3}])
    assert not replay(body, {"learner": None}, [{"x": 1}, {"x": 2}, {"x": 4}])
    assert seen[-1] == 2
    assert not replay(body, {"learner": None}, [{"x": 5}])

    def aborts(learner, x):
        raise SandboxAbort("timeout", Text(en="too slow"))

    with pytest.raises(SandboxAbort):
        replay(aborts, {"learner": None}, [{"x": 1}])


def test_each_example_starts_from_the_same_torch_random_state():
    drawn = []
    replay(lambda x: drawn.append(torch.rand(1).item()), {}, [{"x": 1}, {"x": 2}])
    assert drawn[0] == drawn[1]


def test_code_that_fails_an_example_once_never_passes_after_the_replay(
    grade_with, course, reference_dir, make_submission
):
    once = """
_calls = 0


def one_hot(labels, num_classes):
    global _calls
    _calls += 1
    result = torch.nn.functional.one_hot(labels, num_classes).float()
    return result * 2 if _calls == 3 else result
"""
    submission = make_submission({"ex01_tensors.py": reference_with(course, "ex01_tensors.py", once)})
    memory = ExampleMemory()
    grade_with(reference_dir, memory)
    replayed, generated = grade_with(submission, memory), grade_with(submission)
    assert memory.fell_back >= 1
    # Both fail the check as nondeterministic; the input shown is wherever each run noticed it.
    assert _without_calls(replayed) == _without_calls(generated)
    rows = next(c for c in replayed.checks() if c.id.endswith("test_one_hot_rows"))
    assert not rows.passed and rows.category == "nondeterministic"


def _without_calls(result) -> dict:
    data = _comparable(result)
    for section in data["sections"]:
        for task in section["tasks"]:
            for check in task["checks"]:
                check.pop("call")
    return data
