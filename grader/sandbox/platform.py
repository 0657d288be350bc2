"""Small Linux facilities the sandbox uses, each a no-op (returning False) where the platform lacks it."""

from __future__ import annotations

import ctypes
import errno
import os
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
# The running process's own symbols include libc's: no library search per call.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _prctl(option: int, arg: int) -> bool:
    if _LIBC is None:
        return False
    try:
        return _LIBC.prctl(option, arg, 0, 0, 0) == 0
    except AttributeError:
        return False


def set_parent_death_signal() -> bool:
    """Die with SIGKILL when the parent does, so no child outlives the grader."""
    return _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


def forbid_inspection() -> bool:
    """Make this process non-dumpable: same-user processes cannot ptrace it or read its memory."""
    return _prctl(_PR_SET_DUMPABLE, 0)


def become_subreaper() -> bool:
    """Adopt orphaned descendants, so processes a child leaves behind are reaped here, not by init."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _unshare(flags: int) -> bool:
    if hasattr(os, "unshare"):  # Python 3.12+
        try:
            os.unshare(flags)
            return True
        except OSError:
            return False
    if _LIBC is None:
        return False
    return _LIBC.unshare(flags) == 0


def _network_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return None


def enter_network_namespace() -> bool:
    """Move this process into a new, empty network namespace (only a loopback that is down).

    Root (CAP_SYS_ADMIN) can do it directly; an unprivileged user only inside a new user
    namespace that maps its own uid and gid, which some systems forbid. Must run before any
    thread starts, and while the process is still dumpable (a non-dumpable process cannot write
    its own uid_map). True only when the namespace really changed.
    """
    before = _network_namespace()
    if before is None:
        return False
    if os.geteuid() == 0:
        entered = _unshare(_CLONE_NEWNET)
    else:
        # A user namespace whose ids cannot be mapped would leave this process unable to create
        # files: try in a throwaway child first.
        uid, gid = os.geteuid(), os.getegid()
        entered = _in_child(lambda: _unshare(_CLONE_NEWUSER | _CLONE_NEWNET) and _map_self(uid, gid))
        entered = entered and _unshare(_CLONE_NEWUSER | _CLONE_NEWNET) and _map_self(uid, gid)
    return entered and _network_namespace() != before


def _in_child(attempt: Callable[[], bool]) -> bool:
    pid = os.fork()
    if pid == 0:
        os._exit(0 if attempt() else 1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _map_self(uid: int, gid: int) -> bool:
    """In a fresh user namespace, map our own uid and gid onto themselves so files keep their owner."""
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
        return True
    except OSError:
        return False


_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_CAP_SETPCAP = 8
_CAPABILITY_SETS = ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def empty_bounding_set() -> bool:
    """Drop every capability from the bounding set, so none can be gained again (by exec as root or
    of a setuid file). Needs CAP_SETPCAP; a process without it (an ordinary user) cannot, and needs
    not: no_new_privs, set here, already keeps exec from granting anything."""
    if _LIBC is None or not _prctl(_PR_SET_NO_NEW_PRIVS, 1):
        return False
    if not capability_state().get("CapEff", 0) & (1 << _CAP_SETPCAP):
        return True
    # Up to the first number the kernel does not know (EINVAL): /proc/sys may be out of the child's view.
    for capability in range(64):
        if _LIBC.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            return ctypes.get_errno() == errno.EINVAL and capability > 0
    return True


def drop_capabilities() -> bool:
    """Clear the effective, permitted, inheritable and ambient capability sets and set no_new_privs."""
    if _LIBC is None or not _prctl(_PR_SET_NO_NEW_PRIVS, 1):
        return False
    if _LIBC.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0:
        return False
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()  # version 3: two 32-bit halves, all zero
    return _LIBC.capset(ctypes.byref(header), data) == 0


def capability_state() -> dict[str, int]:
    """This process's capability sets (CapEff, ...) as integers and NoNewPrivs, read from /proc; {} without it."""
    state: dict[str, int] = {}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                name, _, value = line.partition(":")
                if name in _CAPABILITY_SETS:
                    state[name] = int(value, 16)
                elif name == "NoNewPrivs":
                    state[name] = int(value)
    except (OSError, ValueError):
        return {}
    return state


_CLONE_NEWNS = 0x00020000
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MNT_DETACH = 2
# glibc has no pivot_root() wrapper: its syscall number per machine.
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    assert _LIBC is not None

    def encode(text: str | None) -> bytes | None:
        return None if text is None else os.fsencode(text)

    if _LIBC.mount(encode(source), encode(target), encode(fstype), flags, encode(data)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {source or ''} on {target}: {os.strerror(error)}")


def enter_mount_view(visible: Iterable[str], links: Iterable[str], root: Path) -> None:
    """Move this process into a new mount namespace whose whole filesystem is `visible` (bound at the
    same paths onto an empty tmpfs mounted at `root`, which becomes `/`) and the symbolic links `links`
    (copied as they are: /lib64 -> usr/lib64 names the ELF loader): nothing else exists for it or for
    what it forks, not even to stat(). Root, or a user namespace this process owns; raises OSError.

    Must run while this process has one thread. The working directory is kept (it must be visible).
    """
    import platform

    if _LIBC is None or platform.machine() not in _PIVOT_ROOT:
        raise OSError(errno.ENOSYS, f"no mount namespaces on {sys.platform} {platform.machine()}")
    cwd = os.getcwd()
    if not _unshare(_CLONE_NEWNS):
        raise OSError(errno.EPERM, "unshare(CLONE_NEWNS) was refused")
    # Nothing mounted from here on may propagate back to the machine's namespace.
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    root.mkdir(exist_ok=True)
    # Only root (the server, before its children drop to nobody) writes the view's skeleton, and only a little.
    _mount("tmpfs", str(root), "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=755,size=1m")
    for path in visible:
        target = root / path.lstrip("/")
        if os.path.isdir(path):
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.touch()
        _mount(path, str(target), None, _MS_BIND | _MS_REC)
    for link in links:
        target = root / link.lstrip("/")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(link))
    os.chdir(root)
    try:
        # pivot_root(".", ".") stacks the old root under the new one; detaching it leaves only the view.
        if _LIBC.syscall(_PIVOT_ROOT[platform.machine()], b".", b".") != 0:
            raise OSError(ctypes.get_errno(), "pivot_root was refused")
        if _LIBC.umount2(b".", _MNT_DETACH) != 0:
            raise OSError(ctypes.get_errno(), "the old root could not be detached")
    finally:
        # Back where the scratch directories go, whether or not the view holds.
        os.chdir(cwd)
