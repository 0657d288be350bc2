"""Watch which files the judge opens (inotify on the course's solutions, fanotify on the whole mount)."""

import ctypes
import os

SOLUTIONS = "@@SOLUTIONS@@"
IN_OPEN = 0x20
FAN_CLASS_NOTIF = 0


def pairwise_sq_dists(x, y):
    libc = ctypes.CDLL(None, use_errno=True)
    escaped = []
    fd = libc.inotify_init1(0)
    if fd >= 0:
        escaped.append("inotify_init1")
        if libc.inotify_add_watch(fd, SOLUTIONS.encode(), IN_OPEN) >= 0:
            escaped.append("watching solutions/")
        os.close(fd)
    fd = libc.fanotify_init(FAN_CLASS_NOTIF, os.O_RDONLY)
    if fd >= 0:
        escaped.append("fanotify_init")
        os.close(fd)
    if escaped:
        raise RuntimeError(f"ESCAPED: {escaped}")
    raise PermissionError("no watch could be set")
