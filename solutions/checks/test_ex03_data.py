"""Hidden checks for exercise 3 — data.

A Dataset and a DataLoader live in the sandbox; the scenarios in `solutions/probes/ex03_data.py`
use them there and send back plain values (lengths, items, batches as lists of ints, which
global generators moved), which are compared here with what the reference gives. The shuffled
order itself is never compared with the reference's: any order that is reproducible from the
seed is correct.
"""

from __future__ import annotations

from typing import Any

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checks import (
    Mistake,
    check,
    expect_close,
    expect_equal,
    expect_type,
    explain_raise,
    fail,
    tensors,
)
from grader.i18n import Text


def _text(en: str, ko: str) -> Text:
    return Text(en=en, ko=ko)


# == WindowDataset ==============================================================================
ONE_TOO_MANY = Mistake(
    en="len is one too large: the last window needs a value after it as its target, so there are len(series) - window "
    "items",
    ko="len이 하나 큽니다: 마지막 윈도 뒤에도 타깃이 될 값이 있어야 하므로 항목 수는 len(series) - window입니다",
)
NEGATIVE_LENGTH = Mistake(
    en="a series shorter than the window has no items, and len must never be negative: max(0, len(series) - window)",
    ko="윈도보다 짧은 시계열에는 항목이 없고, len은 음수가 될 수 없습니다: max(0, len(series) - window)",
)
SHIFTED_WINDOW = Mistake(
    en="the window starts one step late: item i's window is series[i : i + window]",
    ko="윈도가 한 칸 늦게 시작합니다: 항목 i의 윈도는 series[i : i + window]입니다",
)
WINDOW_TOO_LONG = Mistake(
    en="the window includes its target: series[i : i + window] stops just before index i + window",
    ko="윈도에 타깃이 들어 있습니다: series[i : i + window]는 인덱스 i + window 바로 앞에서 멈춥니다",
)
TARGET_IS_A_SLICE = Mistake(
    en="the target must be a 0-dim tensor: index with series[i + window], not a slice like series[i + window : ...]",
    ko="타깃은 0차원 텐서여야 합니다: series[i + window : ...] 같은 슬라이스가 아니라 series[i + window]로 "
    "인덱싱하세요",
)
TARGET_INSIDE_WINDOW = Mistake(
    en="the target is the value right after the window, series[i + window], not the window's last value",
    ko="타깃은 윈도의 마지막 값이 아니라 윈도 바로 다음 값인 series[i + window]입니다",
)
NEGATIVE_NOT_WRAPPED = Mistake(
    en="negative indices count from the end, like a list's: add len(self) to a negative i before slicing",
    ko="음수 인덱스는 리스트처럼 끝에서부터 셉니다: 슬라이스하기 전에 음수 i에 len(self)를 더하세요",
)
NEGATIVE_REJECTED = Mistake(
    en="negative indices must work like a list's: ds[-1] is the last item, so add len(self) to a negative i",
    ko="음수 인덱스도 리스트처럼 동작해야 합니다: ds[-1]은 마지막 항목이니 음수 i에 len(self)를 더하세요",
)
NO_UPPER_CHECK = Mistake(
    en="an index >= len(ds) must raise IndexError: check 0 <= i < len(self) yourself before slicing",
    ko="len(ds) 이상의 인덱스에는 IndexError가 나야 합니다: 슬라이스하기 전에 0 <= i < len(self)를 직접 확인하세요",
)
NO_LOWER_CHECK = Mistake(
    en="an index below -len(ds) must raise IndexError: after adding len(self) it is still negative, and slicing with "
    "it "
    "silently gives a wrong window",
    ko="-len(ds)보다 작은 인덱스에는 IndexError가 나야 합니다: len(self)를 더해도 여전히 음수이고, 그대로 슬라이스하면 "
    "조용히 틀린 윈도가 나옵니다",
)
WRONG_ERROR = Mistake(
    en="out-of-range indices must raise IndexError (not another exception): a for loop and Python's sequence "
    "protocol stop only on IndexError",
    ko="범위를 벗어난 인덱스에는 (다른 예외가 아니라) IndexError를 일으켜야 합니다: for 문과 파이썬 시퀀스 규약은 "
    "IndexError에서만 멈춥니다",
)
NEVER_STOPS = Mistake(
    en="a for loop over the dataset never ended: past the end __getitem__ must raise IndexError, which is how the "
    "loop knows to stop",
    ko="데이터셋을 도는 for 문이 끝나지 않았습니다: 끝을 넘으면 __getitem__이 IndexError를 일으켜야 for 문이 멈춥니다",
)
LEN_RAISES = {"should return >= 0": NEGATIVE_LENGTH}


def _series(length: int) -> st.SearchStrategy[torch.Tensor]:
    return tensors((length,), min_value=-10, max_value=10, layout="contiguous")


@st.composite
def series_and_window(draw: st.DrawFn, shorter: bool = True):
    """(series, window); with `shorter`, the series may be shorter than the window (no items)."""
    window = draw(st.integers(1, 5), label="window")
    length = draw(st.integers(0 if shorter else window + 1, 12), label="len(series)")
    return draw(_series(length), label="series"), window


def _expect_item(got: dict[str, Any], expected: tuple[torch.Tensor, torch.Tensor], i: int, mistakes) -> None:
    """Item `i` as the scenario reported it, against the reference's (window, target)."""
    __tracebackhide__ = True
    if "raised" in got:
        diagnosis = NEGATIVE_REJECTED if i < 0 else None
        fail(
            "exception",
            _text(
                f"ds[{i}] raised {got['raised']}: {got['message']}",
                f"ds[{i}]에서 {got['raised']} 예외가 발생했습니다: {got['message']}",
            ),
            diagnosis,
        )
    item = got["item"]
    expect_type(item, (tuple, list), what=_text(f"ds[{i}]", f"ds[{i}]"))
    if len(item) != 2:
        fail(
            "type",
            _text(
                f"ds[{i}] has {len(item)} parts; expected 2: (window, target)",
                f"ds[{i}]가 {len(item)}개로 이루어져 있습니다. 기댓값: (window, target) 2개",
            ),
        )
    window, target = expected
    expect_close(
        item[0],
        window,
        what=_text(f"the window of ds[{i}]", f"ds[{i}]의 윈도"),
        mistakes=[(mistake, lambda candidate=candidate: candidate[0]) for mistake, candidate in mistakes],
    )
    expect_close(
        item[1],
        target,
        what=_text(f"the target of ds[{i}]", f"ds[{i}]의 타깃"),
        mistakes=[(mistake, lambda candidate=candidate: candidate[1]) for mistake, candidate in mistakes],
    )


def _item_mistakes(series: torch.Tensor, window: int, i: int, n: int):
    """What item i would be under each mistake (i as given, possibly negative)."""
    j = i + n if i < 0 else i
    wrapped = [
        (SHIFTED_WINDOW, (series[j + 1 : j + 1 + window], series[j + window])),
        (WINDOW_TOO_LONG, (series[j : j + window + 1], series[j + window])),
        (TARGET_IS_A_SLICE, (series[j : j + window], series[j + window : j + window + 1])),
        (TARGET_INSIDE_WINDOW, (series[j : j + window], series[j + window - 1])),
    ]
    if i < 0:
        raw = (series[i : i + window], series[i + window]) if -len(series) <= i + window < len(series) else None
        if raw is not None:
            wrapped.insert(0, (NEGATIVE_NOT_WRAPPED, raw))
    return wrapped


SERIES = torch.tensor([0.5, 1.0, -2.0, 3.5, 4.0, -0.25, 6.0])


@check(
    "ex03.WindowDataset",
    "len is len(series) - window, and 0 for a series no longer than the window",
    "len은 len(series) - window이고, 윈도보다 길지 않은 시계열이면 0",
)
@given(series_and_window())
@example((SERIES, 3))
@example((SERIES[:4], 4))
@example((SERIES[:2], 5))
def test_window_len(learner, reference, case):
    series, window = case
    expected = reference.probe("window_items", series=series, window=window, indices=[])["len"]
    with explain_raise(LEN_RAISES):
        got = learner.probe("window_items", series=series, window=window, indices=[])["len"]
    expect_equal(
        got,
        expected,
        what=_text("len(dataset)", "len(dataset)"),
        mistakes=[(ONE_TOO_MANY, lambda: len(series) - window + 1)],
    )


@check(
    "ex03.WindowDataset",
    "item i is (series[i : i + window], series[i + window]) for every i",
    "모든 i에 대해 항목 i는 (series[i : i + window], series[i + window])",
    weight=2,
)
@given(series_and_window(shorter=False))
@example((SERIES, 3))
def test_window_items(learner, reference, case):
    series, window = case
    n = len(series) - window
    indices = list(range(n))
    expected = reference.probe("window_items", series=series, window=window, indices=indices)["items"]
    with explain_raise(LEN_RAISES):
        got = learner.probe("window_items", series=series, window=window, indices=indices)["items"]
    for i, (mine, theirs) in enumerate(zip(got, expected, strict=True)):
        _expect_item(mine, theirs["item"], i, _item_mistakes(series, window, i, n))


@check("ex03.WindowDataset", "negative indices count from the end", "음수 인덱스는 끝에서부터 셈")
@given(series_and_window(shorter=False))
@example((SERIES, 3))
def test_window_negative(learner, reference, case):
    series, window = case
    n = len(series) - window
    indices = list(range(-1, -n - 1, -1))
    expected = reference.probe("window_items", series=series, window=window, indices=indices)["items"]
    with explain_raise(LEN_RAISES):
        got = learner.probe("window_items", series=series, window=window, indices=indices)["items"]
    for i, mine, theirs in zip(indices, got, expected, strict=True):
        _expect_item(mine, theirs["item"], i, _item_mistakes(series, window, i, n))


@check(
    "ex03.WindowDataset",
    "IndexError past either end (i >= len, i < -len)",
    "양쪽 끝을 넘으면 IndexError (i >= len, i < -len)",
)
@given(series_and_window(), st.integers(0, 3))
@example((SERIES, 3), 0)
@example((SERIES, 2), 1)
@example((SERIES[:2], 5), 0)
def test_window_out_of_range(learner, reference, case, beyond):
    series, window = case
    n = max(0, len(series) - window)
    indices = [n + beyond, -n - 1 - beyond]
    with explain_raise(LEN_RAISES):
        got = learner.probe("window_items", series=series, window=window, indices=indices)["items"]
    for i, outcome, missing_check in zip(indices, got, (NO_UPPER_CHECK, NO_LOWER_CHECK), strict=True):
        if "raised" not in outcome:
            fail(
                "exception",
                _text(
                    f"ds[{i}] returned an item, but the dataset has {n} items: expected IndexError",
                    f"데이터셋의 항목은 {n}개인데 ds[{i}]가 항목을 반환했습니다: IndexError가 나야 합니다",
                ),
                missing_check,
            )
        if not outcome["index_error"]:
            fail(
                "exception",
                _text(
                    f"ds[{i}] raised {outcome['raised']}: {outcome['message']}; expected IndexError",
                    f"ds[{i}]에서 {outcome['raised']} 예외가 발생했습니다: {outcome['message']}. "
                    "IndexError가 나야 합니다",
                ),
                WRONG_ERROR,
            )


@check(
    "ex03.WindowDataset",
    "a plain for loop visits every item once, then stops",
    "단순한 for 문이 모든 항목을 한 번씩 돌고 멈춤",
)
@given(series_and_window())
@example((SERIES, 3))
@example((SERIES[:2], 5))
def test_window_for_loop(learner, reference, case):
    series, window = case
    n = max(0, len(series) - window)
    cap = n + 3
    expected = reference.probe("window_loop", series=series, window=window, cap=cap)["items"]
    with explain_raise(LEN_RAISES):
        got = learner.probe("window_loop", series=series, window=window, cap=cap)
    if not got["stopped"]:
        fail(
            "value",
            _text(
                f"`for item in ds` went on past {cap} items, but the dataset has {n}",
                f"데이터셋의 항목은 {n}개인데 `for item in ds`가 {cap}개를 넘어 계속되었습니다",
            ),
            NEVER_STOPS,
        )
    if "raised" in got:
        fail(
            "exception",
            _text(
                f"`for item in ds` ended with {got['raised']} after {len(got['items'])} items instead of stopping",
                f"`for item in ds`가 항목 {len(got['items'])}개 뒤 멈추지 않고 {got['raised']} 예외로 끝났습니다",
            ),
            WRONG_ERROR,
        )
    expect_equal(
        len(got["items"]),
        n,
        what=_text("the number of items a for loop visits", "for 문이 도는 항목 수"),
        mistakes=[(ONE_TOO_MANY, lambda: n + 1)],
    )
    for i, (mine, theirs) in enumerate(zip(got["items"], expected, strict=True)):
        _expect_item({"item": mine}, theirs, i, _item_mistakes(series, window, i, n))


# == pad_collate ================================================================================
LEFT_PADDED = Mistake(
    en="the padding is on the left: each row starts with its sequence and the zeros go after it (right padding)",
    ko="패딩이 왼쪽에 있습니다: 각 행은 시퀀스로 시작하고 0은 그 뒤(오른쪽)에 와야 합니다",
)
NOT_BATCH_FIRST = Mistake(
    en="the result is (L_max, B): pad_sequence puts the batch second unless batch_first=True",
    ko="결과가 (L_max, B)입니다: pad_sequence는 batch_first=True가 아니면 배치를 두 번째 차원에 둡니다",
)
PAD_NOT_ZERO = Mistake(
    en="the sequences are in place but the padding is not 0.0: start from torch.zeros (torch.empty leaves garbage), "
    "or pass padding_value=0.0",
    ko="시퀀스는 제자리에 있지만 패딩이 0.0이 아닙니다: torch.zeros로 시작하세요 (torch.empty는 쓰레기 값을 남깁니다). "
    "또는 padding_value=0.0을 넘기세요",
)
FLOAT_INTEGERS = Mistake(
    en="torch.Tensor([...]) always makes float32: use torch.tensor([...], dtype=torch.int64) for lengths and labels",
    ko="torch.Tensor([...])는 항상 float32를 만듭니다: lengths와 labels에는 torch.tensor([...], dtype=torch.int64)를 "
    "쓰세요",
)
SWAPPED_OUTPUTS = Mistake(
    en="lengths and labels are swapped: return (padded, lengths, labels) in this order",
    ko="lengths와 labels의 순서가 바뀌었습니다: (padded, lengths, labels) 순서로 반환하세요",
)
SORTED_BY_LENGTH = Mistake(
    en="the rows are sorted by length: keep the batch order, so that row i, lengths[i] and labels[i] are item i",
    ko="행이 길이순으로 정렬되었습니다: 배치 순서를 그대로 두어 행 i, lengths[i], labels[i]가 항목 i가 되게 하세요",
)
STACK_UNEQUAL = Mistake(
    en="torch.stack needs equal lengths: pad every sequence to L_max first (pad_sequence, or a zeros tensor filled row "
    "by row)",
    ko="torch.stack은 길이가 같아야 합니다: 먼저 모든 시퀀스를 L_max로 채우세요 (pad_sequence나 0 텐서에 행마다 복사)",
)
COLLATE_RAISES = {"stack expects each tensor to be equal size": STACK_UNEQUAL}


@st.composite
def batches(draw: st.DrawFn, lengths: st.SearchStrategy[list[int]] | None = None):
    """A list of (float32 sequence, int label) pairs."""
    if lengths is None:
        size = draw(st.integers(1, 5), label="B")
        lengths = st.lists(st.integers(1, 6), min_size=size, max_size=size)
    sizes = draw(lengths, label="lengths")
    seqs = [draw(_series(size), label="seq") for size in sizes]
    labels = draw(st.lists(st.integers(0, 9), min_size=len(sizes), max_size=len(sizes)), label="labels")
    return list(zip(seqs, labels, strict=True))


@st.composite
def edge_batches(draw: st.DrawFn):
    """One sequence; all of one length; some empty; all empty."""
    kind = draw(st.sampled_from(["one", "equal", "some empty", "all empty"]), label="kind")
    size = draw(st.integers(2, 4))
    if kind == "one":
        lengths = st.lists(st.integers(0, 6), min_size=1, max_size=1)
    elif kind == "equal":
        lengths = st.integers(1, 5).map(lambda n: [n] * size)
    elif kind == "some empty":
        lengths = st.lists(st.integers(0, 4), min_size=size, max_size=size).map(lambda ls: [0, *ls[1:], 3])
    else:
        lengths = st.just([0] * size)
    return draw(batches(lengths))


def _by_length(batch) -> list:
    return sorted(batch, key=lambda item: len(item[0]), reverse=True)


def _left_padded(batch) -> torch.Tensor:
    width = max(len(seq) for seq, _ in batch)
    return torch.stack([torch.cat([torch.zeros(width - len(seq)), seq]) for seq, _ in batch])


def _collated(learner, batch) -> tuple[Any, Any, Any]:
    __tracebackhide__ = True
    with explain_raise(COLLATE_RAISES):
        got = learner.pad_collate(batch)
    expect_type(got, (tuple, list), what=_text("the result of pad_collate", "pad_collate의 결과"))
    if len(got) != 3:
        fail(
            "type",
            _text(
                f"pad_collate returned {len(got)} values; expected 3: (padded, lengths, labels)",
                f"pad_collate가 값 {len(got)}개를 반환했습니다. 기댓값: (padded, lengths, labels) 3개",
            ),
        )
    return got[0], got[1], got[2]


def _expect_output(got, index: int, reference, batch) -> None:
    """Output `index` of pad_collate (0 padded, 1 lengths, 2 labels) against the reference's."""
    __tracebackhide__ = True
    expected = reference.pad_collate(batch)
    mistakes = [(SORTED_BY_LENGTH, lambda: reference.pad_collate(_by_length(batch))[index])]
    if index == 0:
        padded = expected[0]
        inside = torch.arange(padded.shape[1]).unsqueeze(0) < expected[1].unsqueeze(1)
        mistakes += [
            (LEFT_PADDED, lambda: _left_padded(batch)),
            (NOT_BATCH_FIRST, lambda: padded.T),
            (PAD_NOT_ZERO, lambda: torch.where(inside, padded, got)),
        ]
    else:
        mistakes += [(FLOAT_INTEGERS, lambda: expected[index].float()), (SWAPPED_OUTPUTS, lambda: expected[3 - index])]
    name = ("padded", "lengths", "labels")[index]
    expect_close(got, expected[index], what=_text(name, name), mistakes=mistakes)


BATCH = [
    (torch.tensor([1.0, -2.0, 3.0]), 2),
    (torch.tensor([4.0]), 0),
    (torch.tensor([5.5, 6.0]), 1),
]


@check(
    "ex03.pad_collate",
    "padded is (B, L_max) float32, each sequence first, 0.0 after it",
    "padded는 (B, L_max) float32, 각 시퀀스가 먼저 오고 그 뒤는 0.0",
    weight=2,
)
@given(batches())
@example(BATCH)
def test_collate_padded(learner, reference, batch):
    padded, _, _ = _collated(learner, batch)
    _expect_output(padded, 0, reference, batch)


@check("ex03.pad_collate", "lengths: each L_i, as int64", "lengths: 각 L_i, int64")
@given(batches())
@example(BATCH)
def test_collate_lengths(learner, reference, batch):
    _, lengths, _ = _collated(learner, batch)
    _expect_output(lengths, 1, reference, batch)


@check("ex03.pad_collate", "labels in batch order, as int64", "labels: 배치 순서대로, int64")
@given(batches())
@example(BATCH)
def test_collate_labels(learner, reference, batch):
    _, _, labels = _collated(learner, batch)
    _expect_output(labels, 2, reference, batch)


@check(
    "ex03.pad_collate",
    "one sequence, equal lengths, empty sequences",
    "시퀀스 하나, 모두 같은 길이, 빈 시퀀스",
)
@given(edge_batches())
@example([(torch.tensor([]), 3), (torch.tensor([2.0, 1.0]), 4)])
def test_collate_edges(learner, reference, batch):
    for index, got in enumerate(_collated(learner, batch)):
        _expect_output(got, index, reference, batch)


# == make_loader ================================================================================
DROPPED_LAST = Mistake(
    en="the last, shorter batch is missing: keep it (drop_last=False, the default)",
    ko="마지막의 짧은 배치가 없습니다: 그것도 남기세요 (drop_last=False, 기본값)",
)
SHUFFLED_ANYWAY = Mistake(
    en="shuffle=False must keep the dataset's order: pass shuffle=shuffle through to the DataLoader",
    ko="shuffle=False면 데이터셋 순서를 지켜야 합니다: shuffle=shuffle을 DataLoader에 그대로 넘기세요",
)
NOT_A_PERMUTATION = Mistake(
    en="some items repeat and others are missing: shuffle a permutation of the dataset (no sampling with replacement)",
    ko="어떤 항목은 반복되고 어떤 항목은 빠졌습니다: 데이터셋의 순열을 섞으세요 (복원 추출 금지)",
)
NOT_REPRODUCIBLE = Mistake(
    en="two loaders made with the same seed gave different batches: give each DataLoader its own "
    "torch.Generator().manual_seed(seed) as generator= (the global RNG, or one generator shared between loaders, "
    "moves on)",
    ko="같은 시드로 만든 두 로더가 서로 다른 배치를 냈습니다: DataLoader마다 자기 "
    "torch.Generator().manual_seed(seed)를 "
    "generator=로 주세요 (전역 RNG나 로더끼리 공유하는 생성기는 계속 상태가 변합니다)",
)
SEED_IGNORED = Mistake(
    en="different seeds gave the same order: the seed must decide the shuffle (torch.Generator().manual_seed(seed))",
    ko="시드가 달라도 순서가 같습니다: 섞는 순서는 시드로 정해져야 합니다 (torch.Generator().manual_seed(seed))",
)
NOT_SHUFFLED = Mistake(
    en="shuffle=True did not shuffle: the batches come in the dataset's order",
    ko="shuffle=True인데 섞이지 않았습니다: 배치가 데이터셋 순서대로 나옵니다",
)
RNG_WHILE_MAKING = Mistake(
    en="making the loader changed the global torch RNG (torch.manual_seed?): seed a torch.Generator of your own and "
    "pass it as generator=",
    ko="로더를 만들면서 전역 torch RNG를 바꿨습니다 (torch.manual_seed?): 자기만의 torch.Generator에 시드를 주고 "
    "generator=로 넘기세요",
)
RNG_WHILE_ITERATING = Mistake(
    en="iterating the loader drew from the global torch RNG: a DataLoader without generator= takes its base seed "
    "from it, even with shuffle=False, so always pass generator=",
    ko="로더를 순회하면서 전역 torch RNG에서 난수를 뽑았습니다: generator= 없는 DataLoader는 shuffle=False여도 "
    "기준 시드를 거기서 뽑으니, 항상 generator=를 넘기세요",
)
OTHER_RNG = Mistake(
    en="the loader changed Python's random or NumPy's global RNG (random.seed, np.random.seed?): leave them alone and "
    "keep the seed in a torch.Generator",
    ko="로더가 파이썬 random이나 NumPy의 전역 RNG를 바꿨습니다 (random.seed, np.random.seed?): 그대로 두고 "
    "시드는 torch.Generator에 담으세요",
)
COLLATE_IGNORED = Mistake(
    en="collate_fn was not used: pass collate_fn=collate_fn to the DataLoader",
    ko="collate_fn이 쓰이지 않았습니다: DataLoader에 collate_fn=collate_fn을 넘기세요",
)
SEEDS = st.integers(0, 2**31 - 1)


def _flat(epoch: list[Any]) -> list[Any]:
    return [item for batch in epoch for item in (batch if isinstance(batch, list) else [batch])]


def _sizes(epoch: list[Any]) -> list[int]:
    return [len(batch) if isinstance(batch, list) else -1 for batch in epoch]


def _expected_sizes(n: int, batch_size: int) -> list[int]:
    return [min(batch_size, n - start) for start in range(0, n, batch_size)]


def _expect_epoch(epoch: list[Any], n: int, batch_size: int, ordered: bool) -> None:
    """One epoch's batches: every item once, batch sizes kept, the last short one included (and in order)."""
    __tracebackhide__ = True
    expected_sizes = _expected_sizes(n, batch_size)
    full = expected_sizes[:-1] if expected_sizes and expected_sizes[-1] < batch_size else expected_sizes
    what = _text("the batch sizes of one epoch", "한 에포크의 배치 크기")
    expect_equal(_sizes(epoch), expected_sizes, what=what, mistakes=[(DROPPED_LAST, lambda: full)])
    items = _flat(epoch)
    if sorted(items) != list(range(n)):
        fail(
            "value",
            _text(
                f"one epoch gave the items {sorted(items)}; expected each of 0..{n - 1} exactly once",
                f"한 에포크에 나온 항목이 {sorted(items)}입니다. 0..{n - 1}이 정확히 한 번씩 나와야 합니다",
            ),
            NOT_A_PERMUTATION,
        )
    if ordered:
        expect_equal(
            items,
            list(range(n)),
            what=_text("the order of the items", "항목의 순서"),
            mistakes=[(SHUFFLED_ANYWAY, lambda: items)],
        )


@st.composite
def loader_args(draw: st.DrawFn, min_n: int = 1):
    n = draw(st.integers(min_n, 20), label="n")
    return n, draw(st.integers(1, 6), label="batch_size")


@check(
    "ex03.make_loader",
    "shuffle=False keeps the dataset's order, last short batch included",
    "shuffle=False면 데이터셋 순서 그대로, 마지막의 짧은 배치 포함",
    weight=2,
)
@given(loader_args(), SEEDS)
@example((7, 3), 0)
def test_loader_in_order(learner, case, seed):
    n, batch_size = case
    (epoch,) = learner.probe("loader_batches", n=n, batch_size=batch_size, shuffle=False, seed=seed)
    _expect_epoch(epoch, n, batch_size, ordered=True)


@check(
    "ex03.make_loader",
    "shuffle=True: every item exactly once per epoch, last short batch included",
    "shuffle=True: 에포크마다 모든 항목이 정확히 한 번, 마지막의 짧은 배치 포함",
)
@given(loader_args(), SEEDS)
@example((7, 3), 0)
def test_loader_permutes(learner, case, seed):
    n, batch_size = case
    for epoch in learner.probe("loader_batches", n=n, batch_size=batch_size, shuffle=True, seed=seed, epochs=2):
        _expect_epoch(epoch, n, batch_size, ordered=False)


@check(
    "ex03.make_loader",
    "two loaders with the same seed give the same batches, epoch by epoch",
    "같은 시드로 만든 두 로더는 에포크마다 같은 배치를 냄",
    weight=2,
)
@given(loader_args(min_n=4), SEEDS)
@example((10, 3), 0)
def test_loader_same_seed(learner, case, seed):
    n, batch_size = case
    got = learner.probe("two_loaders", n=n, batch_size=batch_size, shuffle=True, seeds=(seed, seed))
    for number, (first, second) in enumerate(zip(got["first"], got["second"], strict=True), start=1):
        if first != second:
            fail(
                "value",
                _text(
                    f"in epoch {number}, the first loader gave {first} and the second {second}",
                    f"에포크 {number}에서 첫 로더는 {first}, 두 번째 로더는 {second}를 냈습니다",
                ),
                NOT_REPRODUCIBLE,
            )


@check("ex03.make_loader", "different seeds give different orders", "시드가 다르면 순서도 다름")
@given(loader_args(min_n=10), SEEDS, SEEDS)
@example((12, 4), 0, 1)
def test_loader_different_seeds(learner, case, seed, other):
    n, batch_size = case
    if seed == other:
        other = seed + 1
    got = learner.probe("two_loaders", n=n, batch_size=batch_size, shuffle=True, seeds=(seed, other), epochs=1)
    first, second = _flat(got["first"][0]), _flat(got["second"][0])
    if first == list(range(n)):
        fail(
            "value",
            _text(
                f"with shuffle=True the items came in order: {first}",
                f"shuffle=True인데 항목이 순서대로 나왔습니다: {first}",
            ),
            NOT_SHUFFLED,
        )
    if first == second:
        fail(
            "value",
            _text(
                f"seeds {seed} and {other} gave the same order: {first}",
                f"시드 {seed}와 {other}가 같은 순서를 냈습니다: {first}",
            ),
            SEED_IGNORED,
        )


@check(
    "ex03.make_loader",
    "making and iterating the loader leave the global RNGs alone (torch, random, numpy)",
    "로더를 만들고 순회해도 전역 RNG(torch, random, numpy)는 그대로",
    weight=2,
)
@given(loader_args(), st.booleans(), SEEDS)
@example((7, 3), True, 2024)
@example((7, 3), False, 2024)
def test_loader_rng_untouched(learner, case, shuffle, seed):
    n, batch_size = case
    got = learner.probe("loader_rng", n=n, batch_size=batch_size, shuffle=shuffle, seed=seed)
    for phase, en, ko, torch_mistake in (
        ("making", "making the loader", "로더 만들기", RNG_WHILE_MAKING),
        ("iterating", "iterating the loader", "로더 순회", RNG_WHILE_ITERATING),
    ):
        moved = got[phase]
        if moved:
            names = ", ".join(moved)
            fail(
                "side_effect",
                _text(
                    f"{en} (shuffle={shuffle}) changed the global RNG state of: {names}",
                    f"{ko}(shuffle={shuffle})가 전역 RNG 상태를 바꿨습니다: {names}",
                ),
                torch_mistake if "torch" in moved else OTHER_RNG,
            )


@check("ex03.make_loader", "collate_fn is passed to the DataLoader", "collate_fn을 DataLoader에 넘김")
def test_loader_collate_fn(learner):
    for shuffle in (False, True):
        got = learner.probe("loader_with_collate", n=7, batch_size=3, shuffle=shuffle, seed=5)
        expected = [{"sum": sum(items), "count": len(items)} for items in got["given"]]
        if not got["given"] or got["batches"] != expected:
            fail(
                "value",
                _text(
                    f"the batches were {got['batches']}, not what collate_fn returned",
                    f"배치가 {got['batches']}였습니다. collate_fn이 반환한 값이 아닙니다",
                ),
                COLLATE_IGNORED,
            )
        _expect_epoch([items for items in got["given"]], 7, 3, ordered=not shuffle)
