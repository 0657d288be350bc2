"""Exercise 5 — training: the loop that trains a model, the one that evaluates it, and the one that runs both.

Replace each `raise NotImplementedError` with your implementation, then run

    grade exercise 5            # or: grade exercise 5 train_one_epoch
    grade hint 5 train_one_epoch

Here a loader is anything you can iterate over to get `(x, y)` batches: a `DataLoader`, or a
plain list of tuples. Only `torch` is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn

Batches = Iterable[tuple[Tensor, Tensor]]
LossFn = Callable[[Tensor, Tensor], Tensor]


def train_one_epoch(model: nn.Module, loader: Batches, loss_fn: LossFn, optimizer: torch.optim.Optimizer) -> float:
    """Train `model` for one pass over `loader`.

    First put the model in train mode (`model.train()`). Then for every batch `(x, y)`, in this
    order: `optimizer.zero_grad()` (with either value of `set_to_none`), `pred = model(x)`,
    `loss = loss_fn(pred, y)`, `loss.backward()`, `optimizer.step()`. Each update must use the
    gradients of its own batch only: gradients left in `.grad` from before the call, or from the
    previous batch, must never reach an update.

    Args:
        model: the network to train, updated in place.
        loader: the batches `(x, y)`, at least one. Iterate over it once.
        loss_fn: called as `loss_fn(pred, y)`; returns the batch's mean loss, a 0-d tensor.
        optimizer: an optimizer over the model's parameters.

    Returns:
        The mean of the per-batch losses (every batch counts the same, whatever its size), as a
        Python float. Keep each loss as a number (`loss.item()`), not as a tensor, so the graph
        of every batch is not kept alive.
    """
    raise NotImplementedError


def evaluate(model: nn.Module, loader: Batches, loss_fn: LossFn) -> tuple[float, float]:
    """The loss and accuracy of `model` over `loader`, without training it.

    Put the model in eval mode (`model.eval()`, which turns off dropout and makes BatchNorm use its
    running statistics) and run the forward passes under `torch.no_grad()` (or
    `torch.inference_mode()`). Evaluation changes nothing: the parameters, the buffers (BatchNorm's
    running statistics) and every parameter's `.grad` stay as they were. The model may be left in
    eval mode.

    Args:
        model: a classifier: `model(x)` gives logits `(B, C)`.
        loader: the batches `(x, y)`, at least one, with `y (B,)` int64 class indices. Batches may
            differ in size (the last one is often smaller).
        loss_fn: called as `loss_fn(logits, y)`; returns the batch's mean loss.

    Returns:
        `(loss, accuracy)`, two Python floats over the whole loader, every sample counting the
        same: `loss = sum(loss_b * n_b) / sum(n_b)` over the batches b of n_b samples, and
        `accuracy` = the fraction (between 0 and 1) of samples whose `logits.argmax(dim=1)` equals `y`.
    """
    raise NotImplementedError


def fit(
    model: nn.Module,
    train_loader: Batches,
    val_loader: Batches,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
) -> list[dict[str, float]]:
    """Train for `epochs` epochs and record how it went.

    Each epoch calls `train_one_epoch(model, train_loader, loss_fn, optimizer)` once, then
    `evaluate(model, val_loader, loss_fn)` once: the two functions above, called by those names
    (the grader swaps them for stand-ins to check `fit` on its own).

    Returns:
        One dict per epoch, in order: `{"train_loss": ..., "val_loss": ..., "val_acc": ...}`,
        the floats those two calls returned (a dict may hold more keys, an epoch number say).
        `epochs=0` gives an empty list.
    """
    raise NotImplementedError
