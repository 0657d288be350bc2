"""Act on the judge and the server without signals: lower their CPU limit (prlimit), renice them, pin them
to one CPU, change their scheduling and I/O priority. Each attempt sets what is already there, so it
harms nothing when it succeeds."""

import ctypes
import os
import platform
import resource

JUDGE = int("@@JUDGE@@")
# ioprio_get/ioprio_set: (get, set) per architecture.
IOPRIO = {"x86_64": (252, 251), "aarch64": (31, 30)}.get(platform.machine())
IOPRIO_WHO_PROCESS = 1


def _ioprio(libc, pid):
    current = libc.syscall(IOPRIO[0], IOPRIO_WHO_PROCESS, pid)
    if current < 0 or libc.syscall(IOPRIO[1], IOPRIO_WHO_PROCESS, pid, current) != 0:
        raise OSError(ctypes.get_errno(), "ioprio_set")


def _attempts(libc, pid):
    attempts = {
        "prlimit": lambda: resource.prlimit(pid, resource.RLIMIT_CPU, resource.prlimit(pid, resource.RLIMIT_CPU)),
        "renice": lambda: os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, pid)),
        "pin": lambda: os.sched_setaffinity(pid, os.sched_getaffinity(pid)),
        "scheduler": lambda: os.sched_setscheduler(pid, os.sched_getscheduler(pid), os.sched_getparam(pid)),
        "sched_param": lambda: os.sched_setparam(pid, os.sched_getparam(pid)),
    }
    if IOPRIO:
        attempts["ioprio"] = lambda: _ioprio(libc, pid)
    return attempts


def linear(x, weight, bias=None):
    libc = ctypes.CDLL(None, use_errno=True)
    escaped = []
    for who, pid in (("judge", JUDGE), ("server", os.getppid())):
        for name, attempt in _attempts(libc, pid).items():
            try:
                attempt()
                escaped.append(f"{name} {who}")
            except OSError:
                pass
    if escaped:
        raise RuntimeError(f"ESCAPED: {escaped}")
    raise PermissionError("nothing reached the judge or the server")
