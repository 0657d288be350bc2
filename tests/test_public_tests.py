"""The public tests learners run themselves: they pass on the reference and fail on the (pristine) stubs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_public_tests(impl_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COURSE_IMPL_DIR": str(impl_dir), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT / "exercises"),
            "-c",
            os.devnull,
            str(ROOT / "exercises" / "tests"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_public_tests_pass_on_the_reference():
    done = _run_public_tests(ROOT / "solutions")
    assert done.returncode == 0, done.stdout[-3000:]


def test_public_tests_fail_on_the_stubs(stubs_dir):
    done = _run_public_tests(stubs_dir / "exercises")
    assert done.returncode == 1
    assert "NotImplementedError" in done.stdout
