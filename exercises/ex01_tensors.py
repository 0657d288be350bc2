"""Exercise 1 — tensors: shapes, broadcasting, reductions and masks.

Replace each `raise NotImplementedError` with your implementation, then run

    grade exercise 1            # or: grade exercise 1 one_hot
    grade hint 1 one_hot        # when you are stuck

Use tensor operations, not Python loops over elements. Only `torch` is needed. Leave the
tensors you are given as they were: no in-place edits such as `x[~mask] = 0` or
`labels.unsqueeze_(-1)` on an argument (the grader checks every argument after each call).
"""

from __future__ import annotations

import torch
from torch import Tensor


def one_hot(labels: Tensor, num_classes: int) -> Tensor:
    """Turn integer class labels into one-hot vectors.

    Args:
        labels: int64 tensor of any shape `(...)`, including a 0-d scalar and empty tensors.
        num_classes: the number of classes C (at least 1).

    Returns:
        A float32 tensor of shape `(..., C)` with 1.0 at each label's position and 0.0 elsewhere.
        Its width is always C, even when the largest class does not occur in `labels`.

    Raises:
        ValueError: if any label is `< 0` or `>= num_classes` (not an IndexError or a
            RuntimeError from deeper inside torch: check the range yourself first).

    Example:
        >>> one_hot(torch.tensor([2, 0]), 3)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    raise NotImplementedError


def flatten_batch(x: Tensor) -> Tensor:
    """Flatten everything but the first (batch) dimension.

    Args:
        x: a tensor of shape `(B, *rest)` with at least one dimension. It may be
            non-contiguous (a transposed view, for instance), and B may be 0.

    Returns:
        A tensor of shape `(B, prod(rest))` holding the elements of each sample in row-major
        order. A 1-D input `(B,)` gives `(B, 1)`; `B == 0` gives `(0, prod(rest))`.

    Example:
        >>> flatten_batch(torch.zeros(2, 3, 4)).shape
        torch.Size([2, 12])
    """
    raise NotImplementedError


def standardize(x: Tensor, dim: int = 0, eps: float = 1e-5) -> Tensor:
    """Standardize `x` along `dim`: `(x - mean) / sqrt(var + eps)`.

    Args:
        x: a floating-point tensor with at least one dimension.
        dim: the dimension to standardize along; negative values count from the end.
        eps: a non-negative number added to the variance inside the square root.

    Returns:
        A tensor with the shape and dtype of `x`. The variance is the population variance
        (divide by n, `unbiased=False`), so a slice of length 1 standardizes to 0.0 when
        `eps > 0`. With `eps == 0`, a constant slice gives NaN (0 / 0), as the formula says.
    """
    raise NotImplementedError


def pairwise_sq_dists(x: Tensor, y: Tensor) -> Tensor:
    """Squared Euclidean distances between every row of `x` and every row of `y`.

    Args:
        x: a float tensor `(N, D)`.
        y: a float tensor `(M, D)`.

    Returns:
        `(N, M)` with `out[i, j] = sum_k (x[i, k] - y[j, k]) ** 2`. It must be differentiable
        with respect to both inputs. Broadcasting or the expansion
        `|x|^2 + |y|^2 - 2 x y^T` (clamped at 0) are both fine; results are compared with a
        float32-appropriate tolerance. The result may be float32 or float64 (`torch.cdist` on
        doubles, say): either dtype gets full marks. Graded on values and gradients: a Python
        loop would pass but is far slower than a vectorized expression.
    """
    raise NotImplementedError


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """A fully connected layer: `x @ weight^T + bias`, like `torch.nn.functional.linear`.

    Args:
        x: `(..., in_features)`: any number of leading dimensions, including none.
        weight: `(out_features, in_features)`.
        bias: `(out_features,)`, or None for no bias.

    Returns:
        `(..., out_features)`, differentiable with respect to all three inputs.
        Write it yourself: do not call `torch.nn.functional.linear`.
    """
    raise NotImplementedError


def masked_mean(x: Tensor, mask: Tensor, dim: int) -> Tensor:
    """Mean of the entries of `x` where `mask` is True, along `dim`.

    Args:
        x: a finite floating-point tensor.
        mask: a bool tensor with the same shape as `x`.
        dim: the dimension to reduce; negative values count from the end.

    Returns:
        A tensor with the shape of `x.mean(dim)` and the dtype of `x`. Where a slice has no
        True entry, the result is 0.0 (not NaN).

    Example:
        >>> masked_mean(torch.tensor([[1., 2., 3.]]), torch.tensor([[True, False, True]]), dim=1)
        tensor([2.])
    """
    raise NotImplementedError
