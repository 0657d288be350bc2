"""The quiz: forgiving answer files with line-precise problems, single and multi-select scoring, a checked key."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course import CourseError
from grader.quiz import grade_quiz, load_key, load_quiz
from grader.quiz.answers import read_answers


@pytest.fixture(scope="module")
def quiz(course):
    return load_quiz(course.exercises_dir / course.manifest.quiz.questions)


@pytest.fixture(scope="module")
def key(course, quiz):
    return load_key(course.solutions_dir / course.manifest.quiz.key, quiz)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_quiz_has_the_fixed_questions_first(quiz, key):
    assert len(quiz.questions) >= 12
    assert {q.topic for q in quiz.questions} >= {"tensors", "autograd", "data", "modules", "training"}
    q1, q2, q3 = quiz.questions[:3]
    assert q1.id == "q1" and "기울기" in q1.text.ko and key.entry("q1").answer == 3
    assert [o.en for o in q1.options] == [
        "loss.backward()",
        "optimizer.step()",
        "optimizer.zero_grad()",
        "torch.no_grad()",
    ]
    assert q2.id == "q2" and key.entry("q2").answer == 2 and "__len__, __getitem__" in q2.options[1].en
    assert q3.id == "q3" and key.entry("q3").answer == 2 and "Define-by-Run" in q3.options[1].en
    assert all(q.text.ko and q.text.en for q in quiz.questions)
    assert any(q.select == "many" for q in quiz.questions)


def test_all_right_scores_every_point(course, quiz, key, tmp_path):
    lines = [f"{q.id} = {key.entry(q.id).answer!r}" for q in quiz.questions]
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, "\n".join(lines)))
    assert section.points == section.max_points == sum(q.points for q in quiz.questions)
    assert all(t.checks[0].explanation is not None for t in section.tasks)


def test_problems_name_their_line_and_the_rest_still_counts(course, quiz, key, tmp_path):
    path = _write(tmp_path, 'q1 = 3\nq2 = 9\nq3 = "two"\nq99 = 1\nq5 = [3, 4]\nq4 = [1, 2]\n')
    section = grade_quiz(course.manifest.quiz, quiz, key, path)
    by_id = {t.id: t.checks[0] for t in section.tasks}
    assert by_id["quiz.q1"].passed
    assert "answers.toml:2" in by_id["quiz.q2"].message.en and "options 1 to 4" in by_id["quiz.q2"].message.en
    assert "answers.toml:3" in by_id["quiz.q3"].message.en and "option number" in by_id["quiz.q3"].message.en
    assert "answers.toml:5" in by_id["quiz.q5"].message.en and "exactly one" in by_id["quiz.q5"].message.en
    assert by_id["quiz.q4"].passed
    assert any("answers.toml:4" in n.en and "q99" in n.en for n in section.notes)
    assert section.error is None


def test_unanswered_questions_hide_their_explanation(course, quiz, key, tmp_path):
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, "# nothing yet\n"))
    assert section.points == 0
    assert all(t.checks[0].category == "unanswered" and t.checks[0].explanation is None for t in section.tasks)


def test_unreadable_answers_file_is_one_clear_error(course, quiz, key, tmp_path):
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, "q1 = = 3\n"))
    assert section.error is not None and "line 1" in section.error.en
    assert section.points == 0
    missing = grade_quiz(course.manifest.quiz, quiz, key, tmp_path / "nope.toml")
    assert missing.error is not None and "not found" in missing.error.en


def test_partial_scoring_for_multi_select(course, quiz, key, tmp_path):
    q4 = quiz.question("q4")
    assert q4.select == "many" and q4.scoring == "partial" and key.entry("q4").options == {1, 2}
    for answer, expected in [("[1]", 0.5), ("[1, 3]", 0.0), ("[1, 2, 3]", 0.5), ("[1, 2]", 1.0), ("1", 0.5)]:
        section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, f"q4 = {answer}\n"))
        assert section.tasks[3].points == expected, answer
    q9 = quiz.question("q9")
    assert q9.scoring == "all_or_nothing"
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, "q9 = [1]\n"))
    assert section.tasks[8].points == 0


def test_single_option_in_a_list_is_accepted(course, quiz, key, tmp_path):
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, "q1 = [3]\n"))
    assert section.tasks[0].passed


def test_key_is_checked_against_the_questions(course, quiz, tmp_path):
    path = tmp_path / "key.toml"
    path.write_text(
        (course.solutions_dir / "quiz" / "key.toml").read_text().replace("[q1]\nanswer = 3", "[q1]\nanswer = 7")
    )
    with pytest.raises(CourseError, match=r"q1 has options 1\.\.4"):
        load_key(path, quiz)
    path.write_text("[q1]\nanswer = 3\n")
    with pytest.raises(CourseError, match="no answer for q2"):
        load_key(path, quiz)


def test_answers_reader_ignores_bools_and_floats(quiz, tmp_path):
    answers = read_answers(_write(tmp_path, "q1 = true\nq2 = 2.0\n"), quiz)
    assert set(answers.invalid) == {"q1", "q2"} and not answers.chosen
