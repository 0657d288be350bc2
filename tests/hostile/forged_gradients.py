"""Answer the judge's gradient requests (the tensors it differentiates by arrive requiring grad) with
forged frames that are not a value and one gradient per input: a bare number, and a pair whose
gradients are a number. Each ends its check as an unreadable result, never as a grader error; plain
calls raise."""

import gc
import os
import socket
import struct


def _answer_and_exit(value_json):
    skeleton = ('{"dict":[["ok",true],["value",' + value_json + '],["output",""],["seconds",0.0]]}').encode()
    body = b"W" + struct.pack("!I", len(skeleton)) + skeleton
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0:
            obj.sendall(struct.pack("!Q", len(body)) + body)
    os._exit(0)


def pairwise_sq_dists(x, y):
    if x.requires_grad:
        _answer_and_exit("5")
    raise ValueError("only gradients are forged")


def linear(x, weight, bias=None):
    if x.requires_grad:
        _answer_and_exit('{"tuple":[null,5]}')
    raise ValueError("only gradients are forged")
