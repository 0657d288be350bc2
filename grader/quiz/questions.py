"""Quiz questions (`exercises/quiz/questions.toml`) and the answer key (`solutions/quiz/key.toml`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, RootModel, field_validator, model_validator

from grader.course.errors import CourseError
from grader.course.tomlfile import load_model
from grader.i18n import Text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Question(_Strict):
    id: str
    topic: str
    text: Text
    options: list[Text] = Field(min_length=2)
    points: PositiveFloat = 1.0
    select: Literal["one", "many"] = "one"
    # For "many": all_or_nothing gives the points for exactly the right set; partial gives
    # a share per right choice and takes one back per wrong choice, never below zero.
    scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.fullmatch(r"q[1-9][0-9]*", value):
            raise ValueError(f"question ids are q1, q2, ...; got {value!r}")
        return value


class Quiz(_Strict):
    questions: list[Question] = Field(alias="question", min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Quiz:
        ids = [q.id for q in self.questions]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"question ids repeat: {', '.join(repeated)}")
        return self

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


class KeyEntry(_Strict):
    answer: int | list[int]
    explanation: Text | None = None

    @property
    def options(self) -> frozenset[int]:
        return frozenset(self.answer if isinstance(self.answer, list) else [self.answer])


class Key(RootModel[dict[str, KeyEntry]]):
    def entry(self, qid: str) -> KeyEntry:
        return self.root[qid]


def load_quiz(path: Path) -> Quiz:
    return load_model(Quiz, path)


def load_key(path: Path, quiz: Quiz) -> Key:
    """Load the key and check it against the questions: every question answered, options in range."""
    key = load_model(Key, path)
    for q in quiz.questions:
        if q.id not in key.root:
            raise CourseError(path, f"no answer for {q.id}")
        entry = key.root[q.id]
        if q.select == "one" and isinstance(entry.answer, list):
            raise CourseError(
                path, f"{q.id} is single-select; its answer must be one option number", field=f"{q.id}.answer"
            )
        bad = [o for o in entry.options if not 1 <= o <= len(q.options)]
        if bad or not entry.options:
            raise CourseError(
                path, f"{q.id} has options 1..{len(q.options)}; the key says {entry.answer}", field=f"{q.id}.answer"
            )
    extra = sorted(set(key.root) - {q.id for q in quiz.questions})
    if extra:
        raise CourseError(path, f"answers for questions that do not exist: {', '.join(extra)}")
    return key
