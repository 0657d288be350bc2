"""One sandboxed child: confine itself, load the learner's module, run what the judge asks, answer with plain values.

A child serves the checks of one task, one after another. Whatever happens inside (an exception,
`sys.exit`, a crash, a hang) stays inside: the judge sees an error answer, a closed socket or a
timeout.
"""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import socket
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from grader.sandbox import layers, protocol
from grader.sandbox.capture import CappedText, FdOutput
from grader.sandbox.layers import Policy
from grader.sandbox.limits import Limits, apply_rlimits
from grader.sandbox.platform import set_parent_death_signal
from grader.sandbox.values import encode
from grader.sandbox.view import SubmissionView

_REQUEST_LIMIT = 256 << 20
_MAX_FD = 1 << 16
_MISSING = object()


class _State:
    """The learner module (imported on first use, once) and the probe modules the judge has sent."""

    def __init__(self, path: Path, seed: int):
        self.path = path
        self.seed = seed
        self._module: ModuleType | None = None
        self._import_error: dict[str, Any] | None = None
        self._probes: dict[str, dict[str, Any]] = {}

    def module(self) -> ModuleType:
        if self._import_error is not None:
            raise _Answered(self._import_error)
        if self._module is None:
            try:
                _reseed(self.seed)
                self._module = _import_file(self.path)
            except BaseException as exc:
                self._import_error = describe(exc, self.path, where="import")
                raise _Answered(self._import_error) from None
        return self._module

    def probe(self, request: dict[str, Any]) -> Any:
        digest = request["digest"]
        if digest not in self._probes:
            if request.get("source") is None:
                raise RuntimeError("probe source was not sent")
            namespace: dict[str, Any] = {"__name__": f"grader_probe_{digest[:12]}", "__file__": request["filename"]}
            exec(compile(request["source"], request["filename"], "exec"), namespace)
            self._probes[digest] = namespace
        return self._probes[digest][request["name"]]


class _Answered(Exception):
    """Carries an already-described error (a failed import) to the answer."""

    def __init__(self, error: dict[str, Any]):
        super().__init__(error.get("message", ""))
        self.error = error


def _import_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _reseed(seed: int) -> None:
    import numpy
    import torch

    # torch.manual_seed would queue a lazy seeding of every accelerator, with a formatted stack
    # trace, on each request; the CPU generator is what learner code here draws from.
    torch.random.default_generator.manual_seed(seed)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(seed)
    random.seed(seed)
    numpy.random.seed(seed % (1 << 32))


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:
        return "<the exception's message could not be read>"


def _qualname(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def describe(exc: BaseException, learner_file: Path, where: str) -> dict[str, Any]:
    """An exception as plain data: its type chain, message, the frames in the learner's file (and the
    probes'), each named by its qualified name (`MLP.forward`), and `raiser`: the learner function
    whose own line raised it, or None when it was raised elsewhere (inside torch, in a probe)."""
    frames = []
    raiser = None
    try:
        # extract_tb yields one summary per walk_tb entry, in the same order; the code objects give qualnames.
        entries = zip(traceback.walk_tb(exc.__traceback__), traceback.extract_tb(exc.__traceback__), strict=True)
        for (frame, _), summary in entries:
            mine = Path(summary.filename).name == learner_file.name
            name = frame.f_code.co_qualname
            raiser = name if mine else None
            if mine or summary.filename.startswith("probes/"):
                frames.append([summary.filename, summary.lineno or 0, name, (summary.line or "")[:200]])
    except BaseException:
        frames, raiser = [], None
    info: dict[str, Any] = {
        "type": _qualname(type(exc)),
        "mro": [_qualname(k) for k in type(exc).__mro__],
        "message": _safe_str(exc),
        "frames": frames[-8:],
        "raiser": raiser,
        "where": where,
    }
    if isinstance(exc, SyntaxError):
        info["syntax"] = [exc.lineno or 0, exc.offset or 0, (exc.text or "").rstrip()[:200], exc.msg or ""]
    return info


def _handle(state: _State, request: dict[str, Any]) -> Any:
    op = request.get("op")
    module = state.module()
    if op == "load":
        return sorted(name for name in vars(module) if not name.startswith("_"))
    args = request.get("args", ())
    kwargs = request.get("kwargs", {})
    if op == "call":
        target = getattr(module, request["target"], _MISSING)
        if target is _MISSING:
            raise _Answered({"missing": request["target"], "where": "call", "mro": [], "message": ""})
        _reseed(state.seed)
        result = target(*args, **kwargs)
        if request.get("echo"):
            # The arguments as the call left them: the judge checks that none was changed in place.
            return {"result": result, "args": list(args), "kwargs": kwargs}
        return result
    if op == "probe":
        probe = state.probe(request)
        _reseed(state.seed)
        return probe(module, *args, **kwargs)
    if op == "grad":
        from grader.sandbox.scenarios import value_and_grad

        _reseed(state.seed)
        return value_and_grad(module, request["target"], args, kwargs, request["wrt"], request.get("upstream"))
    raise ValueError(f"unknown request {op!r}")


def _forget_shown_warnings() -> None:
    """Python shows a warning once per code location per process; forgetting which were shown makes
    what a call prints depend on that call alone, not on the calls the child answered before it."""
    # Adding a filter (here one that repeats the default action, once) resets every module's registry.
    warnings.simplefilter("default", append=True)


def _answer(state: _State, request: dict[str, Any], out: CappedText, fd_output: FdOutput) -> dict[str, Any]:
    _forget_shown_warnings()
    started = time.perf_counter()
    try:
        answer: dict[str, Any] = {"ok": True, "value": encode(_handle(state, request))}
    except _Answered as done:
        answer = {"ok": False, "error": done.error}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt from a task are answers too
        answer = {"ok": False, "error": describe(exc, state.path, where="call")}
    answer["seconds"] = time.perf_counter() - started
    answer["output"] = out.take() + fd_output.take()
    return answer


SETUP_FAILED = 71  # exit status of a child that could not confine itself; it never ran learner code


def settle(policy: Policy) -> Path:
    """What every child does first: its own session (so the judge can kill the whole process group),
    death with the server, a scratch directory as working directory and home (its owner the
    uid the child will drop to), stdin closed, fd-level output to a log. Returns the scratch directory."""
    os.setsid()
    set_parent_death_signal()
    # A write past the file-size limit then fails with EFBIG instead of killing the child.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    scratch = Path.cwd() / f"child-{os.getpid()}"
    scratch.mkdir(mode=0o700)
    if policy.drop_to is not None:
        os.chown(scratch, *policy.drop_to)
    os.chdir(scratch)
    os.environ.update(HOME=str(scratch), TMPDIR=str(scratch))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    log = os.open(scratch / "output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    return scratch


def _close_fds_except(keep: set[int]) -> None:
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, _MAX_FD)


@dataclass(frozen=True)
class Prepared:
    """A confined spare child: where its fd-level output is read back, and (with Landlock) the view
    it narrows to its own submission's copy once assigned."""

    output: FdOutput
    view: SubmissionView | None


def _setup_failed(exc: layers.LayerError) -> NoReturn:
    os.write(2, f"sandbox: {exc}\n".encode())
    os._exit(SETUP_FAILED)


def prepare(policy: Policy, sock: socket.socket) -> Prepared:
    """Settle and confine this child before it knows what it will run: done while it waits as the server's spare.

    Keeps no file descriptor of the server's but the judge's socket (and, until it is assigned, the
    ruleset of its submission view). A layer the policy asks for
    that cannot be applied ends the child (status SETUP_FAILED) before any learner code runs.
    """
    scratch = settle(policy)
    output = FdOutput(os.open(scratch / "output.log", os.O_RDONLY))
    _close_fds_except({sock.fileno(), output.fd})
    try:
        view = SubmissionView(policy, scratch) if policy.landlock_abi else None
        layers.apply(policy, scratch)
    except layers.LayerError as exc:
        _setup_failed(exc)
    return Prepared(output, view)


def main(sock: socket.socket, spawn: dict[str, Any], prepared: Prepared) -> NoReturn:
    """Entry point of a child once the server assigns it a module; never returns."""
    try:
        path = Path(spawn["module"])
        if prepared.view is not None:
            try:
                prepared.view.enter(path.parent)
            except layers.LayerError as exc:
                _setup_failed(exc)
        fd_output = prepared.output
        limits = Limits.from_wire(spawn["limits"])
        apply_rlimits(limits)
        import torch

        torch.set_num_threads(limits.threads)
        # torch warns once per process about some mistakes; each call that makes one should say so.
        torch.set_warn_always(True)
        sys.dont_write_bytecode = True
        sys.path.insert(0, str(path.parent))
        sys.argv = [str(path)]
        out = CappedText(limits.output_kb * 1024)
        sys.stdout = sys.stderr = out
        fd_output.cap = limits.output_kb * 1024
        state = _State(path, int(spawn["seed"]))
        while True:
            try:
                request = protocol.recv_from_judge(sock, _REQUEST_LIMIT)
            except protocol.PeerClosed:
                break
            protocol.send_to_judge(sock, _answer(state, request, out, fd_output))
    finally:
        os._exit(0)
