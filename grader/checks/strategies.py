"""Hypothesis strategies for tensors, composed from small named pieces like `hypothesis.extra.numpy`.

Defaults are chosen to catch beginner mistakes and to read well in a report: distinct sizes for
distinct dims (a missing transpose cannot pass on a square input), bounded finite values on a
grid of 1/16 (exact in float32, so every correct formula agrees and a counterexample prints as
`tensor([0.5000, -1.2500])`), and layouts that are not always contiguous (a `.view` on a
transposed input fails).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Literal

import torch
from hypothesis import strategies as st

Layout = Literal["contiguous", "noncontiguous", "any"]

GRID = 16

# Strategies built while drawing are cached: building and validating one costs more than the draw
# itself, and a cached strategy draws exactly what a fresh one would. Bounded, since a check may
# pass a new `elements` strategy on every call.
_cached = functools.lru_cache(maxsize=1024)


def _side_cap(ndim: int, min_side: int, max_side: int, max_elements: int) -> int:
    # Keep the element count near max_elements while leaving room for ndim distinct sizes.
    if ndim == 0:
        return max_side
    return max(min_side + ndim - 1, min(max_side, int(max_elements ** (1 / ndim))))


def shapes(
    *,
    min_dims: int = 1,
    max_dims: int = 3,
    min_side: int = 1,
    max_side: int = 6,
    max_elements: int = 64,
    distinct: bool = True,
) -> st.SearchStrategy[tuple[int, ...]]:
    """Tensor shapes of at most about `max_elements` elements; with `distinct`, no two dims share a
    size (so a missing transpose or a wrong dim shows)."""

    of_rank = functools.partial(
        _shapes_of_rank, min_side=min_side, max_side=max_side, max_elements=max_elements, distinct=distinct
    )
    return st.integers(min_dims, max_dims).flatmap(of_rank)


@_cached
def _shapes_of_rank(
    n: int, *, min_side: int, max_side: int, max_elements: int, distinct: bool
) -> st.SearchStrategy[tuple[int, ...]]:
    side = st.integers(min_side, _side_cap(n, min_side, max_side, max_elements))
    return st.lists(side, min_size=n, max_size=n, unique=distinct).map(tuple)


def grid_floats(min_value: float = -10.0, max_value: float = 10.0, grid: int = GRID) -> st.SearchStrategy[float]:
    """Floats in [min_value, max_value] that are multiples of 1/grid: exact in float32, short to print."""
    return st.integers(math.ceil(min_value * grid), math.floor(max_value * grid)).map(lambda v: v / grid)


@_cached
def _default_elements(dtype: torch.dtype, min_value: float, max_value: float) -> st.SearchStrategy[Any]:
    if dtype.is_floating_point:
        return grid_floats(min_value, max_value)
    if dtype == torch.bool:
        return st.booleans()
    return st.integers(int(min_value), int(max_value))


@_cached
def _exactly(count: int, elements: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(elements, min_size=count, max_size=count)


def _filled(values: list[Any], shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype).reshape(shape)


@st.composite
def tensors(
    draw: st.DrawFn,
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    dtype: torch.dtype = torch.float32,
    min_value: float = -10.0,
    max_value: float = 10.0,
    layout: Layout = "any",
    elements: st.SearchStrategy[Any] | None = None,
) -> torch.Tensor:
    """Tensors of `dtype` with values in [min_value, max_value] (or drawn from `elements`).

    `layout="noncontiguous"` gives a view whose memory is not contiguous (a transpose for 2+
    dims, every other element otherwise); `"any"` mixes both.
    """
    if shape is None:
        shape = shapes()
    concrete = draw(shape) if isinstance(shape, st.SearchStrategy) else tuple(shape)
    elements = elements if elements is not None else _default_elements(dtype, min_value, max_value)
    strided = layout == "noncontiguous" or (layout == "any" and draw(st.booleans()))
    count = math.prod(concrete)
    if not strided or count == 0:
        return _filled(draw(_exactly(count, elements)), concrete, dtype)
    if len(concrete) >= 2:
        # Stored with the last two dims swapped, then swapped back: a transposed view.
        stored = (*concrete[:-2], concrete[-1], concrete[-2])
        base = _filled(draw(_exactly(count, elements)), stored, dtype)
        return base.transpose(-1, -2)
    # Every other element of a buffer twice as long.
    base = _filled(draw(_exactly(2 * count, elements)), (2 * count,), dtype)
    return base[::2].reshape(concrete) if concrete else base[::2].reshape(())


def dims(ndim: int) -> st.SearchStrategy[int]:
    """A valid dimension index for an `ndim`-dimensional tensor, negative ones included."""
    return st.integers(-ndim, ndim - 1)
