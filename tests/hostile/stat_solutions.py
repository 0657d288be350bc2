"""Learn the names and sizes of the reference files by stat(), which Landlock does not restrict, and
the course's layout by looking for the judge's working directory."""

import os

SOLUTIONS = "@@SOLUTIONS@@"


def masked_mean(x, mask, dim):
    seen = []
    for path in (SOLUTIONS, os.path.join(SOLUTIONS, "ex01_tensors.py"), os.path.join(SOLUTIONS, "checks")):
        try:
            info = os.stat(path)
            seen.append(f"{path} ({info.st_size} bytes)")
        except OSError:
            pass
    if seen:
        raise RuntimeError(f"ESCAPED: {seen}")
    raise PermissionError("solutions/ does not exist here")
