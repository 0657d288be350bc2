"""What hidden checks are written with: the `check` marker, comparisons, strategies, gradient checks.

A hidden check is a pytest test under `solutions/checks/`:

    @check("ex01.one_hot", "matches the reference on labels of any shape", ko="...")
    @given(labels=...)
    def test_values(learner, reference, labels):
        expect_close(learner.one_hot(labels, 5), reference.one_hot(labels, 5))
"""

from __future__ import annotations

import pytest

from grader.checks.compare import (
    default_tolerance,
    expect_close,
    expect_equal,
    expect_tensor,
    expect_type,
    expect_unchanged,
    matching_mistake,
)
from grader.checks.failures import CheckFailed, Mistake, fail
from grader.checks.gradients import IGNORES_UPSTREAM, expect_gradients_close, gradcheck_through
from grader.checks.raising import expect_raises, explain_raise
from grader.checks.strategies import dims, grid_floats, shapes, tensors
from grader.i18n import Text
from grader.runner.errors import LearnerRaised
from grader.sandbox.values import Opaque

MARKER = "grader_check"


def check(
    task: str, en: str, ko: str | None = None, *, weight: float = 1.0, secret: bool = False
) -> pytest.MarkDecorator:
    """Tie a test to the task it grades, with its title in English and Korean.

    `weight` sets its share of the task's points; `secret` hides the inputs from the report
    (the message still names what kind of thing went wrong).
    """
    return getattr(pytest.mark, MARKER)(task=task, title=Text(en=en, ko=ko), weight=weight, secret=secret)


__all__ = [
    "IGNORES_UPSTREAM",
    "MARKER",
    "CheckFailed",
    "LearnerRaised",
    "Mistake",
    "Opaque",
    "check",
    "default_tolerance",
    "dims",
    "expect_close",
    "expect_equal",
    "expect_gradients_close",
    "expect_raises",
    "expect_tensor",
    "expect_type",
    "expect_unchanged",
    "explain_raise",
    "fail",
    "gradcheck_through",
    "grid_floats",
    "matching_mistake",
    "shapes",
    "tensors",
]
