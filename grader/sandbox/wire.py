"""A compact encoding of plain values and plain CPU tensors: a JSON skeleton and the tensors' raw bytes.

What crosses the sandbox boundary is almost always a few small tensors in a dict; `torch.save`
and pickle spend far longer on those than the call itself takes. This encoding covers exactly
None, bool, int, float, complex, str, list, tuple, dict (str or int keys), `torch.dtype`,
`torch.device`, `torch.Size` and strided CPU tensors of the usual dtypes (the whole storage,
with offset and strides, so a view arrives as the same view). `encode` raises `Unsupported` for
anything else, and the caller falls back to its general encoding.

`decode` reads untrusted bytes: the skeleton is JSON holding at most `MAX_VALUES` values (counted
before it is parsed, so its memory is bounded too), every tag and field is checked, and a tensor
is built from a copy of its bytes only after its view is proved to fit them; anything malformed
raises ValueError (or another Exception the caller turns into a protocol error). A view may still
repeat its bytes (a stride of 0): the reader bounds what the views span (`grader/sandbox/protocol.py`).
"""

from __future__ import annotations

import ctypes
import functools
import json
import struct
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

_LENGTH = struct.Struct("!I")
_MAX_DEPTH = 64
_MAX_DIMS = 64
# Values one skeleton may hold; an answer is a few tensors and numbers, a forged one could be
# millions of empty lists, each costing the reader ~60 bytes for its 3 bytes of JSON.
MAX_VALUES = 1 << 20
_DTYPE_NAMES = (
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)


@functools.cache
def _torch() -> tuple[Any, dict[str, torch.dtype], dict[str, torch.device]]:
    # Imported on first use: the sandbox server loads this module before it imports torch.
    import torch

    return torch, {name: getattr(torch, name) for name in _DTYPE_NAMES}, {"cpu": torch.device("cpu")}


class Unsupported(Exception):
    """The value holds something this encoding does not cover."""


def encode(value: Any) -> bytes:
    torch, dtypes, devices = _torch()
    blob: list[bytes] = []
    blob_size = 0
    # Tensors that share a storage (the same tensor twice, a tensor and its view) share its bytes,
    # so they share memory on the other side too, as pickle would have them.
    starts: dict[tuple[int, int], int] = {}

    def tensor(t: torch.Tensor) -> list[Any]:
        nonlocal blob_size
        if (
            type(t) is not torch.Tensor
            or t.layout is not torch.strided
            or t.device.type != "cpu"
            or t.is_quantized
            or t.is_nested
            or t.is_conj()
            or t.is_neg()
            or (t.requires_grad and not t.is_leaf)
            or t.__dict__
        ):
            raise Unsupported("a tensor this encoding does not cover")
        name = str(t.dtype).removeprefix("torch.")
        if name not in dtypes:
            raise Unsupported(f"dtype {name}")
        storage = t.untyped_storage()
        size = storage.nbytes()
        start = starts.get((storage.data_ptr(), size))
        if start is None:
            start = starts[(storage.data_ptr(), size)] = blob_size
            blob.append(ctypes.string_at(storage.data_ptr(), size) if size else b"")
            blob_size += size
        return [name, list(t.shape), list(t.stride()), t.storage_offset(), start, size, t.requires_grad]

    def walk(v: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise Unsupported("nested too deeply")
        kind = type(v)
        if v is None or kind in (bool, int, float, str):
            return v
        if kind is list:
            return [walk(x, depth + 1) for x in v]
        if kind is tuple:
            return {"tuple": [walk(x, depth + 1) for x in v]}
        if kind is dict:
            if not all(type(k) in (str, int) for k in v):
                raise Unsupported("a dict key that is not a str or int")
            return {"dict": [[k, walk(x, depth + 1)] for k, x in v.items()]}
        if kind is complex:
            return {"complex": [v.real, v.imag]}
        if kind is torch.Tensor:
            return {"tensor": tensor(v)}
        if kind is torch.dtype and str(v).removeprefix("torch.") in dtypes:
            return {"dtype": str(v).removeprefix("torch.")}
        if kind is torch.device and str(v) in devices:
            return {"device": str(v)}
        if kind is torch.Size:
            return {"size": list(v)}
        raise Unsupported(f"a value of type {kind.__qualname__}")

    skeleton = json.dumps(walk(value, 0), separators=(",", ":")).encode()
    return _LENGTH.pack(len(skeleton)) + skeleton + b"".join(blob)


def decode(data: bytes | memoryview) -> Any:
    torch, dtypes, devices = _torch()
    view = memoryview(data)
    (length,) = _LENGTH.unpack_from(view)
    text = bytes(view[_LENGTH.size : _LENGTH.size + length])
    # Every value but the first follows a `,` or opens with `[` or `{` (those inside strings only overcount).
    if text.count(b",") + text.count(b"[") + text.count(b"{") >= MAX_VALUES:
        raise ValueError(f"more than {MAX_VALUES} values")
    skeleton = json.loads(text)
    blob = view[_LENGTH.size + length :]
    storages: dict[tuple[int, int], Any] = {}

    def ints(v: Any) -> list[int]:
        if type(v) is not list or len(v) > _MAX_DIMS or not all(type(x) is int and x >= 0 for x in v):
            raise ValueError("a tensor's shape or strides are not a list of sizes")
        return v

    def tensor(fields: Any) -> torch.Tensor:
        name, shape, stride, offset, start, size, requires_grad = fields
        dtype = dtypes[name]
        shape, stride = ints(shape), ints(stride)
        itemsize = dtype.itemsize
        if len(shape) != len(stride) or type(requires_grad) is not bool:
            raise ValueError("a malformed tensor")
        if not all(type(x) is int and x >= 0 for x in (offset, start, size)) or size % itemsize:
            raise ValueError("a malformed tensor")
        if start + size > len(blob):
            raise ValueError("a tensor's bytes are missing")
        elements = size // itemsize
        if all(shape):  # not empty: the furthest element of the view must lie inside the storage
            last = offset + sum((n - 1) * s for n, s in zip(shape, stride, strict=True))
            if last >= elements:
                raise ValueError("a tensor's view does not fit its storage")
        if elements:
            raw = storages.get((start, size))
            if raw is None:
                raw = storages[(start, size)] = torch.frombuffer(
                    bytearray(blob[start : start + size]), dtype=torch.uint8
                )
            # Any byte but 0 and 1 would be a bool torch cannot compare: a bool tensor gets its own, normalised copy.
            base = raw != 0 if dtype is torch.bool else raw.view(dtype)
        else:
            base = torch.empty(0, dtype=dtype)
        result = base.as_strided(shape, stride, offset if elements else 0)
        if requires_grad:
            result.requires_grad_(True)
        return result

    def build(v: Any, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise ValueError("nested too deeply")
        if v is None or type(v) in (bool, int, float, str):
            return v
        if type(v) is list:
            return [build(x, depth + 1) for x in v]
        if type(v) is not dict or len(v) != 1:
            raise ValueError("an unknown value")
        ((tag, body),) = v.items()
        if tag == "tuple" and type(body) is list:
            return tuple(build(x, depth + 1) for x in body)
        if tag == "dict" and type(body) is list:
            pairs = [(k, build(x, depth + 1)) for k, x in body]
            if not all(type(k) in (str, int) for k, _ in pairs):
                raise ValueError("a dict key that is not a str or int")
            return dict(pairs)
        if tag == "complex" and type(body) is list and len(body) == 2:
            return complex(float(body[0]), float(body[1]))
        if tag == "tensor" and type(body) is list and len(body) == 7:
            return tensor(body)
        if tag == "dtype" and type(body) is str:
            return dtypes[body]
        if tag == "device" and type(body) is str:
            return devices[body]
        if tag == "size" and type(body) is list:
            return torch.Size(ints(body))
        raise ValueError(f"an unknown tag {str(tag)[:40]!r}")

    return build(skeleton, 0)
