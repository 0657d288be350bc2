"""Look through the child's own memory (every object the fork copied from the server, and the stack of
frames below the learner's call) for the judge's pid, which the attacker would then use."""

import gc
import sys

JUDGE = int("@@JUDGE@@")


def _holds_the_judge(value, depth=0):
    if isinstance(value, int) and not isinstance(value, bool):
        return value in (JUDGE, -JUDGE)
    if depth < 2 and isinstance(value, (tuple, list, frozenset, set)):
        return any(_holds_the_judge(item, depth + 1) for item in value)
    if depth < 2 and isinstance(value, dict):
        return any(_holds_the_judge(item, depth + 1) for item in value.values())
    return False


def one_hot(labels, num_classes):
    found = []
    frame = sys._getframe()
    while frame is not None:
        if any(_holds_the_judge(v) for v in frame.f_locals.values()):
            found.append(f"frame {frame.f_code.co_name}")
        frame = frame.f_back
    for obj in gc.get_objects():
        fields = getattr(obj, "__dict__", None)
        if type(fields) is dict and fields is not globals() and _holds_the_judge(fields):
            found.append(type(obj).__qualname__)
    if found:
        raise RuntimeError(f"ESCAPED: the judge's pid is in {sorted(set(found))[:5]}")
    raise PermissionError("the judge's pid is nowhere in this process")
