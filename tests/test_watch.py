"""`grade watch`: re-grades on save, moves on once an exercise passes, stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.cli import watch as watch_module
from grader.cli.context import Target
from grader.cli.watch import first_unfinished, signature, wait_for_change
from grader.deploy.release import release

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120


class Watch:
    """`grade watch` in a real process, its output read line by line as it comes."""

    def __init__(self, args: list[str], cwd: Path, cache: Path) -> None:
        env = {**os.environ, "GRADE_CACHE_DIR": str(cache), "NO_COLOR": "1", "GRADE_LANG": "en"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader", "watch", "--quick", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Ctrl-C as at a terminal: a suite started in the background inherits SIGINT ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str) -> None:
        while not any(text in line for line in self.seen):
            try:
                self.seen.append(self.lines.get(timeout=TIMEOUT_S))
            except queue.Empty:
                pytest.fail(f"no {text!r} in the output:\n{''.join(self.seen)}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.finish()

    def finish(self) -> int:
        code = self.process.wait(timeout=TIMEOUT_S)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code

    def output(self) -> str:
        return "".join(self.seen)


@pytest.fixture
def watching(tmp_path):
    started: list[Watch] = []

    def start(*args: str, cwd: Path = ROOT) -> Watch:
        watch = Watch(list(args), cwd, tmp_path / "cache")
        started.append(watch)
        return watch

    yield start
    for watch in started:
        if watch.process.poll() is None:
            watch.process.kill()
            watch.process.wait()


def test_saving_a_passing_file_moves_on_to_the_next_exercise(watching, course, stubs_dir, tmp_path):
    submission = tmp_path / "submission"
    shutil.copytree(stubs_dir, submission)
    watch = watching("--submission", str(submission))
    watch.wait_for("Watching exercises/ex01_tensors.py")
    assert "not implemented yet" in watch.output()

    shutil.copy(course.reference_path(course.exercise("1")), submission / "exercises" / "ex01_tensors.py")
    watch.wait_for("Exercise 1 passes. On to exercise 2.")
    watch.wait_for("Watching exercises/ex02_autograd.py")
    assert watch.stop() == 0
    assert "Stopped watching." in watch.output() and "Traceback" not in watch.output()


def test_a_passing_course_is_walked_through_to_the_end(watching, course, reference_dir, tmp_path):
    watch = watching("--submission", str(reference_dir))
    assert watch.finish() == 0
    text = watch.output()
    assert [f"Exercise {n} passes" in text for n in range(1, 5)] == [True] * 4
    assert "Every exercise passes. Well done!" in text and "Watching" not in text
    done = course.manifest.course.done.en
    assert text.rstrip().endswith(done)
    # The grades it recorded are what `grade list` shows, with the course's closing words.
    listed = CliRunner().invoke(
        main, ["list", "--submission", str(reference_dir)], env={"GRADE_CACHE_DIR": str(tmp_path / "cache")}
    )
    assert "todo" not in listed.output and "edited" not in listed.output
    assert " ".join(done.split()) in " ".join(listed.output.split())


def test_a_pinned_exercise_is_watched_even_when_it_passes(watching, reference_dir):
    watch = watching("1", "--submission", str(reference_dir))
    watch.wait_for("Watching exercises/ex01_tensors.py")
    assert "12/12" in watch.output() and "On to" not in watch.output()
    assert watch.stop() == 0


def test_in_a_learners_repository_the_public_tests_run_on_save(watching, pristine_course, tmp_path):
    repo = tmp_path / "repo"
    release(pristine_course, repo, key=None, key_env="K")
    watch = watching("1", cwd=repo)
    watch.wait_for("Watching exercises/ex01_tensors.py")
    assert "The hidden checks are not in this repository" in watch.output() and "failed" in watch.output()
    assert watch.stop() == 0


def test_unknown_exercise_is_a_usage_error(watching):
    watch = watching("9")
    assert watch.finish() == 2
    assert "no exercise '9'" in watch.output()


def test_first_unfinished_follows_the_course_order(course, stubs_dir):
    target = Target(course, stubs_dir, "en")
    assert first_unfinished(target).number == 1
    assert first_unfinished(target, frozenset({"ex01", "ex02"})).number == 3
    assert first_unfinished(target, frozenset(ex.id for ex in course.exercises)) is None


def test_a_save_made_while_grading_is_not_missed(tmp_path):
    path = tmp_path / "ex.py"
    path.write_text("x = 1\n")
    graded = signature(path)
    path.write_text("x = 22\n")  # saved before the wait begins
    started = time.monotonic()
    wait_for_change(path, graded, poll_s=0.01)
    assert time.monotonic() - started < 5


def test_waiting_ends_once_the_file_stops_changing(monkeypatch, tmp_path):
    # An editor that truncates, then writes: the wait must not end on the empty file in between.
    seen = iter([(1, 10), (1, 10), (2, 0), (3, 12), (3, 12)])
    calls = []

    def scripted(path):
        calls.append(path)
        return next(seen)

    monkeypatch.setattr(watch_module, "signature", scripted)
    monkeypatch.setattr(watch_module.time, "sleep", lambda _: None)
    wait_for_change(tmp_path / "ex.py", (1, 10))
    assert len(calls) == 5
