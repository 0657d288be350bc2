"""The confinement layers of a sandboxed child: what this machine offers, applying them, proving they hold.

A spare child applies them before it learns what it will run (so they cost a check nothing),
in this order:

1. `landlock` (Linux >= 5.13, `landlockpy`): the filesystem view. Read (and execute) only the
   Python environment, the system libraries and binaries, the staged submission; read and
   write only the child's scratch directory. `solutions/`, the gradebook, home directories and
   the rest of /tmp are out of reach. On ABI >= 4 also `landlock-network` (no TCP bind or
   connect) and on ABI >= 6 `landlock-signals` (no signals to, and no abstract Unix sockets
   of, processes outside the child's own domain).
2. `unprivileged-uid` (only when started as root): the child becomes nobody/nogroup, so the
   process limit applies and it can neither signal nor read the files of root's processes.
   Its scratch directory is chowned to it first, and the learner's module is read from a
   world-readable staged copy. Used only when the Python environment is readable by nobody
   (a Python under /root is not), which the probe child verifies.
3. `seccomp` (libseccomp through `pyseccomp`): refuses socket(), ptrace and reading other
   processes' memory, leaving the process group (setsid/setpgid), namespaces, mounts, bpf,
   io_uring, kernel modules, kexec and similar, and signals to the judge, the server and their
   process group. The judge's socket is inherited, so it keeps working.

The fork server itself enters `network-namespace` once (root, or a user namespace where allowed),
so every child inherits a network with nothing in it.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

# Always present: a fresh interpreter for the server, the child's own process group killed on a
# wall-clock timeout, resource limits, and captured output.
BASE_LAYERS = ("fresh-interpreter", "process-group", "wall-clock", "rlimits", "output-capture")
# Where the platform allows; reported as missing otherwise.
OPTIONAL_LAYERS = (
    "network-namespace",
    "unprivileged-uid",
    "landlock",
    "landlock-network",
    "landlock-signals",
    "seccomp",
)
NOBODY = "nobody"


class LayerError(Exception):
    """A layer the policy asks for could not be applied: the child must not run learner code."""


@dataclass(frozen=True)
class Policy:
    """What every child of one server applies, decided by the server once and verified by a probe child."""

    readable: tuple[str, ...] = ()
    # (uid, gid) to switch to, or None to keep the current user.
    drop_to: tuple[int, int] | None = None
    landlock_abi: int = 0
    seccomp: bool = False
    # Processes and process groups a child may not signal: the judge, the server, their group.
    protected_pids: tuple[int, ...] = ()
    protected_groups: tuple[int, ...] = ()
    network_namespace: bool = False

    def layers(self) -> list[str]:
        named = {
            "network-namespace": self.network_namespace,
            "unprivileged-uid": self.drop_to is not None,
            "landlock": self.landlock_abi >= 1,
            "landlock-network": self.landlock_abi >= 4,
            "landlock-signals": self.landlock_abi >= 6,
            "seccomp": self.seccomp,
        }
        return [*BASE_LAYERS, *(name for name in OPTIONAL_LAYERS if named[name])]

    def without(self, layer: str) -> Policy:
        """The same policy with one optional layer (and those that depend on it) switched off."""
        if layer == "unprivileged-uid":
            return replace(self, drop_to=None)
        if layer == "landlock":
            return replace(self, landlock_abi=0)
        if layer == "landlock-network":
            return replace(self, landlock_abi=min(self.landlock_abi, 3))
        if layer == "landlock-signals":
            return replace(self, landlock_abi=min(self.landlock_abi, 5))
        if layer == "seccomp":
            return replace(self, seccomp=False)
        if layer == "network-namespace":
            return replace(self, network_namespace=False)
        raise ValueError(layer)


def isolation_level(layers: Iterable[str]) -> str:
    """strong: filesystem, syscalls and signals confined; partial: some of that; minimal: only the base layers."""
    have = set(layers)
    signals = bool(have & {"landlock-signals", "unprivileged-uid"})
    if {"landlock", "seccomp"} <= have and signals:
        return "strong"
    if have & set(OPTIONAL_LAYERS):
        return "partial"
    return "minimal"


# -- what this machine offers ---------------------------------------------------------------------


def landlock_abi() -> tuple[int, str | None]:
    """The kernel's Landlock ABI version (0 when unavailable) and, if 0, why."""
    if not sys.platform.startswith("linux"):
        return 0, "not Linux"
    try:
        import landlockpy
    except ImportError:
        return 0, "the landlockpy package is not installed"
    try:
        abi = landlockpy.abi_version()
    except OSError as exc:
        return 0, f"Landlock is unusable: {exc}"
    return abi, None if abi else "the kernel has no Landlock (Linux >= 5.13 with landlock in its LSM list)"


def seccomp_available() -> tuple[bool, str | None]:
    if not sys.platform.startswith("linux"):
        return False, "not Linux"
    try:
        import pyseccomp  # noqa: F401  (loads libseccomp.so.2)
    except ImportError:
        return False, "the pyseccomp package is not installed"
    except (OSError, RuntimeError) as exc:
        return False, f"libseccomp is missing (Debian/Ubuntu: apt-get install libseccomp2): {exc}"
    return True, None


def nobody_ids() -> tuple[int, int]:
    try:
        import grp
        import pwd

        user = pwd.getpwnam(NOBODY)
        for group in ("nogroup", NOBODY):
            try:
                return user.pw_uid, grp.getgrnam(group).gr_gid
            except KeyError:
                continue
        return user.pw_uid, user.pw_gid
    except (ImportError, KeyError):
        return 65534, 65534


def _is_course_root(path: Path) -> bool:
    return (path / "solutions").is_dir() or (path / "exercises" / "course.toml").is_file()


def readable_paths(scratch_root: Path, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """What a child may read: the Python environment, system libraries and binaries, and `extra`.

    A sys.path entry that is a course repository (it holds solutions/ or exercises/course.toml) or
    holds the sandbox's own scratch root (/, /tmp) is left out: an editable install inside a course
    never exposes its solutions, and one child never sees another's scratch directory.
    """
    import grader

    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        str(Path(grader.__file__).resolve().parent),
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/lib",
        "/lib64",
        "/usr/bin",
        "/bin",
        "/usr/share/zoneinfo",
        "/etc/ld.so.cache",
        "/etc/localtime",
        "/proc/cpuinfo",
        "/sys/devices/system/cpu",
        "/dev/zero",
        "/dev/urandom",
        "/dev/random",
        *extra,
    }
    root = scratch_root.resolve()
    candidates.update(
        entry
        for entry in sys.path
        if entry and not _is_course_root(Path(entry)) and not root.is_relative_to(Path(entry).resolve())
    )
    found = {str(Path(p).resolve()) for p in candidates if os.path.exists(p)}
    # A path under another one adds nothing.
    return tuple(sorted(p for p in found if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in found)))


# -- applying -------------------------------------------------------------------------------------


def apply(policy: Policy, scratch: Path) -> None:
    """Apply the policy to the calling process (a child that already has its own session); raises LayerError."""
    if policy.landlock_abi:
        _landlock(policy, scratch)
    if policy.drop_to is not None:
        _drop_privileges(*policy.drop_to)
    if policy.seccomp:
        _seccomp(policy)


def _landlock(policy: Policy, scratch: Path) -> None:
    from landlockpy import AccessFS, LandlockError, Ruleset, Scope, fs_for_abi

    everything = fs_for_abi(policy.landlock_abi)
    read_dir = AccessFS.READ_FILE | AccessFS.READ_DIR | AccessFS.EXECUTE
    file_rights = AccessFS.READ_FILE | AccessFS.EXECUTE
    scoped = Scope.SIGNAL | Scope.ABSTRACT_UNIX_SOCKET if policy.landlock_abi >= 6 else Scope.NONE
    try:
        # handled_net defaults to every network right the kernel knows: TCP bind and connect refused.
        with Ruleset(handled_fs=everything, scoped=scoped) as ruleset:
            for path in policy.readable:
                ruleset.allow_path(path, read_dir if os.path.isdir(path) else file_rights)
            ruleset.allow_path("/dev/null", AccessFS.READ_FILE | AccessFS.WRITE_FILE)
            ruleset.allow_path(f"/proc/{os.getpid()}", AccessFS.READ_FILE | AccessFS.READ_DIR)
            ruleset.allow_path(scratch, everything)
            ruleset.restrict()
    except (LandlockError, OSError) as exc:
        raise LayerError(f"landlock: {exc}") from exc


def _drop_privileges(uid: int, gid: int) -> None:
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        raise LayerError(f"unprivileged-uid: {exc}") from exc
    if os.getuid() != uid or os.geteuid() != uid:
        raise LayerError("unprivileged-uid: the uid did not change")


# Syscalls no learner code needs: refused with EPERM.
_REFUSED = (
    # other processes: tracing, reading or writing their memory, stealing their fds
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "kcmp",
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
    "fanotify_init",
)
# clone() flags that create namespaces.
_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x80)
# Syscalls whose first argument names a process (or, negative, a process group) to signal.
_SIGNALLING = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open")
# ioctl requests that push input into a terminal (TIOCSTI) or drive the console (TIOCLINUX).
_TERMINAL_IOCTLS = (0x5412, 0x541C)
_LOW32 = 0xFFFFFFFF


def _seccomp(policy: Policy) -> None:
    import pyseccomp as sc

    refuse = sc.ERRNO(errno.EPERM)
    rules: list[tuple[int, str, tuple[Any, ...]]] = [(refuse, name, ()) for name in _REFUSED]
    # clone3 passes its flags in memory a filter cannot see: ENOSYS makes libc fall back to clone().
    rules.append((sc.ERRNO(errno.ENOSYS), "clone3", ()))
    rules += [(refuse, "clone", (sc.Arg(0, sc.MASKED_EQ, flag, flag),)) for flag in _NAMESPACE_FLAGS]
    rules += [(refuse, "ioctl", (sc.Arg(1, sc.MASKED_EQ, _LOW32, request),)) for request in _TERMINAL_IOCTLS]
    # pid_t is 32 bits: compare the low half, so -1 matches however the register was extended.
    targets = {-1, *policy.protected_pids, *(-group for group in policy.protected_groups)}
    for name in _SIGNALLING:
        rules += [(refuse, name, (sc.Arg(0, sc.MASKED_EQ, _LOW32, pid & _LOW32),)) for pid in sorted(targets)]
    try:
        syscall_filter = sc.SyscallFilter(sc.ALLOW)
        for action, name, args in rules:
            number = sc.resolve_syscall(sc.Arch.NATIVE, name)
            if number < 0:
                continue  # not a syscall on this architecture
            syscall_filter.add_rule(action, number, *args)
        syscall_filter.load()
    except OSError as exc:
        raise LayerError(f"seccomp: {exc}") from exc


# -- proving they hold ----------------------------------------------------------------------------


def _refused(action: Any) -> bool:
    try:
        action()
    except PermissionError:
        return True
    except OSError as exc:
        return exc.errno in (errno.EPERM, errno.EACCES)
    return False


def verify(policy: Policy, scratch: Path, secret_file: Path) -> dict[str, str]:
    """Apply the policy layer by layer in this (probe) process, attacking each one as a learner would.

    Returns the layers that did not hold, each with why. `secret_file` exists and must not be
    readable once Landlock holds. Ends with every layer of the policy applied; the caller exits.
    """
    import socket

    failed: dict[str, str] = {}
    server = os.getppid()

    def record(layer: str, ok: bool, why: str) -> None:
        if not ok:
            failed[layer] = why

    if policy.landlock_abi:
        try:
            _landlock(policy, scratch)
        except LayerError as exc:
            for layer in ("landlock", "landlock-network", "landlock-signals"):
                failed[layer] = str(exc)
        else:
            record("landlock", _refused(lambda: secret_file.read_bytes()), "a file outside the view was readable")
            if policy.landlock_abi >= 4:
                record("landlock-network", _refused(lambda: _connect_tcp(socket)), "a TCP connect was not refused")
            if policy.landlock_abi >= 6:
                record("landlock-signals", _refused(lambda: os.kill(server, 0)), "the server could be signalled")
    if policy.drop_to is not None:
        try:
            _drop_privileges(*policy.drop_to)
        except LayerError as exc:
            failed["unprivileged-uid"] = str(exc)
        else:
            unreadable = [p for p in policy.readable if not os.access(p, os.R_OK)]
            record(
                "unprivileged-uid",
                not unreadable,
                f"{NOBODY} cannot read {', '.join(unreadable[:3])}" + (" ..." if len(unreadable) > 3 else ""),
            )
    if policy.seccomp:
        try:
            _seccomp(policy)
        except LayerError as exc:
            failed["seccomp"] = str(exc)
        else:
            record("seccomp", _refused(lambda: socket.socket(socket.AF_UNIX)), "socket() was not refused")
    return failed


def _connect_tcp(socket: Any) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        try:
            sock.connect(("127.0.0.1", 9))
        except (ConnectionRefusedError, TimeoutError):
            return  # the connection attempt reached the network stack: not refused by Landlock
        except OSError as exc:
            if exc.errno in (errno.ENETUNREACH, errno.EADDRNOTAVAIL):
                return
            raise
