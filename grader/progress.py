"""What the learner has done so far: stubs still untouched (read from the source, never run) and the last grades.

Last grades live in the user's cache directory, keyed by the submission's path, together with
a digest of the file they were computed from: an edit since then shows as "edited".
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from grader.course import Course
from grader.results import GradeResult

Status = Literal["missing", "todo", "edited", "passed", "failed"]


def _cache_file(submission: Path) -> Path:
    base = Path(
        os.environ.get("GRADE_CACHE_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pytorch-grader"
    )
    key = hashlib.sha256(str(submission.resolve()).encode()).hexdigest()[:16]
    return base / f"{key}.json"


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _section_file(course: Course, submission: Path, section_id: str) -> Path | None:
    if section_id == "quiz":
        return submission / "exercises" / course.manifest.quiz.answers if course.manifest.quiz else None
    ex = course.exercise(section_id)
    return submission / "exercises" / ex.module if ex else None


def load(submission: Path) -> dict[str, dict]:
    try:
        return json.loads(_cache_file(submission).read_text())
    except (OSError, ValueError):
        return {}


def record(submission: Path, course: Course, result: GradeResult) -> None:
    """Remember each graded task's outcome with the digest of the file it came from. Never fails loudly."""
    saved = load(submission)
    for section in result.sections:
        source = _section_file(course, submission, section.id)
        digest = _digest(source) if source else None
        for task in section.tasks:
            saved[task.id] = {
                "passed": task.passed,
                "points": task.points,
                "max_points": task.max_points,
                "digest": digest,
            }
    path = _cache_file(submission)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(saved, indent=1))
        tmp.replace(path)
    except OSError:
        pass


def _is_stub(body: list[ast.stmt]) -> bool:
    statements = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(statements) != 1 or not isinstance(statements[0], ast.Raise):
        return False
    exc = statements[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _definitions(path: Path) -> dict[str, bool] | None:
    try:
        return definitions(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def definitions(source: str) -> dict[str, bool] | None:
    """Top-level function and class names, each with whether it is still a stub; None if unparsable."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    found: dict[str, bool] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = _is_stub(node.body)
        elif isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            found[node.name] = bool(methods) and all(_is_stub(m.body) for m in methods)
    return found


def task_statuses(course: Course, submission: Path) -> dict[str, Status]:
    saved = load(submission)
    statuses: dict[str, Status] = {}
    for ex in course.exercises:
        path = submission / "exercises" / ex.module
        defs = _definitions(path) if path.is_file() else None
        digest = _digest(path)
        for task in ex.tasks:
            task_id = ex.task_id(task)
            last = saved.get(task_id)
            if not path.is_file() or (defs is not None and task.name not in defs):
                statuses[task_id] = "missing"
            elif defs is not None and defs[task.name]:
                statuses[task_id] = "todo"
            elif last is not None and last.get("digest") == digest:
                statuses[task_id] = "passed" if last.get("passed") else "failed"
            else:
                statuses[task_id] = "edited"
    return statuses
