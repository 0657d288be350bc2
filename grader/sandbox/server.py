"""The fork server: imports torch once, then forks one sandboxed child per request.

Started by the judge as a fresh interpreter (`python -I`), so its memory holds torch and this
package and nothing else: no solutions, no hidden checks, no answer key, no secrets from the
environment. It never runs a torch operation itself, so it never starts a thread pool that a
fork could break.

Forking a torch-loaded process takes milliseconds, so the server keeps one child forked ahead
of time, waiting for its assignment; a spawn request hands that child over and forks the next.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import sys
import time
import traceback
from typing import Any

from grader.sandbox import child, protocol
from grader.sandbox.platform import set_parent_death_signal

_CONTROL_LIMIT = 1 << 20
_SPAWN_LIMIT = 1 << 20


def _warm_up(torch: Any, numpy: Any) -> None:
    """Pay first-use costs (lazy initialisation, kernel dispatch tables: ~10 ms together) once here
    instead of in every child. Tensors this small never enter a parallel region, and the
    server's environment sets OMP_NUM_THREADS=1, so no thread pool is started before forking."""
    torch.manual_seed(0)
    numpy.random.seed(0)
    x = torch.linspace(-1.0, 1.0, 24, requires_grad=True)
    y = x.reshape(2, 3, 4).transpose(1, 2)
    z = (y - y.mean(dim=0, keepdim=True)) / torch.sqrt(y.var(dim=0, unbiased=False, keepdim=True) + 1e-5)
    w = torch.where(z > 0, z, torch.zeros(())).sum(dim=-1) @ torch.ones(4, 2)
    torch.nn.functional.relu(w).pow(2).sum().backward()
    torch.zeros(2, 3).scatter_(-1, torch.zeros(2, 1, dtype=torch.long), 1.0).reshape(-1).clone()
    sample = {"warm": x.detach(), "up": [1, 2.0, "x"], "view": y.detach()}
    protocol.loads(protocol.dumps(sample))
    pickle.loads(pickle.dumps(sample))


def _preload() -> dict[str, Any]:
    import numpy  # learner code imports these; paying once here keeps children fast
    import torch

    # Autograd imports this on the first backward with an explicit gradient (~0.3 s): once here,
    # instead of in every child whose learner code does that.
    import torch.fx.experimental.symbolic_shapes
    import torch.nn
    import torch.nn.functional
    import torch.utils.data

    _warm_up(torch, numpy)

    return {
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "torch": str(torch.__version__),
        "layers": ["fresh-interpreter", "process-group", "wall-clock", "rlimits", "output-capture"],
    }


class _Spare:
    """A child forked ahead of time, blocked until the server sends it what to run."""

    def __init__(self, control: socket.socket):
        self.judge_end, child_end = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                control.close()
                self.judge_end.close()
                child.prepare()
                spawn = protocol.recv_from_judge(child_end, _SPAWN_LIMIT)
                child.main(child_end, spawn)
            finally:
                os._exit(70)
        child_end.close()


class _Children:
    """Every child this server forked, reaped without blocking; exit statuses kept for the judge to ask."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.ended: dict[int, dict[str, Any]] = {}

    def reap(self) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.running.clear()
                return
            if pid == 0:
                return
            self.running.discard(pid)
            if os.WIFSIGNALED(status):
                self.ended[pid] = {"exit_code": None, "signal": os.WTERMSIG(status)}
            else:
                self.ended[pid] = {"exit_code": os.WEXITSTATUS(status), "signal": None}

    def status(self, pid: int, patience_s: float = 2.0) -> dict[str, Any]:
        deadline = time.monotonic() + patience_s
        while pid in self.running and time.monotonic() < deadline:
            self.reap()
            if pid in self.running:
                time.sleep(0.001)
        return self.ended.pop(pid, {"exit_code": None, "signal": None})

    def kill_all(self) -> None:
        for pid in self.running:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


def serve(control: socket.socket) -> None:
    set_parent_death_signal()
    children = _Children()
    protocol.send_to_judge(control, {"op": "ready", **_preload()})
    spare: _Spare | None = None
    try:
        while True:
            if spare is None:
                spare = _Spare(control)
                children.running.add(spare.pid)
            try:
                request = protocol.recv_from_judge(control, _CONTROL_LIMIT)
            except protocol.PeerClosed:
                break
            op = request.get("op")
            children.reap()
            if op == "spawn":
                protocol.send_to_sandbox(spare.judge_end, request)
                # The judge talks to the child directly over this socket; the server only forks and reaps.
                socket.send_fds(control, [b"F"], [spare.judge_end.fileno()])
                spare.judge_end.close()
                protocol.send_to_judge(control, {"pid": spare.pid})
                spare = None
            elif op == "wait":
                protocol.send_to_judge(control, children.status(int(request["pid"])))
            else:
                break
    finally:
        children.kill_all()


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    try:
        serve(control)
    except BaseException:
        traceback.print_exc()  # lands in the judge's server log, quoted when the server fails to start
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    main()
