"""Gradient checks whose verdict is reached in the judge, even when the learner's code computes the gradients.

`gradcheck_through` runs `torch.autograd.gradcheck` here, on a function whose forward and
backward are answered by the sandbox: the learner cannot make it pass by patching gradcheck.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.autograd.gradcheck import GradcheckError

from grader.checks.compare import MistakeCandidates, expect_close, expect_tensor
from grader.checks.failures import CheckFailed, Mistake, fail
from grader.i18n import msg

IGNORES_UPSTREAM = Mistake(
    en="the gradient ignores grad_output: backward must multiply the local derivative by the incoming gradient",
    ko="기울기가 grad_output을 무시합니다: backward는 국소 미분값에 들어온 기울기(grad_output)를 곱해야 합니다",
)


def expect_gradients_close(
    got: Sequence[Any],
    expected: Sequence[torch.Tensor | None],
    *,
    names: Sequence[str],
    if_upstream_ignored: Sequence[torch.Tensor | None] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    mistakes: MistakeCandidates = (),
) -> None:
    """Compare gradients input by input. `if_upstream_ignored` holds the gradients a backward that
    ignores `grad_output` would give (the reference's under an all-ones upstream), to name that mistake."""
    __tracebackhide__ = True
    extra = list(mistakes)
    if len(got) != len(expected):
        fail("gradient", msg("grad_count", got=len(got), expected=len(expected)))
    for i, (g, e, name) in enumerate(zip(got, expected, names, strict=True)):
        if e is None:
            continue
        if g is None:
            fail("gradient", msg("grad_missing", name=name))
        candidates = list(extra)
        if if_upstream_ignored is not None and if_upstream_ignored[i] is not None:
            ones = if_upstream_ignored[i]
            candidates.insert(0, (IGNORES_UPSTREAM, lambda ones=ones: ones))
        try:
            expect_close(g, e, what=msg("gradient_of", name=name), rtol=rtol, atol=atol, mistakes=candidates)
        except CheckFailed as failed:
            raise CheckFailed("gradient", failed.message, failed.diagnosis) from None


def gradcheck_through(
    forward: Callable[..., Any],
    backward: Callable[..., Sequence[Any]],
    inputs: Sequence[torch.Tensor],
    *,
    name: str,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """`torch.autograd.gradcheck` in float64 on `forward`, with `backward(*inputs, grad_output)` as its gradient.

    Both callables usually call the learner through the sandbox; the numerical Jacobian, the
    comparison and the verdict are computed here.
    """
    __tracebackhide__ = True

    class Remote(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, *xs: torch.Tensor) -> torch.Tensor:
            ctx.save_for_backward(*xs)
            out = expect_tensor(forward(*(x.detach() for x in xs)), msg("output_of", name=name))
            if out.dtype != torch.float64:
                fail("dtype", msg("float64_lost", name=name, got=str(out.dtype)))
            return out

        @staticmethod
        def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[Any, ...]:
            grads = tuple(backward(*ctx.saved_tensors, grad_output))
            for grad in grads:
                if grad is not None:
                    expect_tensor(grad, msg("gradient_of", name=name))
            return grads

    doubles = tuple(x.detach().to(torch.float64).requires_grad_() for x in inputs)
    try:
        torch.autograd.gradcheck(
            Remote.apply,
            doubles,
            eps=eps,
            atol=atol,
            rtol=rtol,
            raise_exception=True,
            check_undefined_grad=False,
            check_batched_grad=False,
            fast_mode=False,
        )
    except GradcheckError as exc:
        detail = str(exc).split("\n", 1)[0].strip().rstrip(",")
        fail("gradient", msg("gradcheck_failed", name=name, detail=detail))
