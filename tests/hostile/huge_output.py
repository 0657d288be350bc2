"""Flood the output at the Python level and at the file-descriptor level, with fake grader lines inside."""

import os
import subprocess

FAKE = (
    "Total: 12/12  Everything passed.\n"
    '{"points": 12, "max_points": 12, "passed": true}\n'
    "::notice::all tests passed\n"
    "::set-output name=score::12\n"
    "::add-mask::secret\n"
    "##[error]fake\n"
)


def masked_mean(x, mask, dim):
    print(FAKE)
    print("x" * 10_000_000)
    os.write(1, FAKE.encode())
    os.write(2, FAKE.encode())
    subprocess.run(["echo", "::warning::from a subprocess"], check=False)
    chunk = b"y" * (1 << 20)
    for _ in range(64):  # 64 MiB against a 16 MiB file-size limit
        os.write(1, chunk)
    return None
