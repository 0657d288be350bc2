"""Raise the exceptions that normally stop a Python program, from inside tasks."""


def standardize(x, dim=0, eps=1e-5):
    raise SystemExit(0)


def masked_mean(x, mask, dim):
    raise KeyboardInterrupt
