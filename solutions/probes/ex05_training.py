"""Scenarios for exercise 5, run in the sandbox against the learner's module and in the grader against the reference.

Models, optimizers and loaders cannot cross the sandbox boundary, so these functions build them
here, hand them to the learner's function, and return what happened as plain values: the
parameters afterwards, and a log of events written by instruments that behave like the real
thing (an SGD that notes `zero_grad` and `step`, a loss that notes when its backward runs, a
model that notes its mode on every forward). torch and the standard library only; nothing here
is secret.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """A fixed RNG state inside, the caller's restored after: the same draws in the sandbox and the grader."""
    with torch.random.fork_rng(devices=[]):
        # The CPU generator only: torch.manual_seed also queues CUDA/XPU/MTIA seeding that
        # formats the call stack each time (~2 ms, paid on every example).
        torch.random.default_generator.manual_seed(seed)
        yield


class _Net(nn.Module):
    """Linear -> [BatchNorm1d] -> ReLU -> [Dropout] -> Linear that notes every forward and zero_grad."""

    def __init__(self, events: list[str], batchnorm: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Linear(4, 6)]
        if batchnorm:
            layers.append(nn.BatchNorm1d(6))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        layers.append(nn.Linear(6, 3))
        self.body = nn.Sequential(*layers)
        self.events = events
        self.modes: list[dict[str, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.events.append("forward")
        inner = [m.training for m in self.body.modules()]
        self.modes.append(
            {
                "training": self.training,
                "layers_training": all(inner),
                "layers_eval": not any(inner),
                "grad_enabled": torch.is_grad_enabled(),
            }
        )
        return self.body(x)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.events.append("zero_grad")
        super().zero_grad(set_to_none)


class _Loss(nn.Module):
    """Cross-entropy that notes each batch's loss, size and correct predictions, and when its backward runs."""

    def __init__(self, events: list[str]) -> None:
        super().__init__()
        self.events = events
        self.batches: list[dict[str, float]] = []
        # The losses handed out, weakly held: how many of the earlier batches' losses (graphs
        # included) the caller still holds when the next batch's loss is asked for.
        self._handed_out: list[weakref.ref[torch.Tensor]] = []
        self.most_kept = 0

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        # The previous batch's loss may still be bound to the caller's `loss` variable; any older one
        # still alive is being kept (a list of loss tensors instead of loss.item()).
        older = self._handed_out[:-1]
        self.most_kept = max(self.most_kept, sum(ref() is not None for ref in older))
        loss = F.cross_entropy(logits, target)
        self._handed_out.append(weakref.ref(loss))
        self.events.append("loss")
        with torch.no_grad():
            correct = int((logits.argmax(dim=1) == target).sum())
        self.batches.append({"loss": loss.detach().item(), "size": len(target), "correct": correct})
        if loss.requires_grad:
            loss.register_hook(self._backward)
        return loss

    def _backward(self, grad: torch.Tensor) -> None:
        self.events.append("backward")


class _SGD:
    """Plain SGD (`p -= lr * p.grad`, like torch.optim.SGD without momentum) that notes zero_grad and step.

    Written out rather than derived from torch.optim: building the first torch.optim optimizer
    imports torch._dynamo, about a second that every sandboxed check would pay.
    """

    def __init__(self, params: Any, events: list[str], lr: float) -> None:
        self.param_groups = [{"params": list(params), "lr": lr}]
        self.events = events

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.events.append("zero_grad")
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> None:
        self.events.append("step")
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])


def _batches(sizes: Sequence[int], seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(seed)
    return [(torch.randn(n, 4, generator=generator), torch.randint(0, 3, (n,), generator=generator)) for n in sizes]


def train_epoch(
    module: ModuleType,
    sizes: Sequence[int],
    seed: int = 0,
    lr: float = 0.5,
    leftover_grads: bool = False,
    start_in_eval: bool = False,
    dropout: float = 0.0,
) -> dict[str, Any]:
    """train_one_epoch on a small classifier (BatchNorm included) over batches of `sizes`, with a
    recording SGD(lr) and loss. `leftover_grads` fills every `.grad` with 3.0 before the call;
    `start_in_eval` hands the model over in eval mode.

    Returns what train_one_epoch returned, the parameters afterwards by name, the event log, the
    mode of every forward, each batch's loss and size as the loss saw them, and the most loss
    tensors of earlier batches still alive when a batch's loss was computed.
    """
    events: list[str] = []
    with _seeded(seed):
        model = _Net(events, dropout=dropout)
    loss_fn = _Loss(events)
    optimizer = _SGD(model.parameters(), events, lr)
    if leftover_grads:
        for p in model.parameters():
            p.grad = torch.full_like(p, 3.0)
    if start_in_eval:
        model.eval()
    with _seeded(seed + 1):
        returned = module.train_one_epoch(model, _batches(sizes, seed), loss_fn, optimizer)
    return {
        "returned": returned,
        "params": {name: p.detach() for name, p in model.named_parameters()},
        "events": events,
        "modes": model.modes,
        "batches": loss_fn.batches,
        "losses_kept": loss_fn.most_kept,
    }


def evaluate_run(
    module: ModuleType, sizes: Sequence[int], seed: int = 0, batchnorm: bool = True, dropout: float = 0.5
) -> dict[str, Any]:
    """evaluate on a small classifier handed over in train mode, with BatchNorm statistics already
    moved away from their defaults and every `.grad` set to 0.25.

    Returns what evaluate returned, the mode of every forward, the event log, each batch's loss,
    size and correct count as the loss saw them, and the names of the parameters, buffers and
    gradients that evaluate changed.
    """
    events: list[str] = []
    with _seeded(seed):
        model = _Net(events, batchnorm=batchnorm, dropout=dropout)
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(8, 4) * 2 + 1)
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.25)
    model.train()
    model.modes.clear()
    events.clear()
    parameters = {name: p.detach().clone() for name, p in model.named_parameters()}
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    loss_fn = _Loss(events)
    with _seeded(seed + 1):
        returned = module.evaluate(model, _batches(sizes, seed), loss_fn)
    grads_now = {name: p.grad for name, p in model.named_parameters()}
    return {
        "returned": returned,
        "modes": model.modes,
        "events": events,
        "batches": loss_fn.batches,
        "changed": {
            "parameters": [n for n, p in model.named_parameters() if not torch.equal(p.detach(), parameters[n])],
            "buffers": [n for n, b in model.named_buffers() if not torch.equal(b, buffers[n])],
            "grads": [n for n, g in grads_now.items() if g is None or not bool((g == 0.25).all())],
        },
    }


def fit_with_stand_ins(module: ModuleType, epochs: int) -> dict[str, Any]:
    """fit with this module's train_one_epoch and evaluate swapped for stand-ins that note their
    arguments and return known numbers (the learner's own functions are put back afterwards).

    Returns the stand-ins' calls in order and what fit returned.
    """
    given = {"model": nn.Linear(4, 3), "loss_fn": nn.CrossEntropyLoss()}
    given["optimizer"] = _SGD(given["model"].parameters(), [], lr=0.1)
    train_loader, val_loader = _batches([4, 2], 0), _batches([3], 1)
    calls: list[dict[str, Any]] = []

    def which(loader: Any) -> str:
        if loader is train_loader:
            return "train_loader"
        return "val_loader" if loader is val_loader else type(loader).__name__

    # The stand-ins take the parameter names of the functions they stand for: fit may pass keywords.
    def train_one_epoch(model: Any, loader: Any, loss_fn: Any, optimizer: Any) -> float:
        done = sum(c["function"] == "train_one_epoch" for c in calls)
        same = model is given["model"] and loss_fn is given["loss_fn"] and optimizer is given["optimizer"]
        calls.append({"function": "train_one_epoch", "loader": which(loader), "same_objects": same})
        return 2.0 - 0.25 * done

    def evaluate(model: Any, loader: Any, loss_fn: Any) -> tuple[float, float]:
        done = sum(c["function"] == "evaluate" for c in calls)
        same = model is given["model"] and loss_fn is given["loss_fn"]
        calls.append({"function": "evaluate", "loader": which(loader), "same_objects": same})
        return 1.5 - 0.125 * done, 0.5 + 0.0625 * done

    # Errors in fit's calls then read "train_one_epoch() missing 1 required positional argument".
    train_one_epoch.__qualname__, evaluate.__qualname__ = "train_one_epoch", "evaluate"
    saved = {name: getattr(module, name, None) for name in ("train_one_epoch", "evaluate")}
    module.train_one_epoch, module.evaluate = train_one_epoch, evaluate
    try:
        history = module.fit(given["model"], train_loader, val_loader, given["loss_fn"], given["optimizer"], epochs)
    finally:
        for name, function in saved.items():
            setattr(module, name, function)
    return {"calls": calls, "history": history}


# -- how reports show these scenarios: as the learner's own calls --------------------------------
_MODEL = "model = a small classifier (Linear, BatchNorm1d, ReLU, Linear)"


def _shown_train_epoch(
    sizes: Sequence[int],
    seed: int = 0,
    lr: float = 0.5,
    leftover_grads: bool = False,
    start_in_eval: bool = False,
    dropout: float = 0.0,
) -> str:
    setup = [_MODEL + (f" with Dropout({dropout})" if dropout else "")]
    if start_in_eval:
        setup.append("model.eval()")
    if leftover_grads:
        setup.append("every p.grad = 3.0")
    setup.append(f"loader = batches of sizes {list(sizes)} (seed {seed})")
    setup.append(f"optimizer = SGD(model.parameters(), lr={lr})")
    return "; ".join(setup) + "; train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer)"


def _shown_evaluate_run(sizes: Sequence[int], seed: int = 0, batchnorm: bool = True, dropout: float = 0.5) -> str:
    model = (
        "a small classifier (Linear, " + ("BatchNorm1d, " if batchnorm else "") + f"ReLU, Dropout({dropout}), Linear)"
    )
    return (
        f"model = {model} in train mode, every p.grad = 0.25; loader = batches of sizes {list(sizes)} (seed {seed}); "
        "evaluate(model, loader, nn.CrossEntropyLoss())"
    )


def _shown_fit_with_stand_ins(epochs: int) -> str:
    return (
        "fit(model, train_loader, val_loader, loss_fn, optimizer, "
        f"epochs={epochs})  # train_one_epoch and evaluate replaced by stand-ins that return known numbers"
    )


train_epoch.learner_call = _shown_train_epoch  # type: ignore[attr-defined]
evaluate_run.learner_call = _shown_evaluate_run  # type: ignore[attr-defined]
fit_with_stand_ins.learner_call = _shown_fit_with_stand_ins  # type: ignore[attr-defined]
