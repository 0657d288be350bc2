"""Exercise 2 — autograd: gradients on demand, custom autograd Functions, and gradient descent by hand.

Replace each `raise NotImplementedError` with your implementation, then run

    grade exercise 2            # or: grade exercise 2 SiLU
    grade hint 2 SiLU           # when you are stuck

Only `torch` is needed. Do not use `torch.optim` in this exercise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor


def grad_of(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """The gradient of the scalar `f(x)` with respect to `x`.

    Args:
        f: a function of one tensor returning a 0-dim (scalar) tensor, built from torch operations.
        x: a floating-point tensor of any shape. It may or may not require grad, and it may
            already have a `.grad`.

    Returns:
        A tensor with the shape and dtype of `x` holding d f(x) / d x, detached from any graph
        (`requires_grad` is False). Entries of `x` that `f` does not use get 0.0; if `f` does not
        use `x` at all (it returns a constant), the result is all zeros.

    The caller's `x` must come back exactly as it was: same values, same `requires_grad`, same
    `.grad` (None stays None; an existing `.grad` is neither changed nor added to). It must
    also work when the caller has turned gradients off with `with torch.no_grad():`, and it
    must leave that setting as it found it.

    Example:
        >>> grad_of(lambda t: (t ** 2).sum(), torch.tensor([1.0, -2.0]))
        tensor([ 2., -4.])
    """
    raise NotImplementedError


class SiLU(torch.autograd.Function):
    """SiLU (also called swish): `x * sigmoid(x)`, elementwise, with a backward written by hand.

    Use it as `SiLU.apply(x)`; never call `forward` or `backward` yourself.
    The grader checks the backward with `torch.autograd.gradcheck` in float64 and with random
    upstream gradients, so it must multiply by `grad_output`.
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        """Return `x * sigmoid(x)` (same shape and dtype as `x`) and save what backward needs.

        Save tensors with `ctx.save_for_backward(...)`. Do not change `x` in place.
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        """Return the gradient with respect to `x`: `grad_output` times d SiLU(x) / d x.

        Write the derivative yourself (no autograd inside backward). `grad_output` has the
        shape of the forward's output.
        """
        raise NotImplementedError


class LogSumExp(torch.autograd.Function):
    """`log(sum(exp(x)))` over the last dimension, numerically stable, with a backward written by hand.

    Use it as `LogSumExp.apply(x)` on `x` of shape `(..., n)` with `n >= 1`; the result has shape
    `x.shape[:-1]` (a 1-D input gives a 0-dim tensor). Inputs are finite, but their magnitude
    may be as large as 1e4 (in float32, `exp(89.0)` is already `inf`, and `exp(-104.0)` is 0).
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        """Return the log-sum-exp of `x` over its last dimension, with `x`'s dtype.

        It must be finite and accurate for every finite input with `|x| <= 1e4`. Do not change
        `x` in place.
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        """Return the gradient with respect to `x`, shape `x.shape`.

        `grad_output` has the output's shape `x.shape[:-1]`. No autograd inside backward, and it
        must be finite for the same inputs as forward.
        """
        raise NotImplementedError


def manual_sgd(w: Tensor, b: Tensor, x: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor]:
    """Fit a linear regression by plain gradient descent, with autograd computing the gradients.

    Args:
        w: weights `(D,)`, the starting point.
        b: bias, a 0-dim tensor, the starting point.
        x: inputs `(N, D)`.
        y: targets `(N,)`.
        lr: the learning rate.
        steps: how many updates to make (0 or more; 0 returns the starting point).

    Each step: `pred = x @ w + b`, `loss = mean((pred - y) ** 2)`, gradients of the loss with
    respect to w and b by autograd, then `w <- w - lr * grad_w` and `b <- b - lr * grad_b`.
    Every step uses the gradient of that step's loss only. No `torch.optim`: the grader
    watches for optimizers being created.

    Returns:
        `(w, b)` after `steps` updates, detached (`requires_grad` False), with the shapes and
        dtypes of the `w` and `b` you were given. The caller's `w` and `b` are not changed:
        their values, `requires_grad` and `.grad` stay as they were.
    """
    raise NotImplementedError
