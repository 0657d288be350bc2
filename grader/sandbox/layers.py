"""The confinement layers of a sandboxed child: what this machine offers, applying them, proving they hold.

A spare child applies them before it learns what it will run (so they cost a check nothing),
in this order:

1. `landlock` (Linux >= 5.13, `landlockpy`): the filesystem view. Read (and execute) only the
   Python environment, the system libraries and binaries, the staging area (narrowed to the
   child's own submission's copy once it is assigned: `view.py`); read and
   write only the child's scratch directory. `solutions/`, the gradebook, home directories and
   the rest of /tmp are out of reach. On ABI >= 4 also `landlock-network` (no TCP bind or
   connect) and on ABI >= 6 `landlock-signals` (no signals to, and no abstract Unix sockets
   of, processes outside the child's own domain).
2. `unprivileged-uid` (only when started as root): the child becomes nobody/nogroup, so the
   process limit applies and it can neither signal nor read the files of root's processes.
   Its scratch directory is chowned to it first, and the learner's module is read from a
   world-readable staged copy. Used only when the Python environment is readable by nobody
   (a Python under /root is not, unless the mount view holds it without /root), which the
   probe child verifies.
3. `no-capabilities`: no capability is left, in any set, and none can be gained (the bounding
   set emptied where the child may, ambient cleared, no_new_privs), so a child that stays root
   cannot mknod, read the kernel log, raise its limits or override file permissions.
4. `seccomp` (libseccomp through `pyseccomp`): refuses socket(), ptrace and reading other
   processes' memory, leaving the process group (setsid/setpgid), namespaces, mounts, bpf,
   io_uring, kernel modules, kexec and similar; changing any file's metadata (mode, owner, times,
   extended attributes: Landlock does not cover them) and mknod; inotify and fanotify; and
   resource limits, priorities, CPU affinity and scheduling of any process but the child itself.
   The judge's socket is inherited, so it keeps working.

The fork server itself enters `network-namespace` once (root, or a user namespace where allowed),
so every child inherits a network with nothing in it, then `mount-namespace` (same needs): a
filesystem holding only what children may read and its own folder (`view_paths`), so the course
does not exist for them even to stat(); and it loads the `guard` filter: no signal to
the judge, the server, their process group or every process (-1). Every child inherits that
filter, so no child's memory holds the judge's pid.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.sandbox import syscalls
from grader.sandbox.platform import capability_state, drop_capabilities, empty_bounding_set

# Always present: a fresh interpreter for the server, the child's own process group killed on a
# wall-clock timeout, resource limits, and captured output.
BASE_LAYERS = ("fresh-interpreter", "process-group", "wall-clock", "rlimits", "output-capture")
# Where the platform allows; reported as missing otherwise.
OPTIONAL_LAYERS = (
    "network-namespace",
    "mount-namespace",
    "unprivileged-uid",
    "no-capabilities",
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
    drop_capabilities: bool = False
    seccomp: bool = False
    network_namespace: bool = False
    # The server lives in a mount namespace whose filesystem is only what children may read.
    mount_view: bool = False

    def layers(self) -> list[str]:
        named = {
            "network-namespace": self.network_namespace,
            "mount-namespace": self.mount_view,
            "unprivileged-uid": self.drop_to is not None,
            "no-capabilities": self.drop_capabilities,
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
        if layer == "no-capabilities":
            return replace(self, drop_capabilities=False)
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
        if layer == "mount-namespace":
            return replace(self, mount_view=False)
        raise ValueError(layer)


def isolation_level(layers: Iterable[str], children_root: bool = False) -> str:
    """strong: filesystem, syscalls, capabilities and signals confined, children not root; partial: some of
    that; minimal: only the base layers.

    Children that stay root (started as root, the uid drop unavailable) are never `strong`: root
    owns the files and processes the other layers only partly cover.
    """
    have = set(layers)
    signals = bool(have & {"landlock-signals", "unprivileged-uid"})
    if {"landlock", "seccomp", "no-capabilities"} <= have and signals and not children_root:
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


def view_paths(policy: Policy, scratch_root: Path) -> list[str]:
    """What exists in the server's mount namespace: what children may read, /proc, /dev/null, and the
    scratch root (last; its recursive bind also shows the view's own mount point, which holds only the view)."""
    root = str(scratch_root.resolve())
    wanted = {*policy.readable, "/proc", "/dev/null"}
    found = {p for p in wanted if os.path.exists(p) and not _within(p, root) and p != root}
    return [*sorted(p for p in found if not any(p != q and _within(p, q) for q in found)), root]


def view_links() -> list[str]:
    """The symbolic links the view copies: those at the top of the filesystem (/bin, /lib64 on merged-/usr
    systems: the ELF loader's path goes through them) and /etc/localtime. They name, and reveal, nothing else."""
    top = [f"/{name}" for name in os.listdir("/")]
    return [path for path in (*top, "/etc/localtime") if os.path.islink(path)]


def outside_view(visible: Iterable[str], candidates: Iterable[str]) -> str | None:
    """The first existing candidate path that the view leaves out entirely (neither in it nor above any
    of it): the probe proves the view by failing to find it."""
    shown = list(visible)
    for path in candidates:
        if os.path.lexists(path) and not any(_within(path, p) or _within(p, path) or p == path for p in shown):
            return path
    return None


def _within(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


# -- applying -------------------------------------------------------------------------------------


def apply(policy: Policy, scratch: Path) -> None:
    """Apply the policy to the calling process (a child that already has its own session); raises LayerError."""
    if policy.landlock_abi:
        _landlock(policy, scratch)
    if policy.drop_capabilities:
        _empty_bounding_set()  # needs CAP_SETPCAP: before the uid drop takes it
    if policy.drop_to is not None:
        _drop_privileges(*policy.drop_to)
    if policy.drop_capabilities:
        _drop_capabilities()
    if policy.seccomp:
        _seccomp()


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


def _empty_bounding_set() -> None:
    if not empty_bounding_set():
        raise LayerError("no-capabilities: the capability bounding set could not be emptied")


def _drop_capabilities() -> None:
    if not drop_capabilities():
        raise LayerError("no-capabilities: the capabilities could not be cleared")


def _seccomp() -> None:
    try:
        syscalls.load_child_filter()
    except OSError as exc:
        raise LayerError(f"seccomp: {exc}") from exc


def guard(pids: Iterable[int], groups: Iterable[int]) -> None:
    """Refuse, in the calling process and every process it forks from now on, signals to `pids`, to
    the process groups `groups` and to every process. The server calls it once with the judge's and
    its own pid, while it has one thread, so its children inherit it and never hold those pids."""
    try:
        syscalls.load_guard(pids, groups)
    except OSError as exc:
        raise LayerError(f"seccomp: {exc}") from exc


# -- proving they hold ----------------------------------------------------------------------------


def _refused(action: Callable[[], object]) -> bool:
    try:
        action()
    except PermissionError:
        return True
    except OSError as exc:
        return exc.errno in (errno.EPERM, errno.EACCES)
    return False


def verify(policy: Policy, scratch: Path, secret_file: Path, hidden: str | None = None) -> dict[str, str]:
    """Apply the policy layer by layer in this (probe) process, attacking each one as a learner would.

    Returns the layers that did not hold, each with why. `secret_file` exists and must not be
    readable once Landlock holds; `hidden` existed before the server entered its mount view and
    must not exist in it. The probe is forked after the server loaded its guard filter and
    entered its view. Ends with every layer of the policy applied; the caller exits.
    """
    # Imported before any layer: once the uid is dropped, a Python under /root (outside a mount view)
    # cannot load an extension module, and the probe would die instead of reporting the missing layer.
    import ctypes  # noqa: F401
    import resource  # noqa: F401
    import socket

    failed: dict[str, str] = {}
    server = os.getppid()

    def record(layer: str, ok: bool, why: str) -> None:
        if not ok and layer not in failed:
            failed[layer] = why

    if policy.mount_view:
        record("mount-namespace", hidden is not None and not os.path.lexists(hidden), f"{hidden} can be seen")

    if policy.seccomp:  # the inherited guard, before any layer that also refuses signals
        record("seccomp", _refused(lambda: os.kill(server, 0)), "the server could be signalled (no guard filter)")
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
    if policy.drop_capabilities:
        try:
            _empty_bounding_set()
        except LayerError as exc:
            failed["no-capabilities"] = str(exc)
    if policy.drop_to is not None:
        try:
            _drop_privileges(*policy.drop_to)
        except LayerError as exc:
            failed["unprivileged-uid"] = str(exc)
        else:
            # The staging area (under the scratch root) is traversed, never listed: nobody needs only X there.
            unreadable = [
                p
                for p in policy.readable
                if not os.access(p, os.R_OK) and not (Path(p).is_relative_to(scratch.parent) and os.access(p, os.X_OK))
            ]
            record(
                "unprivileged-uid",
                not unreadable,
                f"{NOBODY} cannot read {', '.join(unreadable[:3])}" + (" ..." if len(unreadable) > 3 else ""),
            )
    if policy.drop_capabilities:
        try:
            _drop_capabilities()
        except LayerError as exc:
            failed["no-capabilities"] = str(exc)
        else:
            held = _held_capabilities()
            record("no-capabilities", not held, f"capabilities still held: {', '.join(held)}")
    if policy.seccomp:
        try:
            _seccomp()
        except LayerError as exc:
            failed["seccomp"] = str(exc)
        else:
            for why, attack in _seccomp_attacks(socket, server, scratch):
                record("seccomp", _refused(attack), f"{why} was not refused")
    return failed


def _held_capabilities() -> list[str]:
    """What a child that dropped its capabilities still holds: non-empty sets, or no_new_privs unset."""
    state = capability_state()
    held = [name for name in ("CapEff", "CapPrm", "CapInh", "CapAmb") if state.get(name, 1)]
    return held if state.get("NoNewPrivs") == 1 else [*held, "no_new_privs unset"]


def _seccomp_attacks(socket: Any, server: int, scratch: Path) -> list[tuple[str, Callable[[], object]]]:
    """Harmless attempts at what the child filter refuses: each sets what is already there, or acts in scratch."""
    import ctypes
    import resource

    libc = ctypes.CDLL(None, use_errno=True)

    def inotify() -> None:
        if libc.inotify_init1(0) < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")

    return [
        ("socket()", lambda: socket.socket(socket.AF_UNIX)),
        ("prlimit on the server", lambda: resource.prlimit(server, resource.RLIMIT_CPU)),
        (
            "renicing the server",
            lambda: os.setpriority(os.PRIO_PROCESS, server, os.getpriority(os.PRIO_PROCESS, server)),
        ),
        ("pinning the server", lambda: os.sched_setaffinity(server, os.sched_getaffinity(server))),
        ("chmod", lambda: os.chmod(scratch, 0o700)),
        ("utime", lambda: os.utime(scratch)),
        ("setxattr", lambda: os.setxattr(scratch, "user.probe", b"1")),
        ("mknod", lambda: os.mkfifo(scratch / "probe-fifo")),
        ("inotify", inotify),
    ]


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
