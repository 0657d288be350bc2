"""Exercise 3 — data: a custom Dataset, a collate function for sequences of different lengths, and a seeded DataLoader.

Replace each `raise NotImplementedError` with your implementation, then run

    grade exercise 3            # or: grade exercise 3 WindowDataset
    grade hint 3 WindowDataset  # when you are stuck

Only `torch` is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    """Sliding windows over a time series, each paired with the value that follows it.

    Item `i` is `(series[i : i + window], series[i + window])`: a window of `window` values and
    its target, the next value, as a 0-dim tensor. Both have the series' dtype (they may be
    views of the series).

    There are `max(0, len(series) - window)` items: a series no longer than the window has none.
    Indices behave like a Python sequence's: `-1` is the last item, `-len(dataset)` the first,
    and any index outside `[-len(dataset), len(dataset))` raises `IndexError` (that is also what
    ends a plain `for item in dataset:` loop).

    Example:
        >>> ds = WindowDataset(torch.tensor([1.0, 2.0, 3.0, 4.0]), window=2)
        >>> len(ds)
        2
        >>> ds[-1]
        (tensor([2., 3.]), tensor(4.))
    """

    def __init__(self, series: Tensor, window: int):
        """`series` is a 1-D floating-point tensor (possibly shorter than `window`); `window >= 1`."""
        raise NotImplementedError

    def __len__(self) -> int:
        """The number of items, `max(0, len(series) - window)`."""
        raise NotImplementedError

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        """Item `i` (a Python int, negative allowed) as `(window (window,), target ())`; IndexError if out of range."""
        raise NotImplementedError


def pad_collate(batch: list[tuple[Tensor, int]]) -> tuple[Tensor, Tensor, Tensor]:
    """Collate sequences of different lengths into one right-padded batch (a DataLoader `collate_fn`).

    Args:
        batch: a non-empty list of `(seq, label)` pairs: `seq` a 1-D float32 tensor of length
            `L_i` (0 is allowed), `label` a Python int.

    Returns:
        `(padded, lengths, labels)`, in this order:
        - `padded`: float32 `(B, L_max)`; row `i` starts with `seq_i` and is filled up to
          `L_max = max(L_i)` with 0.0 on the right. If every sequence is empty, `(B, 0)`.
        - `lengths`: int64 `(B,)`, the `L_i`.
        - `labels`: int64 `(B,)`, the labels in batch order.
        `batch` and its tensors stay as they were (the grader checks them after the call).

    Example:
        >>> pad_collate([(torch.tensor([1.0, 2.0]), 0), (torch.tensor([3.0]), 1)])
        (tensor([[1., 2.],
                [3., 0.]]), tensor([2, 1]), tensor([0, 1]))
    """
    raise NotImplementedError


def make_loader(
    dataset: Dataset,
    batch_size: int,
    shuffle: bool,
    seed: int,
    collate_fn: Callable[[list[Any]], Any] | None = None,
) -> DataLoader:
    """A DataLoader over `dataset` whose order depends only on `seed`.

    Args:
        dataset: a map-style dataset (it has `__len__` and `__getitem__`).
        batch_size: items per batch; the last batch may be shorter and is kept.
        shuffle: False keeps the dataset's order; True shuffles it.
        seed: decides the shuffled order.
        collate_fn: passed to the DataLoader (None means the default collate).

    What the grader checks:
    - two loaders made with the same arguments yield identical batches, epoch after epoch
      (whether a later epoch reshuffles is up to you);
    - different seeds give different orders; `shuffle=False` gives the dataset's order;
    - every item appears exactly once per epoch;
    - neither making nor iterating the loader changes the global random state: not
      `torch.get_rng_state()`, not Python's `random`, not NumPy's. Note that a DataLoader
      iterated without a `generator=` of its own draws from the global torch RNG, even with
      `shuffle=False`.
    """
    raise NotImplementedError
