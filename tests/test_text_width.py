"""The terminal view keeps every mark and every score on screen: titles give way by display width, where a
Hangul syllable takes two columns; quiz questions show their options and the learner's choices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from grader.cli import main
from grader.deploy.release import release
from grader.i18n import Text
from grader.judge import Selection, grade
from grader.reporters import renderer
from grader.reporters.common import ReportOptions, fit_cells, points
from grader.results import CheckResult, GradeResult, Outcome, SectionResult, TaskResult

ANSWERS = "q1 = 3\nq2 = 1\nq4 = [1, 3]\nq9 = [1, 2]\n"


@pytest.fixture(scope="module")
def quiz_result(course, reference_dir, tmp_path_factory) -> GradeResult:
    submission = tmp_path_factory.mktemp("quiz-width")
    shutil.copytree(reference_dir, submission, dirs_exist_ok=True)
    (submission / "exercises" / "quiz" / "answers.toml").write_text(ANSWERS, encoding="utf-8")
    return grade(course, submission, Selection(exercises=(), quiz=True), seed=0, profile="quick", server=None)


def _exercise_sections(course) -> list[SectionResult]:
    """Every task of the course, half failed with a long Korean message, as the judge would report them."""
    sections = []
    for ex in course.exercises:
        tasks = []
        for n, task in enumerate(ex.tasks):
            passed = n % 2 == 0
            check = CheckResult(
                id=f"{ex.task_id(task)}.values",
                task=ex.task_id(task),
                title=Text(en="values match", ko="참조 구현과 같은 값을 돌려주는지 여러 입력으로 확인합니다" * 2),
                outcome=Outcome.PASSED if passed else Outcome.FAILED,
                points=task.points if passed else task.points / 3,
                max_points=task.points,
                message=None if passed else Text(en="differs", ko="결과가 기댓값과 다릅니다 " * 8),
            )
            title = Text(en=task.name, ko=f"{task.name}: 아주 긴 한국어 과제 제목 " * 4)
            tasks.append(TaskResult(id=ex.task_id(task), title=title, max_points=task.points, checks=[check]))
        sections.append(
            SectionResult(id=f"ex{ex.number:02d}", kind="exercise", number=ex.number, title=ex.title, tasks=tasks)
        )
    return sections


@pytest.mark.parametrize("width", [50, 80, 120])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_task_and_question_line_shows_its_mark_and_score(course, quiz_result, lang, width):
    result = quiz_result.model_copy(update={"sections": [*_exercise_sections(course), *quiz_result.sections]})
    text = renderer("text")(result, ReportOptions(lang=lang, width=width))
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    for section in result.sections:
        for task in section.tasks:
            name = task.id.partition(".")[2]
            score = f"{points(task.points)}/{points(task.max_points)}"
            mark = "✓" if task.passed else "✗"
            shown = [
                line for line in lines if line.startswith(f" {mark}  {name} ") or line == f" {mark}  {name} {score}"
            ]
            assert len(shown) == 1 and shown[0].endswith(f" {score}"), (task.id, lines)


def test_korean_quiz_at_80_columns_shows_each_question_with_its_options_and_choices(quiz_result):
    text = renderer("text")(quiz_result, ReportOptions(lang="ko", width=80))
    assert " ✓  q1  파이토치에서" in text and "      ✓ 3. optimizer.zero_grad()" in text
    assert "      ✗ 1. __init__, __forward__" in text and "        2. __len__, __getitem__" in text
    # q4 = [1, 3]: one right, one wrong choice, marked each.
    assert "      ✓ 1. y.shape는 (4, 3)이다" in text and "      ✗ 3. y.is_contiguous()는 True이다" in text
    # An unanswered question lists its options and marks none.
    assert "        3. (3, 4)" in text and "✓ 3. (3, 4)" not in text
    # A question cut on its line is shown in full below it.
    assert "초기화해주는 함수는 무엇인가요?" in text


def test_fit_cells_counts_columns_not_characters():
    assert fit_cells("기울기", 6) == "기울기"
    assert fit_cells("기울기를 초기화", 8) == "기울기…" and cell_len(fit_cells("기울기를 초기화", 8)) <= 8
    assert fit_cells("가나다", 4) == "가…"
    assert fit_cells("abc  def", 7) == "abc def"
    assert fit_cells("anything", 0) == ""


def test_released_quiz_command_lists_the_options(course, tmp_path: Path):
    """`grade quiz` where the key is absent reads the answers and shows each question with its options."""
    out = tmp_path / "repo"
    release(course, out, key=None, key_env="K")
    (out / "exercises" / "quiz" / "answers.toml").write_text("q1 = 3\n", encoding="utf-8")
    shown = CliRunner().invoke(main, ["quiz", "--course", str(out), "--lang", "en"])
    assert shown.exit_code == 1, shown.output
    assert "q1  When training a model" in shown.output and "→ 3. optimizer.zero_grad()" in shown.output
    assert "  4. torch.no_grad()" in shown.output and "1 of 14 questions answered" in shown.output
