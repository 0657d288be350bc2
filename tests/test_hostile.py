"""The hostile corpus: each file in tests/hostile/ is a submission that tries to crash, hang, flood,
escape or cheat. For every one the grader survives, the attacked tasks score no more than the same
code would honestly score, the untouched tasks are still graded, nothing outside the sandbox's
scratch directory changes, and everything ends within the configured timeouts.

A file is appended to the reference solution (so the tasks it leaves alone are correct), unless it
replaces the whole module. Attacks that only a layer this machine lacks can stop are skipped, with
the reason, instead of being run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from grader.course import Course
from grader.judge import Selection, grade
from grader.results import GradeResult
from grader.runner.server import SandboxServer
from grader.runner.staging import Staging

HOSTILE = Path(__file__).with_name("hostile")
ROOT = Path(__file__).resolve().parents[1]
GRADE = (sys.executable, "-m", "grader")
ALL = frozenset(
    {
        "ex01.one_hot",
        "ex01.flatten_batch",
        "ex01.standardize",
        "ex01.pairwise_sq_dists",
        "ex01.linear",
        "ex01.masked_mean",
    }
)
# Short enough to keep the hangs cheap, long enough for every honest call on a busy machine.
TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Attack:
    attacked: frozenset[str]
    # What the learner's code gets on the attacked tasks at most: what it would honestly score.
    honest_points: float = 0.0
    # Categories the attacked tasks' failing checks may have (empty: any, the attack only has to fail).
    categories: frozenset[str] = frozenset()
    # Layers of which at least one must be active for the attack to be stopped.
    needs: frozenset[str] = frozenset()
    replaces_module: bool = False


def _attack(attacked: set[str] | frozenset[str], categories: set[str], needs: set[str] = frozenset(), **kw) -> Attack:
    return Attack(frozenset(attacked), categories=frozenset(categories), needs=frozenset(needs), **kw)


CORPUS: dict[str, Attack] = {
    "exit_at_import": _attack(ALL, {"import"}),
    "infinite_loop_at_import": _attack(ALL, {"import"}),
    "infinite_loop_in_task": _attack({"ex01.linear"}, {"timeout", "not_run"}),
    "os_exit_in_task": _attack({"ex01.one_hot"}, {"crash"}),
    "exit_exceptions_in_tasks": _attack({"ex01.standardize", "ex01.masked_mean"}, {"exception"}),
    "memory_bomb": _attack({"ex01.standardize", "ex01.masked_mean"}, {"memory", "crash"}),
    "fork_bomb": _attack({"ex01.flatten_batch"}, set()),
    "huge_output": _attack({"ex01.masked_mean"}, set()),
    "segfault": _attack({"ex01.pairwise_sq_dists"}, {"crash"}),
    "read_reference": _attack({"ex01.one_hot"}, set(), {"landlock"}),
    "write_outside_scratch": _attack({"ex01.flatten_batch"}, {"exception"}, {"landlock"}),
    "network": _attack({"ex01.standardize"}, {"exception"}, {"seccomp", "network-namespace", "landlock-network"}),
    "monkeypatch_torch": _attack(ALL, set(), replaces_module=True),
    "lying_results": _attack({"ex01.one_hot", "ex01.linear"}, set()),
    "malicious_pickle": _attack({"ex01.one_hot", "ex01.flatten_batch"}, {"result"}),
    "ptrace": _attack({"ex01.pairwise_sq_dists"}, {"exception"}, {"seccomp", "landlock", "unprivileged-uid"}),
    "kill_grader": _attack({"ex01.masked_mean"}, {"exception"}, {"seccomp", "landlock-signals"}),
    "act_on_the_judge": _attack({"ex01.linear"}, {"exception"}, {"seccomp"}),
    "judge_pid_in_memory": _attack({"ex01.one_hot"}, {"exception"}),
    "metadata_outside_view": _attack({"ex01.flatten_batch"}, {"exception"}, {"seccomp"}),
    "root_powers": _attack({"ex01.standardize"}, {"exception"}, {"no-capabilities"}),
    "watch_the_judge": _attack({"ex01.pairwise_sq_dists"}, {"exception"}, {"seccomp"}),
    "sigio_the_judge": _attack({"ex01.one_hot"}, {"exception"}, {"seccomp"}),
    "stat_solutions": _attack({"ex01.masked_mean"}, {"exception"}, {"mount-namespace"}),
    # Staged copies are removed once graded; another sandbox's, or one still there, only Landlock hides.
    "read_classmate": _attack({"ex01.one_hot"}, {"exception"}, {"landlock"}),
    "newline_flood": _attack({"ex01.standardize"}, {"exception", "crash"}),
    "forged_tensors": _attack(ALL - {"ex01.standardize"}, {"result"}),
    "forged_gradients": _attack({"ex01.pairwise_sq_dists", "ex01.linear"}, {"result", "exception"}),
    "forged_first_answer": _attack(ALL, {"import"}),
}


def test_every_hostile_file_is_in_the_corpus():
    assert {p.stem for p in HOSTILE.glob("*.py")} == set(CORPUS)


def _tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def listener():
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        yield server


def _source(name: str, attack: Attack, course: Course, places: dict[str, str]) -> str:
    text = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
    for key, value in places.items():
        text = text.replace(f"@@{key}@@", value)
    if attack.replaces_module:
        return text
    return (course.solutions_dir / "ex01_tensors.py").read_text(encoding="utf-8") + "\n\n" + text


def _grade(course: Course, server: SandboxServer, submission: Path) -> GradeResult:
    exercise = course.exercise(1)
    assert exercise is not None
    hurried = exercise.model_copy(update={"timeout": TIMEOUT_S})
    selection = Selection(exercises=(hurried,), quiz=False)
    return grade(course, submission, selection, seed=0, profile="quick", server=server)


def _living_descendants(pid: int, patience_s: float = 30.0) -> list[psutil.Process]:
    """The descendants of `pid` that are not dead, once those killed have had `patience_s` to go."""
    deadline = time.monotonic() + patience_s
    while True:
        living = []
        for process in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                if process.status() != psutil.STATUS_ZOMBIE:
                    living.append(process)
        if len(living) <= 1 or time.monotonic() > deadline:
            return living
        time.sleep(0.05)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_submission(name, course, server, make_submission, tmp_path, listener):
    attack = CORPUS[name]
    layers = set(server.ready()["layers"])
    if attack.needs and not attack.needs & layers:
        reasons = "; ".join(f"{k}: {v}" for k, v in server.ready()["missing"].items() if k in attack.needs)
        pytest.skip(
            f"only {', '.join(sorted(attack.needs))} can stop this attack, and this machine has none ({reasons})"
        )
    outside = tmp_path / "outside"
    outside.mkdir()
    submission = make_submission({})
    places = {
        "SOLUTIONS": str(course.solutions_dir),
        "SUBMISSION": str(submission / "exercises"),
        "OUTSIDE": str(outside),
        "PORT": str(listener.getsockname()[1]),
        "JUDGE": str(os.getpid()),  # grade() runs in this process: it is the judge
    }
    (submission / "exercises" / "ex01_tensors.py").write_text(_source(name, attack, course, places), encoding="utf-8")
    before = _tree_digest(submission)

    result = _grade(course, server, submission)

    by_task = {t.id: t for t in result.sections[0].tasks}
    assert set(by_task) == ALL
    for task_id, task in by_task.items():
        if task_id in attack.attacked:
            assert task.points <= attack.honest_points, (task_id, [c.message for c in task.checks])
            failing = {c.category for c in task.checks if not c.passed}
            assert failing, task_id
            assert not attack.categories or failing <= attack.categories, (task_id, failing)
        else:
            assert task.passed, (task_id, task.first_failure())
    for check in result.checks():
        for text in (check.message.en if check.message else "", check.learner_output or ""):
            assert "ESCAPED" not in text, text
    assert _tree_digest(submission) == before
    assert list(outside.iterdir()) == []
    with pytest.raises(BlockingIOError):
        listener.accept()
    # What the attack forked was killed with its check: only the server's spare child is left.
    assert len(_living_descendants(server.pid)) <= 1


def test_a_classmate_graded_before_by_the_same_worker_is_out_of_reach(course, make_submission, monkeypatch):
    """A batch worker grades one submission after another with one server: the second finds neither
    the first's code nor its quiz answers, even told where the first's copy was."""
    staged: list[Path] = []
    stage = Staging.stage
    monkeypatch.setattr(Staging, "stage", lambda self, module: staged.append(stage(self, module)) or staged[-1])
    answers = course.manifest.quiz.answers
    with SandboxServer() as worker:
        first = make_submission({answers: (course.exercises_dir / answers).read_text() + "# CLASSMATE-SECRET\n"})
        graded = _grade(course, worker, first)
        assert graded.points == graded.max_points
        places = {"CLASSMATE": str(staged[0].parent)}
        second = make_submission(
            {"ex01_tensors.py": _source("read_classmate", CORPUS["read_classmate"], course, places)}
        )
        result = _grade(course, worker, second)
    one_hot = next(t for t in result.sections[0].tasks if t.id == "ex01.one_hot")
    assert one_hot.points == 0, [c.message for c in one_hot.checks]
    for check in result.checks():
        for text in (check.message.en if check.message else "", check.learner_output or ""):
            assert "ESCAPED" not in text and "CLASSMATE-SECRET" not in text, text


def test_a_grade_survives_its_server_being_killed(course, make_submission):
    """Where no layer stops a child from killing the server, the judge restarts it and grading goes on."""
    with SandboxServer() as own:
        submission = make_submission({})
        first = own.pid
        own.ready()
        os.kill(first, 9)
        result = _grade(course, own, submission)
        assert own.pid != first
        assert result.points == result.max_points


def test_learner_output_never_reaches_the_graders_stdout(course, make_submission, tmp_path):
    source = _source("huge_output", CORPUS["huge_output"], course, {})
    submission = make_submission({"ex01_tensors.py": source})
    done = subprocess.run(
        [*GRADE, "exercise", "1", "masked_mean", "--submission", str(submission), "--format", "json", "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)  # one document and nothing else
    assert document["isolation"]["layers"]
    printed = "\n".join(
        c["learner_output"] or "" for s in document["sections"] for t in s["tasks"] for c in t["checks"]
    )
    assert "Total: 12/12" in printed and "more characters not shown" in printed
    assert not any(line.lstrip().startswith(("::", "##[")) for line in printed.splitlines())
    for line in (done.stdout + done.stderr).splitlines():
        assert not line.lstrip().startswith(("::", "##[")), line
