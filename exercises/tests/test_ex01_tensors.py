"""Public tests for exercise 1. Run them with `pytest exercises/tests/test_ex01_tensors.py`.

They show the expected behaviour on small examples; `grade exercise 1` runs many more checks.
"""

import math

import ex01_tensors as ex
import pytest
import torch


def test_one_hot_example():
    out = ex.one_hot(torch.tensor([2, 0]), 3)
    assert out.dtype == torch.float32
    assert torch.equal(out, torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))


def test_one_hot_keeps_leading_shape():
    assert ex.one_hot(torch.zeros(2, 5, dtype=torch.int64), 4).shape == (2, 5, 4)


def test_one_hot_rejects_out_of_range():
    with pytest.raises(ValueError):
        ex.one_hot(torch.tensor([0, 3]), 3)
    with pytest.raises(ValueError):
        ex.one_hot(torch.tensor([-1]), 3)


def test_flatten_batch_shapes():
    assert ex.flatten_batch(torch.zeros(2, 3, 4)).shape == (2, 12)
    assert ex.flatten_batch(torch.zeros(5)).shape == (5, 1)
    assert ex.flatten_batch(torch.zeros(0, 3)).shape == (0, 3)


def test_flatten_batch_transposed_input():
    x = torch.arange(6.0).reshape(2, 3).t()
    assert torch.equal(ex.flatten_batch(x), x.contiguous())


def test_standardize_population_variance():
    x = torch.tensor([[1.0], [3.0]])
    out = ex.standardize(x, dim=0, eps=0.0)
    assert torch.allclose(out, torch.tensor([[-1.0], [1.0]]))


def test_pairwise_sq_dists_small():
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[1.0, 0.0]])
    assert torch.allclose(ex.pairwise_sq_dists(x, y), torch.tensor([[1.0], [1.0]]))


def test_linear_matches_functional():
    x, w, b = torch.randn(4, 3), torch.randn(2, 3), torch.randn(2)
    assert torch.allclose(ex.linear(x, w, b), torch.nn.functional.linear(x, w, b), atol=1e-6)
    assert torch.allclose(ex.linear(x, w), torch.nn.functional.linear(x, w), atol=1e-6)


def test_masked_mean_example_and_empty():
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mask = torch.tensor([[True, False, True], [False, False, False]])
    out = ex.masked_mean(x, mask, dim=1)
    assert torch.allclose(out, torch.tensor([2.0, 0.0]))
    assert not math.isnan(out[1].item())
