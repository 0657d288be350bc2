"""Find anything of a course's secret half in a folder meant for learners.

What counts as secret: every file of `solutions/` (byte for byte), every line of its code, every
string written in it (check titles, likely mistakes, docstrings), the names of its test functions,
and every string of the quiz key (explanations). Anything that also appears in what learners get
anyway (the course's `exercises/` and the grader's own source) is public and not counted: a
signature line or docstring shared by stub and reference is not a leak. Whether the stubs give the
solution away is `grade selftest`'s business (stubs must score zero).

The key's answers are too short to look for as strings; what gives them away is an answer written
out, so any `qN = V` (an example in a README or a comment) where V is qN's key is a leak, wherever
it is, public or not.
"""

from __future__ import annotations

import ast
import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.course import Course
from grader.course.errors import CourseError

_MIN_LINE = 24
_MIN_STRING = 12
_MIN_FILE = 32


@dataclass(frozen=True)
class Leak:
    path: Path
    what: str
    source: Path

    def __str__(self) -> str:
        return f"{self.path}: {self.what} (from {self.source})"


def _files(root: Path) -> Iterator[Path]:
    return (p for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts)


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _strings(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for line in node.value.splitlines() or [node.value]:
                if len(line.strip()) >= _MIN_STRING:
                    yield line.strip()
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
            yield node.name


def _python_secrets(text: str) -> Iterator[str]:
    yield from (line.strip() for line in text.splitlines() if len(line.strip()) >= _MIN_LINE)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return
    yield from _strings(tree)


def _toml_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        for line in value.splitlines():
            if len(line.strip()) >= _MIN_STRING:
                yield line.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _toml_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _toml_strings(item)


def _secrets_of(path: Path) -> Iterator[str]:
    text = _read(path)
    if path.suffix == ".py":
        yield from _python_secrets(text)
    elif path.suffix == ".toml":
        try:
            yield from _toml_strings(tomllib.loads(text))
        except tomllib.TOMLDecodeError:
            yield from (line.strip() for line in text.splitlines() if len(line.strip()) >= _MIN_LINE)
    else:
        yield from (line.strip() for line in text.splitlines() if len(line.strip()) >= _MIN_LINE)


def public_text(course: Course) -> str:
    """Everything learners get anyway: the course's exercises/, its task ids, and the grader's source."""
    engine = Path(grader.__file__).resolve().parent
    ids = [ex.task_id(task) for ex in course.exercises for task in ex.tasks]
    return "\n".join([*(_read(p) for root in (course.exercises_dir, engine) for p in _files(root)), *ids])


def secrets(solutions_dir: Path, public: str) -> dict[str, Path]:
    """Each secret string, with the file it comes from; those also found in `public` are left out."""
    found: dict[str, Path] = {}
    for path in _files(solutions_dir):
        for text in _secrets_of(path):
            if text not in public:
                found.setdefault(text, path)
    return found


# `qN = V`, `qN = [V, W]`, `"qN"=[W,V]`: a question id, `=`, and an option number or a list of them.
_ANSWER = re.compile(r"""\b(q[1-9][0-9]*)["']?\s*=\s*(\[[0-9,\s]*\]|[0-9]+)""")


def key_answers(course: Course) -> dict[str, frozenset[int]]:
    """The right options of each quiz question, from the key; empty when there is no key to read."""
    from grader.course.tomlfile import load_model
    from grader.quiz.questions import Key

    if course.manifest.quiz is None:
        return {}
    path = course.solutions_dir / course.manifest.quiz.key
    if not path.is_file():
        return {}
    try:
        key = load_model(Key, path)
    except CourseError:
        return {}
    return {qid: entry.options for qid, entry in key.root.items()}


def answers_shown(text: str, key: dict[str, frozenset[int]]) -> list[str]:
    """Every `qN = V` in `text` whose V is qN's answer in `key` (in any order, `[3]` for 3)."""
    found = []
    for match in _ANSWER.finditer(text):
        qid, value = match.groups()
        options = frozenset(int(n) for n in re.findall(r"[0-9]+", value))
        if qid in key and options == key[qid]:
            found.append(match.group(0))
    return found


def _digests(paths: Iterable[Path]) -> dict[str, Path]:
    out = {}
    for path in paths:
        data = path.read_bytes()
        if len(data.strip()) >= _MIN_FILE:
            out[hashlib.sha256(data).hexdigest()] = path
    return out


def find_leaks(course: Course, out: Path) -> list[Leak]:
    """Every secret file or string of the course's `solutions/` that appears in a file under `out`."""
    if not course.solutions_dir.is_dir():
        return []
    strings = secrets(course.solutions_dir, public_text(course))
    digests = _digests(_files(course.solutions_dir))
    key = key_answers(course)
    key_file = course.solutions_dir / course.manifest.quiz.key if course.manifest.quiz else course.solutions_dir
    leaks = []
    for path in _files(out):
        data = path.read_bytes()
        same = digests.get(hashlib.sha256(data).hexdigest())
        if same is not None:
            leaks.append(Leak(path, "a copy of a secret file", same))
            continue
        text = data.decode("utf-8", errors="replace")
        leaks.extend(Leak(path, f"contains {secret!r}", source) for secret, source in strings.items() if secret in text)
        leaks.extend(Leak(path, f"shows the key's answer {shown!r}", key_file) for shown in answers_shown(text, key))
    return leaks
