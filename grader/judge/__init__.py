"""The trusted judge: runs the hidden checks against a submission and builds the result."""

from grader.judge.grade import Selection, grade

__all__ = ["Selection", "grade"]
