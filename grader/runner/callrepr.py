"""Show a learner call as code a person can paste: `one_hot(tensor([2, 0]), 3)`.

A course scenario (a probes file's function) is shown as the learner's own code it runs when it
carries a `learner_call` attribute: a function of the scenario's arguments returning that code,
written with `format_value` and `format_call` (`grad_of(lambda x: (x**2).sum(), x)`), never the
scenario's internal name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

_MAX_LEN = 600


@contextlib.contextmanager
def _printing() -> Iterator[None]:
    import torch

    with torch._tensor_str.printoptions(precision=4, threshold=24, edgeitems=2, linewidth=100):
        yield


def _tensor(t: Any) -> str:
    import torch

    with torch.no_grad():
        if t.numel() > 24 or t.dim() > 3:
            return f"<tensor of shape {tuple(t.shape)}, {str(t.dtype).removeprefix('torch.')}>"
        if not t.numel():
            return f"torch.empty({tuple(t.shape)}, dtype={t.dtype})"
        if t.dim() >= 2 and not t.is_contiguous() and t.mT.is_contiguous():
            # A transposed view, as the generators make: shown as one, so the pasted call has its layout.
            return " ".join(repr(t.detach().mT).split()) + ".mT"
        return " ".join(repr(t.detach()).split())


def _value(value: Any) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        return _tensor(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def format_value(value: Any) -> str:
    with _printing():
        return _value(value)


def _capped(text: str) -> str:
    return text if len(text) <= _MAX_LEN else text[:_MAX_LEN] + " ...)"


def format_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    with _printing():
        parts = [_value(a) for a in args] + [f"{k}={_value(v)}" for k, v in kwargs.items()]
    return _capped(f"{name}({', '.join(parts)})")


def format_scenario(
    scenario: Callable[..., Any] | None, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str:
    """The call as the learner could type it: the scenario's `learner_call` code when it has one,
    otherwise `name(*args, **kwargs)`."""
    as_learner = getattr(scenario, "learner_call", None)
    if as_learner is not None:
        try:
            shown = as_learner(*args, **kwargs)
        except Exception:  # a display bug in the course must not cost the report its input line
            shown = None
        if isinstance(shown, str):
            return _capped(shown)
    return format_call(name, args, kwargs)
