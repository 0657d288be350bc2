"""The batch coordinator: reads the entries, skips what is already graded, dispatches jobs, commits each outcome.

It is the only process that writes the gradebook, and it never runs learner code: workers grade
and send back a result; the coordinator commits each one in its own transaction the moment it
arrives. Killed at any point, a batch loses at most the submissions that were being graded, and
a re-run grades exactly those (and anything that changed) again.
"""

from __future__ import annotations

import fcntl
import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.batch import DEFAULT_FEEDBACK, FeedbackLevel
from grader.batch.archive import Rejected
from grader.batch.coursefiles import snapshot
from grader.batch.executors import DaskCluster, Executor, LocalPool
from grader.batch.gradebook import GRADEBOOK, Fingerprint, Gradebook
from grader.batch.intake import Entry, Payload, read_entry, scan
from grader.batch.job import Job, Outcome, Settings
from grader.batch.progress import Progress
from grader.batch.roster import read_roster
from grader.course import Course
from grader.i18n import msg
from grader.reporters.common import points
from grader.results import GradeResult

# Errors on this many submissions before any grade: the environment is broken, not the submissions.
_GIVE_UP_AFTER = 3


class BatchError(Exception):
    """The batch cannot start or must stop (a busy output folder, a broken course, no cluster)."""


@dataclass(frozen=True)
class BatchOptions:
    submissions: Path
    out: Path
    seed: int
    profile: str
    jobs: int = 1
    force: bool = False
    roster: Path | None = None
    scheduler: str | None = None
    lang: str = "en"
    # Wall-clock limit of one submission, local pool or Dask (see `default_submission_timeout`).
    submission_timeout_s: float | None = None
    feedback: FeedbackLevel = DEFAULT_FEEDBACK


@dataclass
class Summary:
    entries: int = 0
    ignored: list[str] = field(default_factory=list)
    graded: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: int = 0
    seconds: float = 0.0
    grading_seconds: float = 0.0
    totals: list[float] = field(default_factory=list)
    not_in_roster: list[str] = field(default_factory=list)
    no_submission: list[str] = field(default_factory=list)

    @property
    def per_minute(self) -> float:
        return 60.0 * self.graded / self.grading_seconds if self.grading_seconds > 0 else 0.0

    @property
    def median(self) -> float | None:
        return statistics.median(self.totals) if self.totals else None


@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One batch per output folder at a time: a second one would grade the same submissions twice."""
    with open(out / ".grade-batch.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(f"another `grade batch` is writing to {out}") from None
        yield


class _Batch:
    def __init__(self, course: Course, options: BatchOptions, book: Gradebook, progress: Progress):
        self.course = course
        self.options = options
        self.book = book
        self.progress = progress
        self.files = snapshot(course)
        self.settings = Settings(self.files, options.seed, options.profile)
        self.summary = Summary()
        self.known = book.fingerprints()
        self.waiting: dict[str, tuple[Entry, Payload]] = {}
        self.run_id = 0

    def fingerprint(self, content_hash: str | None) -> Fingerprint:
        return Fingerprint(content_hash, self.options.seed, self.options.profile, self.files.digest, __version__)

    def _todo(self, entries: list[Entry]) -> Iterator[tuple[Entry, Payload]]:
        """Entries that need grading; rejected and unchanged ones are recorded or counted on the way."""
        for entry in entries:
            try:
                payload = read_entry(self.course, entry)
            except Rejected as rejected:
                self._reject(entry, rejected)
                continue
            if self._unchanged(entry.student_id, payload):
                self.summary.skipped += 1
                self.progress.update(entry.student_id, "skipped")
                continue
            yield entry, payload

    def _unchanged(self, student_id: str, payload: Payload) -> bool:
        """Whether the stored grade was computed from these very files, settings, course and grader."""
        previous = self.known.get(student_id)
        if self.options.force or previous is None:
            return False
        status, fingerprint, _ = previous
        return status == "graded" and fingerprint == self.fingerprint(payload.digest)

    def _reject(self, entry: Entry, rejected: Rejected) -> None:
        fingerprint = self.fingerprint(None)
        previous = self.known.get(entry.student_id)
        # The same entry rejected for the same reason under the same settings: nothing to record again.
        if self.options.force or previous != ("rejected", fingerprint, rejected.reason.en):
            self.book.record_unfinished(
                entry.student_id, entry.source, fingerprint, "rejected", rejected.reason, self.run_id
            )
        self.summary.rejected += 1
        self.progress.update(entry.student_id, "rejected", rejected.reason.get(self.options.lang))

    def _commit(self, outcome: Outcome) -> None:
        entry, payload = self.waiting.pop(outcome.student_id)
        fingerprint = self.fingerprint(payload.digest)
        if outcome.fatal:
            raise BatchError(outcome.error or "the course is broken")
        if outcome.result_json is None:
            if outcome.timed_out:
                reason = msg("batch_timed_out", seconds=f"{outcome.duration_s:g}")
            else:
                reason = msg("batch_grader_error", detail=outcome.error or "?")
            self.book.record_unfinished(
                entry.student_id, entry.source, fingerprint, "error", reason, self.run_id, worker=outcome.worker
            )
            self.summary.errors += 1
            shown = reason.get(self.options.lang) if outcome.timed_out else outcome.error or ""
            self.progress.update(entry.student_id, "error", shown)
            if self.summary.errors >= _GIVE_UP_AFTER and not self.summary.graded:
                raise BatchError(f"the grader failed on the first {self.summary.errors} submissions: {outcome.error}")
            return
        result = GradeResult.model_validate_json(outcome.result_json)
        self.book.record_graded(
            entry.student_id,
            entry.source,
            fingerprint,
            result,
            self.run_id,
            layout=payload.layout,
            worker=outcome.worker,
        )
        self.summary.graded += 1
        self.summary.totals.append(result.points)
        detail = f"{points(result.points)}/{points(result.max_points)} ({outcome.duration_s:.1f} s)"
        self.progress.update(entry.student_id, "graded", detail)

    def _executor(self) -> Executor:
        if self.options.scheduler:
            return DaskCluster(self.settings, self.options.scheduler, self.options.submission_timeout_s)
        return LocalPool(self.settings, self.options.jobs, self.options.submission_timeout_s)

    def grade(self, entries: list[Entry]) -> None:
        todo = self._todo(entries)
        executor: Executor | None = None
        cancel = True
        first_dispatch = 0.0
        try:
            exhausted = False
            while True:
                while not exhausted and (executor is None or executor.in_flight() < executor.capacity):
                    item = next(todo, None)
                    if item is None:
                        exhausted = True
                        break
                    entry, payload = item
                    if executor is None:
                        # Started only when something needs grading: an unchanged class re-runs in seconds.
                        executor = self._executor()
                        first_dispatch = time.perf_counter()
                    self.waiting[entry.student_id] = (entry, payload)
                    executor.submit(Job(entry.student_id, payload))
                if executor is None or (exhausted and executor.in_flight() == 0):
                    break
                for outcome in executor.finished(timeout=0.5):
                    self._commit(outcome)
            cancel = False
        finally:
            if executor is not None:
                executor.close(cancel=cancel)
                self.summary.grading_seconds = time.perf_counter() - first_dispatch


def run_batch(course: Course, options: BatchOptions, progress: Progress) -> Summary:
    """Grade every entry of `options.submissions` into `options.out`; write the exports when done."""
    from grader.batch.exports import write_exports

    started = time.perf_counter()
    if not options.submissions.is_dir():
        raise BatchError(f"{options.submissions} is not a folder of submissions")
    roster = read_roster(options.roster) if options.roster is not None else None
    options.out.mkdir(parents=True, exist_ok=True)
    with _exclusive(options.out), Gradebook(options.out / GRADEBOOK) as book:
        if roster is not None:
            book.save_roster(roster)
        batch = _Batch(course, options, book, progress)
        entries, ignored = scan(options.submissions, exclude=options.out)
        batch.summary.entries = len(entries)
        batch.summary.ignored = ignored
        executor = f"dask {options.scheduler}" if options.scheduler else f"local x{options.jobs}"
        batch.run_id = book.start_run(
            str(options.submissions.resolve()), options.seed, options.profile, batch.files, __version__, executor
        )
        status = "interrupted"
        where = f"--scheduler {options.scheduler}" if options.scheduler else f"--jobs {options.jobs}"
        start = msg("batch_start", total=len(entries), profile=options.profile, seed=options.seed, where=where)
        progress.start(len(entries), start.get(options.lang))
        try:
            batch.grade(entries)
            status = "finished"
        finally:
            progress.stop()
            book.finish_run(batch.run_id, status)  # type: ignore[arg-type]
        write_exports(book, options.out, options.lang, options.feedback)
        known = book.roster()
        if known:
            ids = {e.student_id for e in entries}
            batch.summary.not_in_roster = sorted(ids - set(known))
            batch.summary.no_submission = sorted(set(known) - ids)
    batch.summary.seconds = time.perf_counter() - started
    return batch.summary


def default_submission_timeout(course: Course) -> float:
    """How long one submission may take to grade: twice its worst case in calls that time out, plus a minute.

    A timeout ends its task, so a submission whose every task runs into its exercise's timeout
    takes about the sum over tasks of those timeouts; the minute is for the honest work.
    """
    worst = sum(len(ex.tasks) * ex.timeout for ex in course.exercises)
    return 2 * worst + 60.0


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
