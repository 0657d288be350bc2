"""The one error the deploy commands raise: what went wrong, in a sentence the instructor can act on."""

from __future__ import annotations


class DeployError(Exception):
    """A release, bundle or autograder cannot be made or opened (missing key, wrong key, leak, bad folder)."""
