"""Exercise 3 end to end: the reference scores full marks, the stubs zero, other correct solutions full marks too,
and plausible wrong answers are caught and named."""

from __future__ import annotations

import textwrap

import pytest

from tests.helpers import assert_all_not_implemented, assert_caught, failing, reference_with, summary

LEN = "return max(0, len(self.series) - self.window)\n"
BOUNDS = """
if i < 0:
    i += len(self)
if not 0 <= i < len(self):
    raise IndexError(i)
"""
ITEM = "return self.series[i : i + self.window], self.series[i + self.window]\n"


def _window_dataset(length: str, getitem: str) -> str:
    """The source of a WindowDataset with these bodies for __len__ and __getitem__."""

    def body(code: str) -> str:
        return textwrap.indent(textwrap.dedent(code).strip("\n"), " " * 8)

    return (
        "class WindowDataset(Dataset):\n"
        "    def __init__(self, series, window):\n        self.series = series\n        self.window = window\n\n"
        f"    def __len__(self):\n{body(length)}\n\n"
        f"    def __getitem__(self, i):\n{body(getitem)}\n"
    )


# (task, variant, replacement source, words the diagnosis or message must contain)
WRONG = [
    (
        "WindowDataset",
        "one item too many",
        _window_dataset("return len(self.series) - self.window + 1", BOUNDS + ITEM),
        "len is one too large",
    ),
    (
        "WindowDataset",
        "negative length for a short series",
        _window_dataset("return len(self.series) - self.window", BOUNDS + ITEM),
        "max(0, len(series) - window)",
    ),
    (
        "WindowDataset",
        "no range check: negative indices slice from the end",
        _window_dataset(LEN, ITEM),
        "add len(self) to a negative i before slicing",
    ),
    (
        "WindowDataset",
        "negative indices wrapped once, no lower bound",
        _window_dataset(
            LEN,
            """
if i < 0:
    i += len(self)
if i >= len(self):
    raise IndexError(i)
return self.series[i : i + self.window], self.series[i + self.window]
""",
        ),
        "an index below -len(ds) must raise IndexError",
    ),
    (
        "WindowDataset",
        "negative indices rejected",
        _window_dataset(
            LEN,
            """
if not 0 <= i < len(self):
    raise IndexError(i)
return self.series[i : i + self.window], self.series[i + self.window]
""",
        ),
        "ds[-1] is the last item",
    ),
    (
        "WindowDataset",
        "target as a slice of length 1",
        _window_dataset(
            LEN,
            BOUNDS
            + """
return self.series[i : i + self.window], self.series[i + self.window : i + self.window + 1]
""",
        ),
        "must be a 0-dim tensor",
    ),
    (
        "WindowDataset",
        "ValueError instead of IndexError",
        _window_dataset(
            LEN,
            """
if i < 0:
    i += len(self)
if not 0 <= i < len(self):
    raise ValueError(f"index {i} out of range")
return self.series[i : i + self.window], self.series[i + self.window]
""",
        ),
        "must raise IndexError (not another exception)",
    ),
    (
        "WindowDataset",
        "indices wrap around: a for loop never ends",
        _window_dataset(
            LEN,
            """
i = i % max(1, len(self))
return self.series[i : i + self.window], self.series[i + self.window]
""",
        ),
        "never ended",
    ),
    (
        "pad_collate",
        "padded on the left",
        """
def pad_collate(batch):
    width = max(len(seq) for seq, _ in batch)
    padded = torch.zeros(len(batch), width)
    for row, (seq, _) in enumerate(batch):
        padded[row, width - len(seq) :] = seq
    lengths = torch.tensor([len(seq) for seq, _ in batch])
    return padded, lengths, torch.tensor([label for _, label in batch])
""",
        "padding is on the left",
    ),
    (
        "pad_collate",
        "pad_sequence without batch_first",
        """
def pad_collate(batch):
    padded = torch.nn.utils.rnn.pad_sequence([seq for seq, _ in batch])
    lengths = torch.tensor([len(seq) for seq, _ in batch])
    return padded, lengths, torch.tensor([label for _, label in batch])
""",
        "batch_first=True",
    ),
    (
        "pad_collate",
        "padding value -1",
        """
def pad_collate(batch):
    padded = torch.nn.utils.rnn.pad_sequence([seq for seq, _ in batch], batch_first=True, padding_value=-1.0)
    lengths = torch.tensor([len(seq) for seq, _ in batch])
    return padded, lengths, torch.tensor([label for _, label in batch])
""",
        "the padding is not 0.0",
    ),
    (
        "pad_collate",
        "torch.Tensor makes float lengths and labels",
        """
def pad_collate(batch):
    padded = torch.nn.utils.rnn.pad_sequence([seq for seq, _ in batch], batch_first=True)
    lengths = torch.Tensor([len(seq) for seq, _ in batch])
    return padded, lengths, torch.Tensor([label for _, label in batch])
""",
        "torch.Tensor([...]) always makes float32",
    ),
    (
        "pad_collate",
        "torch.stack on sequences of different lengths",
        """
def pad_collate(batch):
    padded = torch.stack([seq for seq, _ in batch])
    lengths = torch.tensor([len(seq) for seq, _ in batch])
    return padded, lengths, torch.tensor([label for _, label in batch])
""",
        "torch.stack needs equal lengths",
    ),
    (
        "pad_collate",
        "sorted by length, as for pack_padded_sequence",
        """
def pad_collate(batch):
    batch = sorted(batch, key=lambda item: len(item[0]), reverse=True)
    padded = torch.nn.utils.rnn.pad_sequence([seq for seq, _ in batch], batch_first=True)
    lengths = torch.tensor([len(seq) for seq, _ in batch])
    return padded, lengths, torch.tensor([label for _, label in batch])
""",
        "the rows are sorted by length",
    ),
    (
        "pad_collate",
        "labels and lengths swapped",
        """
def pad_collate(batch):
    padded = torch.nn.utils.rnn.pad_sequence([seq for seq, _ in batch], batch_first=True)
    lengths = torch.tensor([len(seq) for seq, _ in batch])
    return padded, torch.tensor([label for _, label in batch]), lengths
""",
        "lengths and labels are swapped",
    ),
    (
        "make_loader",
        "torch.manual_seed",
        """
def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    torch.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=collate_fn)
""",
        "changed the global torch RNG",
    ),
    (
        "make_loader",
        "a generator only when shuffling",
        """
def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, collate_fn=collate_fn)
""",
        "even with shuffle=False",
    ),
    (
        "make_loader",
        "one generator shared by every loader",
        """
_GENERATOR = torch.Generator()


def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    _GENERATOR.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=_GENERATOR, collate_fn=collate_fn)
""",
        "two loaders made with the same seed gave different batches",
    ),
    (
        "make_loader",
        "seed ignored",
        """
def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    generator = torch.Generator()
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, collate_fn=collate_fn)
""",
        "different seeds gave the same order",
    ),
    (
        "make_loader",
        "drop_last=True",
        """
def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset, batch_size=batch_size, shuffle=shuffle, generator=generator, collate_fn=collate_fn, drop_last=True
    )
""",
        "the last, shorter batch is missing",
    ),
    (
        "make_loader",
        "sampling with replacement",
        """
def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    generator = torch.Generator().manual_seed(seed)
    sampler = torch.utils.data.RandomSampler(dataset, replacement=True, generator=generator) if shuffle else None
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, generator=generator, collate_fn=collate_fn)
""",
        "some items repeat and others are missing",
    ),
    (
        "make_loader",
        "collate_fn ignored",
        """
def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)
""",
        "collate_fn was not used",
    ),
]

# Correct solutions written differently from the reference: each must score full marks.
OTHER_CORRECT = {
    "unfold, pad_sequence, RandomSampler": """
class WindowDataset(Dataset):
    def __init__(self, series, window):
        count = max(0, len(series) - window)
        self.windows = series.unfold(0, window, 1)[:count] if count else series.new_zeros(0, window)
        self.targets = series[window:]

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.windows[i], self.targets[i]


def pad_collate(batch):
    seqs, labels = zip(*batch)
    padded = torch.nn.utils.rnn.pad_sequence(list(seqs), batch_first=True, padding_value=0.0)
    return padded, torch.tensor([s.numel() for s in seqs], dtype=torch.long), torch.tensor(labels, dtype=torch.long)


def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    generator = torch.Generator()
    generator.manual_seed(seed)
    if shuffle:
        sampler = torch.utils.data.RandomSampler(dataset, generator=generator)
    else:
        sampler = torch.utils.data.SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, collate_fn=collate_fn, generator=generator)
""",
    "a list of items, a loop into zeros, a fixed permutation": """
class WindowDataset(Dataset):
    def __init__(self, series, window):
        self.items = [(series[i : i + window].clone(), series[i + window].clone()) for i in range(len(series) - window)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def pad_collate(batch):
    lengths = [len(seq) for seq, _ in batch]
    padded = torch.zeros((len(batch), max(lengths)), dtype=torch.float32)
    for row, (seq, _) in enumerate(batch):
        for col in range(len(seq)):
            padded[row, col] = seq[col]
    return padded, torch.LongTensor(lengths), torch.LongTensor([label for _, label in batch])


def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(dataset), generator=generator).tolist() if shuffle else list(range(len(dataset)))
    return DataLoader(dataset, batch_size=batch_size, sampler=order, collate_fn=collate_fn, generator=generator)
""",
    "range indexing, F.pad, a sampler of its own": """
import random as _random

import torch.nn.functional as F
from torch.utils.data import Sampler


class WindowDataset(Dataset):
    def __init__(self, series, window):
        self.series = series
        self.window = window
        self.starts = range(max(0, len(series) - window))

    def __len__(self):
        return len(self.starts)

    def __getitem__(self, i):
        start = self.starts[i]
        return self.series[start : start + self.window], self.series[start + self.window]


def pad_collate(batch):
    longest = max(len(seq) for seq, _ in batch)
    padded = torch.stack([F.pad(seq, (0, longest - len(seq))) for seq, _ in batch])
    lengths = torch.as_tensor([len(seq) for seq, _ in batch], dtype=torch.int64)
    labels = torch.as_tensor([label for _, label in batch], dtype=torch.int64)
    return padded, lengths, labels


class _SeededOrder(Sampler):
    def __init__(self, size, shuffle, seed):
        self.size = size
        self.shuffle = shuffle
        self.rng = _random.Random(seed)

    def __len__(self):
        return self.size

    def __iter__(self):
        order = list(range(self.size))
        if self.shuffle:
            self.rng.shuffle(order)
        return iter(order)


def make_loader(dataset, batch_size, shuffle, seed, collate_fn=None):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=_SeededOrder(len(dataset), shuffle, seed),
        collate_fn=collate_fn,
        generator=torch.Generator().manual_seed(seed),
    )
""",
}


def test_reference_scores_full_marks(grade_dir, reference_dir):
    result = grade_dir(reference_dir, exercises=(3,), profile="grading")
    assert failing(result) == []
    assert result.points == result.max_points == 8


def test_stubs_score_zero_with_not_implemented(grade_dir, stubs_dir):
    result = grade_dir(stubs_dir, exercises=(3,))
    assert_all_not_implemented(result)
    dataset_checks = [c for c in result.checks() if c.task == "ex03.WindowDataset"]
    assert all(c.message.en.startswith("WindowDataset.__init__ is not implemented yet") for c in dataset_checks)


@pytest.mark.parametrize("name", sorted(OTHER_CORRECT))
def test_other_correct_solutions_score_full_marks(grade_dir, course, make_submission, name):
    submission = make_submission({"ex03_data.py": reference_with(course, "ex03_data.py", OTHER_CORRECT[name])})
    result = grade_dir(submission, exercises=(3,))
    assert failing(result) == []


@pytest.mark.parametrize(("task", "variant", "source", "expected"), WRONG, ids=[f"{t}: {v}" for t, v, _, _ in WRONG])
def test_plausible_mistake_is_caught_and_named(grade_dir, course, make_submission, task, variant, source, expected):
    submission = make_submission({"ex03_data.py": reference_with(course, "ex03_data.py", source)})
    result = grade_dir(submission, exercises=(3,), tasks={f"ex03.{task}"})
    assert_caught(result, variant, expected)


def test_a_loader_that_seeds_torch_fails_only_on_order_and_rng(grade_dir, course, make_submission):
    source = next(source for _, variant, source, _ in WRONG if variant == "torch.manual_seed")
    submission = make_submission({"ex03_data.py": reference_with(course, "ex03_data.py", source)})
    result = grade_dir(submission, exercises=(3,), tasks={"ex03.make_loader"})
    failing = {c.id.rpartition("::")[2]: c for c in result.checks() if not c.passed}
    assert set(failing) == {"test_loader_same_seed", "test_loader_rng_untouched"}
    assert "RNG" in failing["test_loader_rng_untouched"].diagnosis.en
    assert "RNG" in failing["test_loader_rng_untouched"].diagnosis.ko


def test_same_seed_gives_the_same_result(grade_dir, course, make_submission):
    source = next(
        source for _, variant, source, _ in WRONG if variant == "negative indices wrapped once, no lower bound"
    )
    submission = make_submission({"ex03_data.py": reference_with(course, "ex03_data.py", source)})
    first = grade_dir(submission, exercises=(3,), tasks={"ex03.WindowDataset"}, seed=11)
    second = grade_dir(submission, exercises=(3,), tasks={"ex03.WindowDataset"}, seed=11)

    assert not first.passed
    assert summary(first) == summary(second)
