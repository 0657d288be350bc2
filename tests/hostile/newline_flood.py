"""Flood the judge with newlines: 64,000 printed by a correct task, and a forged error answer whose
message is 4 million of them (an honest child cuts messages short, so it is written to the socket)."""

import gc
import json
import os
import socket
import struct


def _answer_and_exit(answer):
    skeleton = json.dumps(answer).encode()
    body = b"W" + struct.pack("!I", len(skeleton)) + skeleton
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0:
            obj.sendall(struct.pack("!Q", len(body)) + body)
    os._exit(0)


_honest_masked_mean = masked_mean  # noqa: F821 (defined by the reference this file is appended to)


def masked_mean(x, mask, dim):
    print("\n" * 64_000)
    return _honest_masked_mean(x, mask, dim)


def standardize(x, dim=-1, eps=1e-5):
    message = "\n" * 4_000_000 + "::error::ESCAPED"
    error = {"type": "builtins.ValueError", "mro": ["builtins.ValueError"], "message": message, "where": "call"}
    _answer_and_exit({"dict": [["ok", False], ["error", {"dict": [[k, v] for k, v in error.items()]}]]})
