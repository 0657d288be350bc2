"""The per-submission job: grade one submission's files against the course snapshot; return the result as JSON.

`grade_submission` is the one function both the local process pool and Dask workers run. A
worker process keeps one judge (the course snapshot on disk, the loaded course, a started
SandboxServer, the examples its checks passed on) and reuses it for every submission it is
given, so torch is imported once per worker, never once per submission, and a check's examples
are generated once per worker, then replayed (`grader/judge/replay.py`: the same grades). The
job never touches the gradebook: only the coordinator writes it, and the coordinator never runs
learner code.
"""

from __future__ import annotations

import atexit
import multiprocessing.util
import os
import shutil
import socket
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from grader.batch.coursefiles import CourseFiles, materialize
from grader.batch.intake import Payload, write_payload
from grader.course import Course, CourseError


@dataclass(frozen=True)
class Settings:
    """What every job of a batch shares."""

    course: CourseFiles
    seed: int
    profile: str


@dataclass(frozen=True)
class Job:
    student_id: str
    payload: Payload


@dataclass(frozen=True)
class Outcome:
    student_id: str
    digest: str
    # The GradeResult as JSON, when the submission was graded.
    result_json: str | None = None
    # Why the grader could not grade it (an environment or grader problem, never the learner's doing).
    error: str | None = None
    # The course itself is broken: every other submission would fail the same way.
    fatal: bool = False
    # Grading ran past the batch's per-submission limit and its worker was stopped.
    timed_out: bool = False
    worker: str = ""
    duration_s: float = 0.0


class _Judge:
    """A worker's grading state for one course snapshot."""

    def __init__(self, files: CourseFiles):
        from grader.judge import ExampleMemory
        from grader.runner.server import SandboxServer

        self.digest = files.digest
        self.server = SandboxServer()  # starts importing torch now, in parallel with the loading below
        self.course: Course = materialize(files)
        self.memory = ExampleMemory()
        # Submissions are written here: a worker stopped mid-grading (past the limit) removes it on its way out.
        self.scratch = Path(tempfile.mkdtemp(prefix="grade-worker-"))
        self.server.ready()

    def restart_server(self) -> None:
        from grader.runner.server import SandboxServer

        self.server.close()
        self.server = SandboxServer()

    def close(self) -> None:
        try:
            self.server.close()
        finally:
            shutil.rmtree(self.course.root, ignore_errors=True)
            shutil.rmtree(self.scratch, ignore_errors=True)


_judge: _Judge | None = None
# A Dask worker may run several tasks at once in threads; grading changes process-wide state
# (pytest, os.environ) and talks to one sandbox server, so one submission at a time per process.
_lock = threading.Lock()


# Closing can start from the main thread (exit, SIGTERM) and the parent watchdog at once: the
# second caller waits for the first to finish instead of exiting under it.
_closing = threading.RLock()


def _close_judge() -> None:
    global _judge
    with _closing:
        if _judge is not None:
            judge, _judge = _judge, None
            judge.close()


def _judge_for(files: CourseFiles) -> _Judge:
    global _judge
    if _judge is None or _judge.digest != files.digest:
        _close_judge()
        _judge = _Judge(files)
        # atexit for a plain process; multiprocessing's workers skip atexit and run Finalize hooks instead.
        atexit.register(_close_judge)
        multiprocessing.util.Finalize(None, _close_judge, exitpriority=10)
    return _judge


def warm_up(settings: Settings) -> None:
    """Start the sandbox server and import what grading needs, before the first submission arrives."""
    with _lock:
        _judge_for(settings.course)
        import torch  # noqa: F401  (the judge's own import of torch, paid here once)

        import grader.judge  # noqa: F401


def shut_down() -> None:
    """Stop this process's sandbox server and remove its course copy (also done at exit)."""
    with _lock:
        _close_judge()


def _has_grader_errors(result: object) -> bool:
    from grader.results import GradeResult, Outcome

    assert isinstance(result, GradeResult)
    return any(c.outcome is Outcome.ERROR for c in result.checks())


def _grade(judge: _Judge, settings: Settings, job: Job) -> str:
    from grader.judge import Selection, grade
    from grader.runner.server import SandboxUnavailable

    course = judge.course
    selection = Selection(exercises=tuple(course.exercises), quiz=True)
    with tempfile.TemporaryDirectory(prefix="grade-submission-", dir=judge.scratch) as tmp:
        submission = write_payload(job.payload, Path(tmp) / "submission")
        for attempt in (1, 2):
            try:
                result = grade(
                    course,
                    submission,
                    selection,
                    seed=settings.seed,
                    profile=settings.profile,
                    server=judge.server,
                    memory=judge.memory,
                )
            except SandboxUnavailable:
                if attempt == 2:
                    raise
                judge.restart_server()
                continue
            # A sandbox server that died mid-run shows as grader errors in every later check:
            # grading once more with a fresh server tells that apart from a real error.
            if attempt == 1 and _has_grader_errors(result):
                judge.restart_server()
                continue
            break
    return result.model_copy(update={"submission": job.student_id}).model_dump_json()


def grade_submission(settings: Settings, job: Job) -> Outcome:
    """Grade one submission. Never raises for a problem with the submission or the grader: the outcome says."""
    from grader.runner.server import SandboxUnavailable

    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def outcome(**fields: object) -> Outcome:
        return Outcome(
            job.student_id,
            job.payload.digest,
            worker=worker,
            duration_s=round(time.perf_counter() - started, 3),
            **fields,  # type: ignore[arg-type]
        )

    with _lock:
        try:
            judge = _judge_for(settings.course)
            return outcome(result_json=_grade(judge, settings, job))
        except CourseError as exc:
            return outcome(error=f"the course is broken: {exc}", fatal=True)
        except SandboxUnavailable as exc:
            return outcome(error=str(exc))
        except Exception as exc:
            tail = "".join(traceback.format_exception(exc)[-3:]).strip()
            return outcome(error=f"the grader failed on this submission: {tail[-1500:]}")
