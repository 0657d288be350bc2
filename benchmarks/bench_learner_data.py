"""What the judge spends on hostile learner data: cleaning a flood of printed newlines, and reading
(or refusing) the largest answers a child can send.

    .venv/bin/python benchmarks/bench_learner_data.py
"""

from __future__ import annotations

import contextlib
import json
import struct
import time
from collections.abc import Callable

from grader.runner.output import defuse_workflow_commands, neutralize
from grader.sandbox import protocol, wire
from grader.sandbox.limits import Limits


def _best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(protocol.ProtocolError):  # refusing is the work being measured
            work()
        best = min(best, time.perf_counter() - started)
    return best


def _wire_frame(skeleton: str, blob: bytes = b"") -> bytes:
    text = skeleton.encode()
    return b"W" + struct.pack("!I", len(text)) + text + blob


def _line(what: str, seconds: float) -> None:
    print(f"{what:<48} {seconds * 1e3:9.2f} ms")


def main() -> None:
    flood = "\n" * 64_000
    _line("neutralize, 64,000 newlines", _best_of(5, lambda: neutralize(flood)))
    _line("defuse_workflow_commands, 64,000 newlines", _best_of(5, lambda: defuse_workflow_commands(flood)))
    limit = Limits().result_mb << 20
    values = wire.MAX_VALUES // 2 - 2  # each `[],` counts twice: its bracket and its comma
    most = _wire_frame("[" + ",".join(["[]"] * values) + "]")
    _line(f"decode {values} empty lists ({len(most) >> 20} MB)", _best_of(3, lambda: protocol.loads(most)))
    too_many = _wire_frame("[" + ",".join(["[]"] * (limit // 3 - 1)) + "]")
    _line(f"refuse {len(too_many) >> 20} MB of empty lists", _best_of(3, lambda: protocol.loads(too_many)))
    blob = b"\0" * (limit - 100)
    tensor = json.dumps({"tensor": ["float32", [len(blob) // 4], [1], 0, 0, len(blob), False]})
    biggest = _wire_frame(tensor, blob)
    _line(f"decode one {len(biggest) >> 20} MB tensor", _best_of(3, lambda: protocol.loads(biggest)))


if __name__ == "__main__":
    main()
