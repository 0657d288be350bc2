"""Reference solution for exercise 5 — training."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn

Batches = Iterable[tuple[Tensor, Tensor]]
LossFn = Callable[[Tensor, Tensor], Tensor]


def train_one_epoch(model: nn.Module, loader: Batches, loss_fn: LossFn, optimizer: torch.optim.Optimizer) -> float:
    model.train()
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def evaluate(model: nn.Module, loader: Batches, loss_fn: LossFn) -> tuple[float, float]:
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            n = len(y)
            total_loss += loss_fn(logits, y).item() * n
            correct += int((logits.argmax(dim=1) == y).sum())
            seen += n
    return total_loss / seen, correct / seen


def fit(
    model: nn.Module,
    train_loader: Batches,
    val_loader: Batches,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
) -> list[dict[str, float]]:
    history = []
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
    return history
