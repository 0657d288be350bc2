"""Replaying a hidden check's examples for the next submissions a long-lived judge grades.

With a fixed seed, Hypothesis draws the same examples for a check every time it passes: what it
generates next depends only on the seed and on earlier examples having passed, never on the
code under test. A judge that grades many submissions (a batch worker) can therefore remember
the examples of a passing run and, for the next submission, run the check's body on them
directly, skipping generation. If all pass, the check passes, as a full run would have. If one
fails, the full run takes over from the start and finds, shrinks and reports the failure exactly
as it would have without the memory (should it pass instead, the learner's code answers by its
history, and the judge fails the check as nondeterministic). A sandbox abort (timeout, crash) is
the same abort a full run would meet on that example, so it stands.

Each example runs as Hypothesis runs it: its arguments a fresh copy, the registered random
generators (torch's included) seeded as for a generated example.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis.errors import UnsatisfiedAssumption
from hypothesis.internal.entropy import deterministic_PRNG

from grader.runner.errors import SandboxAbort

Key = tuple[str, int, str]
Example = dict[str, Any]


@dataclass
class ExampleMemory:
    """The examples of passing runs, per (check id, run seed, profile), and how often they were replayed."""

    examples: dict[Key, list[Example]] = field(default_factory=dict)
    replayed: int = 0
    fell_back: int = 0

    def recall(self, key: Key) -> list[Example] | None:
        return self.examples.get(key)

    def remember(self, key: Key, examples: list[Example]) -> None:
        self.examples.setdefault(key, examples)


class Recording:
    """The arguments Hypothesis passes a check's body, example by example, copied before the body can change them."""

    def __init__(self, fixtures: frozenset[str]):
        self.fixtures = fixtures
        self.examples: list[Example] = []
        # An example that raised (an `assume` that rejected it) or could not be copied: not replayable.
        self.broken = False

    def complete(self) -> bool:
        """Whether every example ran, was copied and passed: only then may they stand for a full run."""
        return bool(self.examples) and not self.broken

    def add(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        if args or self.broken:
            self.broken = True
            return
        try:
            self.examples.append(copy.deepcopy({k: v for k, v in kwargs.items() if k not in self.fixtures}))
        except Exception:
            self.broken = True


def fixture_names(test: Callable[..., Any]) -> frozenset[str]:
    """The parameters pytest fills for a Hypothesis test (its signature lists only those)."""
    return frozenset(inspect.signature(test).parameters)


def replay(body: Callable[..., Any], fixtures: Mapping[str, Any], examples: list[Example]) -> bool:
    """Run `body` on each remembered example; True if every one passed, False at the first that did not."""
    for example in examples:
        try:
            with deterministic_PRNG():
                body(**fixtures, **copy.deepcopy(example))
        except SandboxAbort:
            raise
        except (Exception, UnsatisfiedAssumption):
            return False
    return True
