"""Grade one submission: load each exercise in the sandbox, run the hidden checks, score the quiz."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from grader import __version__
from grader.course import Course, CourseError, Exercise
from grader.i18n import Text, msg
from grader.judge.assets import load_assets
from grader.judge.plugin import ExerciseRun, JudgePlugin
from grader.judge.replay import ExampleMemory
from grader.quiz import grade_quiz, load_key, load_quiz
from grader.results import CheckResult, GradeResult, Isolation, SectionResult, TaskResult, split_points
from grader.runner.errors import SandboxAbort
from grader.runner.server import SandboxServer
from grader.runner.session import CheckSession, TaskChild, TaskHealth
from grader.sandbox.limits import Limits
from grader.sourcelines import definition_lines

# Built-in plugins grading has no use for; unraisableexception's gc.collect() per session costs ~0.1 s.
_DISABLED_PLUGINS = (
    "cacheprovider",
    "stepwise",
    "junitxml",
    "pastebin",
    "doctest",
    "unraisableexception",
    "threadexception",
    "warnings",
    "logging",
)
_PYTEST_FLAGS = [
    "-q",
    "-s",
    *(flag for name in _DISABLED_PLUGINS for flag in ("-p", f"no:{name}")),
    "--import-mode=importlib",
    "--strict-markers",
    "--no-header",
    *("-o", "python_files=test_*.py"),
    *("-o", "python_functions=test_*"),
    *("-o", "console_output_style=classic"),
]


@dataclass(frozen=True)
class Selection:
    """What to grade: some exercises (optionally only some of their tasks), and whether the quiz."""

    exercises: tuple[Exercise, ...]
    quiz: bool
    tasks: frozenset[str] | None = None


def _prepare(course: Course, exercise: Exercise, submission: Path, server: SandboxServer, seed: int) -> ExerciseRun:
    assets = load_assets(course, exercise)
    learner_file = submission / "exercises" / exercise.module
    limits = Limits(call_timeout_s=exercise.timeout)
    run = ExerciseRun(exercise, learner_file, assets, limits)
    if not learner_file.is_file():
        run.blocked = ("missing", msg("missing_file", file=f"exercises/{exercise.module}"))
        return run
    if learner_file.is_symlink() or learner_file.parent.is_symlink():
        run.blocked = ("missing", msg("module_is_link", file=f"exercises/{exercise.module}"))
        return run
    child = TaskChild(server, learner_file, limits, seed)
    try:
        names = set(CheckSession(server, learner_file, exercise.id, limits, seed, TaskHealth(), child=child).load())
    except SandboxAbort as abort:
        child.close()
        run.blocked = ("import", abort.message)
        return run
    run.child = child  # it has imported the module: the exercise's first task runs in it
    run.missing = {t.name for t in exercise.tasks if t.name not in names}
    return run


def _run_checks(course: Course, runs: dict[str, ExerciseRun], plugin: JudgePlugin) -> None:
    files = [str(course.checks_path(run.exercise)) for run in runs.values()]
    for path in files:
        if not Path(path).is_file():
            raise CourseError(path, "hidden checks file not found")
    rootdir = str(course.solutions_dir / "checks")
    args = [*files, *_PYTEST_FLAGS, "--rootdir", rootdir, "-c", os.devnull]
    log = io.StringIO()
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    # Only our plugin: a learner's or instructor's installed pytest plugins must not change grading.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # grading writes nothing into the course or the submission
    try:
        import pytest

        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            code = pytest.main(args, plugins=[plugin])
    finally:
        sys.dont_write_bytecode = dont_write
        if previous is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous
    if plugin.interrupted:
        raise KeyboardInterrupt
    if code not in (0, 1, 5):
        raise CourseError(
            rootdir, f"the hidden checks could not run (pytest exit {int(code)}):\n{log.getvalue()[-3000:]}"
        )


def _task_result(exercise: Exercise, task_name: str, checks: list[CheckResult], line: int | None) -> TaskResult:
    task = exercise.task(task_name)
    assert task is not None
    shares = split_points(task.points, [c.weight for c in checks])
    scored = [
        check.model_copy(update={"max_points": share, "points": share if check.passed else 0.0})
        for check, share in zip(checks, shares, strict=True)
    ]
    return TaskResult(
        id=exercise.task_id(task),
        title=task.title or Text(en=task_name),
        max_points=task.points,
        checks=scored,
        hint_count=len(task.hints),
        line=line,
    )


def _exercise_section(run: ExerciseRun, checks: list[CheckResult], tasks: frozenset[str] | None) -> SectionResult:
    exercise = run.exercise
    by_task: dict[str, list[CheckResult]] = {}
    for check in checks:
        by_task.setdefault(check.task, []).append(check)
    results = []
    lines = definition_lines(run.learner_file)
    for task in exercise.tasks:
        task_id = exercise.task_id(task)
        if tasks is not None and task_id not in tasks:
            continue
        if task_id not in by_task:
            raise CourseError(f"solutions/checks/test_{exercise.module}", f"task {task_id} has no hidden checks")
        results.append(_task_result(exercise, task.name, by_task[task_id], lines.get(task.name)))
    error = run.blocked[1] if run.blocked and run.blocked[0] == "import" else None
    return SectionResult(
        id=exercise.id,
        kind="exercise",
        number=exercise.number,
        title=exercise.title,
        file=f"exercises/{exercise.module}",
        tasks=results,
        error=error,
    )


def _quiz_section(course: Course, submission: Path) -> SectionResult:
    files = course.manifest.quiz
    assert files is not None
    quiz = load_quiz(course.exercises_dir / files.questions)
    key = load_key(course.solutions_dir / files.key, quiz)
    return grade_quiz(files, quiz, key, submission / "exercises" / files.answers)


def grade(
    course: Course,
    submission: Path,
    selection: Selection,
    *,
    seed: int,
    profile: str,
    server: SandboxServer | None,
    memory: ExampleMemory | None = None,
) -> GradeResult:
    """Grade `submission` against `course`. `server` may be None when only the quiz is graded.

    A judge that grades many submissions of one course passes the same `memory` each time: checks
    replay the examples they passed on before instead of generating them again (same grades)."""
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    sections: list[SectionResult] = []
    isolation = Isolation(level="not-needed")
    if selection.exercises:
        if server is None:
            raise ValueError("grading exercises needs a sandbox server")
        if not course.has_hidden_checks():
            raise CourseError(course.solutions_dir, "the hidden checks are not here (solutions/ is missing)")
        import torch

        # One thread: small tensors gain nothing from more, and idle OpenMP workers spinning on
        # the second core would slow the sandboxed child the judge is waiting for.
        torch.set_num_threads(1)
        runs: dict[str, ExerciseRun] = {}
        tasks = set(selection.tasks) if selection.tasks is not None else None
        plugin = JudgePlugin(server, runs, seed, profile, tasks, memory)
        try:
            for exercise in selection.exercises:
                runs[exercise.id] = _prepare(course, exercise, submission, server, seed)
            _run_checks(course, runs, plugin)
        finally:
            plugin.close_children()
            # A server that grades many submissions keeps no earlier one's copy for a later child to find.
            server.release(submission / "exercises")
        for run in runs.values():
            mine = sorted(
                (c for c in plugin.results if c.task.startswith(run.exercise.id + ".")),
                key=lambda c: plugin.order(c.id),
            )
            sections.append(_exercise_section(run, mine, selection.tasks))
        ready = server.ready()
        isolation = Isolation(level=ready["level"], layers=ready["layers"], missing=list(ready["missing"]))
    if selection.quiz and course.manifest.quiz is not None:
        sections.append(_quiz_section(course, submission))
    return GradeResult(
        grader_version=__version__,
        course=course.title,
        submission=str(submission),
        seed=seed,
        profile=profile,
        isolation=isolation,
        started_at=started_at,
        duration_s=round(time.perf_counter() - started, 3),
        sections=sections,
    )
