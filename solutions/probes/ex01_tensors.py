"""Scenarios for exercise 1, run next to the learner's module in the sandbox (and next to the reference in the judge).

Which torch functions a call used can only be seen where it runs, so this scenario calls the
learner's function there and returns the result with the names of the torch functions it called.
Nothing here is secret.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.sandbox.scenarios import TorchCalls


def linear_calls(module: Any, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> dict[str, Any]:
    """`linear(x, weight, bias)`: its result, and the torch functions it called (sorted names)."""
    with TorchCalls() as calls:
        out = module.linear(x, weight, bias)
    return {"out": out, "torch_functions": sorted(calls.names)}


def _shown_as_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> str:
    from grader.runner.callrepr import format_call

    return format_call("linear", (x, weight, bias), {})


linear_calls.learner_call = _shown_as_linear  # type: ignore[attr-defined]
