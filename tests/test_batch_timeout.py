"""The per-submission wall-clock limit: one entry that takes too long is recorded as timed out; the class goes on."""

from __future__ import annotations

import sqlite3

from click.testing import CliRunner

from grader.batch.gradebook import GRADEBOOK
from grader.batch.run import default_submission_timeout
from grader.cli import main
from tests import classroom


def test_the_default_limit_comes_from_the_course_timeouts(course):
    worst = sum(len(ex.tasks) * ex.timeout for ex in course.exercises)
    assert default_submission_timeout(course) == 2 * worst + 60


def test_a_submission_past_the_limit_is_timed_out_and_the_rest_is_graded(course, tmp_path, monkeypatch):
    workers_tmp = tmp_path / "tmp"
    workers_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(workers_tmp))  # where the (freshly spawned) workers write
    submissions = tmp_path / "class"
    stalls = classroom.stubs(course, submissions / "aaron")
    for ex in course.exercises:  # every module hangs at import: far longer than the limit, all told
        (stalls / "exercises" / ex.module).write_text("while True:\n    pass\n")
    classroom.stubs(course, submissions / "bob")
    out = tmp_path / "out"
    args = ["batch", str(submissions), "--out", str(out), "--jobs", "1", "--quick", "--course", str(course.root)]
    result = CliRunner().invoke(main, [*args, "--submission-timeout", "15", "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 1, result.output  # a submission without a grade
    assert "2 submissions: 1 graded, 0 unchanged, 0 rejected, 1 grader errors" in result.output
    assert "aaron: grader error timed out" in result.output
    with sqlite3.connect(out / GRADEBOOK) as db:
        rows = dict(db.execute("SELECT student_id, status || ': ' || COALESCE(reason_en, '') FROM submissions"))
    assert rows["bob"] == "graded: "
    assert rows["aaron"].startswith("error: timed out: grading did not finish within 15 s")
    # The stopped worker removed its copies of the submission on its way out.
    assert not [path for path in workers_tmp.rglob("*.py") if "while True" in path.read_text()]


def test_the_limit_must_be_positive(course, tmp_path):
    (tmp_path / "class").mkdir()
    args = ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--course", str(course.root)]
    result = CliRunner().invoke(main, [*args, "--submission-timeout", "0"])
    assert result.exit_code == 2 and "--submission-timeout" in result.output
