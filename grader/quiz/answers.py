"""Read a learner's `answers.toml` forgivingly: every problem is reported once with its line, and the rest still counts.

A line that cannot be read costs only the question it names (or nothing, when it names none). A
question answered twice counts once when both lines say the same, and not at all when they
differ: the grader does not guess which one was meant.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from grader.i18n import Text, msg
from grader.quiz.answerfile import MAX_BYTES, MAX_ENTRIES, AnswerFile, Entry, read_answer_file
from grader.quiz.questions import Question, Quiz
from grader.runner.output import one_line

# Problems beyond this many are counted in one last note, so that a junk file cannot flood a report.
_MAX_NOTES = 20
_SHOWN_CHARS = 60
# The question a line is about, read from its start even when the rest is broken (`q3 == 2`, `q8: 2`).
_NAMED = re.compile(r"""\s*["']?(q[0-9]+)\b""")
# A line that names a question and gives no answer (`q2 = `, the template's line without its `#`).
_BLANK = re.compile(r"""\s*["']?q[0-9]+["']?\s*[=:]*\s*(#.*)?""")


@dataclass
class Answers:
    """The options chosen per question id, and what could not be read."""

    chosen: dict[str, frozenset[int]] = field(default_factory=dict)
    # The line each question's answer is written on.
    lines: dict[str, int] = field(default_factory=dict)
    # Per question: why its answer was not accepted (scored as wrong).
    invalid: dict[str, Text] = field(default_factory=dict)
    # Problems that cost nothing (an answer for a question that does not exist, a line naming no question).
    notes: list[Text] = field(default_factory=list)
    # Set when the file cannot be read at all.
    error: Text | None = None


def _options(value: object, question: Question) -> frozenset[int] | Text:
    count = len(question.options)
    if isinstance(value, bool) or not isinstance(value, (int, list)):
        return msg("answer_wrong_type", qid=question.id, got=type(value).__name__)
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        return msg("answer_wrong_type", qid=question.id, got=msg("answer_list_not_numbers"))
    out_of_range = [v for v in values if not 1 <= v <= count]
    if out_of_range:
        # The file reader refuses numbers longer than 18 digits, so this one prints quickly.
        return msg("answer_out_of_range", qid=question.id, got=out_of_range[0], count=count)
    if question.select == "one" and len(set(values)) > 1:
        return msg("answer_one_only", qid=question.id)
    return frozenset(values)


def _named(entry: Entry) -> str | None:
    match = _NAMED.match(entry.text)
    return match.group(1) if match else None


class _Reading:
    """The file's entries grouped by question, then decided; problems that cost nothing kept with their line."""

    def __init__(self, quiz: Quiz, shown: str) -> None:
        self.questions = {q.id: q for q in quiz.questions}
        self.shown = shown
        self.answers = Answers()
        self.given: dict[str, list[Entry]] = defaultdict(list)
        self.unreadable: dict[str, list[Entry]] = defaultdict(list)
        self.notes: list[tuple[int, Text]] = []

    def where(self, line: int | None) -> str:
        return f"{self.shown}:{line}" if line else self.shown

    def note(self, line: int | None, text: Text) -> None:
        self.notes.append((line or 0, text))

    def problem(self, entry: Entry) -> Text:
        """Why an unreadable line was not read, and how to write it."""
        where, qid = self.where(entry.line), _named(entry)
        if qid is None:
            return msg("answer_line_no_question", where=where, line=one_line(entry.text, _SHOWN_CHARS))
        if _BLANK.fullmatch(entry.text):
            return msg("answer_blank", where=where, qid=qid)
        return msg("answer_line_unreadable", where=where, line=one_line(entry.text, _SHOWN_CHARS), qid=qid)

    def sort(self, entries: list[Entry]) -> None:
        for entry in entries:
            if not entry.readable:
                qid = _named(entry)
                if qid in self.questions:
                    self.unreadable[qid].append(entry)
                elif qid is not None:
                    self.note(entry.line, msg("answer_unknown_question", where=self.where(entry.line), qid=qid))
                else:
                    self.note(entry.line, self.problem(entry))
            elif entry.key in self.questions:
                self.given[entry.key].append(entry)
            else:
                where = self.where(entry.line)
                self.note(
                    entry.line, msg("answer_unknown_question", where=where, qid=one_line(entry.key or "", _SHOWN_CHARS))
                )

    def decide(self, question: Question) -> None:
        given, unreadable = self.given.get(question.id, []), self.unreadable.get(question.id, [])
        if not given and not unreadable:
            return
        first = (given or unreadable)[0]
        if first.line:
            self.answers.lines[question.id] = first.line
        if given:
            self.decide_given(question, given)
        else:
            self.answers.invalid[question.id] = self.problem(unreadable.pop(0))
        # Broken lines beside a readable answer, or after the first broken one, cost nothing more.
        for entry in unreadable:
            where = self.where(entry.line)
            self.note(
                entry.line,
                msg(
                    "answer_line_ignored",
                    where=where,
                    line=one_line(entry.text, _SHOWN_CHARS),
                    qid=question.id,
                    graded=first.line or "?",
                ),
            )

    def decide_given(self, question: Question, given: list[Entry]) -> None:
        read = [_options(entry.value, question) for entry in given]
        first = given[0]
        if any(r != read[0] for r in read[1:]):
            lines = ", ".join(str(e.line) for e in given if e.line)
            self.answers.invalid[question.id] = msg("answer_conflict", file=self.shown, qid=question.id, lines=lines)
            return
        for repeat in given[1:]:
            self.note(repeat.line, msg("answer_repeated", where=self.where(repeat.line), qid=question.id))
        if isinstance(read[0], Text):
            self.answers.invalid[question.id] = msg("answer_at", where=self.where(first.line), problem=read[0])
        elif read[0]:
            self.answers.chosen[question.id] = read[0]


def _file_notes(file: AnswerFile, shown: str) -> list[Text]:
    notes = []
    if file.encoding == "utf-16":
        notes.append(msg("answers_utf16", file=shown))
    elif file.encoding == "not-utf-8":
        notes.append(msg("answers_not_utf8", file=shown, line=file.bad_byte_line))
    if file.skipped:
        notes.append(msg("answers_too_many", file=shown, limit=MAX_ENTRIES, count=file.skipped))
    return notes


def read_answers(path: Path, quiz: Quiz) -> Answers:
    """What `path` answers for `quiz`, in time linear in its size (only its first MAX_BYTES are read).

    Never raises: a file that cannot be opened sets `error`; every other problem is a note or costs one question."""
    shown = f"{path.parent.name}/{path.name}"
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return Answers(error=msg("answers_missing", file=shown))
    except OSError as exc:
        return Answers(
            error=msg("answers_unreadable", file=shown, detail=one_line(exc.strerror or str(exc), _SHOWN_CHARS))
        )
    file = read_answer_file(raw)
    reading = _Reading(quiz, shown)
    reading.sort(file.entries)
    for question in quiz.questions:
        reading.decide(question)
    answers = reading.answers
    notes = [text for _, text in sorted(reading.notes, key=lambda n: n[0])]
    if len(raw) > MAX_BYTES:
        notes.insert(0, msg("answers_too_large", file=shown, kib=MAX_BYTES // 1024))
    notes[:0] = _file_notes(file, shown)
    if len(notes) > _MAX_NOTES:
        notes = [*notes[: _MAX_NOTES - 1], msg("answers_more_notes", file=shown, count=len(notes) - _MAX_NOTES + 1)]
    answers.notes = notes
    return answers
