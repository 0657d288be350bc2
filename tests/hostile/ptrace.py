"""Attach to the sandbox server with ptrace and read its memory."""

import ctypes
import os

PTRACE_ATTACH = 16
PTRACE_DETACH = 17


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def pairwise_sq_dists(x, y):
    libc = ctypes.CDLL(None, use_errno=True)
    server = os.getppid()
    if libc.ptrace(PTRACE_ATTACH, server, None, None) == 0:
        libc.ptrace(PTRACE_DETACH, server, None, None)
        raise RuntimeError("ESCAPED: ptrace attached to the server")
    buffer = ctypes.create_string_buffer(64)
    local = IoVec(ctypes.cast(buffer, ctypes.c_void_p), 64)
    remote = IoVec(ctypes.c_void_p(0x400000), 64)
    if libc.process_vm_readv(server, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) > 0:
        raise RuntimeError("ESCAPED: read the server's memory")
    raise PermissionError("no access to other processes")
