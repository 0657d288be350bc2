"""`grade batch` on a mixed class: the gradebook rows, the exports read back, the report, and re-runs."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from grader.batch.exports import CANVAS_POINTS_POSSIBLE, CANVAS_STUDENT_COLUMNS
from grader.batch.gradebook import GRADEBOOK, Gradebook
from grader.cli import main
from grader.quiz import load_key, load_quiz
from tests import classroom
from tests.helpers import course_total


def batch(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["batch", *map(str, args)], catch_exceptions=False)


def rows(out: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(out / GRADEBOOK) as db:
        return db.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory) -> tuple[Path, Path, Result]:
    """The mixed class graded once with two workers: (submissions, out, the CLI result)."""
    tmp = tmp_path_factory.mktemp("batch")
    submissions = classroom.mixed_class(course, tmp / "class", tmp / "scratch")
    out = tmp / "out"
    result = batch(submissions, "--out", out, "--jobs", "2", "--quick", "--course", course.root, "--lang", "en")
    return submissions, out, result


def test_every_entry_has_the_expected_row(graded, course):
    _, out, result = graded
    assert result.exit_code == 0, result.output
    found = {
        sid: (status, points, ex01)
        for sid, status, points, ex01 in rows(
            out,
            "SELECT s.student_id, s.status, s.points, (SELECT SUM(points) FROM task_results t"
            " WHERE t.student_id = s.student_id AND t.section_id = 'ex01') FROM submissions s",
        )
    }
    assert found == classroom.expected(course)
    graded_rows = rows(
        out, "SELECT seed, profile, isolation_level, course_digest FROM submissions WHERE status='graded'"
    )
    # One run, one isolation level, whatever this machine allows (`grade doctor` says which).
    assert {(seed, profile) for seed, profile, _, _ in graded_rows} == {(course.manifest.course.seed, "quick")}
    assert len({level for _, _, level, _ in graded_rows}) == 1
    assert graded_rows[0][2] in {"strong", "partial", "minimal"}
    assert len({digest for *_, digest in graded_rows}) == 1
    assert "9 submissions: 6 graded, 0 unchanged, 3 rejected, 0 grader errors" in result.output
    assert "notes.txt" in result.output  # named as not a submission


def test_rejections_say_why(graded):
    _, out, _ = graded
    reasons = dict(rows(out, "SELECT student_id, reason_en FROM submissions WHERE status = 'rejected'"))
    assert reasons["frank"] == "the submission is empty"
    assert reasons["gina"].startswith("the archive cannot be read")
    assert "../../outside.py" in reasons["hank"] and "outside its folder" in reasons["hank"]


def test_tasks_keep_the_diagnosis_and_the_category(graded):
    _, out, _ = graded
    tasks = {
        (sid, task): (passed, category, diagnosis)
        for sid, task, passed, category, diagnosis in rows(
            out, "SELECT student_id, task_id, passed, category, diagnosis_en FROM task_results"
        )
    }
    passed, _, diagnosis = tasks[("carol", "ex01.standardize")]
    assert not passed and "unbiased" in diagnosis
    assert tasks[("eve", "ex01.linear")][:2] == (0, "timeout")  # the infinite loop costs only its task
    assert tasks[("eve", "ex01.masked_mean")][0] == 1
    assert tasks[("dave", "ex01.one_hot")][:2] == (0, "import")  # sys.exit at import
    assert tasks[("bob", "ex01.one_hot")][:2] == (0, "not_implemented")


def test_quiz_answers_record_the_options_chosen(graded):
    _, out, _ = graded
    answers = {
        (sid, qid): (chosen, correct)
        for sid, qid, chosen, correct in rows(out, "SELECT student_id, question_id, chosen, correct FROM quiz_answers")
    }
    assert answers[("ivan", "q1")] == ("[1]", 0)
    assert answers[("ivan", "q2")] == ("[2]", 1)
    assert answers[("ivan", "q3")] == (None, 0)
    assert answers[("alice", "q4")] == ("[1, 2]", 1)
    layout = rows(out, "SELECT layout FROM submissions WHERE student_id = 'ivan'")[0][0]
    assert layout == "pytorch-course-ivan"  # exercises/ found under the archive's repository folder


def test_grades_csv_reads_back_as_the_stored_results(graded, course):
    _, out, _ = graded
    with Gradebook(out / GRADEBOOK) as book:
        stored = {s.student_id: s for s in book.submissions()}
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    expected = classroom.expected(course)
    assert [r["student_id"] for r in table] == sorted(expected)
    sections = [e.id for e in course.exercises]
    assert list(table[0])[4 : 8 + len(sections) - 1] == [*sections, "quiz", "total", "max_points"]
    for row in table:
        result = stored[row["student_id"]].result
        assert row["status"] == expected[row["student_id"]][0]
        if result is None:
            assert row["total"] == "" and row["note"]
            continue
        sections = {s.id: s.points for s in result.sections}
        assert float(row["ex01"]) == pytest.approx(sections["ex01"], abs=1e-4)
        assert float(row["quiz"]) == pytest.approx(sections["quiz"], abs=1e-4)
        assert float(row["total"]) == pytest.approx(result.points, abs=1e-4)
        assert float(row["max_points"]) == course_total(course)


def test_canvas_csv_has_canvas_header_rows(graded, course):
    _, out, _ = graded
    with open(out / "canvas.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    header, possible, *students = table
    assert header[:5] == CANVAS_STUDENT_COLUMNS == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert header[5:] == [f"Exercise {e.number} · {e.title.en}" for e in course.exercises] + ["Quiz"]
    section_points = [sum(t.points for t in e.tasks) for e in course.exercises]
    quiz_points = course_total(course) - sum(section_points)
    assert possible == [CANVAS_POINTS_POSSIBLE, "", "", "", ""] + [f"{p:g}" for p in [*section_points, quiz_points]]
    assert possible[0] == "    Points Possible"
    expected = classroom.expected(course)
    by_login = {row[3]: row for row in students}
    assert set(by_login) == set(expected)  # every student: Canvas keeps the cells of a row left out
    for sid, (status, total, ex01) in expected.items():
        if status == "graded":
            assert float(by_login[sid][5]) == ex01
            assert sum(float(cell) for cell in by_login[sid][5:]) == total
        else:
            assert by_login[sid][5:] == ["0"] * (len(header) - 5)


def test_feedback_files_explain_and_hint(graded, course):
    _, out, _ = graded
    feedback = out / "feedback"
    carol = (feedback / "carol.md").read_text(encoding="utf-8")
    assert "### ✗ standardize — 0/2" in carol and "unbiased" in carol
    first_hint = course.exercise(1).task("standardize").hints[0].en
    assert f"Hint 1: {first_hint}" in carol
    html = (feedback / "carol.html").read_text(encoding="utf-8")
    assert "unbiased" in html and "<pre>" in html and "Hint 1:" in html
    assert "Hint 2:" not in carol + html  # before the deadline (the default): the first hint only
    assert "could not be graded: the submission is empty" in (feedback / "frank.md").read_text(encoding="utf-8")
    assert "timeout" not in carol and "did not finish within" in (feedback / "eve.md").read_text(encoding="utf-8")


def test_report_page_has_every_section_and_needs_no_network(graded):
    _, out, _ = graded
    result = CliRunner().invoke(main, ["report", str(out), "--lang", "en"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    for section in ("summary", "distribution", "tasks", "diagnoses", "quiz", "problems"):
        assert f'<section id="{section}">' in page
    assert page.count('src="data:image/svg+xml;base64,') == 2
    assert "<script" not in page and 'src="http' not in page and "<link" not in page
    assert "the variance is unbiased" in page  # carol's mistake, among the causes to teach again
    assert "too slow or an infinite loop" in page and "point-biserial" in page
    assert "the archive cannot be read" in page


def test_feedback_after_the_deadline_tells_everything_without_grading_again(graded, course, tmp_path):
    submissions, out, _ = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    result = batch(submissions, "--out", copy, "--quick", "--course", course.root, "--feedback", "after-deadline")
    assert result.exit_code == 0 and "0 graded, 6 unchanged" in result.output
    assert "Hint 2:" in (copy / "feedback" / "carol.md").read_text(encoding="utf-8")
    quiz = load_quiz(course.exercises_dir / course.manifest.quiz.questions)
    explanation = load_key(course.solutions_dir / course.manifest.quiz.key, quiz).entry("q1").explanation.en
    assert explanation in (copy / "feedback" / "ivan.md").read_text(encoding="utf-8")
    assert explanation not in (out / "feedback" / "ivan.md").read_text(encoding="utf-8")


def test_korean_report(graded):
    _, out, _ = graded
    result = CliRunner().invoke(main, ["report", str(out), "--lang", "ko"], catch_exceptions=False)
    assert result.exit_code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "학급 보고서" in page and "퀴즈 문항 분석" in page


def test_rerun_skips_everything_and_changes_nothing(graded, course):
    submissions, out, _ = graded
    events = rows(out, "SELECT * FROM events")
    before = (out / "grades.csv").read_text()
    again = batch(submissions, "--out", out, "--jobs", "2", "--quick", "--course", course.root, "--lang", "en")
    assert again.exit_code == 0, again.output
    assert "9 submissions: 0 graded, 6 unchanged, 3 rejected" in again.output
    assert rows(out, "SELECT * FROM events") == events  # no grade written again, not even a rejection
    assert (out / "grades.csv").read_text() == before
    assert rows(out, "SELECT status FROM runs ORDER BY id") == [("finished",), ("finished",)]


def test_what_invalidates_a_stored_grade(course, tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    classroom.reference(course, submissions / "alice")
    classroom.stubs(course, submissions / "bob")
    out = tmp_path / "out"
    common = ["--out", out, "--jobs", "1", "--course", course.root]

    def graded_now(*extra: str | Path, profile: str = "quick") -> set[str]:
        run_id = rows(out, "SELECT COALESCE(MAX(id), 0) FROM runs")[0][0] if out.exists() else 0
        result = batch(submissions, *common, "--profile", profile, *extra)
        assert result.exit_code == 0, result.output
        return {sid for (sid,) in rows(out, "SELECT student_id FROM events WHERE run_id > ?", run_id)}

    assert graded_now() == {"alice", "bob"}
    assert graded_now() == set()
    classroom.answers(submissions / "bob", "q1 = 3\n")
    assert graded_now() == {"bob"}  # only the changed submission
    assert graded_now("--force") == {"alice", "bob"}
    assert graded_now("--seed", "7") == {"alice", "bob"}
    assert graded_now("--seed", "7", profile="grading") == {"alice", "bob"}


def test_a_changed_course_invalidates_every_grade(course, tmp_path):
    copy = tmp_path / "course"
    for part in ("exercises", "solutions"):
        shutil.copytree(course.root / part, copy / part)
    submissions = tmp_path / "class"
    submissions.mkdir()
    classroom.stubs(course, submissions / "bob")
    out = tmp_path / "out"
    args = [submissions, "--out", out, "--jobs", "1", "--quick", "--course", copy]
    assert "1 graded" in batch(*args).output
    assert "1 unchanged" in batch(*args).output
    key = copy / "solutions" / "quiz" / "key.toml"
    key.write_text(key.read_text() + "\n# reworded\n")
    assert "1 graded" in batch(*args).output
    digests = rows(out, "SELECT DISTINCT course_digest FROM runs")
    assert len(digests) == 2
    stored = json.loads(rows(out, "SELECT result_json FROM submissions")[0][0])
    assert stored["submission"] == "bob"  # the student id, not a worker's temporary folder


def test_usage_errors_are_one_message(tmp_path, course, monkeypatch):
    (tmp_path / "class").mkdir()
    with monkeypatch.context() as outside:
        outside.chdir(tmp_path)
        result = CliRunner().invoke(main, ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no course found" in result.output
    roster = tmp_path / "roster.csv"
    roster.write_text("name,email\nAnn,a@example.invalid\n")
    result = batch(tmp_path / "class", "--out", tmp_path / "o", "--roster", roster, "--course", course.root)
    assert result.exit_code == 2 and "needs an id column" in result.output
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "has no gradebook.sqlite" in result.output


def test_roster_names_the_students_in_the_exports(course, tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    classroom.stubs(course, submissions / "bob")
    classroom.stubs(course, submissions / "stranger")
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "github_username,name,email,canvas_id,section\n"
        'bob,"=HYPERLINK(""http://x.invalid"")",bob@example.invalid,1017,B\n'
        "zoe,Zoe Park,zoe@example.invalid,1018,B\n"
    )
    out = tmp_path / "out"
    result = batch(submissions, "--out", out, "--roster", roster, "--jobs", "1", "--quick", "--course", course.root)
    assert result.exit_code == 0, result.output
    assert "not on the roster: stranger" in result.output
    assert "on the roster without a submission: zoe" in result.output
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        table = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert table["bob"]["name"] == '\'=HYPERLINK("http://x.invalid")'  # a spreadsheet shows it, never runs it
    assert table["bob"]["email"] == "bob@example.invalid" and table["bob"]["total"] == "0"
    assert table["zoe"]["status"] == "missing" and table["zoe"]["total"] == ""
    with open(out / "canvas.csv", newline="", encoding="utf-8") as fh:
        canvas = {row[3]: row for row in list(csv.reader(fh))[2:]}
    assert canvas["bob"][1:5] == ["1017", "", "bob", "B"]
    assert canvas["zoe"][:2] == ["Zoe Park", "1018"] and set(canvas["zoe"][5:]) == {"0"}  # no submission: 0


def test_entry_names_never_start_a_workflow_command_in_the_batch_log(course, tmp_path):
    submissions = tmp_path / "class"
    (submissions / "eve\n::error::forged").mkdir(parents=True)  # empty: rejected, nothing to grade
    (submissions / "note\n::error::also.txt").write_text("")
    roster = tmp_path / "roster.csv"
    roster.write_text('id\n"zed\n::error::missing"\n')
    result = batch(submissions, "--out", tmp_path / "out", "--roster", roster, "--course", course.root, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "forged" in result.output and "also.txt" in result.output and "missing" in result.output
    assert not any(line.lstrip().startswith("::") for line in result.output.splitlines())
