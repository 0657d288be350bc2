"""The views of one result: Classroom, Gradescope and JUnit documents follow their contracts and add up; the
terminal view wraps cleanly."""

from __future__ import annotations

import base64
import json
import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from grader.cli import main
from grader.course import load_course
from grader.i18n import Text
from grader.reporters import FORMATS, error_renderer, renderer
from grader.reporters.classroom import ClassroomResults, points_unit, whole_scores
from grader.reporters.common import ReportOptions, points
from grader.reporters.gradescope import POINT_UNIT, GradescopeResults, document
from grader.results import CheckResult, GradeResult, Outcome, SectionResult, TaskResult, split_points
from tests.classroom_reporter import js_number, report
from tests.helpers import course_total, reference_with

ROOT = Path(__file__).resolve().parents[1]

SCHEMA = xmlschema.XMLSchema(Path(__file__).with_name("schemas") / "junit-10.xsd")
# The attributes Jenkins' junit-10.xsd declares, element by element, written out here as well so that a
# looser schema file cannot hide an attribute the published one refuses (a `file` on <testcase>).
JUNIT_ATTRIBUTES = {
    "testsuites": {"name", "time", "tests", "failures", "errors"},
    "testsuite": {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id"}
    | {"package", "file", "log", "url"},
    "testcase": {"name", "time", "classname", "group"},
    "property": {"name", "value"},
    "failure": {"type", "message"},
    "error": {"type", "message"},
    "skipped": {"type", "message"},
    "properties": set(),
    "system-out": set(),
    "system-err": set(),
}
OPTIONS = ReportOptions(lang="en")
BROKEN_FLATTEN = "def flatten_batch(x):\n    return x.view(x.shape[0], -1)\n"


@pytest.fixture(scope="module")
def graded(course, grade_dir, reference_dir, stubs_dir, tmp_path_factory) -> dict[str, GradeResult]:
    """Full marks, zero, and a partial submission (one task half right, one quiz answer wrong, one half right,
    one missing)."""
    partial = tmp_path_factory.mktemp("partial")
    shutil.copytree(reference_dir, partial, dirs_exist_ok=True)
    (partial / "exercises" / "ex01_tensors.py").write_text(reference_with(course, "ex01_tensors.py", BROKEN_FLATTEN))
    answers = partial / "exercises" / "quiz" / "answers.toml"
    lines = answers.read_text().splitlines()
    # q4 (several right options, partial credit) answered half: one right option of two.
    edits = {"q1 ": "q1 = 1", "q4 ": "q4 = [1]"}
    lines = [edits.get(line[:3], line) for line in lines if not line.startswith("q2 ")]
    answers.write_text("\n".join(lines) + "\n")
    return {
        name: grade_dir(path, exercises=(1,), quiz=True)
        for name, path in (("full", reference_dir), ("zero", stubs_dir), ("partial", partial))
    }


def _js_sum(values: list[float]) -> float:
    """Left-to-right double addition, as the reporter's `reduce` does in JavaScript."""
    total = 0.0
    for value in values:
        total += value
    return total


# -- Terminal -----------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_text_wraps_long_messages_without_padding_lines(graded, lang):
    text = renderer("text")(graded["partial"], ReportOptions(lang=lang, width=60))
    lines = text.splitlines()
    assert any(line.startswith("        ") for line in lines)  # a wrapped message keeps its indent
    assert [line for line in lines if line != line.rstrip()] == []
    assert "flatten_batch" in text and "grade hint 1 flatten_batch" in text


# -- GitHub Classroom ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["full", "zero", "partial"])
def test_classroom_points_add_up_exactly(graded, case):
    result = graded[case]
    doc = ClassroomResults.model_validate_json(renderer("classroom")(result, OPTIONS))
    total = _js_sum([t.score for t in doc.tests])
    assert doc.max_score == result.max_points == 26
    # Exact equality: what Classroom shows is the grader's total, rounded down to a quarter point.
    assert total == math.floor(result.points * 4) / 4
    assert len(doc.tests) == len(result.checks())
    assert doc.status == ("pass" if case == "full" else "fail")
    if case == "partial":
        assert 0 < result.points < 26 and result.points != int(result.points)


def test_classroom_document_matches_the_reporter_contract(graded):
    raw = json.loads(renderer("classroom")(graded["partial"], OPTIONS))
    assert set(raw) == {"version", "status", "max_score", "tests"} and raw["version"] == 1
    assert {t["status"] for t in raw["tests"]} == {"pass", "fail"}
    fields = {"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}
    assert all(set(t) == fields for t in raw["tests"])
    flatten = [t for t in raw["tests"] if t["name"].startswith("ex01.flatten_batch") and t["status"] == "fail"]
    assert flatten and flatten[0]["filename"] == "exercises/ex01_tensors.py"
    assert flatten[0]["test_code"] == "grade exercise 1 flatten_batch"
    source = (Path(graded["partial"].submission) / "exercises" / "ex01_tensors.py").read_text().splitlines()
    assert source[flatten[0]["line_no"] - 1].startswith("def flatten_batch(")
    quiz = next(t for t in raw["tests"] if t["name"].startswith("quiz.q1:"))
    assert quiz["filename"] == "exercises/quiz/answers.toml" and quiz["status"] == "fail"
    # The key's explanations stay out of the job log.
    assert "zero_grad(): gradients accumulate" not in json.dumps(raw)


@given(
    st.lists(st.tuples(st.integers(1, 9), st.booleans()), min_size=1, max_size=40),
    st.sampled_from([26.0, 12.0, 7.5, 3.25, 10.3]),
)
def test_whole_scores_add_up_for_any_split(checks, total):
    shares = split_points(total, [float(w) for w, _ in checks])
    results = [
        CheckResult(
            id=f"c{i}",
            task="ex01.t",
            title=Text(en="t"),
            outcome=Outcome.PASSED if ok else Outcome.FAILED,
            points=share if ok else 0.0,
            max_points=share,
        )
        for i, ((_, ok), share) in enumerate(zip(checks, shares, strict=True))
    ]
    max_score, scores = whole_scores(results, total)
    unit = points_unit(total)
    earned = sum(c.points for c in results)
    assert all(s == round(s / unit) * unit and s >= 0 for s in scores)
    assert _js_sum(scores) <= earned + 1e-9 and earned - _js_sum(scores) < 2 * unit
    assert abs(max_score - total) <= unit / 2
    assert (_js_sum(scores) == max_score) == all(ok for _, ok in checks)
    assert all(s == 0 for s, c in zip(scores, results, strict=True) if not c.passed)


def _result(messages: list[str]) -> GradeResult:
    checks = [
        CheckResult(
            id=f"ex01.t.c{i}",
            task="ex01.t",
            title=Text(en=f"check {i}"),
            outcome=Outcome.FAILED,
            max_points=1.0,
            message=Text(en=m),
        )
        for i, m in enumerate(messages)
    ]
    task = TaskResult(id="ex01.t", title=Text(en="t"), max_points=float(len(checks)), checks=checks)
    section = SectionResult(id="ex01", kind="exercise", number=1, title=Text(en="Ex"), tasks=[task])
    return GradeResult.model_validate(
        {
            "grader_version": "0",
            "course": {"en": "c"},
            "submission": "/s",
            "seed": 0,
            "profile": "quick",
            "isolation": {"level": "sandboxed"},
            "started_at": "2026-01-01T00:00:00Z",
            "duration_s": 1.0,
            "sections": [section.model_dump()],
        }
    )


def test_classroom_document_fits_in_an_environment_variable():
    result = _result(["x" * 5000] * 200)
    encoded = base64.b64encode(renderer("classroom")(result, OPTIONS).encode())
    assert len(encoded) <= 100_000  # Linux refuses a single environment string over 128 KiB
    assert len(ClassroomResults.model_validate_json(base64.b64decode(encoded)).tests) == 200


def test_learner_text_cannot_inject_workflow_commands(course, grade_dir, make_submission):
    evil = 'def linear(x, weight, bias=None):\n    raise ValueError("no\\n::error::fake\\n##[set-output name=a;]b")\n'
    result = grade_dir(make_submission({"ex01_tensors.py": reference_with(course, "ex01_tensors.py", evil)}))
    text = renderer("classroom")(result, OPTIONS)
    messages = [t.message for t in ClassroomResults.model_validate_json(text).tests if t.name.startswith("ex01.linear")]
    assert any("fake" in m for m in messages)
    lines = [line.lstrip() for m in messages for line in m.splitlines()]
    assert not any(line.startswith(("::", "##[")) for line in lines)


def test_classroom_error_document_when_grading_cannot_run(tmp_path):
    done = CliRunner().invoke(main, ["all", "--format", "classroom", "--submission", str(tmp_path / "none")])
    assert done.exit_code == 2
    doc = ClassroomResults.model_validate_json(done.stdout.strip())
    assert doc.status == "error" and doc.max_score == course_total(load_course(ROOT)) and len(doc.tests) == 1
    assert doc.tests[0].status == "error" and "not a directory" in doc.tests[0].message


@pytest.fixture(scope="module")
def classroom_repo(course, reference_dir, tmp_path_factory) -> Path:
    """A learner repository after the bundle was opened: the course, and exercise 1 with a wrong flatten_batch."""
    repo = tmp_path_factory.mktemp("classroom") / "repo"
    shutil.copytree(ROOT / "exercises", repo / "exercises")
    shutil.copytree(ROOT / "solutions", repo / "solutions")
    shutil.copytree(reference_dir / "exercises", repo / "exercises", dirs_exist_ok=True)
    (repo / "exercises" / "ex01_tensors.py").write_text(reference_with(course, "ex01_tensors.py", BROKEN_FLATTEN))
    return repo


def _grade_step(repo: Path, lang: str, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "grader", "classroom", "run", "--lang", lang, "--profile", "quick"]
    return subprocess.run([*command, "--out", str(out)], cwd=repo, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_job_log_explains_a_failing_check(classroom_repo, tmp_path, lang):
    """What a learner reads in the Actions log: the Grade step's report, then the reporter's own lines."""
    out = tmp_path / "classroom.json"
    step = _grade_step(classroom_repo, lang, out)
    assert step.returncode == 1, step.stderr
    doc = ClassroomResults.model_validate_json(out.read_text())
    failing = [t for t in doc.tests if t.status == "fail"]
    assert failing and all(t.name.startswith("ex01.flatten_batch") for t in failing)
    shown = report("grader", {"GRADER_RESULTS": base64.b64encode(out.read_bytes()).decode()})
    reporter_log = shown.plain()
    # The reporter shows a failing check's title and line, never its message...
    first = failing[0]
    assert f"❌ {first.name} - line {first.line_no}" in reporter_log
    explanation = first.message.splitlines()[0]
    assert explanation and explanation not in reporter_log
    # ...so the Grade step's own log carries it, in the learner's language.
    # (wrapped to the log's width)
    assert " ".join(explanation.split()) in " ".join(step.stdout.split())
    assert "grade hint 1 flatten_batch" in step.stdout
    assert ("합계" if lang == "ko" else "Total") in step.stdout
    recorded = sum(t.score for t in doc.tests)
    assert shown.notices == [("Autograding complete", f"Points {js_number(recorded)}/{js_number(doc.max_score)}")]
    assert f"{points(recorded)}/{points(doc.max_score)}" in step.stdout.splitlines()[-1]
    assert shown.failed == "Some tests failed."


def test_the_grade_step_reports_missing_hidden_checks(classroom_repo, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(classroom_repo / "exercises", repo / "exercises")
    out = tmp_path / "classroom.json"
    step = _grade_step(repo, "ko", out)
    assert step.returncode == 2 and "Traceback" not in step.stderr
    doc = ClassroomResults.model_validate_json(out.read_text())
    assert doc.status == "error" and doc.tests[0].status == "error"
    shown = report("grader", {"GRADER_RESULTS": base64.b64encode(out.read_bytes()).decode()})
    assert "Open the hidden checks" in shown.plain() and "숨겨진 검사" in step.stdout
    assert shown.failed == "Some tests errored."


# -- Gradescope ---------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["full", "zero", "partial"])
def test_gradescope_document_follows_the_spec_and_adds_up(graded, case):
    result = graded[case]
    raw = json.loads(renderer("gradescope")(result, OPTIONS))
    doc = GradescopeResults.model_validate(raw)
    assert "score" not in raw  # Gradescope totals the tests (a top-level score would show a hidden total)
    tests = doc.tests or []
    assert all(t.score is not None and t.max_score is not None for t in tests)  # the spec's rule without a total
    scores = [t.score or 0.0 for t in tests]
    maxima = [t.max_score or 0.0 for t in tests]
    # Whole sixteenths: four decimals at most, and every sum is exact, in any order.
    assert all(round(v, 4) == v and (v * 16).is_integer() for v in scores + maxima)
    assert _js_sum(maxima) == _js_sum(maxima[::-1]) == math.fsum(maxima) == 26
    assert _js_sum(scores) == _js_sum(scores[::-1]) == math.fsum(scores)
    failed = sum(not c.passed for c in result.checks())
    assert abs(_js_sum(scores) - result.points) <= failed / 16 + 1e-9
    # A check earns the same part of its share as of its points (a half-right quiz answer, half).
    for test, check in zip(tests, result.checks(), strict=True):
        part = check.points / check.max_points if check.max_points else 0.0
        assert (test.max_score or 0.0) * part - (test.score or 0.0) < POINT_UNIT
    assert all((t.status == "passed") == (t.score == t.max_score) for t in tests)
    if case == "full":
        assert _js_sum(scores) == result.points == 26
    if case == "partial":
        q4 = next(t for t in tests if (t.name or "").startswith("quiz.q4: "))
        assert 0 < (q4.score or 0.0) < (q4.max_score or 0.0) and q4.status == "failed"


def test_gradescope_shares_keep_each_task_whole(graded):
    tests = document(graded["full"], OPTIONS).tests or []
    for task in (t for s in graded["full"].sections for t in s.tasks):
        mine = [t.max_score or 0.0 for t in tests if (t.name or "").startswith(f"{task.id}: ")]
        assert len(mine) == len(task.checks) and _js_sum(mine) == task.max_points


@pytest.mark.parametrize("visibility", ["hidden", "after_due_date", "after_published"])
def test_gradescope_hidden_tests_keep_the_total_hidden(graded, visibility):
    for lang in ("en", "ko"):
        doc = document(graded["partial"], ReportOptions(lang=lang), visibility)
        assert doc.visibility == "visible" and {t.visibility for t in doc.tests or []} == {visibility}
        assert doc.score is None
        output = doc.output or ""
        # Nothing of the total: neither the word nor the points.
        assert "Total" not in output and "합계" not in output and not any(ch.isdigit() for ch in output)
        assert output


def test_gradescope_visible_tests_show_the_total(graded):
    doc = document(graded["partial"], OPTIONS, "visible")
    earned = _js_sum([t.score or 0.0 for t in doc.tests or []])
    assert doc.output == f"Total: {points(earned)}/26"


# -- JUnit --------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["full", "zero", "partial"])
def test_junit_is_valid_and_carries_the_points(graded, case):
    result = graded[case]
    xml = renderer("junit")(result, OPTIONS)
    SCHEMA.validate(xml)
    root = ET.fromstring(xml)
    assert {e.tag: set(e.attrib) - JUNIT_ATTRIBUTES[e.tag] for e in root.iter()} == {e.tag: set() for e in root.iter()}
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["ex01", "quiz"]
    assert [s.get("file") for s in suites] == ["exercises/ex01_tensors.py", "exercises/quiz/answers.toml"]
    cases = root.iter("testcase")
    assert int(root.get("tests")) == len(list(cases)) == len(result.checks())
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert len(failed) == int(root.get("failures")) == sum(not c.passed for c in result.checks())
    points = {s.get("name"): {p.get("name"): p.get("value") for p in s.iter("property")} for s in suites}
    assert sum(float(p["points"]) for p in points.values()) == pytest.approx(result.points, abs=1e-3)
    assert sum(float(p["max_points"]) for p in points.values()) == 26
    assert float(points["ex01"]["ex01.linear.max_points"]) == 2
    if case == "partial":
        failure = next(c for c in failed if c.get("classname") == "ex01.flatten_batch").find("failure")
        assert failure.get("message") and "view" in failure.text


def test_junit_survives_characters_xml_cannot_carry():
    xml = renderer("junit")(_result(["bad \x00\x1b[31m byte \ud800 and <tags> & more"]), OPTIONS)
    SCHEMA.validate(xml)
    assert "<tags> & more" in ET.fromstring(xml).find(".//failure").text


@pytest.mark.parametrize("fmt", [f for f in FORMATS if error_renderer(f) is not None])
def test_every_machine_format_has_an_error_document(fmt):
    assert set(FORMATS) - {"text", "json"} == {"classroom", "gradescope", "junit"}
    text = error_renderer(fmt)("the course is broken", 26.0, OPTIONS)  # type: ignore[misc]
    if fmt == "junit":
        SCHEMA.validate(text)
        assert ET.fromstring(text).find(".//error").get("message").endswith("the course is broken")
    elif fmt == "gradescope":
        doc = GradescopeResults.model_validate_json(text)
        assert doc.tests and doc.tests[0].score == 0 and "the course is broken" in (doc.output or "")
    else:
        doc = ClassroomResults.model_validate_json(text)
        assert doc.status == "error" and doc.max_score == 26 and doc.tests


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_job_log_gives_no_quiz_key_away(graded, lang):
    """Classroom's log is read before the deadline: chosen options are marked →, never ✓/✗, and no explanation."""
    result = graded["partial"]
    quiz = [c for c in result.checks() if c.explanation is not None]
    assert quiz  # the graded answers carry explanations that a view with the key would show
    keyed = renderer("text")(result, ReportOptions(lang=lang, verbose=True, width=100))
    assert all(" ".join(c.explanation.get(lang).split()) in " ".join(keyed.split()) for c in quiz)
    log = renderer("text")(result, ReportOptions(lang=lang, verbose=True, width=100, show_key=False))
    assert not any(" ".join(c.explanation.get(lang).split()) in " ".join(log.split()) for c in quiz)
    option_marks = [line.strip()[0] for line in log.splitlines() if re.match(r"\s+[✓✗→] \d+\. ", line)]
    assert option_marks and set(option_marks) == {"→"}


def test_the_grade_step_reports_a_broken_quiz_file(classroom_repo, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(classroom_repo, repo)
    (repo / "exercises" / "quiz" / "questions.toml").write_text("[[questions]\nbroken", encoding="utf-8")
    out = tmp_path / "classroom.json"
    step = _grade_step(repo, "en", out)
    assert step.returncode == 2 and "Traceback" not in step.stdout + step.stderr
    doc = ClassroomResults.model_validate_json(out.read_text())
    assert doc.status == "error" and "questions.toml" in doc.tests[0].message
