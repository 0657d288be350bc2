"""Run a course's public tests (`exercises/tests/test_exNN_topic.py`) on a submission.

They import the learner's code, so they run in a separate Python process (isolated mode, its own
process group, a CPU-time limit, no core dumps, a wall-clock timeout), never in the grader's. In it,
`grader.public_tests_plugin` gives importing each test module and each test the exercise's time
limit. They compute no score: they are what a learner can run where the hidden checks are not available.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from grader.course import Course, Exercise
from grader.public_tests_plugin import LANG_ENV, LIMITS_ENV

# pytest's exit statuses that mean "it ran": all passed, some failed, nothing matched.
PASSED, FAILED, NONE_SELECTED = 0, 1, 5


def public_tests_file(course: Course, exercise: Exercise) -> Path:
    return course.exercises_dir / "tests" / f"test_{exercise.module}"


def _limit_child(cpu_s: int) -> None:
    import resource  # POSIX only, like the whole of `grade test`

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or hard > cpu_s:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s if hard == resource.RLIM_INFINITY else hard))


def run_public_tests(
    course: Course,
    submission: Path,
    files: list[Path],
    keyword: str | None = None,
    *,
    color: bool = False,
    lang: str = "en",
    timeout_s: float = 600.0,
) -> int:
    """Run pytest on `files` against `submission`'s exercises, output to this terminal; pytest's exit status.

    Each test module's import and each test stop at their exercise's `timeout` (status TIMED_OUT).
    Raises subprocess.TimeoutExpired (after killing the whole process group) when the whole run
    takes longer than `timeout_s`.
    """
    command = [
        sys.executable,
        "-I",
        "-m",
        "pytest",
        "-q",
        "--tb=short",
        "-p",
        "no:cacheprovider",
        "-p",
        "grader.public_tests_plugin",
        f"--color={'yes' if color else 'no'}",
        "--rootdir",
        str(course.exercises_dir),
        "-c",
        os.devnull,
        *(str(f) for f in files),
    ]
    if keyword:
        command += ["-k", keyword]
    env = {
        **os.environ,
        # exercises/tests/conftest.py imports the learner's modules from here.
        "COURSE_IMPL_DIR": str(submission / "exercises"),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        LIMITS_ENV: json.dumps({public_tests_file(course, ex).name: ex.timeout for ex in course.exercises}),
        LANG_ENV: lang,
    }
    with subprocess.Popen(
        command,
        env=env,
        cwd=submission,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: _limit_child(int(timeout_s) + 1),
    ) as process:
        try:
            return process.wait(timeout=timeout_s)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
