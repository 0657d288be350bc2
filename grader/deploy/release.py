"""`grade release`: the learner's template repository, made from the course's public half only.

It holds the exercises (stubs, public tests, quiz questions, an answers file with no answers), a
bilingual README, the grader's source and a pyproject.toml to run `grade` locally, the GitHub
Classroom workflow, and, when a key is given, the hidden checks encrypted (`.grader/hidden.bundle`).
Nothing is read from `solutions/` except through the bundle, and the finished folder is scanned for
anything of `solutions/` before it is accepted: a leak removes what was written and stops.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

import grader
from grader.course import Course
from grader.deploy.bundle import DEFAULT_BUNDLE, write_bundle
from grader.deploy.errors import DeployError
from grader.deploy.leaks import find_leaks
from grader.deploy.templates import PYTHON_FOR_CI, TORCH_VERSION, fill, pyproject
from grader.progress import definitions
from grader.quiz import load_quiz

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis")
# What the grading step emits when the grader cannot even start (see templates/classroom.yml).
_FALLBACK = {
    "version": 1,
    "status": "error",
    "max_score": 1,
    "message": "the grader did not start: see the log of the steps above",
    "tests": [
        {
            "name": "grader",
            "status": "error",
            "score": 0,
            "message": "the grader did not start: see the log of the steps above",
            "test_code": "grade all",
            "filename": "",
            "line_no": 0,
            "duration": 0,
        }
    ],
}


@dataclass
class Release:
    """What `release` wrote."""

    out: Path
    files: int
    bundle: Path | None
    notes: list[str] = field(default_factory=list)


def _answers_template(course: Course) -> str:
    files = course.manifest.quiz
    assert files is not None
    quiz = load_quiz(course.exercises_dir / files.questions)
    # The examples answer a made-up question: an example for a real one would show or contradict its key.
    lines = [
        "# Your quiz answers: one line per question, the option number (options count from 1), or a list",
        '# for "choose all". For a made-up question q0 (not part of the quiz): q0 = 2, or q0 = [1, 3].',
        "# 퀴즈 답: 문제마다 한 줄에 보기 번호(1부터)를, 여러 개를 고르는 문제에는 번호 목록을 적으세요.",
        "# 예를 들어 퀴즈에 없는 문제 q0이라면 q0 = 2 또는 q0 = [1, 3]처럼 씁니다.",
        "# Remove the # before a line to answer it (답하려면 줄 앞의 #을 지우세요). Check with: grade quiz",
        "",
    ]
    lines += [f"# {q.id} = " for q in quiz.questions]
    return "\n".join(lines) + "\n"


def _table(course: Course, lang: str) -> str:
    rows = []
    for ex in course.exercises:
        tasks = ", ".join(f"`{t.name}`" for t in ex.tasks)
        total = sum(t.points for t in ex.tasks)
        rows.append(f"| {ex.number} | {ex.title.get(lang)} | `exercises/{ex.module}` | {tasks} | {total:g} |")
    if course.manifest.quiz is not None:
        quiz = load_quiz(course.exercises_dir / course.manifest.quiz.questions)
        total = sum(q.points for q in quiz.questions)
        answers = f"exercises/{course.manifest.quiz.answers}"
        rows.append(f"| | {course.manifest.quiz.title.get(lang)} | `{answers}` | {len(quiz.questions)} | {total:g} |")
    return "\n".join(rows)


def readme(course: Course) -> str:
    info = course.manifest.course
    welcome = info.welcome
    return fill(
        "README.md",
        title_en=info.title.en,
        title_ko=info.title.get("ko"),
        welcome_en=(welcome.en if welcome else "").strip(),
        welcome_ko=(welcome.get("ko") if welcome else "").strip(),
        torch=TORCH_VERSION,
        first_task=course.exercises[0].tasks[0].name,
        table_en=_table(course, "en"),
        table_ko=_table(course, "ko"),
    )


def workflow(key_env: str, bundle: Path = DEFAULT_BUNDLE, lang: str = "en") -> str:
    """The Classroom workflow; `lang` is the language of the Grade step's report in the job log."""
    return fill(
        "classroom.yml",
        lang=lang,
        python=PYTHON_FOR_CI,
        torch=TORCH_VERSION,
        key_env=key_env,
        bundle=bundle.as_posix(),
        fallback=json.dumps(_FALLBACK, separators=(",", ":")),
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _copy_public(course: Course, out: Path) -> None:
    answers = course.manifest.quiz.answers if course.manifest.quiz else None

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(_IGNORE(folder, names))
        if answers is not None:
            skipped |= {n for n in names if Path(folder, n) == course.exercises_dir / answers}
        return skipped

    shutil.copytree(course.exercises_dir, out / "exercises", ignore=ignore)
    if answers is not None:
        _write(out / "exercises" / answers, _answers_template(course))
    shutil.copytree(Path(grader.__file__).resolve().parent, out / "grader", ignore=_IGNORE)


def _check_stubs(course: Course) -> None:
    """Every task of every exercise is still a stub: a task solved in this copy would be published."""
    for exercise in course.exercises:
        path = course.exercises_dir / exercise.module
        found = definitions(path.read_text(encoding="utf-8")) if path.is_file() else None
        solved = [task.name for task in exercise.tasks if found is None or not found.get(task.name)]
        if solved:
            raise DeployError(
                f"exercises/{exercise.module} implements {', '.join(solved)}: releasing it would publish a "
                f"solution; restore the stubs first (git checkout -- exercises/{exercise.module})"
            )


def _check_empty(out: Path) -> bool:
    """True when `out` must be created; an error when it exists with something in it (nothing is overwritten)."""
    if not out.exists():
        return True
    if not out.is_dir():
        raise DeployError(f"{out} exists and is not a folder")
    if any(out.iterdir()):
        raise DeployError(f"{out} is not empty: release writes into a new or empty folder only")
    return False


def release(course: Course, out: Path, *, key: Fernet | None, key_env: str, lang: str = "en") -> Release:
    """Write the learner repository for `course` into `out` (new or empty); with `key`, the encrypted bundle too."""
    _check_stubs(course)
    created = _check_empty(out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        _copy_public(course, out)
        _write(out / "README.md", readme(course))
        _write(out / ".gitignore", fill("gitignore"))
        _write(out / "pyproject.toml", pyproject())
        _write(out / ".github" / "workflows" / "classroom.yml", workflow(key_env, lang=lang))
        bundle = None
        if key is not None:
            bundle = out / DEFAULT_BUNDLE
            write_bundle(course, bundle, key)
        leaks = find_leaks(course, out)
        if leaks:
            shown = "\n  ".join(str(leak) for leak in leaks[:20])
            more = f"\n  ... and {len(leaks) - 20} more" if len(leaks) > 20 else ""
            raise DeployError(f"the release would give away the secret half; nothing was kept:\n  {shown}{more}")
    except BaseException:
        # Remove only what this call wrote: a folder that existed (empty) stays.
        if created:
            shutil.rmtree(out, ignore_errors=True)
        else:
            for child in out.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    notes = []
    if bundle is None:
        notes.append(
            f"no hidden checks bundle: set {key_env} (grade bundle --new-key) and release again, or let the "
            'workflow check out a private repository instead (README, "Use with GitHub Classroom")'
        )
    files = sum(1 for p in out.rglob("*") if p.is_file())
    return Release(out=out, files=files, bundle=bundle, notes=notes)
