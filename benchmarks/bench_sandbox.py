"""What the sandbox costs: per task call and per submission, next to the same work done without it.

    .venv/bin/python benchmarks/bench_sandbox.py [--calls 300] [--children 20]

Prints figures; asserts nothing. Per task call: a call answered by a live sandboxed child against
the same call in process, and what the seccomp filters (the server's guard and the child's) add to
each syscall learner code makes. Per child: confining a freshly forked child (all layers, and each
of Landlock, no-capabilities and seccomp alone, with its submission view) against not confining
it; a spare child pays this before it is assigned, so a check waits for it only when checks outrun
the spare. Narrowing that view to the child's own submission's copy is paid on assignment. Per
server: the mount view (root only here). Per submission: staging the submission's copy, plus the
probe child that proves the layers when a server starts (once per `grade` run).
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def sandbox_call_costs(calls: int = 300, children: int = 20) -> dict[str, float]:
    """Milliseconds: one call in process, one sandboxed call to a live child, and a fresh child's first call."""
    import torch

    sys.path.insert(0, str(ROOT / "solutions"))
    import ex01_tensors as reference

    from grader.runner.server import SandboxServer
    from grader.runner.session import CheckSession, TaskHealth
    from grader.sandbox.limits import Limits

    torch.set_num_threads(1)
    x = torch.randn(8, 3, 4)
    started = time.perf_counter()
    for _ in range(calls):
        reference.flatten_batch(x)
    direct = (time.perf_counter() - started) / calls * 1e3
    module = ROOT / "solutions" / "ex01_tensors.py"
    with SandboxServer() as server:
        server.ready()
        fresh = []
        for _ in range(children):
            session = CheckSession(server, module, "ex01.flatten_batch", Limits(), 0, TaskHealth())
            t = time.perf_counter()
            session.call("flatten_batch", (x,), {})
            fresh.append((time.perf_counter() - t) * 1e3)
            session.close()
            time.sleep(0.02)  # let the server fork and confine its next spare, as it does while a check runs
        session = CheckSession(server, module, "ex01.flatten_batch", Limits(), 0, TaskHealth())
        session.call("flatten_batch", (x,), {})
        started = time.perf_counter()
        for _ in range(calls):
            session.call("flatten_batch", (x,), {})
        live = (time.perf_counter() - started) / calls * 1e3
        session.close()
        layers = server.ready()["layers"]
    return {"direct": direct, "sandboxed": live, "fresh_child": statistics.median(fresh), "layers": layers}


def _syscall_ns(filtered: bool, count: int = 20000) -> float:
    """Nanoseconds per stat() syscall in a forked child, with or without the guard and the child filter."""
    from grader.sandbox import syscalls

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            if filtered:
                syscalls.load_guard((os.getppid(),), ())
                syscalls.load_child_filter()
            started = time.perf_counter_ns()
            for _ in range(count):
                os.stat(".")
            os.write(write_end, pickle.dumps((time.perf_counter_ns() - started) / count))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        cost = pickle.loads(pipe.read())
    os.waitpid(pid, 0)
    return cost


def _mount_view_ms(policy: object) -> float | None:
    """Milliseconds for a forked child to enter the server's mount view; None where it cannot (not root)."""
    from grader.sandbox import layers
    from grader.sandbox.platform import enter_mount_view

    if os.geteuid() != 0:
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            started = time.perf_counter()
            enter_mount_view(layers.view_paths(policy, Path.cwd()), layers.view_links(), Path.cwd() / "view")
            os.write(write_end, pickle.dumps((time.perf_counter() - started) * 1e3))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return pickle.loads(data) if data else None


def _fork_and_time(policy: Any, confine: bool, staged: Path | None = None) -> float:
    """Fork this torch-loaded process; the child settles (session, scratch, fds) and, if asked, confines
    itself as a spare does (its layers and its submission view). With `staged`, only the assignment is
    timed: narrowing the confined child's view to that copy."""
    from grader.sandbox import child, layers
    from grader.sandbox.view import SubmissionView

    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            scratch = child.settle(policy)
            if confine:
                view = SubmissionView(policy, scratch) if policy.landlock_abi else None
                layers.apply(policy, scratch)
                if staged is not None:
                    assigned = time.perf_counter()
                    if view is not None:
                        view.enter(staged)
                    os.write(write_end, pickle.dumps((assigned, time.perf_counter())))
                    os._exit(0)
            os.write(write_end, pickle.dumps((started, time.perf_counter())))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        begun, ended = pickle.loads(pipe.read())
    os.waitpid(pid, 0)
    return (ended - begun) * 1e3


def confinement_costs(children: int) -> dict[str, float]:
    """Milliseconds: a forked child settling with and without the layers, the probe, staging one submission."""
    import torch  # noqa: F401  (the children are forked from a torch-loaded process, as in the server)

    from grader.runner.staging import Staging
    from grader.sandbox.server import verified_policy

    previous = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        os.chdir(tmp)
        try:
            Path("server.log").write_bytes(b"")
            started = time.perf_counter()
            policy, _ = verified_policy(network_namespace=False)
            probe = (time.perf_counter() - started) * 1e3
            bare = statistics.median(_fork_and_time(policy, confine=False) for _ in range(children))
            confined = statistics.median(_fork_and_time(policy, confine=True) for _ in range(children))
            alone = {
                layer: statistics.median(_fork_and_time(_only(policy, layer), confine=True) for _ in range(children))
                for layer in ("landlock", "no-capabilities", "seccomp")
                if layer in policy.layers()
            }
            view = _mount_view_ms(policy)
            staging = Staging(Path(tmp) / "submissions")
            started = time.perf_counter()
            copy = staging.stage(ROOT / "exercises" / "ex01_tensors.py").parent
            staged = (time.perf_counter() - started) * 1e3
            assign = statistics.median(_fork_and_time(policy, confine=True, staged=copy) for _ in range(children))
        finally:
            os.chdir(previous)
    return {
        "bare_child": bare,
        "confined_child": confined,
        "probe": probe,
        "staging": staged,
        "assign": assign,
        "alone": alone,
        "mount_view": view,
        "syscall_bare": statistics.median(_syscall_ns(False) for _ in range(5)),
        "syscall_filtered": statistics.median(_syscall_ns(True) for _ in range(5)),
    }


def _only(policy: Any, layer: str) -> Any:
    """The policy with every child-applied layer but `layer` switched off."""
    for other in ("landlock", "unprivileged-uid", "no-capabilities", "seccomp"):
        if other != layer and other in policy.layers():
            policy = policy.without(other)
    return policy


def _torch_import_ms() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", "import torch"], check=True)
    return (time.perf_counter() - started) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--children", type=int, default=20)
    options = parser.parse_args()
    calls = sandbox_call_costs(options.calls, options.children)
    confinement = confinement_costs(options.children)
    layer_cost = confinement["confined_child"] - confinement["bare_child"]
    torch_import = _torch_import_ms()

    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}")
    print(f"layers: {', '.join(calls['layers'])}")
    print("per task call")
    print(f"  in process (no sandbox)               {calls['direct']:7.3f} ms")
    print(
        f"  sandboxed, live child                 {calls['sandboxed']:7.3f} ms   "
        f"(+{calls['sandboxed'] - calls['direct']:.3f} ms, target < 5 ms)"
    )
    print(f"  first call of a fresh child           {calls['fresh_child']:7.3f} ms   (one per task)")
    print("per child (paid by the spare before it is assigned)")
    print(f"  fork + settle, no layers              {confinement['bare_child']:7.3f} ms")
    print(f"  fork + settle + layers                {confinement['confined_child']:7.3f} ms   (+{layer_cost:.3f} ms)")
    for layer, cost in confinement["alone"].items():
        print(f"    {layer + ' alone':<35} {cost:7.3f} ms   (+{cost - confinement['bare_child']:.3f} ms)")
    print(
        f"  view narrowed to its submission       {confinement['assign']:7.3f} ms   "
        "(on assignment, on the grading path)"
    )
    print("per syscall of learner code (stat)")
    added = confinement["syscall_filtered"] - confinement["syscall_bare"]
    print(f"  no filter                             {confinement['syscall_bare']:7.0f} ns")
    print(f"  guard + child filter                  {confinement['syscall_filtered']:7.0f} ns   (+{added:.0f} ns)")
    print("per server")
    view = confinement["mount_view"]
    print(
        "  mount view                            " + (f"{view:7.3f} ms" if view is not None else "    n/a (not root)")
    )
    print("per submission")
    print(
        f"  staging the submission's copy         {confinement['staging']:7.3f} ms   "
        "(on the grading path; target < 50 ms)"
    )
    print(
        f"  probe child proving the layers        {confinement['probe']:7.3f} ms   "
        f"(once per server, during its torch import of {torch_import:.0f} ms: off the grading path)"
    )


if __name__ == "__main__":
    main()
