"""The pytest plugin that turns hidden checks into results: fixtures, seeds, and one CheckResult per test."""

from __future__ import annotations

import gc
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import torch
from hypothesis.errors import Flaky, HypothesisException

from grader.checks import MARKER
from grader.checks.failures import CheckFailed
from grader.course import CourseError, Exercise
from grader.i18n import Text, msg
from grader.judge.assets import ExerciseAssets
from grader.judge.replay import ExampleMemory, Key, Recording, fixture_names, replay
from grader.profiles import grading_settings, seed_for
from grader.results import CheckResult, Outcome
from grader.runner.callrepr import format_scenario
from grader.runner.errors import LearnerRaised, SandboxAbort
from grader.runner.proxy import Learner, Reference
from grader.runner.server import SandboxServer
from grader.runner.session import CheckSession, TaskChild, TaskHealth
from grader.sandbox.limits import Limits


@dataclass
class ExerciseRun:
    """One exercise being graded: the learner's file, the trusted assets, and what blocks which tasks."""

    exercise: Exercise
    learner_file: Path
    assets: ExerciseAssets
    limits: Limits
    # Why no check of this exercise can run (missing file, import failure), as (category, message).
    blocked: tuple[str, Text] | None = None
    missing: set[str] = field(default_factory=set)
    # The child that imported the module to list its names, kept for the exercise's first task.
    child: TaskChild | None = None


@dataclass(frozen=True)
class CheckInfo:
    task: str
    title: Text
    weight: float
    secret: bool


# Failures that do not depend on the input: showing it would only add noise.
_NO_INPUT_SHOWN = frozenset({"not_implemented", "missing", "import", "not_run"})


class _Current:
    """The session of the running check, so the per-example wrapper can reset its call log, and
    the recording of its examples, when they are to be remembered."""

    session: CheckSession | None = None
    recording: Recording | None = None


_current = _Current()


class _TorchRandom:
    """torch's global RNG in the shape Hypothesis expects, so every example starts from the same state."""

    # The CPU generator only: torch.manual_seed would also queue a lazy CUDA/XPU/MTIA seeding that
    # formats the whole call stack, on every example (milliseconds each under pytest and Hypothesis).
    seed = staticmethod(lambda value: torch.random.default_generator.manual_seed(value % (1 << 63)))
    getstate = staticmethod(torch.get_rng_state)
    setstate = staticmethod(torch.set_rng_state)


_torch_random = _TorchRandom()
hypothesis.register_random(_torch_random)
# torch, pytest and Hypothesis live as long as the judge: frozen, their objects are skipped by every
# later collection, including the gc.collect() of Hypothesis' seeding (after register_random, whose
# reference check cannot see frozen referrers).
gc.freeze()


def _prepare_hypothesis(test: Callable[..., Any], profile: str, seed: int) -> None:
    """Give a hidden check its grading settings and seed, and reset the call log before each example."""
    handle = getattr(test, "hypothesis", None)
    if handle is None:
        return
    parent = getattr(test, "_hypothesis_internal_use_settings", None)
    test._hypothesis_internal_use_settings = grading_settings(profile, parent)  # type: ignore[attr-defined]
    hypothesis.seed(seed)(test)
    if getattr(handle.inner_test, "_grader_wrapped", False):
        return
    inner = handle.inner_test

    def per_example(*args: Any, **kwargs: Any) -> Any:
        if _current.session is not None:
            _current.session.calls.clear()
        recording = _current.recording
        if recording is not None:
            recording.add(args, kwargs)
        try:
            return inner(*args, **kwargs)
        except BaseException:
            if recording is not None:
                recording.broken = True
            raise

    per_example._grader_wrapped = True  # type: ignore[attr-defined]
    handle.inner_test = per_example


class JudgePlugin:
    def __init__(
        self,
        server: SandboxServer,
        runs: dict[str, ExerciseRun],
        seed: int,
        profile: str,
        tasks: set[str] | None = None,
        memory: ExampleMemory | None = None,
    ):
        self.server = server
        self.memory = memory
        self.runs = runs
        self.seed = seed
        self.profile = profile
        self.tasks = tasks
        self.health = TaskHealth()
        self.results: list[CheckResult] = []
        self.interrupted = False
        self._info: dict[str, CheckInfo] = {}
        self._order: dict[str, int] = {}
        self._sessions: dict[str, CheckSession] = {}
        self._started: dict[str, float] = {}
        # The live child of the task whose checks are running (one task at a time).
        self._task_child: tuple[str, TaskChild] | None = None
        # Checks with an example that failed in replay: the full run after it cannot make them pass.
        self._failed_in_replay: set[str] = set()

    # -- configuration ------------------------------------------------------------------------
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", f"{MARKER}(task, title, weight, secret): ties a hidden check to its task")

    def _info_for(self, item: pytest.Item) -> CheckInfo:
        mark = item.get_closest_marker(MARKER)
        path = Path(str(item.path))
        if mark is None:
            raise CourseError(path, f"{item.name} has no @check(...) marker naming its task")
        task = mark.kwargs.get("task", "")
        exercise_id, _, name = task.partition(".")
        run = self.runs.get(exercise_id)
        if run is None or run.exercise.task(name) is None or path.name != f"test_{run.exercise.module}":
            raise CourseError(
                path, f"{item.name} is marked for task {task!r}, which this file's exercise does not have"
            )
        return CheckInfo(
            task, mark.kwargs["title"], float(mark.kwargs.get("weight", 1.0)), bool(mark.kwargs.get("secret"))
        )

    def _run_for(self, info: CheckInfo) -> ExerciseRun:
        return self.runs[info.task.partition(".")[0]]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep, drop = [], []
        for item in items:
            info = self._info_for(item)
            if self.tasks is not None and info.task not in self.tasks:
                drop.append(item)
                continue
            self._info[item.nodeid] = info
            self._order[item.nodeid] = len(self._order)
            run = self._run_for(info)
            name = info.task.partition(".")[2]
            blocked = run.blocked or (
                ("missing", msg("missing_name", file=run.exercise.module, name=name)) if name in run.missing else None
            )
            if blocked is not None:
                drop.append(item)
                self._record(item, info, Outcome.FAILED, category=blocked[0], message=blocked[1])
                continue
            _prepare_hypothesis(item.obj, self.profile, seed_for(self.seed, item.nodeid))  # type: ignore[attr-defined]
            keep.append(item)
        items[:] = keep
        if drop:
            config.hook.pytest_deselected(items=drop)

    # -- fixtures -----------------------------------------------------------------------------
    def _child_for(self, task: str, run: ExerciseRun) -> TaskChild:
        """The child of `task`: checks of one task share it; starting another task ends the previous one's."""
        if self._task_child is not None and self._task_child[0] != task:
            self._end_task()
        if self._task_child is None:
            child = run.child or TaskChild(self.server, run.learner_file, run.limits, self.seed)
            run.child = None
            self._task_child = (task, child)
        return self._task_child[1]

    def _end_task(self) -> None:
        if self._task_child is not None:
            self._task_child[1].close()
            self._task_child = None

    def close_children(self) -> None:
        """End the running task's child, and the children kept for tasks that never ran."""
        self._end_task()
        for run in self.runs.values():
            if run.child is not None:
                run.child.close()
                run.child = None

    @pytest.fixture
    def learner(self, request: pytest.FixtureRequest) -> Iterator[Learner]:
        info = self._info[request.node.nodeid]
        run = self._run_for(info)
        session = CheckSession(
            self.server,
            run.learner_file,
            info.task,
            run.limits,
            self.seed,
            self.health,
            run.assets.probe_source,
            child=self._child_for(info.task, run),
        )
        self._sessions[request.node.nodeid] = session
        _current.session = session
        try:
            yield Learner(session, run.assets.reference)
        finally:
            _current.session = None
            session.close()

    @pytest.fixture
    def reference(self, request: pytest.FixtureRequest) -> Reference:
        run = self._run_for(self._info[request.node.nodeid])
        return Reference(run.assets.reference, run.assets.probes)

    # -- remembered examples ------------------------------------------------------------------
    def _memory_key(self, item: pytest.Item) -> Key:
        return (item.nodeid, self.seed, self.profile)

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        """Replay the remembered examples of a check when there are some; otherwise let Hypothesis
        run it, recording its examples to remember if it passes."""
        handle = getattr(pyfuncitem.obj, "hypothesis", None)
        if self.memory is None or handle is None:
            return None
        names = fixture_names(pyfuncitem.obj)
        examples = self.memory.recall(self._memory_key(pyfuncitem))
        _current.recording = Recording(names) if examples is None else None
        if examples is None:
            return None
        if replay(handle.inner_test, {name: pyfuncitem.funcargs[name] for name in names}, examples):
            self.memory.replayed += 1
            return True
        self.memory.fell_back += 1
        self._failed_in_replay.add(pyfuncitem.nodeid)
        return None

    def _remember(self, item: pytest.Item, passed: bool) -> None:
        recording, _current.recording = _current.recording, None
        if self.memory is not None and recording is not None and passed and recording.complete():
            self.memory.remember(self._memory_key(item), recording.examples)

    # -- outcomes -----------------------------------------------------------------------------
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._started[item.nodeid] = time.perf_counter()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport | None:
        """Record the outcome and answer with a bare report: pytest's own traceback rendering is not needed."""
        info = self._info.get(item.nodeid)
        if info is None:
            return None
        # Learner code that failed an example in replay, then passed them all, answers by its history.
        unsteady = call.when == "call" and call.excinfo is None and item.nodeid in self._failed_in_replay
        if call.when == "setup" and call.excinfo is not None:
            self._record(item, info, *self._from_exception(call.excinfo.value, None))
        elif call.when == "call":
            self._remember(item, passed=call.excinfo is None)
            session = self._sessions.get(item.nodeid)
            if unsteady:
                self._record(item, info, Outcome.FAILED, "nondeterministic", msg("nondeterministic"), session=session)
            elif call.excinfo is None:
                self._record(item, info, Outcome.PASSED, session=session)
            else:
                self._record(item, info, *self._from_exception(call.excinfo.value, session), session=session)
        failed = call.excinfo is not None or unsteady
        return pytest.TestReport(
            item.nodeid,
            item.location,
            keywords={},
            outcome="failed" if failed else "passed",
            longrepr="see the grade result" if failed else None,
            when=call.when,
            duration=call.duration,
            start=call.start,
            stop=call.stop,
        )

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.interrupted = True

    def _from_exception(
        self, exc: BaseException, session: CheckSession | None
    ) -> tuple[Outcome, str, Text, Text | None]:
        if isinstance(exc, CheckFailed):
            return Outcome.FAILED, exc.category, exc.message, exc.diagnosis
        if isinstance(exc, SandboxAbort):
            return Outcome.FAILED, exc.category, exc.message, None
        if isinstance(exc, LearnerRaised):
            return Outcome.FAILED, "probe" if exc.in_probe else "exception", exc.describe(), None
        if isinstance(exc, Flaky):
            return Outcome.FAILED, "nondeterministic", msg("nondeterministic"), None
        if isinstance(exc, AssertionError):
            text = str(exc).strip()
            return Outcome.FAILED, "value", Text(en=text) if text else msg("check_failed"), None
        if isinstance(exc, pytest.fail.Exception):
            return Outcome.FAILED, "value", Text(en=str(exc)), None
        # Anything else is the check's own bug (or an unexpected value it did not guard against).
        where = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        kind = "course" if isinstance(exc, HypothesisException) else "grader"
        return Outcome.ERROR, kind, msg("grader_error", detail=where[:500]), None

    def _shown_call(self, session: CheckSession, info: CheckInfo) -> str | None:
        """The learner call of the failing example, as code the learner could run: a scenario of the
        probes file shows the learner's code it ran (its `learner_call`), not its own name."""
        if not session.calls:
            return None
        name, args, kwargs = session.calls[-1]
        probes = self._run_for(info).assets.probes
        return format_scenario(getattr(probes, name, None), name, args, kwargs)

    def order(self, check_id: str) -> int:
        """Position of a check in its file, so reports list checks as the author wrote them."""
        return self._order.get(check_id, len(self._order))

    def _record(
        self,
        item: pytest.Item,
        info: CheckInfo,
        outcome: Outcome,
        category: str | None = None,
        message: Text | None = None,
        diagnosis: Text | None = None,
        session: CheckSession | None = None,
    ) -> None:
        call = None
        printed = None
        if session is not None:
            printed = session.printed()
            if outcome is not Outcome.PASSED and not info.secret and category not in _NO_INPUT_SHOWN:
                call = self._shown_call(session, info)
        started = self._started.get(item.nodeid)
        self.results.append(
            CheckResult(
                id=item.nodeid,
                task=info.task,
                title=info.title,
                outcome=outcome,
                weight=info.weight,
                category=category,
                message=message,
                diagnosis=diagnosis,
                call=call,
                learner_output=printed,
                duration_s=round(time.perf_counter() - started, 4) if started else 0.0,
            )
        )
