"""Start and talk to the fork server; hand out child processes that run learner code."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grader.runner.answers import check_answer
from grader.runner.staging import Staging
from grader.sandbox import protocol
from grader.sandbox.limits import Limits
from grader.sandbox.server import SUBMISSIONS

_CONTROL_LIMIT = 1 << 20
_MAX_RESTARTS = 3
# Variables the sandbox may see; everything else (tokens, keys, the instructor's settings) stays out.
_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT")
_STARTUP_TIMEOUT_S = 120.0


class SandboxUnavailable(Exception):
    """The fork server could not be started or stopped answering: an environment problem, not the learner's."""


def _sandbox_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.update(
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


class ChildProcess:
    """One forked child, talked to directly over its own socket; `folder` is the staged copy it imports from."""

    def __init__(self, server: SandboxServer, pid: int, sock: socket.socket, limits: Limits, folder: Path):
        self.server = server
        self.pid = pid
        self.sock = sock
        self.limits = limits
        self.folder = folder
        self.closed = False

    def request(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request and read its answer; raises TimeoutError, protocol.PeerClosed or ProtocolError."""
        protocol.send_to_sandbox(self.sock, message)
        answer = protocol.recv_from_sandbox(self.sock, self.limits.result_mb << 20, time.monotonic() + timeout_s)
        return check_answer(answer)

    def kill(self) -> None:
        """Kill the child's whole process group; the server reaps it in the background."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)
        self.sock.close()

    def reap(self) -> dict[str, Any]:
        """The child already died: collect how (exit code or signal)."""
        if self.closed:
            return {"exit_code": None, "signal": None}
        self.closed = True
        self.sock.close()
        status = self.server.wait(self.pid)
        with contextlib.suppress(OSError):
            os.killpg(self.pid, signal.SIGKILL)  # anything it left behind in its group
        return status


class SandboxServer:
    """The judge's handle on the fork server. Start it early: it imports torch while the judge does too.

    Learner modules are run from staged copies under the server's scratch directory (one per
    submission's module folder, removed by `release`), and a server that dies (a child that got to
    kill it) is restarted once per spawn, up to a few times.
    """

    def __init__(self) -> None:
        self.scratch_root = Path(tempfile.mkdtemp(prefix="grade-sandbox-"))
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Children may run as nobody: they must reach their own directories, never list this one.
            self.scratch_root.chmod(0o711)
        self._staging = Staging(self.scratch_root / SUBMISSIONS)
        self._restarts = 0
        self._start()

    def _start(self) -> None:
        self._control, theirs = socket.socketpair()
        # Kept open for the server's lifetime (closed in close()): its tail explains a failed start.
        self._log = open(self.scratch_root / "server.log", "w+b")  # noqa: SIM115
        os.chmod(self._log.fileno(), 0o600)
        package_parent = str(Path(__file__).resolve().parents[2])
        # The course repository may be that folder: it leaves sys.path once the server is imported.
        code = (
            f"import sys; sys.path.insert(0, {package_parent!r}); from grader.sandbox.server import main; "
            f"sys.path.remove({package_parent!r}); main()"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", code, str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=_sandbox_env(),
            cwd=self.scratch_root,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        theirs.close()
        self._ready: dict[str, Any] | None = None

    def _fail(self, why: str) -> SandboxUnavailable:
        self._log.seek(0)
        tail = self._log.read()[-2000:].decode(errors="replace").strip()
        return SandboxUnavailable(f"the sandbox server {why}" + (f":\n{tail}" if tail else ""))

    def ready(self) -> dict[str, Any]:
        """The server's ready message: pid, versions, and the isolation its children verifiably have."""
        if self._ready is None:
            try:
                answer = protocol.recv_from_sandbox(
                    self._control, _CONTROL_LIMIT, time.monotonic() + _STARTUP_TIMEOUT_S
                )
            except (protocol.ProtocolError, TimeoutError, OSError):
                raise self._fail("did not start") from None
            self._ready = answer
        return self._ready

    @property
    def pid(self) -> int:
        return self._process.pid

    def spawn(self, module: Path, limits: Limits, seed: int) -> ChildProcess:
        try:
            return self._spawn(module, limits, seed)
        except SandboxUnavailable:
            if self._restarts >= _MAX_RESTARTS or not self._died():
                raise
        self._restarts += 1
        self._stop()
        self._start()
        return self._spawn(module, limits, seed)

    def _died(self) -> bool:
        """Whether the server process is gone (its socket closes a moment before it can be reaped)."""
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _spawn(self, module: Path, limits: Limits, seed: int) -> ChildProcess:
        self.ready()
        staged = self._staging.stage(module)
        request = {"op": "spawn", "module": str(staged), "limits": limits.to_wire(), "seed": seed}
        try:
            protocol.send_to_sandbox(self._control, request)
            self._control.settimeout(30)
            _, fds, _, _ = socket.recv_fds(self._control, 1, 1)
            if not fds:
                raise protocol.PeerClosed("no socket received")
            answer = protocol.recv_from_sandbox(self._control, _CONTROL_LIMIT, time.monotonic() + 30)
        except (protocol.ProtocolError, TimeoutError, OSError):
            raise self._fail("stopped answering") from None
        return ChildProcess(self, int(answer["pid"]), socket.socket(fileno=fds[0]), limits, staged.parent)

    def release(self, folder: Path) -> None:
        """The submission whose modules sit in `folder` is done: remove its staged copy."""
        self._staging.release(folder)

    def wait(self, pid: int) -> dict[str, Any]:
        try:
            protocol.send_to_sandbox(self._control, {"op": "wait", "pid": pid})
            return protocol.recv_from_sandbox(self._control, _CONTROL_LIMIT, time.monotonic() + 30)
        except (protocol.ProtocolError, TimeoutError, OSError):
            if self._process.poll() is not None:
                return {"exit_code": None, "signal": None}  # the server died with its children
            raise self._fail("stopped answering") from None

    def _stop(self) -> None:
        try:
            self._control.close()
        finally:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._log.close()

    def close(self) -> None:
        try:
            self._stop()
        finally:
            shutil.rmtree(self.scratch_root, ignore_errors=True)

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
