"""Allocate far more memory than the limit: one huge tensor, and ever more Python objects."""

import torch


def standardize(x, dim=0, eps=1e-5):
    return torch.ones(1 << 40)


def masked_mean(x, mask, dim):
    hoard = [bytearray(1 << 40)]
    while True:
        hoard.append(torch.empty(1 << 26))
