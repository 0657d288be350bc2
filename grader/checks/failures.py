"""How a check says no: a category (what kind of thing is wrong), a message, and the likely mistake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from grader.i18n import Text


@dataclass(frozen=True)
class Mistake:
    """A mistake beginners make, named in one sentence in each language.

    Checks pass mistakes to `expect_close(..., mistakes=...)` together with what that mistake
    would produce; when the learner's result matches it, the message names the mistake.
    """

    en: str
    ko: str

    @property
    def text(self) -> Text:
        return Text(en=self.en, ko=self.ko)


class CheckFailed(AssertionError):
    """A check found the learner's result wrong. `__tracebackhide__` keeps grader frames out of reports."""

    def __init__(self, category: str, message: Text, diagnosis: Text | None = None):
        super().__init__(message.en)
        self.category = category
        self.message = message
        self.diagnosis = diagnosis


def fail(category: str, message: Text | str, diagnosis: Mistake | Text | None = None) -> NoReturn:
    """Fail the current check. `message` says what is wrong; `diagnosis` what the learner likely did."""
    __tracebackhide__ = True
    if isinstance(message, str):
        message = Text(en=message)
    if isinstance(diagnosis, Mistake):
        diagnosis = diagnosis.text
    raise CheckFailed(category, message, diagnosis)
