"""Exercise 4 — modules: networks as `nn.Module` subclasses, and what makes their parameters visible.

Replace each `raise NotImplementedError` with your implementation, then run

    grade exercise 4            # or: grade exercise 4 MLP
    grade hint 4 MLP            # when you are stuck

Every `__init__` of an `nn.Module` subclass starts with `super().__init__()`, before any layer or
parameter is assigned to `self`. Only `torch` is needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class MLP(nn.Module):
    """A multilayer perceptron.

    For each width `h` in `hidden`, in order: `Linear(previous width, h) -> ReLU -> Dropout(dropout)`;
    then a final `Linear(previous width, out_features)` with nothing after it (the outputs are
    logits). With `hidden` empty the model is a single `Linear(in_features, out_features)`.

    Args:
        in_features: the size of each input row.
        hidden: the hidden widths, a list or tuple of ints; it may be empty.
        out_features: the size of each output row.
        dropout: the probability `p` (0 <= p < 1) of zeroing a hidden unit in train mode; the units
            that are kept are scaled by `1 / (1 - p)`, as `nn.Dropout` does. In eval mode dropout
            does nothing. `nn.Dropout` or `F.dropout(h, p, training=self.training)` both work.

    `model.parameters()` must give the weight `(h, previous width)` and bias `(h,)` of every
    Linear layer from the input to the output, in that order, and nothing else: a layer is
    registered when it is assigned to `self` directly or kept in `nn.Sequential` or
    `nn.ModuleList`. Layers kept in a plain Python list are invisible to `parameters()`, so an
    optimizer would never train them.

    The model is graded on what it does (its outputs in train and eval mode, its gradients, the
    order and shapes of its parameters), not on which module types it uses.

    Example:
        >>> [tuple(p.shape) for p in MLP(3, [5], 2).parameters()]
        [(5, 3), (5,), (2, 5), (2,)]
    """

    def __init__(self, in_features: int, hidden: Sequence[int], out_features: int, dropout: float = 0.0):
        """Create the layers (call `super().__init__()` first)."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """`x (B, in_features)` to logits `(B, out_features)`: no activation after the last layer."""
        raise NotImplementedError


class LayerNorm(nn.Module):
    """Layer normalization over the last dimension, like `torch.nn.LayerNorm(normalized_shape, eps)`.

    `y = (x - mean) / sqrt(var + eps) * weight + bias`, where `mean` and `var` are taken over the
    last dimension of `x`, `var` is the population variance (divide by D, `unbiased=False`) and
    `eps` goes inside the square root.

    Args:
        normalized_shape: D, the size of the last dimension of the inputs.
        eps: a small non-negative number added to the variance.

    Attributes:
        weight: an `nn.Parameter` of shape `(D,)`, initialised to ones.
        bias: an `nn.Parameter` of shape `(D,)`, initialised to zeros.

    Values and gradients (for the input, `weight` and `bias`) must match `torch.nn.LayerNorm`.
    Write it with tensor operations (mean, variance, square root): do not call
    `torch.nn.LayerNorm` or `torch.nn.functional.layer_norm`.
    """

    def __init__(self, normalized_shape: int, eps: float = 1e-5):
        """Create `weight` and `bias` as parameters and keep `eps` (call `super().__init__()` first)."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        """`x (..., D)` float32, with any number of leading dimensions, to a tensor of the same shape."""
        raise NotImplementedError


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """The number of scalar parameters in `model`.

    Args:
        model: any `nn.Module`.
        trainable_only: if True (the default), count only parameters with `requires_grad=True`;
            if False, count frozen ones too.

    Returns:
        A Python int: the total number of elements (a `(3, 4)` weight counts 12, a 0-d parameter
        counts 1). A parameter shared by several layers (tied weights) counts once. Buffers, such
        as BatchNorm's running statistics, are not parameters and do not count. A model without
        parameters gives 0.

    Example:
        >>> count_parameters(nn.Linear(3, 2))
        8
    """
    raise NotImplementedError
