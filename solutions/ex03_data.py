"""Reference solution for exercise 3 — data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series: Tensor, window: int):
        self.series = series
        self.window = window

    def __len__(self) -> int:
        return max(0, len(self.series) - self.window)

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index out of range for a dataset of {n} windows")
        return self.series[i : i + self.window], self.series[i + self.window]


def pad_collate(batch: list[tuple[Tensor, int]]) -> tuple[Tensor, Tensor, Tensor]:
    lengths = torch.tensor([len(seq) for seq, _ in batch], dtype=torch.int64)
    padded = torch.zeros(len(batch), int(lengths.max()), dtype=torch.float32)
    for row, (seq, _) in enumerate(batch):
        padded[row, : len(seq)] = seq
    labels = torch.tensor([label for _, label in batch], dtype=torch.int64)
    return padded, lengths, labels


def make_loader(
    dataset: Dataset,
    batch_size: int,
    shuffle: bool,
    seed: int,
    collate_fn: Callable[[list[Any]], Any] | None = None,
) -> DataLoader:
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, collate_fn=collate_fn)
