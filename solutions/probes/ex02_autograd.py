"""Scenarios for exercise 2, run next to the learner's module in the sandbox (and next to the reference in the judge).

Functions and autograd Functions cannot cross the sandbox boundary, so these scenarios build
them here, call the learner's code, and return plain tensors and values: the result and what
became of the caller's tensors. Nothing here is secret.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.optim.optimizer import register_optimizer_step_pre_hook

# The functions grad_of is asked to differentiate, named by their formula (the name is what a
# report shows). Each takes x and a second tensor w of x's shape.
FUNCTIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "sum(x**2)": lambda x, w: (x * x).sum(),
    "sum(w * x)": lambda x, w: (w * x).sum(),
    "mean(sin(w * x)) + sum(x**3) / 8": lambda x, w: torch.sin(w * x).mean() + (x**3).sum() / 8,
    "logsumexp(w * x)": lambda x, w: torch.logsumexp((w * x).reshape(-1), dim=0),
    # Partly or wholly independent of x: the gradient is 0.0 where x is not used.
    "x.flatten()[0] ** 2": lambda x, w: x.reshape(-1)[0] ** 2,
    "sum(w) (ignores x)": lambda x, w: w.sum(),
    "sum(w**2) with w requiring grad (ignores x)": lambda x, w: (w**2).sum(),
}
# Functions whose w requires grad (set up before the call, so that f itself only computes).
W_REQUIRES_GRAD = {"sum(w**2) with w requiring grad (ignores x)"}


def grad_of_with(
    module: Any,
    f: str,
    x: Tensor,
    w: Tensor,
    requires_grad: bool = False,
    old_grad: Tensor | None = None,
    inside_no_grad: bool = False,
) -> dict[str, Any]:
    """Call `grad_of(f, x)` on a caller's `x` set up as asked; report the result and the caller's x afterwards."""
    caller_x = x.clone().requires_grad_(requires_grad)
    if old_grad is not None:
        caller_x.grad = old_grad.clone()
    function = FUNCTIONS[f]
    if f in W_REQUIRES_GRAD:
        w = w.detach().clone().requires_grad_(True)
    mode = torch.no_grad() if inside_no_grad else contextlib.nullcontext()
    with mode:
        result = module.grad_of(lambda t: function(t, w), caller_x)
        grad_enabled_after = torch.is_grad_enabled()
    return {
        "grad": result,
        "x": caller_x.detach().clone(),
        "x.requires_grad": caller_x.requires_grad,
        "x.grad": caller_x.grad,
        "grad mode after": grad_enabled_after,
    }


def function_apply(module: Any, name: str, x: Tensor) -> dict[str, Any]:
    """`name.apply(x)` for the autograd Function `name`: its output, and whether it changed x."""
    given = x.clone()
    out = getattr(module, name).apply(given)
    return {"out": out, "x changed": not torch.equal(given, x)}


def function_vjp(module: Any, name: str, x: Tensor, upstream: Tensor) -> Tensor | None:
    """The gradient that `name.apply` sends back to x when `upstream` arrives as grad_output."""
    leaf = x.detach().clone().requires_grad_(True)
    out = getattr(module, name).apply(leaf)
    # <out, upstream> is a scalar whose gradient is the vector-Jacobian product: autograd hands
    # exactly `upstream` to backward as grad_output.
    (grad,) = torch.autograd.grad((out * upstream).sum(), leaf, allow_unused=True)
    return grad


def manual_sgd_with(
    module: Any,
    w: Tensor,
    b: Tensor,
    x: Tensor,
    y: Tensor,
    lr: float,
    steps: int,
    requires_grad: bool = False,
    old_grads: tuple[Tensor, Tensor] | None = None,
) -> dict[str, Any]:
    """Call `manual_sgd` on a caller's w and b set up as asked; report the result, the caller's w and b
    afterwards, and how torch.optim was used during the call: `SGD(...)` for an optimizer built,
    `SGD.step()` for one stepped (whenever it was built)."""
    caller_w = w.clone().requires_grad_(requires_grad)
    caller_b = b.clone().requires_grad_(requires_grad)
    if old_grads is not None:
        caller_w.grad, caller_b.grad = (g.clone() for g in old_grads)
    used: set[str] = set()
    original_init = torch.optim.Optimizer.__init__

    def recording_init(self: Any, *args: Any, **kwargs: Any) -> None:
        used.add(f"{type(self).__name__}(...)")
        original_init(self, *args, **kwargs)

    def recording_step(optimizer: Any, args: Any, kwargs: Any) -> None:
        used.add(f"{type(optimizer).__name__}.step()")

    # An optimizer built before the call (at import, say) is seen when it steps: the global
    # step hook runs for every torch.optim optimizer, whenever it was made.
    step_hook = register_optimizer_step_pre_hook(recording_step)
    torch.optim.Optimizer.__init__ = recording_init  # type: ignore[method-assign]
    try:
        result = module.manual_sgd(caller_w, caller_b, x, y, lr, steps)
    finally:
        torch.optim.Optimizer.__init__ = original_init  # type: ignore[method-assign]
        step_hook.remove()
    return {
        "result": result,
        "w": caller_w.detach().clone(),
        "b": caller_b.detach().clone(),
        "w.requires_grad": caller_w.requires_grad,
        "b.requires_grad": caller_b.requires_grad,
        "w.grad": caller_w.grad,
        "b.grad": caller_b.grad,
        "optimizers": sorted(used),
    }


# -- how reports show these scenarios: as the learner's own calls --------------------------------
# Each function given to grad_of, as a learner would write it (w is the second tensor).
WRITTEN = {
    "sum(x**2)": "lambda x: (x**2).sum()",
    "sum(w * x)": "lambda x: (w * x).sum()",
    "mean(sin(w * x)) + sum(x**3) / 8": "lambda x: torch.sin(w * x).mean() + (x**3).sum() / 8",
    "logsumexp(w * x)": "lambda x: torch.logsumexp((w * x).reshape(-1), dim=0)",
    "x.flatten()[0] ** 2": "lambda x: x.reshape(-1)[0] ** 2",
    "sum(w) (ignores x)": "lambda x: w.sum()",
    "sum(w**2) with w requiring grad (ignores x)": "lambda x: (w**2).sum()",
}


def _statements(*lines: str) -> str:
    return "; ".join(line for line in lines if line)


def _shown_grad_of(
    f: str,
    x: Tensor,
    w: Tensor,
    requires_grad: bool = False,
    old_grad: Tensor | None = None,
    inside_no_grad: bool = False,
) -> str:
    from grader.runner.callrepr import format_value

    written = WRITTEN[f]
    call = f"grad_of({written}, x)"
    return _statements(
        f"w = {format_value(w)}" + (".requires_grad_()" if f in W_REQUIRES_GRAD else "") if "w" in written else "",
        f"x = {format_value(x)}" + (".requires_grad_()" if requires_grad else ""),
        f"x.grad = {format_value(old_grad)}" if old_grad is not None else "",
        f"with torch.no_grad(): {call}" if inside_no_grad else call,
    )


def _shown_apply(name: str, x: Tensor) -> str:
    from grader.runner.callrepr import format_value

    return f"{name}.apply({format_value(x)})"


def _shown_vjp(name: str, x: Tensor, upstream: Tensor) -> str:
    from grader.runner.callrepr import format_value

    return _statements(
        f"x = {format_value(x)}.requires_grad_()",
        f"{name}.apply(x).backward({format_value(upstream)})",
        "x.grad",
    )


def _shown_manual_sgd(
    w: Tensor,
    b: Tensor,
    x: Tensor,
    y: Tensor,
    lr: float,
    steps: int,
    requires_grad: bool = False,
    old_grads: tuple[Tensor, Tensor] | None = None,
) -> str:
    from grader.runner.callrepr import format_call, format_value

    grad = ".requires_grad_()" if requires_grad else ""
    return _statements(
        f"w = {format_value(w)}{grad}",
        f"b = {format_value(b)}{grad}",
        f"w.grad, b.grad = {format_value(old_grads[0])}, {format_value(old_grads[1])}" if old_grads else "",
        format_call("manual_sgd", (x, y, lr, steps), {}).replace("manual_sgd(", "manual_sgd(w, b, ", 1),
    )


grad_of_with.learner_call = _shown_grad_of  # type: ignore[attr-defined]
function_apply.learner_call = _shown_apply  # type: ignore[attr-defined]
function_vjp.learner_call = _shown_vjp  # type: ignore[attr-defined]
manual_sgd_with.learner_call = _shown_manual_sgd  # type: ignore[attr-defined]
