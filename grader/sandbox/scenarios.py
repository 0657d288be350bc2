"""Scenarios every course needs, run alike against the learner (in the child) and the reference (in the judge)."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import torch


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
