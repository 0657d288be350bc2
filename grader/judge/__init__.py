"""The trusted judge: runs the hidden checks against a submission and builds the result."""

from grader.judge.grade import Selection, grade
from grader.judge.replay import ExampleMemory

__all__ = ["ExampleMemory", "Selection", "grade"]
