"""Score the quiz: one task per question (`quiz.q1`), each with its explanation."""

from __future__ import annotations

from pathlib import Path

from grader.course.manifest import QuizFiles
from grader.i18n import Text, msg
from grader.quiz.answers import read_answers
from grader.quiz.questions import Key, Question, Quiz
from grader.results import CheckResult, Outcome, SectionResult, TaskResult


def _score(question: Question, chosen: frozenset[int], right: frozenset[int]) -> float:
    if chosen == right:
        return question.points
    if question.select == "many" and question.scoring == "partial" and chosen:
        share = question.points / len(right)
        earned = share * len(chosen & right) - share * len(chosen - right)
        return round(max(0.0, earned), 4)
    return 0.0


def _numbers(options: frozenset[int]) -> str:
    return ", ".join(str(o) for o in sorted(options))


def _check(question: Question, key: Key, chosen: frozenset[int] | None, invalid: Text | None) -> CheckResult:
    entry = key.entry(question.id)
    task = f"quiz.{question.id}"
    points = _score(question, chosen, entry.options) if chosen else 0.0
    if invalid is not None:
        outcome, category, message = Outcome.FAILED, "answer", invalid
    elif not chosen:
        outcome, category, message = Outcome.FAILED, "unanswered", msg("unanswered", qid=question.id)
    elif points == question.points:
        outcome, category, message = Outcome.PASSED, None, msg("answer_right", chosen=_numbers(chosen))
    else:
        outcome, category, message = Outcome.FAILED, "wrong", msg("answer_wrong", chosen=_numbers(chosen))
    return CheckResult(
        id=task,
        task=task,
        title=question.text,
        outcome=outcome,
        points=points,
        max_points=question.points,
        category=category,
        message=message,
        # Shown once the learner has committed to an answer, never before.
        explanation=entry.explanation if chosen else None,
        chosen=sorted(chosen) if chosen and invalid is None else None,
        chosen_right=sorted(chosen & entry.options) if chosen and invalid is None else None,
        options=question.options,
    )


def grade_quiz(files: QuizFiles, quiz: Quiz, key: Key, answers_path: Path) -> SectionResult:
    answers = read_answers(answers_path, quiz)
    tasks = []
    for question in quiz.questions:
        chosen = None if answers.error else answers.chosen.get(question.id)
        invalid = answers.error or answers.invalid.get(question.id)
        check = _check(question, key, chosen, invalid)
        line = answers.lines.get(question.id)
        tasks.append(
            TaskResult(id=check.task, title=question.text, max_points=question.points, checks=[check], line=line)
        )
    return SectionResult(
        id="quiz",
        kind="quiz",
        title=files.title,
        file=f"exercises/{files.answers}",
        tasks=tasks,
        error=answers.error,
        notes=answers.notes,
    )
