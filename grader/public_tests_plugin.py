"""A pytest plugin for the public tests' own process (`-p grader.public_tests_plugin`): the exercise's time limit.

Importing a test module (which imports the learner's module) and running each test get the
exercise's `timeout`, on the wall clock. Past it, the learner's code is interrupted where it is:
pytest reports that module or test with the line it was running, and the run ends with
`TIMED_OUT` so that `grade test` can say why. Code the interruption cannot reach (a long native
call, a loop that swallows every exception) is left to the caller's overall timeout.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from grader.i18n import msg

# Set by `run_public_tests`: {"test_ex01_tensors.py": seconds, ...}, and the learner's language.
LIMITS_ENV = "GRADER_PUBLIC_TEST_LIMITS"
LANG_ENV = "GRADER_PUBLIC_TEST_LANG"
# The process's exit status when some module or test ran past its limit.
TIMED_OUT = 124


class TimeLimitExceeded(BaseException):
    """Raised into the learner's code; a BaseException, so `except Exception` in a loop does not swallow it."""


_timed_out = False


def _limit_for(path: Path) -> float | None:
    limits: dict[str, float] = json.loads(os.environ.get(LIMITS_ENV) or "{}")
    return limits.get(path.name)


@contextmanager
def _bounded(path: Path) -> Iterator[None]:
    seconds = _limit_for(path)
    if seconds is None:
        yield
        return

    message = msg("public_test_time_limit", seconds=seconds).get(os.environ.get(LANG_ENV, "en"))

    def stop(signum: int, frame: object) -> None:
        global _timed_out
        __tracebackhide__ = True  # the report shows the learner's line, not this one
        _timed_out = True
        raise TimeLimitExceeded(message)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pytest_configure(config: pytest.Config) -> None:
    # The time limit is for the learner's code, not for torch's first import.
    import torch  # noqa: F401


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    if not isinstance(collector, pytest.Module):
        return (yield)
    with _bounded(collector.path):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    with _bounded(item.path):
        return (yield)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _timed_out:
        session.exitstatus = TIMED_OUT
