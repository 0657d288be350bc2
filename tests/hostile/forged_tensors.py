"""Answer with forged frames the judge must refuse before building anything big from them: an 8-byte
tensor viewed as 2**27 elements (a stride of 0), a skeleton of two million empty lists, and, through
torch.save, sparse, meta and nested tensors. Each ends its check as an unreadable result."""

import gc
import io
import json
import os
import socket
import struct

import torch


def _send_and_exit(body):
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0:
            obj.sendall(struct.pack("!Q", len(body)) + body)
    os._exit(0)


def _wire(value_json, blob=b""):
    skeleton = ('{"dict":[["ok",true],["value",' + value_json + '],["output",""],["seconds",0.0]]}').encode()
    _send_and_exit(b"W" + struct.pack("!I", len(skeleton)) + skeleton + blob)


def _torch_save(value):
    buffer = io.BytesIO()
    torch.save({"ok": True, "value": value, "output": "", "seconds": 0.0}, buffer)
    _send_and_exit(b"T" + buffer.getvalue())


def one_hot(labels, num_classes):
    _wire(json.dumps({"tensor": ["float64", [1 << 27], [0], 0, 0, 8, False]}), b"\0" * 8)


def flatten_batch(x):
    _wire("[" + ",".join(["[]"] * 2_000_000) + "]")


def pairwise_sq_dists(x, y):
    _torch_save(torch.eye(3).to_sparse())


def linear(x, weight, bias=None):
    _torch_save(torch.empty(3, device="meta"))


def masked_mean(x, mask, dim):
    _torch_save(torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]))
