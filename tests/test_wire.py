"""The compact frame encoding: covered values round-trip exactly, others fall back, malformed frames are refused."""

from __future__ import annotations

import json
import math
import socket
import struct

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.checks import tensors
from grader.sandbox import protocol, wire


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return (
            type(b) is torch.Tensor
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.stride() == b.stride()
            and a.storage_offset() == b.storage_offset()
            and a.requires_grad == b.requires_grad
            and torch.equal(a.detach(), b.detach())
        )
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return type(b) is dict and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


plain = st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.complex_numbers(allow_nan=False)
values = st.recursive(
    plain | tensors(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, database=None)
@given(values)
def test_covered_values_round_trip_exactly(value):
    data = protocol.dumps(value)
    assert data[:1] == b"W"
    assert _same(value, protocol.loads(data))


def test_views_dtypes_and_flags_arrive_as_they_were_sent():
    base = torch.arange(12.0)
    sent = {
        "every_other": base[1::2],  # a view: its storage, offset and stride travel with it
        "transposed": base.reshape(3, 4).t(),
        "scalar": torch.tensor(2.5, dtype=torch.float64),
        "empty": torch.empty(0, 3, dtype=torch.int64),
        "mask": torch.tensor([True, False]),
        "half": torch.ones(2, dtype=torch.bfloat16),
        "complex": torch.tensor([1 + 2j]),
        "leaf": torch.ones(2, requires_grad=True),
        "meta": (torch.float16, torch.device("cpu"), torch.Size([2, 3]), 1 + 1j, -0.0, float("inf")),
    }
    back = protocol.loads(protocol.dumps(sent))
    assert all(_same(sent[k], back[k]) for k in sent)
    assert back["every_other"].storage_offset() == 1 and back["every_other"].stride() == (2,)


@pytest.mark.parametrize(
    "value",
    [
        torch.nn.Parameter(torch.ones(2)),
        torch.ones(2, requires_grad=True) * 2,  # not a leaf
        torch.eye(2).to_sparse(),
        {1.5: "a float key"},
        {"a", "set"},
        torch.tensor([1 + 1j]).conj(),
    ],
    ids=["parameter", "non-leaf", "sparse", "float-key", "set", "conjugate-view"],
)
def test_what_the_encoding_does_not_cover_falls_back(value):
    with pytest.raises(wire.Unsupported):
        wire.encode(value)
    left, right = socket.socketpair()
    protocol.send_to_sandbox(left, value)
    back = protocol.recv_from_judge(right, 1 << 20)
    assert type(back) is type(value)


def _frame(skeleton, blob: bytes = b"") -> bytes:
    text = json.dumps(skeleton).encode()
    return b"W" + struct.pack("!I", len(text)) + text + blob


@pytest.mark.parametrize(
    "frame",
    [
        _frame({"tensor": ["float32", [4], [1], 0, 0, 8, False]}, b"\0" * 8),  # the view needs 4 elements, 2 sent
        _frame({"tensor": ["float32", [2], [1], 0, 0, 8, False]}, b"\0" * 4),  # bytes missing
        _frame({"tensor": ["float32", [2], [-1], 0, 0, 8, False]}, b"\0" * 8),  # negative stride
        _frame({"tensor": ["float32", [2], [1], 1, 0, 8, False]}, b"\0" * 8),  # offset past the end
        _frame({"tensor": ["object", [1], [1], 0, 0, 8, False]}, b"\0" * 8),
        _frame({"tensor": ["float32", [1], [1], 0, 0, 6, False]}, b"\0" * 6),  # not whole elements
        _frame({"pickle": "cos\nsystem\n"}),
        _frame({"a": 1, "b": 2}),
        _frame({"dict": [[1.5, 1]]}),
        _frame({"dtype": "__class__"}),
        _frame(json.loads("[" * 100 + "]" * 100)),
        b"W\x00\x00\x00\x09{not json",
        b"X" + b"anything",
    ],
)
def test_malformed_frames_are_refused(frame):
    with pytest.raises(protocol.ProtocolError, match="unreadable frame"):
        protocol.loads(frame)


def test_a_bool_tensor_arrives_holding_only_true_and_false():
    back = protocol.loads(_frame({"tensor": ["bool", [3], [1], 0, 0, 3, False]}, b"\x00\x07\x01"))
    assert back.tolist() == [False, True, True] and torch.equal(back, torch.tensor([False, True, True]))


def test_tensors_that_share_memory_arrive_sharing_it():
    x = torch.arange(6.0)
    left, right = socket.socketpair()
    protocol.send_to_sandbox(left, (x, x.reshape(2, 3).t()))
    a, b = protocol.recv_from_judge(right, 1 << 20)
    a.add_(1)
    assert torch.equal(b, (x + 1).reshape(2, 3).t())


def _torch_frame(value) -> bytes:
    import io

    buffer = io.BytesIO()
    torch.save(value, buffer)
    return b"T" + buffer.getvalue()


@pytest.mark.parametrize(
    "frame",
    [
        # 8 bytes viewed as 2**27 float64 elements (a stride of 0): a gigabyte for the first op that copies it
        _frame({"tensor": ["float64", [1 << 27], [0], 0, 0, 8, False]}, b"\0" * 8),
        # one 256 KB storage viewed whole by 100 tensors: 25 MB from a frame of 260 KB
        _frame([{"tensor": ["float32", [1 << 16], [1], 0, 0, 1 << 18, False]}] * 100, b"\0" * (1 << 18)),
        _torch_frame(torch.zeros(1, dtype=torch.float64).expand(1 << 27)),
    ],
    ids=["stride-0-wire", "shared-views-wire", "stride-0-torch"],
)
def test_tensors_may_not_span_more_than_the_frame_brought(frame):
    with pytest.raises(protocol.ProtocolError, match="spanning more than"):
        protocol.loads(frame)


def test_a_skeleton_of_too_many_values_is_refused_before_it_is_parsed():
    with pytest.raises(protocol.ProtocolError, match=r"more than \d+ values"):
        protocol.loads(_frame([[]] * wire.MAX_VALUES))


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: torch.eye(2).to_sparse(), "layout torch.sparse_coo"),
        (lambda: torch.empty(3, device="meta"), "device meta"),
        (lambda: torch.nested.nested_tensor([torch.ones(2), torch.ones(3)]), "nested layout"),
        (lambda: torch.nn.Parameter(torch.ones(2)), "Parameter"),
        (lambda: {"a", "set"}, "set"),
        (lambda: json.loads("[" * 100 + "]" * 100), "nested more than"),
    ],
    ids=["sparse", "meta", "nested", "parameter", "set", "deep"],
)
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_torch_save_frames_hold_only_plain_values_and_dense_tensors(make, named):
    with pytest.raises(protocol.ProtocolError, match=named):
        protocol.loads(_torch_frame(make()))


def test_a_torch_save_frame_with_a_compressed_member_is_refused():
    import io
    import zipfile

    plain = io.BytesIO(_torch_frame(torch.ones(4))[1:])
    packed = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, source.read(member))
    with pytest.raises(protocol.ProtocolError, match="compressed"):
        protocol.loads(b"T" + packed.getvalue())


def test_a_child_that_died_after_answering_is_a_closed_peer():
    left, right = socket.socketpair()
    right.close()
    with pytest.raises(protocol.PeerClosed):
        protocol.send_to_sandbox(left, {"op": "call"})
