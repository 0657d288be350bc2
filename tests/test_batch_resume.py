"""A batch killed with SIGKILL mid-run: nothing committed is lost, nothing is graded twice, nothing is left running."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil

from grader.batch.gradebook import GRADEBOOK
from tests import classroom

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = 10


def _graded(out: Path) -> dict[str, int]:
    """student -> run id of the stored grade, read while the batch may be writing (WAL lets readers in)."""
    path = out / GRADEBOOK
    if not path.is_file():
        return {}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            return dict(db.execute("SELECT student_id, run_id FROM submissions WHERE status = 'graded'"))
    except sqlite3.OperationalError:  # the schema is not there yet
        return {}


def _wait_for(condition, what: str, timeout_s: float = 300.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def _alive_in_group(pgid: int) -> list[psutil.Process]:
    alive = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


def test_kill_9_mid_batch_then_resume(course, tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    for i in range(STUDENTS):
        # Every student's answers differ, so each submission is graded on its own.
        classroom.answers(classroom.reference(course, submissions / f"s{i:02d}"), f"q1 = {1 + i % 4}\nq2 = {i}\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out)]
    command += ["--jobs", "1", "--quick", "--course", str(course.root)]
    first = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        _wait_for(lambda: len(_graded(out)) >= 2 or first.poll() is not None, "two committed grades")
        first.send_signal(signal.SIGKILL)
        first.wait()
        before = _graded(out)
        assert first.returncode == -signal.SIGKILL
        assert 2 <= len(before) < STUDENTS, "the batch should have been killed in the middle"
        # Its workers notice that the coordinator is gone, stop their sandboxes and exit.
        _wait_for(lambda: not _alive_in_group(first.pid), "the killed batch's workers to exit", 120)
    finally:
        for proc in _alive_in_group(first.pid):
            proc.kill()

    with sqlite3.connect(out / GRADEBOOK) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr + second.stdout
    after = _graded(out)
    assert sorted(after) == [f"s{i:02d}" for i in range(STUDENTS)]
    # Grades committed before the kill are kept as they were; the rest come from the second run.
    assert {sid: run for sid, run in after.items() if sid in before} == before
    assert {run for sid, run in after.items() if sid not in before} == {2}
    with sqlite3.connect(out / GRADEBOOK) as db:
        events = db.execute("SELECT student_id, COUNT(*) FROM events WHERE status = 'graded' GROUP BY student_id")
        assert dict(events) == dict.fromkeys(after, 1)  # each submission graded exactly once
        assert db.execute("SELECT status FROM runs ORDER BY id").fetchall() == [("interrupted",), ("finished",)]
    assert f"{STUDENTS - len(before)} graded, {len(before)} unchanged" in second.stdout


def test_a_worker_killed_mid_batch_is_replaced_and_nothing_is_lost(course, tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    for i in range(6):
        classroom.answers(classroom.reference(course, submissions / f"s{i:02d}"), f"q2 = {i}\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "batch", str(submissions), "--out", str(out)]
    command += ["--jobs", "2", "--quick", "--course", str(course.root)]
    batch = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: len(_graded(out)) >= 1 or batch.poll() is not None, "a first grade")
        workers = [p for p in psutil.Process(batch.pid).children() if "spawn_main" in " ".join(p.cmdline())]
        assert workers, "the pool's workers should be running"
        workers[0].kill()
        output, _ = batch.communicate(timeout=600)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert batch.returncode == 0, output
    assert sorted(_graded(out)) == [f"s{i:02d}" for i in range(6)]
    assert "6 graded" in output and "0 grader errors" in output
