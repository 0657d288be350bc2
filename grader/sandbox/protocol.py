"""Length-prefixed frames between the judge and the sandbox; the first byte of a frame names its encoding.

Both directions use the compact `wire` encoding (a JSON skeleton and raw tensor bytes) for the
plain values and tensors that make up nearly every message. What it does not cover falls back,
towards the judge (answers, status), to `torch.save` data read back with `weights_only=True`, and
towards the sandbox (requests the judge built), to plain pickle, which only the untrusted side
ever reads. Either way, a frame is read under a size cap, and nothing the sandbox sends can run
code in the judge.

What the judge reads is bounded before anything is built from it (the wire skeleton's value count;
`torch.save` data whose members are stored, not compressed, and whose structure is small), then
`admit` walks the result without recursion: plain values and dense CPU tensors only, nested at
most `MAX_DEPTH` deep, and all tensors together spanning no more bytes than the frame brought
(a view with a stride of 0 can otherwise claim gigabytes of eight bytes).
"""

from __future__ import annotations

import io
import pickle
import socket
import struct
import time
import warnings
import zipfile
from typing import Any

from grader.sandbox import wire
from grader.sandbox.values import tensor_problem

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


_WIRE = b"W"
_TORCH = b"T"
_PICKLE = b"P"
MAX_DEPTH = 64
# The pickled structure of `torch.save` data (the tensors' bytes are members of their own): a
# forged pickle can turn each of its bytes into an object of ~60 bytes.
_MAX_STRUCTURE = 1 << 20
# What tensors may span beyond the bytes the frame brought: small views of a scalar stay readable.
_VIEW_SLACK = 1 << 20


def dumps(obj: Any) -> bytes:
    """Encode a message for the judge to read (see `loads`)."""
    try:
        return _WIRE + wire.encode(obj)
    except wire.Unsupported:
        import torch

        buffer = io.BytesIO()
        torch.save(obj, buffer)
        return _TORCH + buffer.getvalue()


def loads(data: bytes) -> Any:
    """Read a message from the sandbox: `wire` data, or `torch.save` data with `weights_only=True`,
    then `admit` it."""
    try:
        kind, body = data[:1], memoryview(data)[1:]  # a view: the frame is not copied to drop its tag
        if kind == _WIRE:
            value = wire.decode(body)
        elif kind == _TORCH:
            value = _torch_load(body)
        else:
            raise ValueError("the frame names no known encoding")
        return admit(value, max(len(data), _VIEW_SLACK))
    except Exception as exc:  # any failure to read is the sender's fault, never the reader's crash
        raise ProtocolError(f"unreadable frame: {type(exc).__name__}: {_first_line(exc)}") from None


def _torch_load(body: memoryview) -> Any:
    import torch

    stream = io.BytesIO(body)
    # torch.save writes an uncompressed zip: a compressed member could inflate to any size.
    with zipfile.ZipFile(stream) as archive:
        members = archive.infolist()
        if any(m.compress_type != zipfile.ZIP_STORED for m in members):
            raise ValueError("a compressed member")
        if any(m.filename.endswith(".pkl") and m.file_size > _MAX_STRUCTURE for m in members):
            raise ValueError(f"a structure of more than {_MAX_STRUCTURE} bytes")
    stream.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a hostile frame may use pickle features that warn before failing
        return torch.load(stream, weights_only=True, map_location="cpu")


def admit(value: Any, max_view_bytes: int) -> Any:
    """`value` itself, once proved to hold only plain values and dense CPU tensors, at most `MAX_DEPTH`
    deep, whose tensors together span at most `max_view_bytes`; ValueError otherwise.

    Iterative, so depth costs no recursion, and linear in the number of values.
    """
    import torch

    span = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} deep")
        kind = type(item)
        if item is None or kind in (bool, int, float, complex, str, torch.dtype, torch.device, torch.Size):
            continue
        if kind in (list, tuple):
            stack.extend((x, depth + 1) for x in item)
        elif kind is dict:
            if not all(type(k) in (str, int) for k in item):
                raise ValueError("a dict key that is not a str or int")
            stack.extend((x, depth + 1) for x in item.values())
        elif kind is torch.Tensor:
            problem = tensor_problem(item)
            if problem is not None:
                raise ValueError(f"a tensor ({problem}); answers hold only dense CPU tensors")
            span += item.numel() * item.element_size()
            if span > max_view_bytes:
                raise ValueError(f"tensors spanning more than {max_view_bytes} bytes (views that repeat their bytes?)")
        else:
            raise ValueError(f"a value of type {kind.__qualname__}")
    return value


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return lines[0][:200] if lines else ""


def _send_frame(sock: socket.socket, payload: bytes) -> None:
    try:
        sock.sendall(_HEADER.pack(len(payload)) + payload)
    except (BrokenPipeError, ConnectionResetError):
        # The other side died after its last answer (a child may exit right after writing one).
        raise PeerClosed("connection closed") from None


def send_to_judge(sock: socket.socket, obj: Any) -> None:
    _send_frame(sock, dumps(obj))


def send_to_sandbox(sock: socket.socket, obj: Any) -> None:
    try:
        payload = _WIRE + wire.encode(obj)
    except wire.Unsupported:
        payload = _PICKLE + pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    _send_frame(sock, payload)


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
        try:
            chunk = sock.recv(min(remaining, 1 << 20))
        except ConnectionResetError:
            chunk = b""
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
    data = _recv_frame(sock, limit, deadline)
    body = memoryview(data)[1:]
    return wire.decode(body) if data[:1] == _WIRE else pickle.loads(body)
