"""Write outside the scratch directory: the submission, the staged copy, a folder of the grader's user."""

from pathlib import Path

TARGETS = ["@@SUBMISSION@@/ex01_tensors.py", "@@SUBMISSION@@/planted.py", "@@OUTSIDE@@/planted.txt"]


def flatten_batch(x):
    written = []
    for target in [*TARGETS, str(Path(__file__)), str(Path(__file__).with_name("planted.py"))]:
        try:
            with open(target, "a") as fh:
                fh.write("\n# planted\n")
            written.append(target)
        except OSError:
            pass
    if written:
        raise RuntimeError(f"ESCAPED: wrote {written}")
    raise PermissionError("nothing outside the scratch directory was writable")
