"""Gradescope: the autograder zip (`grade gradescope build`) and what runs in it (`grade gradescope run`).

The zip holds `setup.sh` and `run_autograder` at its root (Gradescope's "Autograder Specifications"),
the grader's source with pinned dependency versions (`grader-src/`), and the course, secret half
included (`course/`): the zip goes to Gradescope only, never to learners. `run` grades
`<root>/submission` and always writes `<root>/results/results.json`, also when grading fails.
"""

from __future__ import annotations

import shlex
import shutil
import stat
import tempfile
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.course import Course, CourseError, load_course
from grader.deploy.bundle import secret_files
from grader.deploy.errors import DeployError
from grader.deploy.templates import TORCH_VERSION, constraints, fill, pyproject
from grader.i18n import msg
from grader.reporters.common import ReportOptions
from grader.reporters.gradescope import GradescopeResults, GradescopeTest, Visibility, document, error_document
from grader.runner.server import SandboxUnavailable

COURSE_DIR = "course"
_SKIP = {"__pycache__", ".pytest_cache", ".hypothesis"}
# Folders that archive tools add and learners upload without meaning to.
_JUNK = {"__MACOSX", ".git", ".venv", "venv", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class RunSettings:
    """How the autograder grades: written into run_autograder when the zip is built."""

    visibility: Visibility = "after_published"
    lang: str = "en"
    profile: str = "grading"
    seed: int | None = None

    def options(self) -> str:
        args = ["--visibility", self.visibility, "--lang", self.lang, "--profile", self.profile]
        if self.seed is not None:
            args += ["--seed", str(self.seed)]
        return shlex.join(args)


def _tree(root: Path) -> list[Path]:
    return sorted(
        p for p in root.rglob("*") if p.is_file() and not (_SKIP & set(p.parts)) and not p.name.endswith(".pyc")
    )


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, data)


def build(course: Course, out: Path, settings: RunSettings) -> int:
    """Write the autograder zip for `course` to `out`; returns the number of files in it."""
    if not course.solutions_dir.is_dir():
        raise DeployError(f"{course.solutions_dir} does not exist: the autograder needs the hidden checks")
    engine = Path(grader.__file__).resolve().parent
    entries: list[tuple[str, bytes, bool]] = [
        ("setup.sh", fill("setup.sh", torch=TORCH_VERSION).encode(), True),
        ("run_autograder", fill("run_autograder", options=settings.options()).encode(), True),
        ("grader-src/pyproject.toml", pyproject().encode(), False),
        ("grader-src/constraints.txt", constraints().encode(), False),
    ]
    entries += [(f"grader-src/grader/{p.relative_to(engine).as_posix()}", p.read_bytes(), False) for p in _tree(engine)]
    for path in [*_tree(course.exercises_dir), *secret_files(course)]:
        entries.append((f"{COURSE_DIR}/{path.relative_to(course.root).as_posix()}", path.read_bytes(), False))
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, data, executable in entries:
            _add(archive, name, data, executable)
    return len(entries)


def _inside(path: Path, upload: Path) -> bool:
    """A regular file of the upload itself: a symlink could point at the reference solution next door."""
    return path.is_file() and not path.is_symlink() and path.resolve().is_relative_to(upload.resolve())


def _candidates(upload: Path, relative: str) -> list[Path]:
    """Where a learner's file may be in an upload: at its place in the repository layout, else anywhere by name."""
    exact = upload / relative
    if _inside(exact, upload):
        return [exact]
    name = Path(relative).name
    found = [p for p in upload.rglob(name) if _inside(p, upload) and not (_JUNK & set(p.relative_to(upload).parts))]
    return sorted(found, key=lambda p: (len(p.parts), str(p)))


def lay_out(course: Course, upload: Path, dest: Path) -> tuple[list[str], list[str]]:
    """Copy the learner's files from a Gradescope upload into `dest` laid out like the repository.

    Learners upload the repository, a folder of it, or the bare files; each expected file is taken
    from its place in the layout, or else the shallowest file of that name. Returns (found, missing).
    """
    wanted = [f"exercises/{ex.module}" for ex in course.exercises]
    if course.manifest.quiz is not None:
        wanted.append(f"exercises/{course.manifest.quiz.answers}")
    found, missing = [], []
    (dest / "exercises").mkdir(parents=True, exist_ok=True)
    for relative in wanted:
        candidates = _candidates(upload, relative)
        if not candidates:
            missing.append(relative)
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(candidates[0], target)
        found.append(relative)
    return found, missing


def _upload_test(found: list[str], missing: list[str], lang: str) -> GradescopeTest:
    """A visible check worth no points that says which files were found: learners see it before any score."""
    lines = [msg("upload_found", files=", ".join(found) or "-").get(lang)]
    if missing:
        lines.append(msg("upload_missing", files=", ".join(missing)).get(lang))
    return GradescopeTest(
        name=msg("upload_title").get(lang),
        # Worth nothing, but scored: the specification wants a score on every test when there is no total.
        score=0.0,
        max_score=0.0,
        status="failed" if missing else "passed",
        output="\n".join(lines),
        output_format="text",
        visibility="visible",
    )


def _grade(course: Course, submission: Path, settings: RunSettings) -> GradescopeResults:
    from grader.judge import Selection, grade
    from grader.runner.server import SandboxServer

    seed = course.manifest.course.seed if settings.seed is None else settings.seed
    server = SandboxServer()
    try:
        selection = Selection(exercises=tuple(course.exercises), quiz=True)
        result = grade(course, submission, selection, seed=seed, profile=settings.profile, server=server)
    finally:
        server.close()
    return document(result, ReportOptions(lang=settings.lang), settings.visibility)


def run(root: Path, settings: RunSettings) -> GradescopeResults:
    """Grade `<root>/submission` with the course in `<root>/source/course`; write and return the results."""
    results_path = root / "results" / "results.json"
    options = ReportOptions(lang=settings.lang)
    try:
        course = load_course(root / "source" / COURSE_DIR)
        with tempfile.TemporaryDirectory(prefix="grade-gradescope-") as tmp:
            found, missing = lay_out(course, root / "submission", Path(tmp))
            results = _grade(course, Path(tmp), settings)
        results.tests = [_upload_test(found, missing, settings.lang), *(results.tests or [])]
    except (CourseError, DeployError, SandboxUnavailable, OSError) as exc:
        results = error_document(str(exc), None, options)
    except Exception as exc:
        # A bug in the grader: Gradescope still gets results that say so; its stdout log gets the traceback.
        traceback.print_exc()
        results = error_document(f"internal error: {type(exc).__name__}: {exc}", None, options)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(results.dump(), encoding="utf-8")
    return results
