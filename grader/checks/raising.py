"""Checks about exceptions: the learner must raise (`expect_raises`), or a raise is explained (`explain_raise`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from grader.checks.failures import Mistake, fail
from grader.i18n import msg
from grader.runner.errors import LearnerRaised


def expect_raises(
    kind: type[BaseException] | tuple[type[BaseException], ...],
    call: Callable[..., Any],
    *args: Any,
    diagnosis: Mistake | None = None,
    **kwargs: Any,
) -> LearnerRaised:
    """Fail unless the learner call raises `kind` (or a subclass); returns what was raised."""
    __tracebackhide__ = True
    kinds = kind if isinstance(kind, tuple) else (kind,)
    expected = " or ".join(k.__name__ for k in kinds)
    try:
        call(*args, **kwargs)
    except LearnerRaised as raised:
        if any(raised.is_a(k) for k in kinds):
            return raised
        fail(
            "exception",
            msg("raised_wrong", expected=expected, got=raised.short_type, message=raised.error_message),
            diagnosis,
        )
    fail("exception", msg("did_not_raise", expected=expected), diagnosis)


@contextmanager
def explain_raise(patterns: Mapping[str, Mistake]) -> Iterator[None]:
    """If the learner's code raises inside the block and its message contains one of `patterns`,
    fail with that mistake as the diagnosis (`"view size is not compatible"` -> "use reshape")."""
    __tracebackhide__ = True
    try:
        yield
    except LearnerRaised as raised:
        for pattern, mistake in patterns.items():
            if pattern.lower() in raised.error_message.lower():
                fail("exception", raised.describe(), mistake)
        raise
