"""Show a learner call as code a person can paste: `one_hot(tensor([2, 0]), 3)`."""

from __future__ import annotations

from typing import Any

_MAX_LEN = 600


def _tensor(t: Any) -> str:
    import torch

    with torch.no_grad():
        if t.numel() > 24 or t.dim() > 3:
            return f"<tensor of shape {tuple(t.shape)}, {str(t.dtype).removeprefix('torch.')}>"
        body = " ".join(repr(t.detach()).split()) if t.numel() else f"torch.empty({tuple(t.shape)}, dtype={t.dtype})"
    if t.numel() and t.dim() >= 2 and not t.is_contiguous():
        body += f"  # non-contiguous, stride {t.stride()}"
    return body


def format_value(value: Any) -> str:
    import torch

    if isinstance(value, torch.Tensor):
        return _tensor(value)
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(format_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {format_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def format_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    import torch

    with torch._tensor_str.printoptions(precision=4, threshold=24, edgeitems=2, linewidth=100):
        parts = [format_value(a) for a in args] + [f"{k}={format_value(v)}" for k, v in kwargs.items()]
    text = f"{name}({', '.join(parts)})"
    return text if len(text) <= _MAX_LEN else text[:_MAX_LEN] + " ...)"
