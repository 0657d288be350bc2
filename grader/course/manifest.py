"""The course manifest (`exercises/course.toml`): exercises in order, their tasks, points and hints."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, field_validator, model_validator

from grader.i18n import Text

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Task(_Strict):
    """One function or class the learner writes; its id is `exNN.name`."""

    name: str
    points: PositiveFloat
    title: Text | None = None
    hints: list[Text] = Field(default_factory=list, alias="hint")

    @field_validator("name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _IDENT.match(value):
            raise ValueError(f"{value!r} is not a Python identifier")
        return value


class Exercise(_Strict):
    number: PositiveInt
    module: str
    title: Text
    intro: Text | None = None
    # Wall-clock seconds one learner call may take before it is stopped.
    timeout: PositiveFloat = 10.0
    tasks: list[Task] = Field(alias="task", min_length=1)

    @property
    def id(self) -> str:
        return f"ex{self.number:02d}"

    @property
    def stem(self) -> str:
        return self.module.removesuffix(".py")

    def task_id(self, task: Task) -> str:
        return f"{self.id}.{task.name}"

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)

    @model_validator(mode="after")
    def _consistent(self) -> Exercise:
        if not re.fullmatch(rf"{self.id}_\w+\.py", self.module):
            raise ValueError(f"module {self.module!r} must be named {self.id}_<topic>.py")
        names = [t.name for t in self.tasks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"task names repeat: {', '.join(duplicates)}")
        return self


class QuizFiles(_Strict):
    title: Text = Text(en="Quiz", ko="퀴즈")
    # Relative to exercises/ (questions, the learner's answers) and solutions/ (the key).
    questions: str = "quiz/questions.toml"
    answers: str = "quiz/answers.toml"
    key: str = "quiz/key.toml"


class CourseInfo(_Strict):
    title: Text
    welcome: Text | None = None
    done: Text | None = None
    # The default seed for generated inputs: the same submission and seed always give the same score.
    seed: int = 0


class Manifest(_Strict):
    course: CourseInfo
    exercises: list[Exercise] = Field(alias="exercise", min_length=1)
    quiz: QuizFiles | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Manifest:
        numbers = [e.number for e in self.exercises]
        if numbers != sorted(set(numbers)):
            raise ValueError(f"exercise numbers must be unique and ascending, got {numbers}")
        return self


class Course:
    """A loaded course: the manifest plus where its files live."""

    def __init__(self, root: Path, manifest: Manifest, manifest_path: Path):
        self.root = root
        self.manifest = manifest
        self.manifest_path = manifest_path

    @property
    def title(self) -> Text:
        return self.manifest.course.title

    @property
    def exercises(self) -> list[Exercise]:
        return self.manifest.exercises

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    def exercise(self, ref: str | int) -> Exercise | None:
        """Find an exercise by number (`3`), id (`ex03`) or module stem (`ex03_data`)."""
        text = str(ref).strip().lower()
        for ex in self.exercises:
            if text in (str(ex.number), f"{ex.number:02d}", ex.id, ex.stem, ex.module):
                return ex
        return None

    def reference_path(self, ex: Exercise) -> Path:
        return self.solutions_dir / ex.module

    def checks_path(self, ex: Exercise) -> Path:
        return self.solutions_dir / "checks" / f"test_{ex.module}"

    def probes_path(self, ex: Exercise) -> Path:
        return self.solutions_dir / "probes" / ex.module

    def has_hidden_checks(self) -> bool:
        return self.solutions_dir.is_dir()
