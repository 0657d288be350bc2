"""The gradebook: one SQLite file per class, written by the batch coordinator only.

Write-ahead logging and one transaction per submission make every commit all-or-nothing: a
batch killed at any moment leaves each submission either fully recorded or not at all, and a
re-run finds exactly what was committed. The full `GradeResult` is stored as JSON (exports and
the report are built from it); `task_results` and `quiz_answers` repeat its main facts as plain
columns for SQL. The schema is documented in docs/gradebook.md.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from grader.batch.coursefiles import CourseFiles
from grader.batch.roster import Student
from grader.i18n import Text
from grader.results import GradeResult

SCHEMA_VERSION = 1
# The gradebook's file name inside a batch output folder.
GRADEBOOK = "gradebook.sqlite"
Status = Literal["graded", "rejected", "error"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
    source TEXT NOT NULL,
    seed INTEGER NOT NULL,
    profile TEXT NOT NULL,
    course_digest TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    executor TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS course_files (
    digest TEXT NOT NULL,
    path TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (digest, path)
);
CREATE TABLE IF NOT EXISTS students (
    id TEXT PRIMARY KEY,
    name TEXT,
    email TEXT,
    canvas_id TEXT,
    sis_user_id TEXT,
    sis_login_id TEXT,
    section TEXT
);
CREATE TABLE IF NOT EXISTS submissions (
    student_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('graded', 'rejected', 'error')),
    reason_en TEXT,
    reason_ko TEXT,
    content_hash TEXT,
    layout TEXT,
    seed INTEGER NOT NULL,
    profile TEXT NOT NULL,
    course_digest TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    isolation_level TEXT,
    isolation_layers TEXT,
    points REAL,
    max_points REAL,
    result_json TEXT,
    worker TEXT,
    duration_s REAL,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    recorded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS task_results (
    student_id TEXT NOT NULL REFERENCES submissions(student_id) ON DELETE CASCADE,
    section_id TEXT NOT NULL,
    task_id TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    passed INTEGER NOT NULL,
    failed_checks INTEGER NOT NULL,
    check_id TEXT,
    category TEXT,
    message_en TEXT,
    message_ko TEXT,
    diagnosis_en TEXT,
    diagnosis_ko TEXT,
    PRIMARY KEY (student_id, task_id)
);
CREATE TABLE IF NOT EXISTS quiz_answers (
    student_id TEXT NOT NULL REFERENCES submissions(student_id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    chosen TEXT,
    correct INTEGER NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    PRIMARY KEY (student_id, question_id)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    student_id TEXT NOT NULL,
    status TEXT NOT NULL,
    content_hash TEXT,
    points REAL,
    recorded_at TEXT NOT NULL
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Fingerprint:
    """Everything a grade depends on: the same fingerprint means the stored grade is still right."""

    # The submission's files (None for an entry rejected before its files could be read).
    content_hash: str | None
    seed: int
    profile: str
    course_digest: str
    grader_version: str


@dataclass(frozen=True)
class Stored:
    """One student's row, with the result model parsed back."""

    student_id: str
    source: str
    status: Status
    reason: Text | None
    result: GradeResult | None
    course_digest: str
    run_id: int


class GradebookError(Exception):
    """The gradebook cannot be opened or is not one (another file, a newer schema)."""


class Gradebook:
    def __init__(self, path: Path):
        self.path = path
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed grade survives even a power cut, not only a killed process.
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise GradebookError(f"{path} was written by a newer grader (schema {version})")
            if version == 0:
                with self.transaction() as db:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            db.execute(statement)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise GradebookError(f"{path} is not a usable gradebook: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- runs and the course ----------------------------------------------------------------------
    def start_run(self, source: str, seed: int, profile: str, course: CourseFiles, version: str, executor: str) -> int:
        with self.transaction() as db:
            # A run still marked running was killed: the caller holds the folder's lock, so none is running now.
            db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            known = db.execute("SELECT 1 FROM course_files WHERE digest = ? LIMIT 1", (course.digest,)).fetchone()
            if known is None:
                db.executemany(
                    "INSERT INTO course_files (digest, path, content) VALUES (?, ?, ?)",
                    [(course.digest, name, data) for name, data in course.files],
                )
            cursor = db.execute(
                "INSERT INTO runs (started_at, status, source, seed, profile, course_digest, grader_version, executor)"
                " VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
                (_now(), source, seed, profile, course.digest, version, executor),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: Literal["finished", "interrupted"]) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?", (status, _now(), run_id))

    def course_files(self, digest: str | None = None) -> CourseFiles | None:
        """The course snapshot of `digest`, or of the latest run."""
        if digest is None:
            row = self.db.execute("SELECT course_digest FROM runs ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            digest = row[0]
        rows = self.db.execute(
            "SELECT path, content FROM course_files WHERE digest = ? ORDER BY path", (digest,)
        ).fetchall()
        return CourseFiles(digest, tuple((p, bytes(c)) for p, c in rows)) if rows else None

    # -- students ---------------------------------------------------------------------------------
    def save_roster(self, students: list[Student]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO students (id, name, email, canvas_id, sis_user_id, sis_login_id, section)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
                " email = excluded.email, canvas_id = excluded.canvas_id, sis_user_id = excluded.sis_user_id,"
                " sis_login_id = excluded.sis_login_id, section = excluded.section",
                [(s.id, s.name, s.email, s.canvas_id, s.sis_user_id, s.sis_login_id, s.section) for s in students],
            )

    def roster(self) -> dict[str, Student]:
        rows = self.db.execute(
            "SELECT id, name, email, canvas_id, sis_user_id, sis_login_id, section FROM students ORDER BY id"
        )
        return {row[0]: Student(*row) for row in rows}

    # -- submissions ------------------------------------------------------------------------------
    def fingerprints(self) -> dict[str, tuple[Status, Fingerprint, str | None]]:
        """Per student: the stored status, what it was computed from, and the reason when there is no grade."""
        rows = self.db.execute(
            "SELECT student_id, status, content_hash, seed, profile, course_digest, grader_version, reason_en"
            " FROM submissions"
        )
        return {row[0]: (row[1], Fingerprint(*row[2:7]), row[7]) for row in rows}

    def _replace(self, db: sqlite3.Connection, student_id: str, values: dict[str, object]) -> None:
        # Deleting first also removes the student's task and quiz rows (ON DELETE CASCADE).
        db.execute("DELETE FROM submissions WHERE student_id = ?", (student_id,))
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        db.execute(f"INSERT INTO submissions ({columns}) VALUES ({marks})", tuple(values.values()))
        db.execute(
            "INSERT INTO events (run_id, student_id, status, content_hash, points, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                values["run_id"],
                student_id,
                values["status"],
                values.get("content_hash"),
                values.get("points"),
                values["recorded_at"],
            ),
        )

    @staticmethod
    def _base(student_id: str, source: str, fingerprint: Fingerprint, run_id: int) -> dict[str, object]:
        return {
            "student_id": student_id,
            "source": source,
            "content_hash": fingerprint.content_hash,
            "seed": fingerprint.seed,
            "profile": fingerprint.profile,
            "course_digest": fingerprint.course_digest,
            "grader_version": fingerprint.grader_version,
            "run_id": run_id,
            "recorded_at": _now(),
        }

    def record_graded(
        self,
        student_id: str,
        source: str,
        fingerprint: Fingerprint,
        result: GradeResult,
        run_id: int,
        *,
        layout: str = "",
        worker: str = "",
    ) -> None:
        """Store one graded submission, its tasks and quiz answers, in one transaction."""
        values = self._base(student_id, source, fingerprint, run_id) | {
            "status": "graded",
            "layout": layout,
            "isolation_level": result.isolation.level,
            "isolation_layers": json.dumps(result.isolation.layers),
            "points": result.points,
            "max_points": result.max_points,
            "result_json": result.model_dump_json(),
            "worker": worker,
            "duration_s": result.duration_s,
        }
        tasks = []
        answers = []
        for section in result.sections:
            for task in section.tasks:
                failing = [c for c in task.checks if not c.passed]
                first = failing[0] if failing else None
                tasks.append(
                    (
                        student_id,
                        section.id,
                        task.id,
                        task.points,
                        task.max_points,
                        int(task.passed),
                        len(failing),
                        first.id if first else None,
                        first.category if first else None,
                        first.message.en if first and first.message else None,
                        first.message.ko if first and first.message else None,
                        first.diagnosis.en if first and first.diagnosis else None,
                        first.diagnosis.ko if first and first.diagnosis else None,
                    )
                )
                if section.kind == "quiz":
                    check = task.checks[0]
                    chosen = json.dumps(check.chosen) if check.chosen is not None else None
                    answers.append(
                        (student_id, task.id.partition(".")[2], chosen, int(check.passed), task.points, task.max_points)
                    )
        with self.transaction() as db:
            self._replace(db, student_id, values)
            db.executemany(f"INSERT INTO task_results VALUES ({', '.join('?' * 13)})", tasks)
            db.executemany("INSERT INTO quiz_answers VALUES (?, ?, ?, ?, ?, ?)", answers)

    def record_unfinished(
        self,
        student_id: str,
        source: str,
        fingerprint: Fingerprint,
        status: Literal["rejected", "error"],
        reason: Text,
        run_id: int,
        *,
        worker: str = "",
    ) -> None:
        """Store why a submission has no grade: rejected (its own problem) or error (the grader's)."""
        values = self._base(student_id, source, fingerprint, run_id) | {
            "status": status,
            "reason_en": reason.en,
            "reason_ko": reason.ko,
            "worker": worker,
        }
        with self.transaction() as db:
            self._replace(db, student_id, values)

    def submissions(self) -> list[Stored]:
        rows = self.db.execute(
            "SELECT student_id, source, status, reason_en, reason_ko, result_json, course_digest, run_id"
            " FROM submissions ORDER BY student_id"
        )
        stored = []
        for student_id, source, status, reason_en, reason_ko, result_json, digest, run_id in rows:
            reason = Text(en=reason_en, ko=reason_ko) if reason_en is not None else None
            result = GradeResult.model_validate_json(result_json) if result_json else None
            stored.append(Stored(student_id, source, status, reason, result, digest, run_id))
        return stored
