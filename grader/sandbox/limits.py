"""Resource limits for one sandboxed child: the policy (set by the judge) and the rlimits that enforce it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    # Wall-clock seconds one call may take; enforced by the judge, which kills the child's process group.
    call_timeout_s: float = 10.0
    # CPU seconds over the child's whole life (it serves one task's checks); a backstop for the wall clock.
    cpu_s: int = 120
    # Address space the child may add on top of what the torch-loaded server already maps.
    memory_mb: int = 1024
    # Per file the child writes; past it a write fails with EFBIG (the child ignores SIGXFSZ).
    file_size_mb: int = 16
    open_files: int = 256
    # RLIMIT_NPROC counts every process (and thread) of the child's real uid, and never binds
    # root: it bounds a fork bomb when children run as nobody or as an ordinary user.
    processes: int = 64
    threads: int = 1
    # What the learner's code may print per call, and the largest result the judge will read.
    output_kb: int = 64
    result_mb: int = 64

    def to_wire(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def from_wire(cls, data: dict[str, float | int]) -> Limits:
        return cls(**data)


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _set(which: int, value: int) -> None:
    import resource  # POSIX only: imported where limits are applied, so Windows can load the policy

    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def apply_rlimits(limits: Limits) -> list[str]:
    """Apply the limits to the calling process; returns the names of those that took effect."""
    import resource

    applied = []
    for name, which, value in (
        ("cpu", resource.RLIMIT_CPU, limits.cpu_s),
        ("file-size", resource.RLIMIT_FSIZE, limits.file_size_mb * _MB),
        ("open-files", resource.RLIMIT_NOFILE, limits.open_files),
        ("no-core", resource.RLIMIT_CORE, 0),
        ("processes", getattr(resource, "RLIMIT_NPROC", -1), limits.processes),
    ):
        if which < 0:
            continue
        try:
            _set(which, value)
            applied.append(name)
        except (ValueError, OSError):
            pass
    baseline = _vm_size_bytes()
    if baseline and hasattr(resource, "RLIMIT_AS"):
        try:
            _set(resource.RLIMIT_AS, baseline + limits.memory_mb * _MB)
            applied.append("memory")
        except (ValueError, OSError):
            pass
    return applied
