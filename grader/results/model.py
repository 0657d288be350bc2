"""What grading found: course -> sections (exercises, quiz) -> tasks -> checks, with points at every level."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from grader.i18n import Text


def _round(points: float) -> float:
    return round(points, 4)


def split_points(total: float, weights: list[float], unit: float = 1e-4) -> list[float]:
    """Share `total` in proportion to `weights`, in multiples of `unit`, summing exactly to `total`.

    Largest remainders get the leftover units, earlier shares first on ties, so that 2 points
    over 7 equal checks add back up to 2 and not to 1.9999.
    """
    units = round(total / unit)
    whole = sum(weights)
    exact = [units * w / whole for w in weights]
    shares = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[: units - sum(shares)]:
        shares[i] += 1
    return [round(s * unit, 10) for s in shares]


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    # The grader itself could not reach a verdict (a bug in a check, an internal error).
    ERROR = "error"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _drop_computed(cls, data: Any) -> Any:
        # Dumps include computed totals; reading a dump back recomputes them instead.
        if isinstance(data, dict) and cls.model_computed_fields:
            return {k: v for k, v in data.items() if k not in cls.model_computed_fields}
        return data


class CheckResult(_Model):
    """One hidden check (or one quiz question) and what it found."""

    id: str
    task: str
    title: Text
    outcome: Outcome
    weight: float = 1.0
    points: float = 0.0
    max_points: float = 0.0
    # Which kind of thing went wrong: shape, dtype, value, gradient, exception, timeout, crash, ...
    category: str | None = None
    message: Text | None = None
    diagnosis: Text | None = None
    # The learner call that failed, as code a person can paste (absent when the inputs are secret).
    call: str | None = None
    # What the learner's code printed, already capped and neutralised.
    learner_output: str | None = None
    # Shown after grading whatever the outcome (the quiz's explanations).
    explanation: Text | None = None
    # Quiz questions only: the option numbers the learner chose, in order (None when unanswered or invalid).
    chosen: list[int] | None = None
    # Quiz questions only: which of `chosen` are right (None with `chosen`), and the question's options in order.
    chosen_right: list[int] | None = None
    options: list[Text] | None = None
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED


class TaskResult(_Model):
    id: str
    title: Text
    max_points: float
    checks: list[CheckResult] = Field(default_factory=list)
    hint_count: int = 0
    # Where the learner's definition (or quiz answer) starts in the section's file, when it can be found.
    line: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def points(self) -> float:
        return _round(sum(c.points for c in self.checks))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def first_failure(self) -> CheckResult | None:
        return next((c for c in self.checks if not c.passed), None)


class SectionResult(_Model):
    """One exercise or the quiz."""

    id: str
    kind: Literal["exercise", "quiz"]
    number: int | None = None
    title: Text
    # The learner's file this section grades, relative to the submission (`exercises/ex01_tensors.py`).
    file: str | None = None
    tasks: list[TaskResult] = Field(default_factory=list)
    # Set when the whole section could not be graded (the module does not import, the answers file is unreadable).
    error: Text | None = None
    # Things worth saying that cost no points (an unknown question id in the answers file).
    notes: list[Text] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def points(self) -> float:
        return _round(sum(t.points for t in self.tasks))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_points(self) -> float:
        return _round(sum(t.max_points for t in self.tasks))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.error is None and all(t.passed for t in self.tasks)


class Isolation(_Model):
    """How learner code was confined while this result was computed (see `grade doctor`).

    `level` is "strong" (filesystem, syscalls and signals confined), "partial", "minimal" (process
    group, timeouts, rlimits and output capture only), or "not-needed" (no learner code ran: quiz
    only). `layers` are those the sandbox's children verifiably applied; `missing` those this
    machine could not provide.
    """

    level: str
    layers: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


class GradeResult(_Model):
    schema_version: int = 1
    grader_version: str
    course: Text
    submission: str
    seed: int
    profile: str
    isolation: Isolation
    started_at: datetime
    duration_s: float
    sections: list[SectionResult]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def points(self) -> float:
        return _round(sum(s.points for s in self.sections))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def max_points(self) -> float:
        return _round(sum(s.max_points for s in self.sections))

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.sections)

    def checks(self) -> list[CheckResult]:
        return [c for s in self.sections for t in s.tasks for c in t.checks]
