"""Signal the judge without kill(): make it the owner of a descriptor's I/O signals (fcntl F_SETOWN,
F_SETOWN_EX, F_SETSIG, ioctl FIOSETOWN/SIOCSPGRP), so that its next write sends it a signal, or signal it
through a pidfd (pidfd_send_signal on an fd of /proc/<judge>, with signal 0). Owning without O_ASYNC sends
nothing, so each attempt harms nothing when it succeeds."""

import ctypes
import fcntl
import os
import struct

JUDGE = int("@@JUDGE@@")
F_SETSIG, F_SETOWN_EX = 10, 15
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902
PIDFD_SEND_SIGNAL = 424  # the same number on every architecture since Linux 5.1


def _pidfd_signal(libc):
    fd = os.open(f"/proc/{JUDGE}", os.O_RDONLY | os.O_DIRECTORY)
    try:
        if libc.syscall(PIDFD_SEND_SIGNAL, fd, 0, None, 0) != 0:
            raise OSError(ctypes.get_errno(), "pidfd_send_signal")
    finally:
        os.close(fd)


def one_hot(labels, num_classes):
    libc = ctypes.CDLL(None, use_errno=True)
    escaped = []
    for fd in range(64):
        try:
            os.fstat(fd)
        except OSError:
            continue
        for name, attempt in (
            ("F_SETOWN", lambda fd=fd: fcntl.fcntl(fd, fcntl.F_SETOWN, JUDGE)),
            ("F_SETOWN_EX", lambda fd=fd: fcntl.fcntl(fd, F_SETOWN_EX, struct.pack("ii", 1, JUDGE))),
            ("F_SETSIG", lambda fd=fd: fcntl.fcntl(fd, F_SETSIG, 0)),
            ("FIOSETOWN", lambda fd=fd: fcntl.ioctl(fd, FIOSETOWN, struct.pack("i", JUDGE))),
            ("SIOCSPGRP", lambda fd=fd: fcntl.ioctl(fd, SIOCSPGRP, struct.pack("i", JUDGE))),
        ):
            try:
                attempt()
                escaped.append(f"{name} on fd {fd}")
            except OSError:
                pass
    try:
        _pidfd_signal(libc)
        escaped.append("pidfd_send_signal")
    except OSError:
        pass
    if escaped:
        raise RuntimeError(f"ESCAPED: {escaped}")
    raise PermissionError("no descriptor could signal the judge")
