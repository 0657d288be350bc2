"""Compare a learner's value with the reference's and say precisely how they differ.

Equality is decided by `torch.testing.assert_close`; the message is ours: shape, dtype, then
the worst element (index, expected, got) and how many differ, plus the likely mistake.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.testing._comparison as _torch_comparison

from grader.checks.failures import Mistake, fail
from grader.i18n import Text, msg
from grader.sandbox.values import TENSOR, Opaque

# Checking for DTensor inputs makes the first assert_close import torch.distributed and sympy
# (~0.5 s). Values here come from the sandbox wire or the reference, never DTensors.
if hasattr(_torch_comparison, "_HAS_DTENSOR"):
    _torch_comparison._HAS_DTENSOR = False

MistakeCandidates = Iterable[tuple[Mistake, Callable[[], Any]]]

_TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-3),
    torch.bfloat16: (1.6e-2, 1e-2),
    torch.float32: (1e-5, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex64: (1e-5, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}


def default_tolerance(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for comparing values of `dtype`; exact for integers and bools."""
    return _TOLERANCES.get(dtype, (0.0, 0.0))


def _what(what: Text | str | None) -> Text:
    if what is None:
        return msg("the_result")
    return Text(en=what) if isinstance(what, str) else what


def type_name(value: Any) -> str:
    if isinstance(value, Opaque):
        return value.type_name.removeprefix("builtins.")
    if value is None:
        return "None"
    if isinstance(value, torch.Tensor):
        return "torch.Tensor"
    return type(value).__name__


def _shape(t: torch.Tensor) -> str:
    return str(tuple(t.shape))


def _number(value: float | int | bool | complex) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value)


def expect_tensor(got: Any, what: Text | str | None = None) -> torch.Tensor:
    """Fail unless `got` is a tensor; returns it typed as one."""
    __tracebackhide__ = True
    if isinstance(got, Opaque) and got.type_name == TENSOR:
        # A sparse, meta, nested or quantized tensor: the sandbox sends what it is, not its values.
        fail("type", msg("tensor_not_dense", what=_what(what), got=got.text))
    if not isinstance(got, torch.Tensor):
        fail("type", msg("not_tensor", what=_what(what), got=type_name(got)))
    return got


def _close(got: torch.Tensor, expected: torch.Tensor, rtol: float, atol: float, equal_nan: bool) -> bool:
    try:
        torch.testing.assert_close(
            got, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, check_stride=False
        )
    except (AssertionError, TypeError, RuntimeError, ValueError):
        return False
    return True


def matching_mistake(
    got: Any, mistakes: MistakeCandidates, rtol: float | None = None, atol: float | None = None
) -> Text | None:
    """The first mistake whose output equals `got` (same shape, dtype and values), if any."""
    for mistake, produce in mistakes:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a mistake's formula may warn (var with one sample)
                candidate = produce()
        except Exception:
            continue
        if isinstance(got, torch.Tensor) and isinstance(candidate, torch.Tensor):
            if got.shape != candidate.shape or got.dtype != candidate.dtype:
                continue
            r, a = default_tolerance(candidate.dtype)
            if _close(got, candidate, r if rtol is None else rtol, a if atol is None else atol, True):
                return mistake.text
        elif not isinstance(got, torch.Tensor) and _plain_equal(got, candidate):
            return mistake.text
    return None


def shape_diagnosis(got: tuple[int, ...], expected: tuple[int, ...]) -> Text | None:
    """A generic guess from the shapes alone: transposed, keepdim, an extra dim, reshaped."""
    if len(got) == len(expected) and sorted(got) == sorted(expected):
        return msg("shape_transposed")
    for i in range(len(expected)):
        if expected[i] == 1 and expected[:i] + expected[i + 1 :] == got:
            return msg("shape_keepdim_missing")
    for i in range(len(got)):
        if got[i] == 1 and got[:i] + got[i + 1 :] == expected:
            return msg("shape_extra_dim")
    if math.prod(got) == math.prod(expected):
        return msg("shape_reshaped")
    return None


def _index_text(index: tuple[int, ...]) -> str:
    if not index:
        return "()"
    return str(index[0]) if len(index) == 1 else str(index)


def _value_failure(
    got: torch.Tensor, expected: torch.Tensor, rtol: float, atol: float, equal_nan: bool, what: Text
) -> tuple[str, Text]:
    if got.is_floating_point() or expected.is_floating_point() or got.is_complex() or expected.is_complex():
        wide = torch.complex128 if (got.is_complex() or expected.is_complex()) else torch.float64
        g, e = got.detach().to(wide), expected.detach().to(wide)
        bad = ~torch.isclose(g, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
        excess = torch.where(
            bad, (g - e).abs() - (atol + rtol * e.abs()), torch.full_like(e.real if e.is_complex() else e, -math.inf)
        )
        excess = torch.nan_to_num(excess.real if excess.is_complex() else excess, nan=math.inf)
        nan_where_finite = torch.isnan(g.real if g.is_complex() else g) & ~torch.isnan(e.real if e.is_complex() else e)
    else:
        g, e = got.detach(), expected.detach()
        bad = g != e
        excess = bad.to(torch.float64)
        nan_where_finite = torch.zeros_like(bad)
    count, total = int(bad.sum()), bad.numel()
    flat = int(torch.argmax(excess.reshape(-1))) if total else 0
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), bad.shape)) if bad.dim() else ()
    if bool(nan_where_finite.any()):
        first = int(torch.nonzero(nan_where_finite.reshape(-1))[0])
        nan_index = tuple(int(i) for i in torch.unravel_index(torch.tensor(first), bad.shape)) if bad.dim() else ()
        return "nan", msg(
            "nan_values",
            what=what,
            count=int(nan_where_finite.sum()),
            total=total,
            index=_index_text(nan_index),
            expected=_number(expected[nan_index].item()),
        )
    return "value", msg(
        "values",
        what=what,
        count=count,
        total=total,
        index=_index_text(index),
        expected=_number(expected[index].item()),
        got=_number(got[index].item()),
    )


def expect_close(
    got: Any,
    expected: torch.Tensor,
    *,
    what: Text | str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    mistakes: MistakeCandidates = (),
    check_dtype: bool = True,
    equal_nan: bool = False,
) -> None:
    """Fail unless `got` matches `expected` in shape, dtype and values (within tolerances for the dtype).

    `mistakes` pairs a Mistake with a function computing what that mistake would return; they are
    only evaluated when the comparison fails, to name the likely mistake.
    """
    __tracebackhide__ = True
    what_text = _what(what)
    got = expect_tensor(got, what_text)
    mistakes = list(mistakes)
    default_rtol, default_atol = default_tolerance(expected.dtype)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    if tuple(got.shape) != tuple(expected.shape):
        diagnosis = matching_mistake(got, mistakes) or shape_diagnosis(tuple(got.shape), tuple(expected.shape))
        fail("shape", msg("shape", what=what_text, expected=_shape(expected), got=_shape(got)), diagnosis)
    if check_dtype and got.dtype != expected.dtype:
        diagnosis = matching_mistake(got, mistakes)
        fail("dtype", msg("dtype", what=what_text, expected=str(expected.dtype), got=str(got.dtype)), diagnosis)
    if not _close(got, expected, rtol, atol, equal_nan):
        category, message = _value_failure(got, expected, rtol, atol, equal_nan, what_text)
        fail(category, message, matching_mistake(got, mistakes, rtol, atol))


def _plain_equal(got: Any, expected: Any, rel: float = 1e-6, abs_tol: float = 1e-9) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, float) and isinstance(got, (int, float)):
        if math.isnan(expected):
            return math.isnan(got)
        return math.isclose(got, expected, rel_tol=rel, abs_tol=abs_tol)
    if isinstance(expected, int) and isinstance(got, int):
        return got == expected
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)):
        if len(got) != len(expected):
            return False
        return all(_plain_equal(g, e, rel, abs_tol) for g, e in zip(got, expected, strict=True))
    if isinstance(expected, torch.Tensor) and isinstance(got, torch.Tensor):
        r, a = default_tolerance(expected.dtype)
        return got.shape == expected.shape and got.dtype == expected.dtype and _close(got, expected, r, a, True)
    return type(got) is type(expected) and got == expected


def expect_equal(
    got: Any,
    expected: Any,
    *,
    what: Text | str | None = None,
    rel: float = 1e-6,
    abs_tol: float = 1e-9,
    mistakes: MistakeCandidates = (),
) -> None:
    """Fail unless a plain value (number, bool, tuple of numbers) equals `expected`; floats within `rel`."""
    __tracebackhide__ = True
    if not _plain_equal(got, expected, rel, abs_tol):
        shown = repr(got) if not isinstance(got, Opaque) else f"a {type_name(got)}"
        fail(
            "value",
            msg("not_equal", what=_what(what), expected=repr(expected), got=shown),
            matching_mistake(got, mistakes),
        )


def _shown(value: Any) -> str:
    if isinstance(value, Opaque):
        return f"a {type_name(value)}"
    from grader.runner.callrepr import format_value

    return format_value(value)


def _same(after: Any, before: Any) -> bool:
    if isinstance(before, torch.Tensor) or isinstance(after, torch.Tensor):
        return (
            isinstance(before, torch.Tensor)
            and isinstance(after, torch.Tensor)
            and after.shape == before.shape
            and after.dtype == before.dtype
            and bool(torch.equal(after, before))
        )
    return type(after) is type(before) and after == before


def expect_unchanged(after: Any, before: Any, *, what: Text | str, diagnosis: Mistake | Text | None = None) -> None:
    """Fail unless a caller's value (a tensor, its `.grad`, a flag) is exactly what it was before the call.

    For side effects: the learner's code must leave the caller's tensors and settings alone.
    """
    __tracebackhide__ = True
    if not _same(after, before):
        fail(
            "side_effect",
            msg("changed_by_call", what=_what(what), before=_shown(before), after=_shown(after)),
            diagnosis,
        )


def expect_type(
    got: Any,
    kind: type | tuple[type, ...],
    *,
    what: Text | str | None = None,
    diagnosis: Mistake | None = None,
) -> None:
    """Fail unless `got` is an instance of `kind` (a Python float, a tuple, ...); `diagnosis` names the
    likely mistake (a tensor where a float was asked: "use .item()")."""
    __tracebackhide__ = True
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(got, kinds) or (isinstance(got, bool) and bool not in kinds):
        expected = " or ".join(k.__name__ for k in kinds)
        fail("type", msg("wrong_type", what=_what(what), expected=expected, got=type_name(got)), diagnosis)


__all__ = [
    "default_tolerance",
    "expect_close",
    "expect_equal",
    "expect_tensor",
    "expect_type",
    "expect_unchanged",
    "matching_mistake",
    "shape_diagnosis",
]
