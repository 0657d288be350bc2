"""Where jobs run: a local pool of worker processes, or an existing Dask cluster. Both run `grade_submission`.

The coordinator keeps at most `capacity` jobs in flight and collects outcomes as they finish;
it does not care which executor produced them. Neither executor writes the gradebook.

Both hold each submission to a wall-clock limit, counted from when a worker says it starts the
job. Past it, the local pool stops the worker (SIGTERM, then SIGKILL if it does not exit) and
sends the other jobs in flight again to a fresh pool without counting it against them; on Dask
the job is cancelled and its worker restarted by its nanny. Either way the outcome says the
submission timed out: nothing a submission does can hold the class up longer.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import SimpleQueue
from typing import Any, Protocol

from grader.batch import job as job_module
from grader.batch.job import Job, Outcome, Settings, grade_submission

# A job whose worker process died twice is recorded as an error instead of being tried forever.
_MAX_TRIES = 2
# How long a worker stopped for a job past its limit has to clean up (its sandbox, its folders).
_KILL_GRACE_S = 5.0


class ExecutorUnavailable(Exception):
    """The executor cannot be used (no cluster at that address, no worker could start)."""


class Executor(Protocol):
    description: str
    capacity: int

    def submit(self, job: Job) -> None: ...

    def in_flight(self) -> int: ...

    def finished(self, timeout: float) -> list[Outcome]: ...

    def close(self, cancel: bool) -> None: ...


# -- the local pool -------------------------------------------------------------------------------
_settings: Settings | None = None
# Where a worker tells the coordinator which job it starts: (student id, worker pid).
_starts: SimpleQueue[tuple[str, int]] | None = None


def _watch_parent(parent: int) -> None:
    """A worker whose coordinator died (even by kill -9) stops its sandbox and exits instead of idling forever."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            with contextlib.suppress(Exception):
                job_module._close_judge()
            os._exit(1)


def _stop(signum: int, frame: Any) -> None:
    # The pool terminates the other workers when one exits: a second SIGTERM must not cut this cleanup short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(Exception):
        job_module._close_judge()
    os._exit(128 + signum)


def _init_worker(settings: Settings, parent: int, starts: SimpleQueue[tuple[str, int]]) -> None:
    global _settings, _starts
    _settings = settings
    _starts = starts
    # Ctrl-C reaches the whole process group: the coordinator alone decides what stops, and how.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-coordinator").start()
    # A failing initializer would break the whole pool: let the first job meet the problem and report it.
    with contextlib.suppress(Exception):
        job_module.warm_up(settings)


def _pooled(job: Job) -> Outcome:
    assert _settings is not None and _starts is not None, "the worker was not initialised"
    _starts.put((job.student_id, os.getpid()))
    return grade_submission(_settings, job)


class LocalPool:
    """`jobs` worker processes, each a judge with its own sandbox server, started once and reused.

    `limit_s`: the wall-clock limit of one submission, from the moment its worker starts it.
    """

    def __init__(self, settings: Settings, jobs: int, limit_s: float | None = None):
        self.settings = settings
        self.jobs = jobs
        self.limit_s = limit_s
        self.capacity = 2 * jobs  # one running and one waiting per worker: no idle gap between submissions
        self.description = f"{jobs} local worker{'s' if jobs != 1 else ''}"
        self._tries: dict[str, int] = {}
        self._futures: dict[concurrent.futures.Future[Outcome], Job] = {}
        # Jobs a worker has started: student id -> (worker pid, when the coordinator learned it).
        self._running: dict[str, tuple[int, float]] = {}
        # Jobs past the limit whose worker was told to stop: student id -> when.
        self._stopping: dict[str, float] = {}
        self._pool, self._starts = self._start()

    def _start(self) -> tuple[concurrent.futures.ProcessPoolExecutor, SimpleQueue[tuple[str, int]]]:
        # spawn: a fresh interpreter per worker, never a fork of the coordinator and its threads.
        context = multiprocessing.get_context("spawn")
        starts: SimpleQueue[tuple[str, int]] = context.SimpleQueue()
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(self.settings, os.getpid(), starts),
        )
        return pool, starts

    def submit(self, job: Job) -> None:
        self._tries[job.student_id] = self._tries.get(job.student_id, 0) + 1
        self._send(job)

    def _send(self, job: Job) -> None:
        self._futures[self._pool.submit(_pooled, job)] = job

    def in_flight(self) -> int:
        return len(self._futures)

    def _enforce_limit(self) -> None:
        """Stop the worker of every job running past the limit: SIGTERM first, SIGKILL after a grace period."""
        while not self._starts.empty():
            student_id, pid = self._starts.get()
            self._running[student_id] = (pid, time.monotonic())
        if self.limit_s is None:
            return
        now = time.monotonic()
        in_flight = {job.student_id for future, job in self._futures.items() if not future.done()}
        for student_id, (pid, since) in self._running.items():
            if student_id not in in_flight:
                continue
            stopping = self._stopping.get(student_id)
            if stopping is None and now - since > self.limit_s:
                self._stopping[student_id] = now
                _signal(pid, signal.SIGTERM)
            elif stopping is not None and now - stopping > _KILL_GRACE_S:
                _signal(pid, signal.SIGKILL)  # stuck where Python cannot run its SIGTERM handler

    def finished(self, timeout: float) -> list[Outcome]:
        done, _ = concurrent.futures.wait(self._futures, timeout=timeout, return_when="FIRST_COMPLETED")
        broken = any(isinstance(future.exception(), BrokenProcessPool) for future in done)
        # A pool broken because a job past its limit had its worker stopped: no fault of the other jobs.
        by_limit = broken and bool(self._stopping)
        outcomes: list[Outcome] = []
        retry: list[Job] = []
        for future in done:
            job = self._futures.pop(future)
            self._running.pop(job.student_id, None)
            try:
                outcomes.append(future.result())
            except BrokenProcessPool:
                if self._stopping.pop(job.student_id, None) is not None:
                    outcomes.append(_timed_out(job, self.limit_s))
                elif not by_limit and self._tries[job.student_id] >= _MAX_TRIES:
                    error = "a grading worker process died twice while grading this submission"
                    outcomes.append(Outcome(job.student_id, job.payload.digest, error=error))
                else:
                    retry.append(job)
        if not broken:
            self._enforce_limit()
            return outcomes
        # The job that was stopped may not be among those reported yet: it is not sent again.
        for future, job in list(self._futures.items()):
            if self._stopping.pop(job.student_id, None) is not None:
                del self._futures[future]
                outcomes.append(_timed_out(job, self.limit_s))
        self._restart(retry, count_tries=not by_limit)
        return outcomes

    def _restart(self, retry: list[Job], count_tries: bool) -> None:
        """Every job still queued in a broken pool fails too: start a new pool and send them again.

        A pool broken by stopping a job past its limit is no fault of the others: their tries are not counted."""
        pending = [*retry, *self._futures.values()]
        self._futures.clear()
        self._running.clear()
        self._stopping.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._starts = self._start()
        for job in pending:
            if count_tries:
                self.submit(job)
            else:
                self._send(job)

    def close(self, cancel: bool) -> None:
        if not cancel:
            self._pool.shutdown(wait=True)
            return
        # The workers ignore SIGINT; SIGTERM makes each stop its sandbox and exit at once.
        # (Python 3.14 has terminate_workers(); before it, the pool's process table is the only handle.)
        processes = list(getattr(self._pool, "_processes", None) or {})
        self._pool.shutdown(wait=False, cancel_futures=True)
        for pid in processes:
            _signal(pid, signal.SIGTERM)


def _timed_out(job: Job, limit_s: float | None) -> Outcome:
    seconds = limit_s or 0.0
    return Outcome(
        job.student_id, job.payload.digest, error=f"timed out after {seconds:g} s", timed_out=True, duration_s=seconds
    )


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signum)


# -- a Dask cluster -------------------------------------------------------------------------------
# The Dask event topic on which a worker says which job it starts: {"student_id", "worker" (its address)}.
_DASK_STARTS = "grade-batch-started"


def _on_dask_worker(settings: Settings, job: Job) -> Outcome:
    """The Dask task: warm this worker's judge (not the submission's time), say that the job starts, grade it."""
    from distributed import get_worker

    job_module.warm_up(settings)
    worker = get_worker()
    worker.log_event(_DASK_STARTS, {"student_id": job.student_id, "worker": worker.address})
    return grade_submission(settings, job)


class DaskCluster:
    """Jobs sent to an existing Dask distributed scheduler; its workers need the grader installed.

    A job past `limit_s` is cancelled and its worker restarted by its nanny (Dask's default);
    the scheduler sends the worker's other jobs elsewhere.
    """

    def __init__(self, settings: Settings, address: str, limit_s: float | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorUnavailable("--scheduler needs Dask: pip install 'pytorch-course-grader[batch]'") from None
        try:
            # How long to try is Dask's own setting (distributed.comm.timeouts.connect, 30 s by default).
            self.client = Client(address)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        threads = sum(self.client.nthreads().values())
        self.capacity = max(2, 2 * threads)
        self.description = f"Dask at {address} ({threads} worker thread{'s' if threads != 1 else ''})"
        self.limit_s = limit_s
        self.settings = settings
        # Sent once to every worker instead of once per job.
        self._settings = self.client.scatter(settings, broadcast=True, hash=False)
        self._futures: dict[Any, Job] = {}
        # Filled from the client's event loop thread: (student id, worker address).
        self._starts: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._running: dict[str, tuple[str, float]] = {}
        self.client.subscribe_topic(
            _DASK_STARTS, lambda event: self._starts.put((event[1]["student_id"], event[1]["worker"]))
        )

    def submit(self, job: Job) -> None:
        future = self.client.submit(_on_dask_worker, self._settings, job, pure=False, retries=1)
        self._futures[future] = job

    def in_flight(self) -> int:
        return len(self._futures)

    def finished(self, timeout: float) -> list[Outcome]:
        from distributed import wait

        try:
            done, _ = wait(list(self._futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        outcomes: list[Outcome] = []
        for future in done:
            job = self._futures.pop(future)
            self._running.pop(job.student_id, None)
            if future.status == "finished":
                outcomes.append(future.result())
            else:
                error = f"the Dask task failed: {future.exception()!r}"
                outcomes.append(Outcome(job.student_id, job.payload.digest, error=error))
        return outcomes + self._enforce_limit()

    def _enforce_limit(self) -> list[Outcome]:
        """Cancel every job past the limit and restart its worker; their outcomes say they timed out."""
        while not self._starts.empty():
            student_id, worker = self._starts.get()
            self._running[student_id] = (worker, time.monotonic())
        if self.limit_s is None:
            return []
        now = time.monotonic()
        outcomes = []
        for future, job in list(self._futures.items()):
            worker, since = self._running.get(job.student_id, ("", now))
            if now - since <= self.limit_s:
                continue
            del self._futures[future]
            del self._running[job.student_id]
            self.client.cancel(future)
            # A worker whose thread is stuck in the submission stays busy until its process is replaced.
            self.client.restart_workers([worker], raise_for_error=False)
            outcomes.append(_timed_out(job, self.limit_s))
            self._send_waiting_again()
        return outcomes

    def _send_waiting_again(self) -> None:
        """The restarted worker may have held the only copy of the settings: scatter them again and send
        every job not started yet once more (a started one has them already)."""
        self._settings = self.client.scatter(self.settings, broadcast=True, hash=False)
        for future, job in list(self._futures.items()):
            if job.student_id not in self._running:
                del self._futures[future]
                self.client.cancel(future)
                self.submit(job)

    def close(self, cancel: bool) -> None:
        if cancel and self._futures:
            self.client.cancel(list(self._futures))
        self.client.close()
