"""Batch progress: a rich bar with counts and ETA on a terminal, one plain line per submission otherwise."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Literal, Protocol, TextIO

from grader.i18n import msg
from grader.runner.output import one_line

Kind = Literal["graded", "skipped", "rejected", "error"]


class Progress(Protocol):
    lang: str
    counts: Counter[str]

    def start(self, total: int, description: str) -> None: ...

    def update(self, student_id: str, kind: Kind, detail: str = "") -> None: ...

    def stop(self) -> None: ...


class PlainProgress:
    """One line per graded, rejected or failed submission: for CI logs and redirected output."""

    def __init__(self, lang: str, stream: TextIO | None = None):
        self.lang = lang
        self.stream = stream or sys.stderr
        self.counts: Counter[str] = Counter()
        self.total = 0

    def start(self, total: int, description: str) -> None:
        self.total = total
        print(description, file=self.stream, flush=True)

    def update(self, student_id: str, kind: Kind, detail: str = "") -> None:
        self.counts[kind] += 1
        if kind == "skipped":
            return
        done = sum(self.counts.values())
        label = msg(f"batch_kind_{kind}").get(self.lang)
        line = f"[{done}/{self.total}] {one_line(student_id)}: {label} {one_line(detail)}"
        print(line.rstrip(), file=self.stream, flush=True)

    def stop(self) -> None:
        pass


class RichProgress:
    """A live bar: done/total, graded, skipped, rejected, errors, elapsed time and ETA."""

    def __init__(self, lang: str):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self.lang = lang
        self.counts: Counter[str] = Counter()
        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._bar.add_task("", total=None, counts="")

    def _counts(self) -> str:
        shown = ["graded", "skipped"] + [k for k in ("rejected", "error") if self.counts[k]]
        return " · ".join(f"{msg(f'batch_kind_{k}').get(self.lang)} {self.counts[k]}" for k in shown)

    def start(self, total: int, description: str) -> None:
        self._bar.console.print(description, markup=False, highlight=False)
        self._bar.update(self._task, total=total, counts=self._counts())
        self._bar.start()

    def update(self, student_id: str, kind: Kind, detail: str = "") -> None:
        self.counts[kind] += 1
        self._bar.update(self._task, advance=1, counts=self._counts())
        if kind in ("rejected", "error"):
            label = msg(f"batch_kind_{kind}").get(self.lang)
            line = f"{one_line(student_id)}: {label} {one_line(detail)}"
            self._bar.console.print(line, markup=False, highlight=False)

    def stop(self) -> None:
        self._bar.stop()


def progress_for(lang: str) -> Progress:
    return RichProgress(lang) if sys.stderr.isatty() else PlainProgress(lang)
