"""Gradient checks whose verdict is reached in the judge, even when the learner's code computes the gradients.

`gradcheck_through` runs `torch.autograd.gradcheck` here, on a function whose forward and
backward are answered by the sandbox: the learner cannot make it pass by patching gradcheck.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch.autograd.gradcheck import GradcheckError

from grader.checks.compare import MistakeCandidates, expect_close, expect_tensor, type_name
from grader.checks.failures import CheckFailed, Mistake, fail
from grader.i18n import msg

# Entries of the Jacobian gradcheck may build (float64: 32 MB).
_MAX_JACOBIAN = 1 << 22

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

    doubles = tuple(x.detach().to(torch.float64).requires_grad_() for x in inputs)
    # gradcheck builds a Jacobian of (input elements) x (output elements): the learner's output
    # decides one side of it, so it is bounded before gradcheck sees it.
    most_outputs = max(_MAX_JACOBIAN // max(sum(x.numel() for x in doubles), 1), 1)

    class Remote(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, *xs: torch.Tensor) -> torch.Tensor:
            ctx.save_for_backward(*xs)
            out = expect_tensor(forward(*(x.detach() for x in xs)), msg("output_of", name=name))
            if out.dtype != torch.float64:
                fail("dtype", msg("float64_lost", name=name, got=str(out.dtype)))
            if out.numel() > most_outputs:
                fail("shape", msg("gradcheck_too_large", name=name, shape=str(tuple(out.shape)), most=most_outputs))
            return out

        @staticmethod
        def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[Any, ...]:
            what = msg("gradient_of", name=name)
            grads = backward(*ctx.saved_tensors, grad_output)
            if type(grads) not in (tuple, list):
                fail("type", msg("wrong_type", what=what, expected="tuple", got=type_name(grads)))
            if len(grads) != len(ctx.saved_tensors):
                fail("gradient", msg("grad_count", got=len(grads), expected=len(ctx.saved_tensors)))
            for grad, x in zip(grads, ctx.saved_tensors, strict=True):
                # autograd would raise on a gradient shaped unlike its input: that is the learner's failure.
                if grad is not None and expect_tensor(grad, what).shape != x.shape:
                    fail("gradient", msg("shape", what=what, expected=str(tuple(x.shape)), got=str(tuple(grad.shape))))
            return tuple(grads)

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
