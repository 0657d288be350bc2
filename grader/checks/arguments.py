"""Did a learner function change what it was given? The child sends its arguments back after the
call; the judge compares them with what it sent.

The learner works on copies (they crossed the sandbox), so an in-place edit (`x[~mask] = 0`,
`labels.unsqueeze_(-1)`) never reaches the judge's tensors and would go unseen without this.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import torch

from grader.checks.failures import Mistake, fail
from grader.i18n import Text, msg

CHANGED_IN_PLACE = Mistake(
    en="the function changed a tensor it was given, in place (x[...] = ..., x += ..., x.unsqueeze_(...)): "
    "leave the caller's tensors as they were, and compute on new tensors (torch.where, x.unsqueeze, x.clone())",
    ko="함수가 인자로 받은 텐서를 제자리(in-place)에서 바꿨습니다 (x[...] = ..., x += ..., x.unsqueeze_(...)): "
    "호출한 쪽의 텐서는 그대로 두고 새 텐서로 계산하세요 (torch.where, x.unsqueeze, x.clone())",
)

_MISSING = object()


def _same(after: Any, before: Any) -> bool:
    """Exactly the same value: tensors by shape, dtype and every element (NaN equal to NaN)."""
    if isinstance(before, torch.Tensor):
        if not (isinstance(after, torch.Tensor) and after.shape == before.shape and after.dtype == before.dtype):
            return False
        if before.is_floating_point() or before.is_complex():
            return bool(((after == before) | (torch.isnan(after) & torch.isnan(before))).all())
        return bool(torch.equal(after, before))
    if isinstance(before, (list, tuple)):
        return (
            type(after) is type(before)
            and len(after) == len(before)
            and all(_same(a, b) for a, b in zip(after, before, strict=True))
        )
    if isinstance(before, dict):
        return (
            isinstance(after, dict) and list(after) == list(before) and all(_same(after[k], before[k]) for k in before)
        )
    if isinstance(before, float) and isinstance(after, float) and math.isnan(before):
        return math.isnan(after)
    return type(after) is type(before) and after == before


def _names(signature_of: Callable[[], inspect.Signature | None], count: int) -> list[str]:
    """The parameter names of the first `count` positional arguments, or their positions."""
    signature = signature_of()
    params = list(signature.parameters) if signature is not None else []
    return [params[i] if i < len(params) else f"#{i + 1}" for i in range(count)]


def _shown(value: Any) -> str:
    from grader.runner.callrepr import format_value

    if value is _MISSING:
        return "missing"
    return format_value(value)


def expect_arguments_unchanged(
    function: str,
    sent: tuple[tuple[Any, ...], dict[str, Any]],
    returned: tuple[Any, Any],
    signature_of: Callable[[], inspect.Signature | None] = lambda: None,
) -> None:
    """Fail (category `side_effect`) unless every argument came back from the call as it was sent.

    `returned` is what the child reports its `(args, kwargs)` held after the call; `signature_of`
    gives the function's parameters, to name the argument that changed.
    """
    __tracebackhide__ = True
    args, kwargs = sent
    args_after, kwargs_after = returned
    args_after = list(args_after) if isinstance(args_after, (list, tuple)) else []
    args_after += [_MISSING] * (len(args) - len(args_after))
    kwargs_after = kwargs_after if isinstance(kwargs_after, dict) else {}
    pairs = list(zip(_names(signature_of, len(args)), args, args_after, strict=False))
    pairs += [(key, value, kwargs_after.get(key, _MISSING)) for key, value in kwargs.items()]
    for name, before, after in pairs:
        if not _same(after, before):
            fail(
                "side_effect",
                msg(
                    "changed_by_call",
                    what=Text(en=f"the argument {name} of {function}", ko=f"{function}의 인자 {name}"),
                    before=_shown(before),
                    after=_shown(after),
                ),
                CHANGED_IN_PLACE,
            )
