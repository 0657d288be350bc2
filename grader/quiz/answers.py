"""Read a learner's `answers.toml` forgivingly: every problem is reported with its line, and the rest still counts."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import Text, msg
from grader.quiz.questions import Question, Quiz
from grader.tomlpos import find_line

_MAX_BYTES = 1 << 20


@dataclass
class Answers:
    """The options chosen per question id, and what could not be read."""

    chosen: dict[str, frozenset[int]] = field(default_factory=dict)
    # The line each question's answer is written on.
    lines: dict[str, int] = field(default_factory=dict)
    # Per question: why its answer was not accepted (scored as wrong).
    invalid: dict[str, Text] = field(default_factory=dict)
    # Problems that cost nothing (an answer for a question that does not exist).
    notes: list[Text] = field(default_factory=list)
    # Set when the file cannot be read at all.
    error: Text | None = None


def _options(value: object, question: Question) -> frozenset[int] | Text:
    count = len(question.options)
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        return msg("answer_wrong_type", qid=question.id, got=type(value).__name__)
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        return msg("answer_wrong_type", qid=question.id, got="list with non-numbers")
    out_of_range = [v for v in values if not 1 <= v <= count]
    if out_of_range:
        return msg("answer_out_of_range", qid=question.id, got=out_of_range[0], count=count)
    if question.select == "one" and len(set(values)) > 1:
        return msg("answer_one_only", qid=question.id)
    return frozenset(values)


def read_answers(path: Path, quiz: Quiz) -> Answers:
    answers = Answers()
    shown = f"{path.parent.name}/{path.name}"
    try:
        raw = path.read_bytes()[: _MAX_BYTES + 1]
    except FileNotFoundError:
        answers.error = msg("answers_missing", file=shown)
        return answers
    except OSError as exc:
        answers.error = msg("answers_unreadable", file=shown, detail=str(exc))
        return answers
    if len(raw) > _MAX_BYTES:
        answers.error = msg("answers_unreadable", file=shown, detail="larger than 1 MB")
        return answers
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        answers.error = msg("answers_unreadable", file=shown, detail=str(exc))
        return answers
    for qid, value in data.items():
        line = find_line(text, [qid])
        where = f"{shown}:{line}" if line else shown
        question = quiz.question(qid)
        if line:
            answers.lines[qid] = line
        if question is None:
            answers.notes.append(msg("answer_unknown_question", where=where, qid=qid))
            continue
        options = _options(value, question)
        if isinstance(options, Text):
            answers.invalid[qid] = msg("answer_at", where=where, problem=options)
        elif options:
            answers.chosen[qid] = options
    return answers
