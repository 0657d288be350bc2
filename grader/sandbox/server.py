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
import shutil
import signal
import socket
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.sandbox import child, layers, protocol
from grader.sandbox.layers import Policy
from grader.sandbox.platform import (
    become_subreaper,
    enter_mount_view,
    enter_network_namespace,
    forbid_inspection,
    set_parent_death_signal,
)

_CONTROL_LIMIT = 1 << 20
_SPAWN_LIMIT = 1 << 20
# Staged copies of submissions, written by the judge under the server's working directory.
SUBMISSIONS = "submissions"


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

    return {"pid": os.getpid(), "python": sys.version.split()[0], "torch": str(torch.__version__)}


def verified_policy(network_namespace: bool) -> tuple[Policy, dict[str, str]]:
    """The policy a probe child proved here, outside any mount view, and why the missing layers are missing
    (the benchmark's; `serve` proves its policy inside its view).

    Call with the working directory the children's scratch directories go in, next to server.log,
    while this process has one thread: it loads the guard filter into it (`layers.guard`).
    """
    return _Probe(*_guarded(*_plan(network_namespace))).verdict()


def _plan(network_namespace: bool) -> tuple[Policy, dict[str, str]]:
    """Every layer this machine seems to offer, and why each of the others is missing."""
    missing: dict[str, str] = {}
    if not network_namespace:
        missing["network-namespace"] = "needs root, or unprivileged user namespaces"
    abi, why = layers.landlock_abi()
    if why:
        missing["landlock"] = why
    if abi < 4:
        missing["landlock-network"] = why or f"Landlock ABI {abi} < 4 (Linux >= 6.7)"
    if abi < 6:
        missing["landlock-signals"] = why or f"Landlock ABI {abi} < 6 (Linux >= 6.12)"
    seccomp, why = layers.seccomp_available()
    if why:
        missing["seccomp"] = why
    drop_to = None
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        drop_to = layers.nobody_ids()
    else:
        missing["unprivileged-uid"] = "not started as root: children keep the user's uid"
    policy = Policy(
        readable=layers.readable_paths(Path.cwd(), [str(Path.cwd() / SUBMISSIONS)]),
        drop_to=drop_to,
        landlock_abi=abi,
        drop_capabilities=sys.platform.startswith("linux"),
        seccomp=seccomp,
        network_namespace=network_namespace,
    )
    if not policy.drop_capabilities:
        missing["no-capabilities"] = "not Linux"
    return policy, missing


def _in_view(policy: Policy, missing: dict[str, str]) -> tuple[Policy, dict[str, str], str | None]:
    """Enter the mount view (see `platform.enter_mount_view`): the course, solutions/, the gradebook and
    the rest of the machine do not exist for this server and its children, not even to stat().

    Returns the policy (mount_view set when entered), the reasons of missing layers, and a path that
    existed outside the view (the judge's solutions/, where it is there) for the probe to look for.
    """
    if os.geteuid() != 0 and not policy.network_namespace:
        return policy, {**missing, "mount-namespace": "needs root, or unprivileged user namespaces"}, None
    visible = layers.view_paths(policy, Path.cwd())
    try:
        judge_cwd = os.readlink(f"/proc/{os.getppid()}/cwd")
    except OSError:
        judge_cwd = "/"
    hidden = layers.outside_view(visible, [f"{judge_cwd}/solutions", judge_cwd, "/etc/passwd", "/etc", "/var", "/home"])
    if hidden is None:
        return policy, {**missing, "mount-namespace": "nothing outside the view to prove it with"}, None
    try:
        enter_mount_view(visible, layers.view_links(), Path.cwd() / "view")
    except OSError as exc:
        return policy, {**missing, "mount-namespace": f"the mount view could not be made: {exc}"}, None
    return replace(policy, mount_view=True), missing, hidden


def _probe_in_view(network_namespace: bool) -> _Probe:
    """Plan, enter the mount view, load the guard, fork the probe. The path outside the view that the
    probe looks for (the course's solutions/) stays in this frame: the server never keeps it."""
    policy, missing, hidden = _in_view(*_plan(network_namespace))
    return _Probe(*_guarded(policy, missing), hidden)


def _guarded(policy: Policy, missing: dict[str, str]) -> tuple[Policy, dict[str, str]]:
    """Load the guard filter (no signal to the judge, this server, their group) into this process before
    it forks any child: children inherit it, and no child's memory ever holds the judge's pid."""
    if policy.seccomp:
        try:
            layers.guard((os.getpid(), os.getppid()), (os.getpgid(0),))
        except layers.LayerError as exc:
            return policy.without("seccomp"), {**missing, "seccomp": str(exc)}
    return policy, missing


class _Probe:
    """A throwaway child that applies the policy and attacks each layer, forked as soon as the policy is known
    (before torch is imported, so it is cheap to fork and runs while the server imports torch)."""

    def __init__(self, policy: Policy, missing: dict[str, str], hidden: str | None = None):
        self.policy = policy
        self.missing = missing
        self._read_end, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                os.close(self._read_end)
                child.settle(policy)
                failed = layers.verify(policy, Path.cwd(), Path.cwd().parent / "server.log", hidden)
                os.write(write_end, pickle.dumps(failed))
            finally:
                os._exit(0)
        os.close(write_end)

    def verdict(self) -> tuple[Policy, dict[str, str]]:
        """The policy less every layer that did not hold, and the reasons of all that are missing."""
        with os.fdopen(self._read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(self.pid, 0)
        shutil.rmtree(f"child-{self.pid}", ignore_errors=True)
        failed: dict[str, str] = pickle.loads(data) if data else {}
        if not data:
            failed = {
                layer: "the probe child died"
                for layer in ("mount-namespace", "landlock", "unprivileged-uid", "no-capabilities", "seccomp")
            }
        policy, missing = self.policy, dict(self.missing)
        for layer, why in failed.items():
            if layer in policy.layers():
                policy = policy.without(layer)
                missing[layer] = why
        return policy, missing


class _Spare:
    """A child forked ahead of time and confined, blocked until the server sends it what to run."""

    def __init__(self, control: socket.socket, policy: Policy):
        self.judge_end, child_end = socket.socketpair()
        self.pid = os.fork()
        if self.pid == 0:
            try:
                control.close()
                self.judge_end.close()
                prepared = child.prepare(policy, child_end)
                spawn = protocol.recv_from_judge(child_end, _SPAWN_LIMIT)
                child.main(child_end, spawn, prepared)
            finally:
                os._exit(70)
        child_end.close()


class _Children:
    """Every child this server forked, reaped without blocking; exit statuses kept for the judge to ask.

    The server is a subreaper, so it also reaps what children leave behind; those are not recorded.
    A child's scratch directory goes with it.
    """

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.ended: dict[int, dict[str, Any]] = {}

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid not in self.running:
                continue
            self.running.discard(pid)
            shutil.rmtree(f"child-{pid}", ignore_errors=True)
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


def serve(control: socket.socket, network_namespace: bool) -> None:
    children = _Children()
    probe = _probe_in_view(network_namespace)
    ready = _preload()
    policy, missing = probe.verdict()
    applied = policy.layers()
    children_root = hasattr(os, "geteuid") and os.geteuid() == 0 and policy.drop_to is None
    ready.update(
        layers=applied,
        missing={k: missing[k] for k in layers.OPTIONAL_LAYERS if k in missing},
        children_root=children_root,
        level=layers.isolation_level(applied, children_root=children_root),
    )
    protocol.send_to_judge(control, {"op": "ready", **ready})
    spare: _Spare | None = None
    try:
        while True:
            if spare is None:
                spare = _Spare(control, policy)
                children.running.add(spare.pid)
            try:
                request = protocol.recv_from_judge(control, _CONTROL_LIMIT)
            except protocol.PeerClosed:
                break
            op = request.get("op")
            children.reap()
            if op == "spawn":
                if spare.pid not in children.running:  # killed while waiting: never hand out a dead child
                    spare.judge_end.close()
                    children.ended.pop(spare.pid, None)
                    spare = _Spare(control, policy)
                    children.running.add(spare.pid)
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
        set_parent_death_signal()
        # First, while this process has one thread (torch is imported later, by serve()) and can
        # still write its own uid_map.
        network_namespace = enter_network_namespace()
        # Nothing the children could inspect or take over: no ptrace of this process by them,
        # and whatever they leave behind is adopted (and reaped) here.
        forbid_inspection()
        become_subreaper()
        serve(control, network_namespace)
    except BaseException:
        traceback.print_exc()  # lands in the judge's server log, quoted when the server fails to start
        os._exit(1)
    os._exit(0)


if __name__ == "__main__":
    main()
