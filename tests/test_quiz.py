"""The quiz: forgiving answer files with line-precise problems, single and multi-select scoring, a checked key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.course import CourseError
from grader.quiz import grade_quiz, load_key, load_quiz
from grader.quiz.answerfile import MAX_BYTES, MAX_ENTRIES
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


def test_only_a_missing_answers_file_is_an_error_for_the_whole_quiz(course, quiz, key, tmp_path):
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, "q1 = = 3\n"))
    assert section.error is None and "answers.toml:1" in section.tasks[0].checks[0].message.en
    assert section.points == 0
    missing = grade_quiz(course.manifest.quiz, quiz, key, tmp_path / "nope.toml")
    assert missing.error is not None and "not found" in missing.error.en
    folder = grade_quiz(course.manifest.quiz, quiz, key, tmp_path)
    assert folder.error is not None and "cannot be read" in folder.error.en


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


# -- one typo costs one answer, never the file (issue 12); hostile files cost little and never raise (issue 11) --
def _right_answers(quiz, key, **replaced: str) -> str:
    """A learner's file with every answer right (one line per question), some lines replaced by what is given."""
    lines = ["# Your quiz answers", "# For a made-up question q0: q0 = 2", ""]
    lines += [replaced.get(q.id, f"{q.id} = {key.entry(q.id).answer!r}") for q in quiz.questions]
    return "\n".join(lines) + "\n"


def _texts(section, lang: str) -> list[str]:
    """Everything the section says about the answers file, in one language."""
    return [n.get(lang) for n in section.notes] + [t.checks[0].message.get(lang) for t in section.tasks if not t.passed]


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


# (case, how the file is written from the all-right text, points lost, the bad line's text)
_TYPOS = [
    ("q3 == 2", lambda t: t.replace("q3 = 2", "q3 == 2"), 1, "q3 == 2"),
    ("q8: 2", lambda t: t.replace("q8 = 2", "q8: 2"), 1, "q8: 2"),
    ("q3 = 2,", lambda t: t.replace("q3 = 2", "q3 = 2,"), 1, "q3 = 2,"),
    ("blank from the template", lambda t: t.replace("q2 = 2", "q2 = "), 1, "q2 ="),
    ("no question named", lambda t: t.replace("q6 = 2", "q6 = 2\n= 4"), 0, "= 4"),
    ("duplicate, same answer", lambda t: t + "q1 = 3\n", 0, None),
    ("duplicate, different answer", lambda t: t + "q1 = 2\n", 1, None),
    ("5000-digit answer", lambda t: t.replace("q5 = 3", "q5 = " + "9" * 5000), 1, "q5 = 999"),
    ("deeply nested array", lambda t: t.replace("q5 = 3", "q5 = " + "[" * 30_000 + "]" * 30_000), 1, "q5 = [[["),
    (
        "nesting behind a # in a string",
        lambda t: t.replace("q5 = 3", 'q5 = ["#", ' + "[" * 3000 + "]" * 3001),
        1,
        "q5 = [",
    ),
    ("long hexadecimal", lambda t: t.replace("q5 = 3", "q5 = 0x" + "f" * 4000), 1, "q5 = 0x"),
    (
        "nesting hidden by brackets in strings",
        lambda t: t.replace("q5 = 3", "q5 = [" + '"]", [' * 3000 + "]" * 3001),
        1,
        "q5 = [",
    ),
]


@pytest.mark.parametrize(("case", "edit", "lost", "bad"), _TYPOS, ids=[c[0] for c in _TYPOS])
def test_one_bad_line_costs_one_answer_and_is_reported_once(course, quiz, key, tmp_path, case, edit, lost, bad):
    text = edit(_right_answers(quiz, key))
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, text))
    assert section.error is None, case
    assert section.points == section.max_points - lost, case
    if bad is not None:
        line = _line_of(text, bad)
        for lang in ("en", "ko"):
            mentions = [t for t in _texts(section, lang) if f"answers.toml:{line}:" in t]
            assert len(mentions) == 1, (case, lang, _texts(section, lang))
    # Korean particles come out whole, not as "을(를)" after a quoted line or a file name.
    assert [t for t in _texts(section, "ko") if re.search(r"\((가|를|는|와|으)\)", t)] == []


def test_a_question_answered_twice_differently_names_both_lines(course, quiz, key, tmp_path):
    text = _right_answers(quiz, key) + "q1 = 2\n"
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, text))
    q1 = section.tasks[0].checks[0]
    assert not q1.passed and q1.chosen is None
    assert f"lines {_line_of(text, 'q1 = 3')}, {len(text.splitlines())}" in q1.message.en
    same = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, _right_answers(quiz, key) + "q1 = [3]\n"))
    assert same.tasks[0].passed and any("answered again" in n.en for n in same.notes)


@pytest.mark.parametrize(
    ("encoding", "note"), [("utf-8-sig", None), ("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("cp949", "not UTF-8")]
)
def test_notepad_encodings_are_read(course, quiz, key, tmp_path, encoding, note):
    """Windows Notepad writes a byte-order mark, or UTF-16; a Korean Windows may save the comments as cp949."""
    text = "# 퀴즈 답\n" + _right_answers(quiz, key)
    data = b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be" else text.encode(encoding)
    path = tmp_path / "answers.toml"
    path.write_bytes(data)
    section = grade_quiz(course.manifest.quiz, quiz, key, path)
    assert section.points == section.max_points and section.error is None
    notes = [n.en for n in section.notes]
    assert notes == [] if note is None else (len(notes) == 1 and note in notes[0]), notes


def test_a_huge_file_is_read_up_to_its_caps(course, quiz, key, tmp_path):
    """A 1 MB file of 124,000 keys: its first 64 KiB are read (answers at the top count), in linear time."""
    junk = "".join(f"k{i}=1\n" for i in range(124_000))
    assert len(junk) > 1 << 20
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, _right_answers(quiz, key) + junk))
    assert section.points == section.max_points and section.error is None
    assert any(f"first {MAX_BYTES // 1024} KiB" in n.en for n in section.notes)
    assert any(f"more than {MAX_ENTRIES} answer lines" in n.en for n in section.notes)
    assert len(section.notes) <= 20 and "more problems" in section.notes[-1].en


def test_a_cut_inside_a_korean_character_is_not_a_bad_byte(course, quiz, key, tmp_path):
    """The first 64 KiB are read: a cut in the middle of a UTF-8 character is not the file's fault."""
    answers = _right_answers(quiz, key)
    pad = next(p for p in range(3) if (MAX_BYTES - len(answers.encode()) - 2 - p) % 3 == 1)
    text = answers + "# " + "x" * pad + "답" * (MAX_BYTES // 3)
    assert len(text.encode()) > MAX_BYTES and text.encode()[MAX_BYTES] & 0xC0 == 0x80  # the cut splits a 답
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, text))
    assert section.points == section.max_points
    assert [n.en for n in section.notes if "UTF-8" in n.en] == []
    assert any(f"first {MAX_BYTES // 1024} KiB" in n.en for n in section.notes)


_PIECES = st.sampled_from(
    [
        "q1 = 3",
        "q4 = [1, 2]",
        "q2 = ",
        "q3 == 2",
        "q8: 2",
        "q99 = 1",
        '"q5" = 3',
        "q6 = 2, # comment",
        "q7 = " + "9" * 5000,
        "q7 = -" + "1_0" * 2000,
        "q9 = " + "[" * 3000,
        "q9 = " + "{a=" * 3000,
        'q9 = ["#", ' + "[" * 3000 + "]" * 3001,
        "q9 = [" + '"]", [' * 3000 + "]" * 3001,
        "[q10]",
        "answer = 1",
        "q11 = '''",
        "q12 = 1e999",
        "\ufeffq13 = 2",
        "q14 = \x00",
        "\x1b[31m::error::x",
    ]
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(_PIECES | st.text(max_size=20), max_size=25), prefix=st.binary(max_size=4))
def test_any_answers_file_reads_without_raising(quiz, tmp_path_factory, lines, prefix):
    path = tmp_path_factory.mktemp("answers") / "answers.toml"
    path.write_bytes(prefix + "\n".join(lines).encode("utf-8", errors="surrogatepass"))
    answers = read_answers(path, quiz)
    assert answers.error is None and len(answers.notes) <= 20
    for qid, options in answers.chosen.items():
        assert options and all(1 <= o <= len(quiz.question(qid).options) for o in options)
    shown = [t.get(lang) for t in [*answers.notes, *answers.invalid.values()] for lang in ("en", "ko")]
    assert not [t for t in shown if "\x1b" in t or re.search(r"^\s*::", t, re.MULTILINE)]


def test_quiz_checks_carry_options_and_which_choices_are_right(course, quiz, key, tmp_path):
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, "q4 = [1, 3]\nq1 = 3\n"))
    q1, q2, _, q4 = (t.checks[0] for t in section.tasks[:4])
    assert q4.options == quiz.question("q4").options and q4.chosen == [1, 3] and q4.chosen_right == [1]
    assert q1.chosen_right == [3]
    # Unanswered: the options, never which one is right.
    assert q2.options is not None and q2.chosen is None and q2.chosen_right is None


def test_q9_options_the_key_calls_true_hold_in_torch(quiz, key):
    """ "Results of operations have requires_grad=False" was not always true inside no_grad: views (and in-place
    results) of a tensor that requires grad keep requires_grad=True. The option now names one operation."""
    import torch

    q9 = quiz.question("q9")
    assert key.entry("q9").options == {1, 2} and "`y = w * 2`" in q9.options[0].en and "`y = w * 2`" in q9.options[0].ko
    w = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        y = w * 2
        view = w.view(3)
    assert not y.requires_grad and y.grad_fn is None
    assert view.requires_grad


def test_a_broken_line_beside_an_answer_says_which_line_counts(course, quiz, key, tmp_path):
    text = _right_answers(quiz, key) + "q1 == 2\nq99 == 1\n"
    section = grade_quiz(course.manifest.quiz, quiz, key, _write(tmp_path, text))
    assert section.points == section.max_points
    graded_by = _line_of(text, "q1 = 3")
    notes = [n.en for n in section.notes]
    assert any("`q1 == 2` cannot be read and is ignored" in n and f"its line {graded_by}" in n for n in notes), notes
    assert any("there is no question q99" in n for n in notes) and not any("unanswered" in n for n in notes)
