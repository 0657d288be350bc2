"""Read an answers file into entries, one per `key = value` line, without ever raising and in linear time.

A file that is valid TOML is read as TOML. One that is not (a malformed line, a key written twice) is
read line by line: each line that parses on its own is an entry, each other line is an unreadable
entry with its number, so one typo costs one answer and not the file. A UTF-8 byte-order mark is
dropped; UTF-16 (with its mark) and bytes that are not UTF-8 are read with a note.

Bounds, so that a hostile file costs little: at most `MAX_BYTES` are read, at most `MAX_ENTRIES`
lines are parsed (the rest are counted), and a line with brackets nested deeper than `_MAX_DEPTH`
or a number longer than `_MAX_DIGITS` digits is unreadable without being parsed (tomllib would
exhaust the recursion limit on the one and refuse to convert the other with a ValueError). Brackets
in strings are counted too, so a `]` in a string can hide nesting from that count: the parser's
RecursionError is then caught, and the line is unreadable all the same.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass, field

MAX_BYTES = 64 * 1024
MAX_ENTRIES = 200
_MAX_DEPTH = 8
_MAX_DIGITS = 18

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LONG_NUMBER = re.compile(rf"[0-9_]{{{_MAX_DIGITS + 1},}}|0[xob][0-9a-fA-F_]{{{_MAX_DIGITS},}}")
# The key a line starts with (bare or quoted) when it is followed by `=`: for line numbers in TOML mode.
_KEY_LINE = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*=""")


@dataclass(frozen=True)
class Entry:
    """One answer line: its 1-based number (None when TOML put the key elsewhere, `q1.x = 1`), the key and value it
    holds, or only its text when it cannot be read."""

    line: int | None
    text: str
    key: str | None = None
    value: object = None
    readable: bool = True


@dataclass
class AnswerFile:
    entries: list[Entry] = field(default_factory=list)
    # Answer lines past MAX_ENTRIES, not read.
    skipped: int = 0
    # How the bytes were decoded when not plain UTF-8: "utf-16", or "not-utf-8" with the first bad line.
    encoding: str = "utf-8"
    bad_byte_line: int | None = None


def _decode(raw: bytes, answers: AnswerFile) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        answers.encoding = "utf-16"
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        answers.encoding = "not-utf-8"
        answers.bad_byte_line = raw.count(b"\n", 0, exc.start) + 1
        return raw.decode("utf-8", errors="replace")


def _partial_tail(data: bytes) -> int:
    """How many bytes at the end of `data` begin a UTF-8 character that the cut left incomplete."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: the character starts here
            width = 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4 if byte >> 3 == 0b11110 else 1
            return back if width > back else 0
    return 0


def _code(line: str) -> str:
    """The part of a line before any comment (a `#` inside a string cuts it too: this only guards the parser)."""
    return line.split("#", 1)[0]


def _depth(text: str) -> int:
    """How deep brackets nest, counted in comments and strings too: `["#", [[[...]]]]` must not slip past."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _safe_to_parse(text: str) -> bool:
    # Numbers are looked for before comments only: a student number in a comment is no reason to refuse a line.
    # One hidden behind a "#" in a string can only reach a list or a table, never be printed as an answer.
    return _depth(text) <= _MAX_DEPTH and not _LONG_NUMBER.search("\n".join(map(_code, text.split("\n"))))


def _parse_line(number: int, line: str) -> list[Entry]:
    if not _safe_to_parse(line):
        return [Entry(number, line, readable=False)]
    try:
        data = tomllib.loads(line)
    # TOMLDecodeError; int() refusing a number it will not convert; nesting that `_depth` could not see.
    except (ValueError, RecursionError):
        return [Entry(number, line, readable=False)]
    return [Entry(number, line, key, value) for key, value in data.items()]


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _by_lines(lines: list[str], answers: AnswerFile) -> None:
    for number, line in enumerate(lines, start=1):
        if not _is_content(line):
            continue
        if len(answers.entries) >= MAX_ENTRIES:
            answers.skipped += 1
            continue
        answers.entries.extend(_parse_line(number, line))


def _as_toml(text: str, lines: list[str], answers: AnswerFile) -> bool:
    """Read the whole file as TOML; False when it is not TOML, or too long or not safe to hand to the parser."""
    if sum(map(_is_content, lines)) > MAX_ENTRIES or not _safe_to_parse("\n".join(lines)):
        return False
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError):
        return False
    where: dict[str, tuple[int | None, str]] = {}
    for number, line in enumerate(lines, start=1):
        match = _KEY_LINE.match(line)
        if match:
            where.setdefault(next(g for g in match.groups() if g is not None), (number, line))
    for key, value in data.items():
        number, line = where.get(key, (None, ""))
        answers.entries.append(Entry(number, line, key, value))
    return True


def read_answer_file(raw: bytes) -> AnswerFile:
    """The entries of an answers file's first MAX_BYTES bytes."""
    answers = AnswerFile()
    kept = raw[:MAX_BYTES]
    if len(raw) > MAX_BYTES and not kept.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # The cut may fall inside a UTF-8 character: drop its leading bytes, which are not a bad byte.
        kept = kept[: len(kept) - _partial_tail(kept)]
    text = _decode(kept, answers)
    lines = _LINE_BREAK.split(text)
    if not _as_toml(text, lines, answers):
        _by_lines(lines, answers)
    return answers
