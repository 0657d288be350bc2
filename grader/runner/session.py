"""One check's conversation with the sandbox: its task's child, calls, probes, and what they ended in."""

from __future__ import annotations

import hashlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.i18n import Text, msg
from grader.runner.answers import check_echo, check_names, check_value_and_grads
from grader.runner.errors import LearnerRaised, SandboxAbort
from grader.runner.output import neutralize, neutralize_all
from grader.runner.server import ChildProcess, SandboxServer
from grader.sandbox import protocol
from grader.sandbox.limits import Limits
from grader.sandbox.values import decode

_OOM_MARKERS = ("can't allocate memory", "not enough memory", "out of memory")


@dataclass(frozen=True)
class ProbeSource:
    """Scenario code for classes and callbacks: it runs in the child next to the learner's module."""

    filename: str
    text: str
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", hashlib.sha256(self.text.encode()).hexdigest())


@dataclass
class TaskHealth:
    """Shared by every check of one task: after a timeout, the task's later checks are not run."""

    stopped: dict[str, SandboxAbort] = field(default_factory=dict)


def how_it_ended(status: dict[str, Any]) -> Text:
    sig = status.get("signal")
    if sig:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return (
            msg(f"ended_{name.lower()}")
            if name in ("SIGSEGV", "SIGKILL", "SIGXCPU", "SIGABRT")
            else msg("ended_signal", name=name)
        )
    code = status.get("exit_code")
    if code is not None:
        return msg("ended_exit", code=code)
    return msg("ended_unknown")


def import_failure(file: str, error: dict[str, Any]) -> Text:
    """The learner's module failed while being imported: say where, as a person would."""
    syntax = error.get("syntax")
    if syntax:
        line, offset, text, why = syntax
        caret = " " * max(offset - 1, 0) + "^"
        return msg("syntax_error", file=file, line=line, message=why, text=text, caret=caret)
    short = error.get("type", "").removeprefix("builtins.")
    if short in ("SystemExit", "KeyboardInterrupt"):
        return msg("import_exit", file=file, type=short)
    frames = error.get("frames") or []
    where = f" (line {frames[-1][1]})" if frames else ""
    return msg("import_failed", file=file, type=short, message=error.get("message", ""), where=where)


class TaskChild:
    """The child that runs one task's checks, one after another: forked, confined and importing the
    learner's module once per task rather than once per check. A call that crashes, times out or
    sends an unreadable answer drops it; the next call forks a fresh one."""

    def __init__(self, server: SandboxServer, module: Path, limits: Limits, seed: int):
        self.server = server
        self.module = module
        self.limits = limits
        self.seed = seed
        self._child: ChildProcess | None = None
        # Digests of the probe files this child was sent (it keeps each one it ran).
        self.probes_sent: set[str] = set()

    def get(self) -> ChildProcess:
        if self._child is None:
            self._child = self.server.spawn(self.module, self.limits, self.seed)
            self.probes_sent = set()
        return self._child

    def drop(self, kill: bool) -> Text:
        """Forget the current child (the next call forks a fresh one) and say how it ended."""
        child, self._child = self._child, None
        if child is None:
            return msg("ended_unknown")
        if kill:
            child.kill()
            return msg("ended_unknown")
        return how_it_ended(child.reap())

    def close(self) -> None:
        self.drop(kill=True)


class CheckSession:
    """Runs one check's learner calls in its task's child (`child`), or in a child of its own."""

    def __init__(
        self,
        server: SandboxServer,
        module: Path,
        task: str,
        limits: Limits,
        seed: int,
        health: TaskHealth,
        probes: ProbeSource | None = None,
        child: TaskChild | None = None,
    ):
        self.module = module
        self.task = task
        self.limits = limits
        self.health = health
        self.probes = probes
        self._owns_child = child is None
        self._child = child if child is not None else TaskChild(server, module, limits, seed)
        # The calls of the current example (reset by the judge between generated examples), and
        # what the latest call printed.
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.outputs: list[str] = []

    # -- what checks call -------------------------------------------------------------------
    def call(self, target: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Call `target(*args, **kwargs)`."""
        message = {"op": "call", "target": target, "args": args, "kwargs": kwargs, "echo": False}
        return self._run(target, message, args, kwargs)

    def call_echoed(
        self, target: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        """Call `target(*args, **kwargs)`: the result, and the arguments as the call left them."""
        message = {"op": "call", "target": target, "args": args, "kwargs": kwargs, "echo": True}
        answer = self._run(target, message, args, kwargs)
        try:
            return check_echo(answer)
        except protocol.ProtocolError as exc:
            raise self._unreadable(target, exc) from None

    def grad(
        self, target: str, args: tuple[Any, ...], kwargs: dict[str, Any], wrt: tuple[int, ...], upstream: Any
    ) -> Any:
        message = {
            "op": "grad",
            "target": target,
            "args": args,
            "kwargs": kwargs,
            "wrt": list(wrt),
            "upstream": upstream,
        }
        answer = self._run(target, message, args, kwargs)
        try:
            return check_value_and_grads(answer, len(wrt))
        except protocol.ProtocolError as exc:
            raise self._unreadable(target, exc) from None

    def probe(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if self.probes is None:
            raise RuntimeError(f"no probes file for {self.module.name}")
        message: dict[str, Any] = {
            "op": "probe",
            "name": name,
            "digest": self.probes.digest,
            "filename": self.probes.filename,
            "args": args,
            "kwargs": kwargs,
        }
        # Reports name the task (`MLP`), or the learner's function the error came from, not the scenario.
        return self._run(name, message, args, kwargs, label=self.task.partition(".")[2] or name)

    def load(self) -> list[str]:
        """Import the module in a child and list its public names (raises SandboxAbort if it cannot be imported)."""
        call = f"import {self.module.stem}"
        try:
            return check_names(self._run(call, {"op": "load"}, (), {}))
        except protocol.ProtocolError as exc:
            raise self._unreadable(call, exc) from None

    def close(self) -> None:
        """End the check; its own child ends with it, a task's child lives on for the task's next check."""
        if self._owns_child:
            self._child.close()

    def printed(self) -> str | None:
        text = "".join(self.outputs).strip()
        return neutralize(text) if text else None

    # -- how ----------------------------------------------------------------------------------
    def _unreadable(self, label: str, error: protocol.ProtocolError) -> SandboxAbort:
        """A well-formed answer that is not what was asked: the child may be forging them, so it goes."""
        self._child.drop(kill=True)
        return SandboxAbort("result", msg("result_unreadable", call=label, detail=str(error)))

    def _run(
        self,
        name: str,
        message: dict[str, Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        label: str | None = None,
    ) -> Any:
        """Send one request. `name` and the arguments are what the report shows as the input;
        `label` (default `name`) is what messages call the code that ran."""
        label = label or name
        stopped = self.health.stopped.get(self.task)
        if stopped is not None:
            raise SandboxAbort("not_run", msg("not_run_after_timeout", task=self.task))
        if message["op"] != "load":
            self.calls.append((name, args, kwargs))
            self.outputs.clear()
        child = self._child.get()
        if message["op"] == "probe" and message["digest"] not in self._child.probes_sent:
            assert self.probes is not None
            message = {**message, "source": self.probes.text}
            self._child.probes_sent.add(message["digest"])
        try:
            answer = child.request(message, self.limits.call_timeout_s)
        except TimeoutError:
            self._child.drop(kill=True)
            abort = SandboxAbort("timeout", msg("timeout", call=label, seconds=self.limits.call_timeout_s))
            self.health.stopped[self.task] = abort
            raise abort from None
        except protocol.FrameTooLarge as exc:
            self._child.drop(kill=True)
            raise SandboxAbort("result", msg("result_too_large", call=label, mb=exc.size >> 20)) from None
        except protocol.PeerClosed:
            how = self._child.drop(kill=False)
            raise SandboxAbort("crash", msg("crash", call=label, how=how)) from None
        except protocol.ProtocolError as exc:
            raise self._unreadable(label, exc) from None
        if answer.get("output"):
            # Warnings and tracebacks name the staged copy: show the learner's own path instead.
            self.outputs.append(str(answer["output"]).replace(f"{child.folder}{os.sep}", "exercises/"))
        if answer["ok"]:
            return decode(answer["value"], neutralize)
        return self._raise(label, neutralize_all(answer["error"]), message["op"] == "probe")

    def _raise(self, name: str, error: dict[str, Any], in_scenario: bool) -> Any:
        if error.get("where") == "import":
            raise SandboxAbort("import", import_failure(self.module.name, error))
        mro = error.get("mro", [])
        message = str(error.get("message", ""))
        if error.get("missing"):
            raise SandboxAbort("missing", msg("missing_name", file=self.module.name, name=error["missing"]))
        raiser = error.get("raiser")
        # Only the learner's own `raise NotImplementedError` is a stub; torch raises it too (a Module
        # without forward, an unsupported op), and then the message itself is what helps.
        if "builtins.NotImplementedError" in mro and raiser:
            raise SandboxAbort("not_implemented", msg("not_implemented", name=raiser))
        if "builtins.MemoryError" in mro or any(m in message for m in _OOM_MARKERS):
            raise SandboxAbort("memory", msg("memory", call=name, mb=self.limits.memory_mb))
        frames = error.get("frames") or []
        if in_scenario and frames and not str(frames[-1][0]).startswith("probes/"):
            name = str(frames[-1][2])  # a scenario failed inside the learner's code: name that code
        raise LearnerRaised(name, error, self.module.name)
