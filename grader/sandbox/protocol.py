"""Length-prefixed frames between the judge and the sandbox, each direction with its own encoding.

Towards the judge (answers, status): `torch.save` data, read back with `weights_only=True` under a
size cap, so nothing the sandbox sends can run code in the judge. Towards the sandbox (requests
the judge built): plain pickle, which is only ever read by the untrusted side.
"""

from __future__ import annotations

import io
import pickle
import socket
import struct
import time
import warnings
from typing import Any

_HEADER = struct.Struct("!Q")


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed, readable frame."""


class PeerClosed(ProtocolError):
    """The other side closed the connection (or died) before a whole frame arrived."""


class FrameTooLarge(ProtocolError):
    def __init__(self, size: int, limit: int):
        self.size = size
        self.limit = limit
        super().__init__(f"a frame of {size} bytes exceeds the limit of {limit} bytes")


def dumps(obj: Any) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def loads(data: bytes) -> Any:
    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a hostile frame may use pickle features that warn before failing
            return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as exc:  # any failure to read is the sender's fault, never the reader's crash
        raise ProtocolError(f"unreadable frame: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from None


def _send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def send_to_judge(sock: socket.socket, obj: Any) -> None:
    _send_frame(sock, dumps(obj))


def send_to_sandbox(sock: socket.socket, obj: Any) -> None:
    _send_frame(sock, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _recv_exact(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise PeerClosed("connection closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _recv_frame(sock: socket.socket, limit: int, deadline: float | None) -> bytes:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    if size > limit:
        raise FrameTooLarge(size, limit)
    return _recv_exact(sock, size, deadline)


def recv_from_sandbox(sock: socket.socket, limit: int, deadline: float | None = None) -> Any:
    """Read one frame sent by the sandbox; raises TimeoutError past `deadline` (a `time.monotonic()` value)."""
    return loads(_recv_frame(sock, limit, deadline))


def recv_from_judge(sock: socket.socket, limit: int, deadline: float | None = None) -> Any:
    """Read one frame sent by the judge (trusted data, so plain pickle is fine here)."""
    return pickle.loads(_recv_frame(sock, limit, deadline))
