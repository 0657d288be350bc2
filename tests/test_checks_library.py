"""The checks library: comparisons that say what differs, mistakes named by matching, strategies that find bugs."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checks import (
    CheckFailed,
    Mistake,
    expect_close,
    expect_equal,
    expect_raises,
    expect_type,
    expect_unchanged,
    shapes,
    tensors,
)
from grader.checks.arguments import expect_arguments_unchanged
from grader.checks.compare import shape_diagnosis
from grader.checks.gradients import gradcheck_through
from grader.runner.callrepr import format_call, format_scenario, format_value
from grader.runner.errors import LearnerRaised
from grader.sandbox.values import Opaque

MISTAKE = Mistake(en="the mistake", ko="실수")


def _failure(fn, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        fn(*args, **kwargs)
    return caught.value


def test_expect_close_passes_within_tolerance():
    expect_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))


def test_not_a_tensor():
    failure = _failure(expect_close, Opaque("numpy.ndarray", "array([1.])"), torch.ones(1))
    assert failure.category == "type" and "numpy.ndarray" in failure.message.en
    assert "None" in _failure(expect_close, None, torch.ones(1)).message.en


def test_shape_with_generic_diagnoses():
    failure = _failure(expect_close, torch.zeros(4, 3), torch.zeros(3, 4))
    assert failure.category == "shape" and "(4, 3)" in failure.message.en and "(3, 4)" in failure.message.en
    assert "transpose" in failure.diagnosis.en
    assert "keepdim" in shape_diagnosis((3,), (3, 1)).en
    assert "extra dimension" in shape_diagnosis((3, 1), (3,)).en
    assert "number of elements" in shape_diagnosis((2, 6), (3, 4)).en
    assert shape_diagnosis((5,), (3, 4)) is None


def test_dtype():
    failure = _failure(expect_close, torch.zeros(2, dtype=torch.int64), torch.zeros(2))
    assert failure.category == "dtype" and "torch.int64" in failure.message.en


def test_values_report_the_worst_element_and_the_count():
    expected = torch.zeros(2, 3)
    got = expected.clone()
    got[0, 1] = 0.5
    got[1, 2] = 2.0
    failure = _failure(expect_close, got, expected)
    assert failure.category == "value"
    assert "2 of 6 elements" in failure.message.en and "(1, 2)" in failure.message.en and "got 2" in failure.message.en


def test_nan_is_its_own_category():
    failure = _failure(expect_close, torch.tensor([1.0, float("nan")]), torch.tensor([1.0, 0.0]))
    assert failure.category == "nan" and "index 1" in failure.message.en


def test_matching_mistake_names_it():
    x = torch.tensor([1.0, 2.0, 4.0])
    failure = _failure(expect_close, x * 2, x, mistakes=[(MISTAKE, lambda: x * 2)])
    assert failure.diagnosis.en == "the mistake"
    failure = _failure(expect_close, x * 3, x, mistakes=[(MISTAKE, lambda: x * 2)])
    assert failure.diagnosis is None


def test_a_broken_mistake_candidate_is_skipped():
    x = torch.ones(2)
    failure = _failure(expect_close, x * 2, x, mistakes=[(MISTAKE, lambda: 1 / 0)])
    assert failure.diagnosis is None


def test_expect_equal_and_type():
    expect_equal(0.1 + 0.2, 0.3)
    assert "expected 3" in _failure(expect_equal, 4, 3).message.en
    expect_type(1.5, float)
    assert "Tensor" in _failure(expect_type, torch.ones(()), float).message.en
    assert _failure(expect_type, True, int).category == "type"
    assert _failure(expect_type, torch.ones(()), float, diagnosis=MISTAKE).diagnosis.en == "the mistake"


def test_expect_unchanged_compares_tensors_exactly_and_flags_and_none():
    before = torch.tensor([1.0, 2.0])
    expect_unchanged(before.clone(), before, what="x")
    expect_unchanged(None, None, what="x.grad")
    expect_unchanged(False, False, what="x.requires_grad")
    failure = _failure(expect_unchanged, before + 1e-7, before, what="x", diagnosis=MISTAKE)
    assert failure.category == "side_effect" and failure.diagnosis.en == "the mistake"
    assert "x was changed by the call" in failure.message.en
    failure = _failure(expect_unchanged, torch.ones(2), None, what="x.grad")
    assert "it was None and is now tensor([1., 1.])" in failure.message.en
    assert _failure(expect_unchanged, True, False, what="flag").message.ko
    assert _failure(expect_unchanged, before.double(), before, what="x").category == "side_effect"


def _raiser(info):
    def call(*args):
        raise LearnerRaised("f", info)

    return call


def test_expect_raises():
    value_error = {
        "type": "builtins.ValueError",
        "mro": ["builtins.ValueError", "builtins.Exception"],
        "message": "bad",
    }
    index_error = {
        "type": "builtins.IndexError",
        "mro": ["builtins.IndexError", "builtins.LookupError"],
        "message": "oops",
    }
    assert expect_raises(ValueError, _raiser(value_error)).error_message == "bad"
    failure = _failure(expect_raises, ValueError, _raiser(index_error), diagnosis=MISTAKE)
    assert "IndexError" in failure.message.en and failure.diagnosis.en == "the mistake"
    failure = _failure(expect_raises, ValueError, lambda: None)
    assert "returned normally" in failure.message.en


def test_gradcheck_through_catches_a_wrong_backward_in_the_judge():
    x = torch.tensor([0.5, -1.0, 2.0])
    gradcheck_through(torch.sin, lambda x, g: (g * torch.cos(x),), [x], name="sin")
    failure = _failure(gradcheck_through, torch.sin, lambda x, g: (torch.cos(x),), [x], name="sin")
    assert failure.category == "gradient" and "numerical derivative" in failure.message.en
    failure = _failure(
        gradcheck_through, lambda x: torch.sin(x).float(), lambda x, g: (g * torch.cos(x),), [x], name="sin"
    )
    assert failure.category == "dtype"


@settings(max_examples=50, database=None)
@given(shapes(min_dims=2, max_dims=3))
def test_shapes_have_distinct_sizes(shape):
    assert len(set(shape)) == len(shape)


@settings(max_examples=50, database=None)
@given(tensors(shapes(min_dims=1, max_dims=3, min_side=2), layout="noncontiguous"))
def test_noncontiguous_layout(x):
    assert not x.is_contiguous()
    assert x.abs().max() <= 10 and torch.all(x * 16 == torch.round(x * 16))


@settings(max_examples=30, database=None)
@given(st.data())
def test_tensors_respect_dtype_and_bounds(data):
    x = data.draw(tensors(shapes(min_side=0), dtype=torch.int64, min_value=-3, max_value=3))
    assert x.dtype == torch.int64 and (x.numel() == 0 or (x.min() >= -3 and x.max() <= 3))


def test_arguments_that_come_back_unchanged_pass():
    x = torch.tensor([1.0, float("nan")])
    expect_arguments_unchanged("f", ((x, [1, 2]), {"dim": 0}), ([x.clone(), [1, 2]], {"dim": 0}))


def test_an_argument_changed_in_place_is_named_with_its_parameter():
    def masked_mean(x, mask, dim): ...

    x, mask = torch.tensor([1.0, 2.0]), torch.tensor([True, False])
    failure = _failure(
        expect_arguments_unchanged,
        "masked_mean",
        ((x, mask), {"dim": 0}),
        ([torch.tensor([1.0, 0.0]), mask], {"dim": 0}),
        lambda: inspect.signature(masked_mean),
    )
    assert failure.category == "side_effect"
    assert failure.message.en.startswith("the argument x of masked_mean was changed by the call")
    assert failure.diagnosis is not None and "in place" in failure.diagnosis.en


def test_a_reshaped_argument_is_a_change():
    labels = torch.tensor([0, 2])
    failure = _failure(expect_arguments_unchanged, "one_hot", ((labels, 3), {}), ([labels.unsqueeze(-1), 3], {}))
    assert "the argument #1 of one_hot" in failure.message.en


def test_a_scenario_is_shown_as_the_learner_code_it_runs():
    def grad_of_with(f, x): ...

    grad_of_with.learner_call = lambda f, x: f"grad_of({f}, {format_value(x)})"
    shown = format_scenario(grad_of_with, "grad_of_with", (), {"f": "lambda x: x.sum()", "x": torch.ones(2)})
    assert shown == "grad_of(lambda x: x.sum(), tensor([1., 1.]))"
    assert format_scenario(None, "window_items", (3,), {}) == "window_items(3)"
    grad_of_with.learner_call = lambda f, x: ("grad_of", (f, x), {})  # not code: the plain call is shown
    assert format_scenario(grad_of_with, "grad_of_with", (1,), {}) == "grad_of_with(1)"


@pytest.mark.parametrize(("variant", "term"), [("기대값", "기댓값"), ("정답과", "참조 구현과"), ("에폭", "에포크")])
def test_course_korean_uses_one_term_each(variant, term):
    """The hidden checks, probes and exercise docstrings say each thing one way in Korean."""
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("solutions/checks/*.py"), *root.glob("solutions/probes/*.py"), *root.glob("exercises/ex*.py")]
    assert files
    offending = [f.name for f in files if variant in f.read_text(encoding="utf-8")]
    assert offending == [], f"write {term!r} instead of {variant!r} in {offending}"


def test_a_transposed_input_is_shown_as_code_that_rebuilds_it():
    x = torch.arange(6.0).reshape(2, 3).mT
    shown = format_call("flatten_batch", (x,), {"start": 1})
    assert shown == "flatten_batch(tensor([[0., 1., 2.], [3., 4., 5.]]).mT, start=1)"
    rebuilt = eval(shown.removeprefix("flatten_batch(").rsplit(",", 1)[0], {"tensor": torch.tensor})
    assert torch.equal(rebuilt, x) and rebuilt.stride() == x.stride()
