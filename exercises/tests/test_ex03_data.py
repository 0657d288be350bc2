"""Public tests for exercise 3. Run them with `pytest exercises/tests/test_ex03_data.py`.

They show the expected behaviour on small examples; `grade exercise 3` runs many more checks.
"""

import random

import ex03_data as ex
import pytest
import torch


def test_window_dataset_example():
    ds = ex.WindowDataset(torch.tensor([1.0, 2.0, 3.0, 4.0]), window=2)
    assert len(ds) == 2
    window, target = ds[0]
    assert torch.equal(window, torch.tensor([1.0, 2.0])) and torch.equal(target, torch.tensor(3.0))
    assert target.dim() == 0
    window, target = ds[-1]
    assert torch.equal(window, torch.tensor([2.0, 3.0])) and torch.equal(target, torch.tensor(4.0))


def test_window_dataset_bounds():
    ds = ex.WindowDataset(torch.arange(5.0), window=3)
    for index in (2, -3, 10):
        with pytest.raises(IndexError):
            ds[index]
    assert len(list(ds)) == 2
    assert len(ex.WindowDataset(torch.arange(2.0), window=3)) == 0


def test_pad_collate_example():
    padded, lengths, labels = ex.pad_collate([(torch.tensor([1.0, 2.0]), 0), (torch.tensor([3.0]), 1)])
    assert torch.equal(padded, torch.tensor([[1.0, 2.0], [3.0, 0.0]]))
    assert torch.equal(lengths, torch.tensor([2, 1])) and lengths.dtype == torch.int64
    assert torch.equal(labels, torch.tensor([0, 1])) and labels.dtype == torch.int64


def _order(loader):
    return [int(i) for batch in loader for i in batch]


def test_make_loader_in_order_keeps_the_last_batch():
    data = list(range(7))
    batches = [batch.tolist() for batch in ex.make_loader(data, 3, shuffle=False, seed=0)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]


def test_make_loader_is_seeded_and_leaves_global_rngs_alone():
    data = list(range(20))
    state, py_state = torch.get_rng_state(), random.getstate()
    first = _order(ex.make_loader(data, 4, shuffle=True, seed=1))
    again = _order(ex.make_loader(data, 4, shuffle=True, seed=1))
    other = _order(ex.make_loader(data, 4, shuffle=True, seed=2))
    assert first == again and first != other and sorted(first) == data
    assert torch.equal(torch.get_rng_state(), state) and random.getstate() == py_state
