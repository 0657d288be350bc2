"""Scenarios every course needs, run alike against the learner (in the child) and the reference (in the judge)."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import torch
from torch.overrides import TorchFunctionMode


def value_and_grad(
    module: ModuleType,
    name: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    wrt: Sequence[int],
    upstream: torch.Tensor | None,
) -> tuple[Any, list[torch.Tensor | None]]:
    """Call `module.name(*args)` with the tensors at positions `wrt` requiring grad, then backpropagate `upstream`.

    Returns the output and one gradient per `wrt` position; a gradient is None when none flows.
    """
    args = list(args)
    leaves = []
    for i in wrt:
        leaf = args[i].detach().clone().requires_grad_(True)
        args[i] = leaf
        leaves.append(leaf)
    out = getattr(module, name)(*args, **kwargs)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        return out, [None] * len(leaves)
    # <out, upstream> is a scalar whose gradient is the vector-Jacobian product; passing a scalar
    # avoids autograd's explicit-gradient path, which imports sympy (~0.3 s) on first use.
    weighted = out.sum() if upstream is None else (out * upstream).sum()
    grads = torch.autograd.grad(weighted, leaves, allow_unused=True)
    return out, list(grads)


class TorchCalls(TorchFunctionMode):
    """While active, notes the name of every torch function called (`linear`, `layer_norm`, `matmul`),
    under any alias: `F.linear`, `nn.Linear`, `torch.layer_norm` all arrive here by the same name.

    For a scenario that checks how the learner computed something ("write it yourself"). It sees
    what honest code calls; code that removes the mode from torch's stack can hide from it, like
    any observation made inside the learner's process.
    """

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func: Any, types: Any, args: Sequence[Any] = (), kwargs: Any = None) -> Any:
        self.names.add(getattr(func, "__name__", type(func).__name__))
        return func(*args, **(kwargs or {}))
