"""Hypothesis settings for grading: seeded per check, no example database, no deadline, nothing written to disk.

The settings are applied to each hidden check when it is collected, never through Hypothesis'
global profile, so grading inside another pytest run leaves that run's settings alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

# Generated examples per check. Hypothesis itself is imported only when settings are built.
PROFILES = {"quick": 4, "grading": 10, "thorough": 100}


def grading_settings(profile: str, parent: Any = None) -> Any:
    """Settings for one check under `profile`, inheriting anything else from `parent`."""
    from hypothesis import HealthCheck, Phase, Verbosity, settings

    return settings(
        parent,
        max_examples=PROFILES[profile],
        database=None,
        deadline=None,
        derandomize=False,  # each check gets an explicit seed instead (see seed_for)
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
    )


def seed_for(seed: int, check_id: str) -> int:
    """A stable per-check seed: the same run seed and check always draw the same examples, on any machine."""
    digest = hashlib.sha256(f"{seed}:{check_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
