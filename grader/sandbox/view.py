"""A child's view narrowed to its own submission: a second Landlock ruleset, enforced on assignment.

The spare child is confined before it knows what it will run, so its first ruleset
(`layers.apply`) lets it read the whole staging area. Landlock rulesets stack (an access must be
allowed by every one), so once the child learns which staged copy is its own it enforces a
second ruleset that handles only reading and grants it again on everything the first one
grants, except the staging area (everything under the server's working directory but the
child's own scratch directory), plus its own copy. Another submission's copy is then out of
reach even when it still exists.

The ruleset is built while the child waits as the spare; assignment only adds the copy's rule
and enforces it (two system calls).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from grader.sandbox.layers import LayerError, Policy


class SubmissionView:
    """The second ruleset of one spare child, open until `enter` enforces it."""

    def __init__(self, policy: Policy, scratch: Path):
        from landlockpy import AccessFS, AccessNet, LandlockError, Ruleset

        self._read_dir = AccessFS.READ_FILE | AccessFS.READ_DIR | AccessFS.EXECUTE
        staging_area = scratch.parent
        try:
            self._ruleset: Any = Ruleset(handled_fs=self._read_dir, handled_net=AccessNet.NONE)
            # What the first ruleset (layers._landlock) lets a child read, less the staging area.
            for path in policy.readable:
                if staging_area.is_relative_to(path):
                    raise LayerError(f"landlock (submission view): {path} holds the staging area")
                if not Path(path).is_relative_to(staging_area):
                    rights = self._read_dir if os.path.isdir(path) else AccessFS.READ_FILE | AccessFS.EXECUTE
                    self._ruleset.allow_path(path, rights)
            self._ruleset.allow_path("/dev/null", AccessFS.READ_FILE)
            self._ruleset.allow_path(f"/proc/{os.getpid()}", AccessFS.READ_FILE | AccessFS.READ_DIR)
            self._ruleset.allow_path(scratch, self._read_dir)
        except (LandlockError, OSError) as exc:
            raise LayerError(f"landlock (submission view): {exc}") from exc

    def enter(self, staged: Path) -> None:
        """Read nothing of the staging area from now on but `staged`, the folder of this child's own copy."""
        from landlockpy import LandlockError

        try:
            with self._ruleset as ruleset:
                ruleset.allow_path(staged, self._read_dir)
                ruleset.restrict()
        except (LandlockError, OSError) as exc:
            raise LayerError(f"landlock (submission view): {exc}") from exc
