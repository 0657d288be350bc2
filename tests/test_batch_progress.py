"""Batch progress: plain lines for logs, a rich bar with counts for terminals."""

from __future__ import annotations

import io

from grader.batch.progress import PlainProgress, RichProgress


def _feed(progress) -> None:  # type: ignore[no-untyped-def]
    progress.start(4, "4 submissions, profile quick")
    progress.update("alice", "graded", "26/26 (1.2 s)")
    progress.update("bob", "skipped")
    progress.update("carol", "rejected", "the submission is empty")
    progress.update("dan", "error", "the sandbox server did not start")
    progress.stop()


def test_plain_progress_is_one_line_per_event_but_unchanged_ones():
    stream = io.StringIO()
    progress = PlainProgress("en", stream)
    _feed(progress)
    assert stream.getvalue().splitlines() == [
        "4 submissions, profile quick",
        "[1/4] alice: graded 26/26 (1.2 s)",
        "[3/4] carol: rejected the submission is empty",
        "[4/4] dan: grader error the sandbox server did not start",
    ]
    assert dict(progress.counts) == {"graded": 1, "skipped": 1, "rejected": 1, "error": 1}


def test_rich_progress_shows_counts_and_names_problems(capsys):
    progress = RichProgress("ko")
    _feed(progress)
    err = capsys.readouterr().err
    assert "4/4" in err and "채점됨 1" in err and "변경 없음 1" in err and "거부됨 1" in err
    assert "carol: 거부됨 the submission is empty" in err


def test_entry_names_cannot_start_a_workflow_command(capsys):
    hostile = "x\n::error file=grader.py::forged\r\n##[warning]also \x1b[31mred"
    stream = io.StringIO()
    plain = PlainProgress("en", stream)
    plain.start(2, "2 submissions")
    plain.update(hostile, "rejected", f"the archive holds a path outside its folder ({hostile})")
    plain.update("bob", "error", "Traceback:\n::error::from the learner")
    rich = RichProgress("en")
    rich.start(1, "1 submission")
    rich.update(hostile, "error", hostile)
    rich.stop()
    for log in (stream.getvalue(), capsys.readouterr().err):
        assert "forged" in log
        assert not any(line.lstrip().startswith("::") for line in log.splitlines())
        assert "##[" not in log and "\x1b[31m" not in log
    assert len(stream.getvalue().splitlines()) == 3  # one line per event, whatever the names hold
