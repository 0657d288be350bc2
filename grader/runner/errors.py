"""What a learner call can end in, besides a value: an exception of theirs, or an abort of the check."""

from __future__ import annotations

from typing import Any

from grader.i18n import Text, msg


def _location(info: dict[str, Any], file: str) -> str:
    frames = info.get("frames") or []
    for filename, line, _name, _text in reversed(frames):
        if not str(filename).startswith("probes/"):
            return f" ({file}, line {line})"
    return ""


class LearnerRaised(Exception):
    """The learner's code raised an exception; a check may expect that (see `grader.checks.expect_raises`)."""

    def __init__(self, call: str, info: dict[str, Any], file: str = ""):
        self.call = call
        self.file = file
        self.info = info
        self.type_name: str = info.get("type", "builtins.Exception")
        self.mro: list[str] = list(info.get("mro", []))
        self.error_message: str = info.get("message", "")
        super().__init__(f"{call} raised {self.short_type}: {self.error_message}")

    @property
    def short_type(self) -> str:
        module, _, name = self.type_name.rpartition(".")
        return name if module == "builtins" else self.type_name

    def is_a(self, kind: type[BaseException]) -> bool:
        return f"{kind.__module__}.{kind.__qualname__}" in self.mro

    @property
    def in_probe(self) -> bool:
        """True when the exception came from the check's own scenario code, not a line of the learner's."""
        frames = self.info.get("frames") or []
        return bool(frames) and str(frames[-1][0]).startswith("probes/")

    def describe(self) -> Text:
        if self.in_probe:
            return msg("probe_failed", call=self.call, type=self.short_type, message=self.error_message)
        if self.is_a(SystemExit) or self.is_a(KeyboardInterrupt):
            return msg("exit_in_call", call=self.call, type=self.short_type)
        return msg(
            "raised",
            call=self.call,
            type=self.short_type,
            message=self.error_message,
            where=_location(self.info, self.file),
        )


class SandboxAbort(BaseException):
    """Ends a check at once: no more generated examples, no shrinking.

    A BaseException on purpose, so hypothesis does not treat it as a failure to shrink: a
    learner call that hangs or crashes would otherwise be retried dozens of times.
    """

    def __init__(self, category: str, message: Text):
        super().__init__(message.en)
        self.category = category
        self.message = message
