"""Crash the interpreter with a segmentation fault."""

import ctypes


def pairwise_sq_dists(x, y):
    ctypes.string_at(0)
