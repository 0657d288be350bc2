"""`grade batch --scheduler`: the same per-submission job on a Dask cluster gives the same gradebook."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from grader.batch.gradebook import GRADEBOOK
from grader.cli import main
from tests import classroom

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")


def _totals(out) -> dict[str, tuple[str, float | None]]:
    with sqlite3.connect(out / GRADEBOOK) as db:
        return {
            sid: (status, points)
            for sid, status, points in db.execute("SELECT student_id, status, points FROM submissions")
        }


def test_a_local_dask_cluster_grades_like_the_local_pool(course, tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    classroom.reference(course, submissions / "alice")
    classroom.stubs(course, submissions / "bob")
    classroom.wrong_standardize(course, submissions / "carol")
    (submissions / "dan").mkdir()
    common = ["batch", str(submissions), "--quick", "--course", str(course.root), "--lang", "en"]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        on_dask = CliRunner().invoke(
            main,
            [*common, "--out", str(tmp_path / "dask"), "--scheduler", cluster.scheduler_address],
            catch_exceptions=False,
        )
        assert on_dask.exit_code == 0, on_dask.output
        workers = {
            w
            for (w,) in sqlite3.connect(tmp_path / "dask" / GRADEBOOK).execute(
                "SELECT DISTINCT worker FROM submissions WHERE status = 'graded'"
            )
        }
    local = CliRunner().invoke(main, [*common, "--out", str(tmp_path / "local"), "--jobs", "1"], catch_exceptions=False)
    assert local.exit_code == 0, local.output
    rows = classroom.expected(course)
    expected = {sid: rows[sid][:2] for sid in ("alice", "bob", "carol")} | {"dan": ("rejected", None)}
    assert _totals(tmp_path / "dask") == _totals(tmp_path / "local") == expected
    assert workers and all(":" in w for w in workers)  # host:pid of the Dask worker processes that graded


def test_an_unreachable_scheduler_is_one_message(course, tmp_path):
    (tmp_path / "class" / "alice").mkdir(parents=True)
    classroom.reference(course, tmp_path / "class" / "alice")
    args = ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "o"), "--course", str(course.root)]
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        result = CliRunner().invoke(main, [*args, "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output


def test_a_submission_past_the_limit_on_dask_is_timed_out_and_its_worker_restarted(course, tmp_path):
    submissions = tmp_path / "class"
    stalls = classroom.stubs(course, submissions / "aaron")
    for ex in course.exercises:  # every module hangs at import: far longer than the limit, all told
        (stalls / "exercises" / ex.module).write_text("while True:\n    pass\n")
    classroom.stubs(course, submissions / "bob")
    out = tmp_path / "out"
    args = ["batch", str(submissions), "--out", str(out), "--quick", "--course", str(course.root), "--lang", "en"]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        limited = [*args, "--submission-timeout", "15", "--scheduler", cluster.scheduler_address]
        result = CliRunner().invoke(main, limited, catch_exceptions=False)
    assert result.exit_code == 1, result.output
    with sqlite3.connect(out / GRADEBOOK) as db:
        rows = dict(db.execute("SELECT student_id, status || ': ' || COALESCE(reason_en, '') FROM submissions"))
    assert rows["bob"] == "graded: "  # graded on the restarted worker, after the one that stalled
    assert rows["aaron"].startswith("error: timed out: grading did not finish within 15 s")
