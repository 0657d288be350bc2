"""Fill the machine with processes (150 per child, so a failed sandbox cannot take the machine down)."""

import os
import time

_forked = False


def flatten_batch(x):
    global _forked
    for _ in range(0 if _forked else 150):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(600)
            os._exit(0)
    _forked = True
    return None
