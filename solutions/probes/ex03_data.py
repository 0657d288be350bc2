"""Scenarios for exercise 3, run next to the learner's module in the sandbox (and next to the reference in the judge).

A Dataset or a DataLoader cannot cross the sandbox boundary, so these scenarios build and use
them here and return what they saw: lengths, items, batches as lists of ints, which global
random generators moved. Nothing here is secret.
"""

from __future__ import annotations

import random
from typing import Any

import numpy
import torch
from torch.utils.data import Dataset


def _item(dataset: Any, i: int) -> dict[str, Any]:
    """dataset[i], or what it raised instead."""
    try:
        return {"item": dataset[i]}
    except NotImplementedError:
        raise
    except Exception as exc:
        return {"raised": type(exc).__name__, "index_error": isinstance(exc, IndexError), "message": str(exc)[:200]}


def window_items(module: Any, series: torch.Tensor, window: int, indices: list[int]) -> dict[str, Any]:
    """len(WindowDataset(series, window)) and the items at `indices` (or what each raised)."""
    dataset = module.WindowDataset(series, window)
    return {"len": len(dataset), "items": [_item(dataset, i) for i in indices]}


def window_loop(module: Any, series: torch.Tensor, window: int, cap: int) -> dict[str, Any]:
    """What `for item in WindowDataset(series, window)` yields, stopping it after `cap` items."""
    dataset = module.WindowDataset(series, window)
    items: list[Any] = []
    try:
        for item in dataset:
            items.append(item)
            if len(items) >= cap:
                return {"items": items, "stopped": False}
    except NotImplementedError:
        raise
    except Exception as exc:
        return {"items": items, "stopped": True, "raised": type(exc).__name__}
    return {"items": items, "stopped": True}


class Numbers(Dataset):
    """The ints 0 .. n-1, as a map-style dataset: what the loader scenarios shuffle and batch."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i


def _plain(batch: Any) -> Any:
    return batch.tolist() if isinstance(batch, torch.Tensor) else batch


def loader_batches(module: Any, n: int, batch_size: int, shuffle: bool, seed: int, epochs: int = 1) -> list[Any]:
    """The batches of `epochs` epochs of make_loader(Numbers(n), ...), each as a list of ints."""
    loader = module.make_loader(Numbers(n), batch_size, shuffle, seed)
    return [[_plain(batch) for batch in loader] for _ in range(epochs)]


def two_loaders(
    module: Any, n: int, batch_size: int, shuffle: bool, seeds: tuple[int, int], epochs: int = 2
) -> dict[str, list[Any]]:
    """Two loaders made one after the other, then iterated epoch by epoch in turn: first, second, first, ..."""
    first = module.make_loader(Numbers(n), batch_size, shuffle, seeds[0])
    second = module.make_loader(Numbers(n), batch_size, shuffle, seeds[1])
    seen: dict[str, list[Any]] = {"first": [], "second": []}
    for _ in range(epochs):
        seen["first"].append([_plain(batch) for batch in first])
        seen["second"].append([_plain(batch) for batch in second])
    return seen


def _rng_states() -> tuple[Any, ...]:
    return torch.get_rng_state(), random.getstate(), numpy.random.get_state()


def _moved(before: tuple[Any, ...], after: tuple[Any, ...]) -> list[str]:
    moved = []
    if not torch.equal(before[0], after[0]):
        moved.append("torch")
    if before[1] != after[1]:
        moved.append("random")
    old, new = before[2], after[2]
    if not (old[0] == new[0] and numpy.array_equal(old[1], new[1]) and tuple(old[2:]) == tuple(new[2:])):
        moved.append("numpy")
    return moved


def loader_rng(module: Any, n: int, batch_size: int, shuffle: bool, seed: int) -> dict[str, list[str]]:
    """Which global generators (torch, random, numpy) moved while making the loader, and while iterating it."""
    # One draw from each first: the states are then unlike any freshly seeded one, so that even
    # reseeding with the very seed the sandbox used shows as a change.
    torch.rand(())
    random.random()
    numpy.random.random()
    before = _rng_states()
    loader = module.make_loader(Numbers(n), batch_size, shuffle, seed)
    made = _rng_states()
    for _ in loader:
        pass
    iterated = _rng_states()
    return {"making": _moved(before, made), "iterating": _moved(made, iterated)}


def loader_with_collate(module: Any, n: int, batch_size: int, shuffle: bool, seed: int) -> dict[str, Any]:
    """Iterate make_loader(..., collate_fn=...) with a collate function that records what it was given."""
    given: list[list[int]] = []

    def collate(items: list[int]) -> dict[str, int]:
        given.append([int(i) for i in items])
        return {"sum": sum(items), "count": len(items)}

    loader = module.make_loader(Numbers(n), batch_size, shuffle, seed, collate_fn=collate)
    return {"batches": [_plain(batch) for batch in loader], "given": given}


# -- how reports show these scenarios: as the learner's own calls --------------------------------
# Numbers(n) behaves like the list of ints 0 .. n-1, which is how a learner would write it.
def _dataset(n: int) -> str:
    return f"list(range({n}))"


def _loader(n: int, batch_size: int, shuffle: bool, seed: int, extra: str = "") -> str:
    return f"make_loader({_dataset(n)}, {batch_size}, {shuffle}, {seed}{extra})"


def _shown_window_items(series: torch.Tensor, window: int, indices: list[int]) -> str:
    from grader.runner.callrepr import format_value

    items = ", ".join(f"dataset[{i}]" for i in indices)
    return f"dataset = WindowDataset({format_value(series)}, {window}); len(dataset)" + (f", {items}" if items else "")


def _shown_window_loop(series: torch.Tensor, window: int, cap: int) -> str:
    from grader.runner.callrepr import format_value

    return f"for item in WindowDataset({format_value(series)}, {window}): ...  # up to {cap} items"


def _shown_loader_batches(n: int, batch_size: int, shuffle: bool, seed: int, epochs: int = 1) -> str:
    loop = "list(loader)" if epochs == 1 else f"[list(loader) for epoch in range({epochs})]"
    return f"loader = {_loader(n, batch_size, shuffle, seed)}; {loop}"


def _shown_two_loaders(n: int, batch_size: int, shuffle: bool, seeds: tuple[int, int], epochs: int = 2) -> str:
    return (
        f"first = {_loader(n, batch_size, shuffle, seeds[0])}; second = {_loader(n, batch_size, shuffle, seeds[1])}; "
        f"for epoch in range({epochs}): list(first), list(second)"
    )


def _shown_loader_rng(n: int, batch_size: int, shuffle: bool, seed: int) -> str:
    return (
        f"before = torch.get_rng_state(); loader = {_loader(n, batch_size, shuffle, seed)}; list(loader); "
        "torch.equal(torch.get_rng_state(), before)  # and random.getstate(), numpy.random.get_state()"
    )


def _shown_loader_with_collate(n: int, batch_size: int, shuffle: bool, seed: int) -> str:
    collate = ", collate_fn=lambda items: {'sum': sum(items), 'count': len(items)}"
    return f"list({_loader(n, batch_size, shuffle, seed, collate)})"


window_items.learner_call = _shown_window_items  # type: ignore[attr-defined]
window_loop.learner_call = _shown_window_loop  # type: ignore[attr-defined]
loader_batches.learner_call = _shown_loader_batches  # type: ignore[attr-defined]
two_loaders.learner_call = _shown_two_loaders  # type: ignore[attr-defined]
loader_rng.learner_call = _shown_loader_rng  # type: ignore[attr-defined]
loader_with_collate.learner_call = _shown_loader_with_collate  # type: ignore[attr-defined]
