"""What crosses the sandbox boundary: plain values and plain tensors, and a marker for anything else.

The child encodes a learner's return value honestly (detached plain tensors, containers,
numbers); anything else travels as a description, a tensor that is not dense or not on the CPU
(sparse, meta, nested, quantized) as an `Opaque` named `torch.Tensor` saying what it is. The
judge never trusts the encoding: it reads frames with `wire.decode` or
`torch.load(weights_only=True)` and admits only these types (`grader/sandbox/protocol.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPAQUE = "__grader_opaque__"
_MAX_DEPTH = 32
_PLAIN = (type(None), bool, int, float, str, complex)


@dataclass(frozen=True)
class Opaque:
    """A learner value that cannot cross the boundary (a numpy array, a custom object): its type and repr only."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


TENSOR = "torch.Tensor"


def tensor_problem(t: Any) -> str | None:
    """What makes the tensor `t` other than dense and on the CPU, in code's terms
    ("layout torch.sparse_coo, shape (2, 2)"), or None when it is an ordinary tensor."""
    import torch

    if t.is_nested:
        return "a nested layout"
    if t.layout is not torch.strided:
        what = f"layout {t.layout}"
    elif t.is_quantized:
        what = f"quantized dtype {t.dtype}"
    elif t.device.type != "cpu":
        what = f"device {t.device.type}"
    else:
        return None
    return f"{what}, shape {tuple(t.shape)}"


def _describe(value: Any) -> dict[str, str]:
    kind = type(value)
    try:
        text = repr(value)
    except Exception:
        text = "<repr failed>"
    return {OPAQUE: f"{kind.__module__}.{kind.__qualname__}", "repr": text[:300]}


def encode(value: Any, depth: int = 0) -> Any:
    """Child side: make `value` plain enough for the wire (see `grader/sandbox/protocol.py`)."""
    import torch

    if depth > _MAX_DEPTH:
        return _describe(value)
    if type(value) in _PLAIN or type(value) in (torch.dtype, torch.device, torch.Size):
        return value
    if isinstance(value, torch.Tensor):
        try:
            plain = value.detach()
            if type(plain) is not torch.Tensor:
                plain = plain.as_subclass(torch.Tensor)
            problem = tensor_problem(plain)
            if problem is not None:
                return {OPAQUE: TENSOR, "repr": problem}
            plain = plain.clone()
            if value.requires_grad and (plain.is_floating_point() or plain.is_complex()):
                plain.requires_grad_(True)
            return plain
        except Exception:
            return _describe(value)
    if type(value) in (list, tuple):
        return type(value)(encode(v, depth + 1) for v in value)
    if type(value) is dict and all(type(k) in (str, int) for k in value):
        return {k: encode(v, depth + 1) for k, v in value.items()}
    return _describe(value)


def _same(text: str) -> str:
    return text


def decode(value: Any, clean: Callable[[str], str] = _same) -> Any:
    """Judge side: turn opaque markers back into `Opaque` objects, their text passed through `clean`."""
    if isinstance(value, dict):
        if OPAQUE in value and len(value) == 2:
            return Opaque(clean(str(value[OPAQUE])), clean(str(value.get("repr", ""))))
        return {k: decode(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v, clean) for v in value]
    if isinstance(value, tuple):
        return tuple(decode(v, clean) for v in value)
    return value
