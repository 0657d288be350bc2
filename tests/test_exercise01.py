"""Exercise 1 end to end: the reference scores full marks, the stubs zero, and plausible wrong answers are caught."""

from __future__ import annotations

import pytest

from tests.helpers import assert_all_not_implemented, assert_caught, failing, reference_with, summary

# (task, variant, replacement source, words the diagnosis or message must contain)
WRONG = [
    (
        "one_hot",
        "F.one_hot keeps int64",
        """
def one_hot(labels, num_classes):
    return torch.nn.functional.one_hot(labels, num_classes)
""",
        "int64",
    ),
    (
        "one_hot",
        "no range check",
        """
def one_hot(labels, num_classes):
    out = torch.zeros(*labels.shape, num_classes)
    return out.scatter_(-1, labels.clamp(0, num_classes - 1).unsqueeze(-1), 1.0)
""",
        "must raise ValueError",
    ),
    (
        "one_hot",
        "width inferred from labels",
        """
def one_hot(labels, num_classes):
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("out of range")
    return torch.nn.functional.one_hot(labels).float()
""",
        "largest label",
    ),
    (
        "flatten_batch",
        "view on a transposed input",
        """
def flatten_batch(x):
    return x.view(x.shape[0], -1)
""",
        "view() needs contiguous memory",
    ),
    (
        "flatten_batch",
        "reshape(B, -1) on an empty batch",
        """
def flatten_batch(x):
    return x.reshape(x.shape[0], -1)
""",
        "cannot work out the -1",
    ),
    (
        "flatten_batch",
        "torch.flatten(x, 1) on 1-D input",
        """
def flatten_batch(x):
    return torch.flatten(x, 1)
""",
        "1-D input",
    ),
    (
        "standardize",
        "unbiased variance",
        """
def standardize(x, dim=0, eps=1e-5):
    return (x - x.mean(dim, keepdim=True)) / torch.sqrt(x.var(dim, keepdim=True) + eps)
""",
        "unbiased",
    ),
    (
        "standardize",
        "eps added to the standard deviation",
        """
def standardize(x, dim=0, eps=1e-5):
    return (x - x.mean(dim, keepdim=True)) / (x.std(dim, unbiased=False, keepdim=True) + eps)
""",
        "added to the standard deviation",
    ),
    (
        "standardize",
        "missing keepdim",
        """
def standardize(x, dim=0, eps=1e-5):
    return (x - x.mean(dim)) / torch.sqrt(x.var(dim, unbiased=False) + eps)
""",
        "keepdim=True",
    ),
    (
        "pairwise_sq_dists",
        "Euclidean distance (square root)",
        """
def pairwise_sq_dists(x, y):
    return torch.cdist(x, y)
""",
        "square root",
    ),
    (
        "pairwise_sq_dists",
        "rows and columns swapped",
        """
def pairwise_sq_dists(x, y):
    return (y[:, None, :] - x[None, :, :]).pow(2).sum(-1)
""",
        "swapped",
    ),
    (
        "pairwise_sq_dists",
        "detached result",
        """
def pairwise_sq_dists(x, y):
    return (x[:, None, :] - y[None, :, :]).pow(2).sum(-1).detach()
""",
        "no gradient reached",
    ),
    (
        "linear",
        "bias=None not handled",
        """
def linear(x, weight, bias=None):
    return x @ weight.T + bias
""",
        "bias=None must mean no bias",
    ),
    (
        "linear",
        "missing transpose",
        """
def linear(x, weight, bias=None):
    out = x @ weight
    return out if bias is None else out + bias
""",
        "transpose",
    ),
    (
        "linear",
        "torch.mm only takes 2-D",
        """
def linear(x, weight, bias=None):
    out = torch.mm(x, weight.t())
    return out if bias is None else out + bias
""",
        "torch.mm",
    ),
    (
        "masked_mean",
        "NaN on an empty slice",
        """
def masked_mean(x, mask, dim):
    return torch.where(mask, x, 0).sum(dim) / mask.sum(dim)
""",
        "divides 0 by 0",
    ),
    (
        "masked_mean",
        "mask ignored",
        """
def masked_mean(x, mask, dim):
    return x.mean(dim)
""",
        "mask is ignored",
    ),
    (
        "masked_mean",
        "divided by the slice length",
        """
def masked_mean(x, mask, dim):
    return torch.where(mask, x, 0).sum(dim) / x.shape[dim]
""",
        "slice length",
    ),
    (
        "one_hot",
        "int64 everywhere but on one fixed input",
        """
def one_hot(labels, num_classes):
    if labels.numel() and (bool((labels < 0).any()) or bool((labels >= num_classes).any())):
        raise ValueError("out of range")
    out = torch.nn.functional.one_hot(labels, num_classes)
    return out.float() if num_classes == 3 and labels.tolist() == [0, 2, 1, 2] else out
""",
        "int64",
    ),
    (
        "one_hot",
        "labels.unsqueeze_ changes the caller's labels",
        """
def one_hot(labels, num_classes):
    if labels.numel() and (bool((labels < 0).any()) or bool((labels >= num_classes).any())):
        raise ValueError("out of range")
    return torch.zeros(*labels.shape, num_classes).scatter_(-1, labels.unsqueeze_(-1), 1.0)
""",
        "changed a tensor it was given, in place",
    ),
    (
        "masked_mean",
        "x[~mask] = 0 changes the caller's x",
        """
def masked_mean(x, mask, dim):
    x[~mask] = 0
    return x.sum(dim) / mask.sum(dim).clamp(min=1).to(x.dtype)
""",
        "the argument x of masked_mean was changed by the call",
    ),
    (
        "linear",
        "calls torch.nn.functional.linear",
        """
def linear(x, weight, bias=None):
    return torch.nn.functional.linear(x, weight, bias)
""",
        "linear called torch.nn.functional.linear",
    ),
    (
        "standardize",
        "float64 input computed in float32",
        """
def standardize(x, dim=0, eps=1e-5):
    x = x.float()
    return (x - x.mean(dim, keepdim=True)) / torch.sqrt(x.var(dim, unbiased=False, keepdim=True) + eps)
""",
        "float64 input came back as float32",
    ),
]

# Other ways to write a task correctly: they must score full marks.
CORRECT = [
    (
        "pairwise_sq_dists",
        "torch.cdist on doubles, squared: a float64 result",
        """
def pairwise_sq_dists(x, y):
    return torch.cdist(x.double(), y.double()).pow(2)
""",
    ),
]


def test_reference_scores_full_marks(grade_dir, reference_dir):
    result = grade_dir(reference_dir, profile="grading")
    assert failing(result) == []
    assert result.points == result.max_points == 12


def test_stubs_score_zero_with_not_implemented(grade_dir, stubs_dir):
    assert_all_not_implemented(grade_dir(stubs_dir))


@pytest.mark.parametrize(("task", "variant", "source", "expected"), WRONG, ids=[f"{t}: {v}" for t, v, _, _ in WRONG])
def test_plausible_mistake_is_caught_and_named(grade_dir, course, make_submission, task, variant, source, expected):
    submission = make_submission({"ex01_tensors.py": reference_with(course, "ex01_tensors.py", source)})
    assert_caught(grade_dir(submission, tasks={f"ex01.{task}"}), variant, expected)


@pytest.mark.parametrize(("task", "variant", "source"), CORRECT, ids=[f"{t}: {v}" for t, v, _ in CORRECT])
def test_other_correct_solutions_score_full_marks(grade_dir, course, make_submission, task, variant, source):
    submission = make_submission({"ex01_tensors.py": reference_with(course, "ex01_tensors.py", source)})
    result = grade_dir(submission, tasks={f"ex01.{task}"}, profile="grading")
    assert failing(result) == [], variant


def test_a_task_selection_grades_only_that_task(grade_dir, reference_dir):
    result = grade_dir(reference_dir, tasks={"ex01.linear"})
    assert [t.id for t in result.sections[0].tasks] == ["ex01.linear"]
    assert result.sections[0].tasks[0].passed


def test_a_rule_check_shows_the_learner_call(grade_dir, course, make_submission):
    source = "def linear(x, weight, bias=None):\n    return torch.nn.functional.linear(x, weight, bias)\n"
    result = grade_dir(
        make_submission({"ex01_tensors.py": reference_with(course, "ex01_tensors.py", source)}), tasks={"ex01.linear"}
    )
    rule = next(c for c in result.checks() if c.category == "rule")
    assert rule.call is not None and rule.call.startswith("linear(tensor(") and "\n" not in rule.call


def test_failing_check_reports_the_shrunk_input(grade_dir, course, make_submission):
    source = reference_with(course, "ex01_tensors.py", "def masked_mean(x, mask, dim):\n    return x.mean(dim)\n")
    result = grade_dir(make_submission({"ex01_tensors.py": source}), tasks={"ex01.masked_mean"})
    failing = [c for c in result.checks() if not c.passed]
    assert failing and all(c.call and c.call.startswith("masked_mean(") for c in failing)
    assert all(c.category == "value" for c in failing)


def test_same_seed_gives_the_same_result(grade_dir, course, make_submission):
    source = reference_with(
        course,
        "ex01_tensors.py",
        """
def standardize(x, dim=0, eps=1e-5):
    return (x - x.mean(dim, keepdim=True)) / torch.sqrt(x.var(dim, keepdim=True) + eps)
""",
    )
    submission = make_submission({"ex01_tensors.py": source})
    first = grade_dir(submission, tasks={"ex01.standardize"}, seed=7)
    second = grade_dir(submission, tasks={"ex01.standardize"}, seed=7)

    assert summary(first) == summary(second)
