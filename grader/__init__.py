"""Autograder for PyTorch courses: a trusted judge, an untrusted sandbox, many views of one result."""

__version__ = "0.1.0"
