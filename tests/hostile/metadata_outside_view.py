"""Change metadata outside the sandbox's view, which Landlock does not cover: the mode, owner, times and
extended attributes of the submission's folder and of a folder of the grader's user (each set to what it
already is, where possible), and create a FIFO and a device node in scratch."""

import os
import stat

TARGETS = ["@@SUBMISSION@@", "@@OUTSIDE@@"]


def _attempts(target):
    info = os.stat(target)  # stat still works: Landlock does not restrict it
    return {
        "chmod": lambda: os.chmod(target, stat.S_IMODE(info.st_mode)),
        "chown": lambda: os.chown(target, info.st_uid, info.st_gid),
        "utime": lambda: os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns)),
        "setxattr": lambda: os.setxattr(target, "user.escaped", b"1"),
    }


def flatten_batch(x):
    escaped = []
    for target in TARGETS:
        for name, attempt in _attempts(target).items():
            try:
                attempt()
                escaped.append(f"{name} {target}")
            except OSError:
                pass
    for name, attempt in (
        ("mkfifo", lambda: os.mkfifo("fifo")),
        ("mknod", lambda: os.mknod("null", stat.S_IFCHR | 0o666, os.makedev(1, 3))),
    ):
        try:
            attempt()
            escaped.append(name)
        except OSError:
            pass
    if escaped:
        raise RuntimeError(f"ESCAPED: {escaped}")
    raise PermissionError("no metadata could be changed")
