"""Use what a child that stays root (or holds capabilities) could: its capability sets, raising its own
hard limits, reading the kernel log."""

import ctypes
import resource

SYSLOG_ACTION_SIZE_BUFFER = 10


def _capabilities():
    with open("/proc/self/status") as fh:
        fields = dict(line.split(":", 1) for line in fh if ":" in line)
    held = [name for name in ("CapEff", "CapPrm", "CapAmb") if int(fields[name], 16)]
    if int(fields["NoNewPrivs"]) != 1:
        held.append("no_new_privs unset")
    return held


def standardize(x, dim, eps=1e-5):
    escaped = [f"holds {name}" for name in _capabilities()]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard + 1))
        escaped.append("raised its hard limit")
    except (OSError, ValueError):
        pass
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.klogctl(SYSLOG_ACTION_SIZE_BUFFER, None, 0) >= 0:
        escaped.append("syslog")
    try:
        with open("/dev/kmsg", "rb"):
            escaped.append("opened /dev/kmsg")
    except OSError:
        pass
    if escaped:
        raise RuntimeError(f"ESCAPED: {escaped}")
    raise PermissionError("no privilege left")
