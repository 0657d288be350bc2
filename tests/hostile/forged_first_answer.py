"""Answer the judge's first request (import the module, list its names) with a forged frame whose
names are `[[1]]`, then exit: the exercise is blocked with an unreadable result, and the run goes on."""

import gc
import os
import socket
import struct

_SKELETON = b'{"dict":[["ok",true],["value",[[1]]],["output",""],["seconds",0.0]]}'
_BODY = b"W" + struct.pack("!I", len(_SKELETON)) + _SKELETON

for _obj in gc.get_objects():
    if isinstance(_obj, socket.socket) and _obj.fileno() >= 0:
        _obj.sendall(struct.pack("!Q", len(_BODY)) + _BODY)
os._exit(0)
