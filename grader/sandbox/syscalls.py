"""The seccomp filters of the sandbox: what they refuse, and loading them into the calling process.

Two filters, both allow-by-default lists of refusals (EPERM) that seccomp checks on every syscall:

- the guard, loaded once by the fork server and inherited by every child: no signal to the
  judge, the server, their process group or every process. The pids are constants in the
  kernel's copy of the filter, which learner code cannot read.
- the child filter, loaded by each child: everything no learner code needs (see `_REFUSED`),
  acting on any other process's resource limits, priority, CPU affinity, scheduling or memory
  placement, and naming another process as the owner of a descriptor's I/O signals.
"""

from __future__ import annotations

import errno
import platform
from collections.abc import Iterable
from typing import Any

# Syscalls no learner code needs: refused with EPERM.
_REFUSED = (
    # other processes: tracing, reading or writing their memory, stealing their fds
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "kcmp",
    # signalling through a pidfd (opened on /proc/<pid>, which pidfd_open's guard rule never sees)
    "pidfd_send_signal",
    # leaving the process group the judge kills (the child made its own session before this)
    "setsid",
    "setpgid",
    # sockets: the judge's socket is inherited and socketpair() still works
    "socket",
    # io_uring can open files and sockets without the syscalls filtered here
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    # namespaces, mounts, the kernel and the machine
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "syslog",
    "quotactl",
    "iopl",
    "ioperm",
    "open_by_handle_at",
    "name_to_handle_at",
    "keyctl",
    "add_key",
    "request_key",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "vhangup",
    "process_mrelease",
    # changing a file's metadata, wherever it is (Landlock covers reading and writing files, not
    # their mode, owner, times or extended attributes), and creating device nodes or FIFOs
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "utime",
    "utimes",
    "futimesat",
    "utimensat",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "setxattrat",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "removexattrat",
    "file_setattr",
    "mknod",
    "mknodat",
    # watching which files other processes (the judge) open
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "fanotify_init",
    "fanotify_mark",
)
# Syscalls newer than some libseccomp releases know by name: their number in the table every
# architecture added since Linux 5.1 shares (x86_64 and aarch64 use it unchanged).
_UNIFIED_NUMBERS = {"setxattrat": 463, "removexattrat": 466, "file_setattr": 469}
_UNIFIED_MACHINES = ("x86_64", "aarch64")
# clone() flags that create namespaces.
_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x80)
# ioctl requests that push input into a terminal (TIOCSTI) or drive the console (TIOCLINUX), or make
# another process the owner of a descriptor's I/O signals (FIOSETOWN, SIOCSPGRP).
_REFUSED_IOCTLS = (0x5412, 0x541C, 0x8901, 0x8902)
# fcntl commands that choose who gets a descriptor's I/O signals, and which signal: with O_ASYNC, the
# judge's next write to the child's socket would signal whoever the child named (F_SETOWN, F_SETSIG,
# F_SETOWN_EX).
_REFUSED_FCNTLS = (8, 10, 15)
# Syscalls that act on the process their argument names, 0 meaning the caller: refused for any
# other. (name, index of the process argument)
_SELF_ONLY = (
    ("prlimit64", 0),
    ("sched_setaffinity", 0),
    ("sched_setscheduler", 0),
    ("sched_setparam", 0),
    ("sched_setattr", 0),
    ("migrate_pages", 0),
    ("move_pages", 0),
    ("setpriority", 1),
    ("ioprio_set", 1),
)
# ... whose first argument must also say "a process", not a process group or every process of a
# user: (name, the value meaning a process) for PRIO_PROCESS and IOPRIO_WHO_PROCESS.
_WHICH_PROCESS = (("setpriority", 0), ("ioprio_set", 1))
# Syscalls whose first argument names a process (or, negative, a process group) to signal.
_SIGNALLING = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open")
_LOW32 = 0xFFFFFFFF

Rule = tuple[Any, str, tuple[Any, ...]]


def load_child_filter() -> None:
    """Load the child filter into the calling process; raises OSError."""
    import pyseccomp as sc

    refuse = sc.ERRNO(errno.EPERM)
    rules: list[Rule] = [(refuse, name, ()) for name in _REFUSED]
    # clone3 passes its flags in memory a filter cannot see: ENOSYS makes libc fall back to clone().
    rules.append((sc.ERRNO(errno.ENOSYS), "clone3", ()))
    rules += [(refuse, "clone", (sc.Arg(0, sc.MASKED_EQ, flag, flag),)) for flag in _NAMESPACE_FLAGS]
    rules += [(refuse, "ioctl", (sc.Arg(1, sc.MASKED_EQ, _LOW32, request),)) for request in _REFUSED_IOCTLS]
    rules += [(refuse, "fcntl", (sc.Arg(1, sc.MASKED_EQ, _LOW32, command),)) for command in _REFUSED_FCNTLS]
    # The whole register must be 0: a target with only high bits set is refused too.
    rules += [(refuse, name, (sc.Arg(index, sc.NE, 0),)) for name, index in _SELF_ONLY]
    rules += [(refuse, name, (sc.Arg(0, sc.NE, which),)) for name, which in _WHICH_PROCESS]
    _load(rules)


def load_guard(pids: Iterable[int], groups: Iterable[int]) -> None:
    """Load the guard into the calling process: no signal to `pids`, the groups `groups`, or -1; raises OSError."""
    import pyseccomp as sc

    refuse = sc.ERRNO(errno.EPERM)
    # pid_t is 32 bits: compare the low half, so -1 matches however the register was extended.
    targets = sorted({-1, *pids, *(-group for group in groups)})
    _load([(refuse, name, (sc.Arg(0, sc.MASKED_EQ, _LOW32, pid & _LOW32),)) for name in _SIGNALLING for pid in targets])


def _number(sc: Any, name: str) -> int:
    number = sc.resolve_syscall(sc.Arch.NATIVE, name)
    if number < 0 and name in _UNIFIED_NUMBERS and platform.machine() in _UNIFIED_MACHINES:
        return _UNIFIED_NUMBERS[name]
    return number


def _load(rules: list[Rule]) -> None:
    import pyseccomp as sc

    syscall_filter = sc.SyscallFilter(sc.ALLOW)
    for action, name, args in rules:
        number = _number(sc, name)
        if number < 0:
            continue  # not a syscall on this architecture
        syscall_filter.add_rule(action, number, *args)
    syscall_filter.load()
