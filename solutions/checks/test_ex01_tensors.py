"""Hidden checks for exercise 1 — tensors.

Each test grades one task (`@check`); `learner` calls run in the sandbox, `reference` calls run
here. Every mistake named below is one a beginner plausibly makes; the check that catches it
passes what that mistake would return, so the report can say which one it was.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checks import (
    Mistake,
    check,
    dims,
    expect_close,
    expect_gradients_close,
    expect_raises,
    expect_tensor,
    explain_raise,
    fail,
    grid_floats,
    shapes,
    tensors,
)
from grader.i18n import Text

# Values that are exact in float32 (multiples of 1/4 up to 10): every correct formula, including
# E[x^2] - E[x]^2, then agrees with the reference to the last bit that matters.
QUARTERS = grid_floats(-10, 10, grid=4)


@st.composite
def labelled(draw: st.DrawFn, *, min_dims: int = 1, max_dims: int = 1, min_side: int = 1, spare: int = 0):
    """(labels, num_classes) with labels in [0, num_classes - spare)."""
    num_classes = draw(st.integers(1 + spare, 7 + spare))
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=5))
    labels = draw(
        tensors(shape, dtype=torch.int64, min_value=0, max_value=num_classes - 1 - spare, layout="contiguous")
    )
    return labels, num_classes


# -- one_hot ------------------------------------------------------------------------------------
INT_RESULT = Mistake(
    en="the result is int64: torch.nn.functional.one_hot returns integers, so convert it with .float()",
    ko="결과가 int64입니다: torch.nn.functional.one_hot은 정수를 반환하므로 .float()로 바꾸세요",
)
CLASSES_FIRST = Mistake(
    en="the class dimension must come last: the result is (..., num_classes)",
    ko="클래스 차원은 마지막에 와야 합니다: 결과는 (..., num_classes) 모양입니다",
)
INFERRED_WIDTH = Mistake(
    en="the width follows the largest label instead of num_classes: pass num_classes to one_hot",
    ko="결과의 너비가 num_classes가 아니라 가장 큰 레이블을 따릅니다: one_hot에 num_classes를 넘기세요",
)
NO_RANGE_CHECK = Mistake(
    en="labels outside [0, num_classes) must raise ValueError: check the range yourself before building the result",
    ko="[0, num_classes) 밖의 레이블에는 ValueError를 일으켜야 합니다: 결과를 만들기 전에 범위를 직접 확인하세요",
)


def _one_hot_dtype_mistakes(labels, num_classes):
    """Every one_hot check compares the dtype too, on every example: a dtype check of its own on
    fixed inputs could be told apart from the others by its input."""
    return [(INT_RESULT, lambda: F.one_hot(labels, num_classes))]


@check("ex01.one_hot", "one-hot rows for a 1-D batch of labels", "1차원 레이블 묶음의 원-핫 행", weight=2)
@given(labelled())
@example((torch.tensor([2, 0, 1]), 4))
def test_one_hot_rows(learner, reference, case):
    labels, num_classes = case
    expected = reference.one_hot(labels, num_classes)
    expect_close(
        learner.one_hot(labels, num_classes),
        expected,
        mistakes=[(CLASSES_FIRST, lambda: expected.T), *_one_hot_dtype_mistakes(labels, num_classes)],
    )


@check(
    "ex01.one_hot",
    "float32 rows for labels of any shape: 0-d, 2-d, 3-d and empty",
    "모든 모양의 레이블(0차원, 2차원, 3차원, 빈 텐서)에 대해 float32 행을 반환",
)
@given(labelled(min_dims=0, max_dims=3, min_side=0))
def test_one_hot_any_shape(learner, reference, case):
    labels, num_classes = case
    expect_close(
        learner.one_hot(labels, num_classes),
        reference.one_hot(labels, num_classes),
        mistakes=_one_hot_dtype_mistakes(labels, num_classes),
    )


@check(
    "ex01.one_hot",
    "width is num_classes even when the top classes are absent",
    "상위 클래스가 없어도 너비는 num_classes",
)
@given(labelled(spare=2))
def test_one_hot_width(learner, reference, case):
    labels, num_classes = case
    expect_close(
        learner.one_hot(labels, num_classes),
        reference.one_hot(labels, num_classes),
        mistakes=[(INFERRED_WIDTH, lambda: F.one_hot(labels).float()), *_one_hot_dtype_mistakes(labels, num_classes)],
    )


@st.composite
def one_bad_label(draw: st.DrawFn, too_large: bool):
    """(labels, num_classes) where one label is out of range: too large, or negative."""
    labels, num_classes = draw(labelled())
    labels = labels.clone()
    position = draw(st.integers(0, labels.numel() - 1))
    labels[position] = num_classes + draw(st.integers(0, 3)) if too_large else -draw(st.integers(1, 3))
    return labels, num_classes


@check("ex01.one_hot", "ValueError for a label >= num_classes", "num_classes 이상인 레이블에 ValueError")
@given(one_bad_label(too_large=True))
def test_one_hot_too_large(learner, case):
    labels, num_classes = case
    expect_raises(ValueError, learner.one_hot, labels, num_classes, diagnosis=NO_RANGE_CHECK)


@check("ex01.one_hot", "ValueError for a negative label", "음수 레이블에 ValueError")
@given(one_bad_label(too_large=False))
def test_one_hot_negative(learner, case):
    labels, num_classes = case
    expect_raises(ValueError, learner.one_hot, labels, num_classes, diagnosis=NO_RANGE_CHECK)


# -- flatten_batch ------------------------------------------------------------------------------
VIEW_NEEDS_CONTIGUOUS = Mistake(
    en="view() needs contiguous memory and this input is a transposed view: use reshape() (or .contiguous().view())",
    ko="view()는 연속된 메모리가 필요한데 이 입력은 전치된 뷰입니다: reshape()(또는 .contiguous().view())를 쓰세요",
)
MINUS_ONE_ON_EMPTY = Mistake(
    en="with B == 0, reshape(B, -1) cannot work out the -1: compute the flattened size from x.shape[1:]",
    ko="B == 0이면 reshape(B, -1)은 -1을 계산할 수 없습니다: 펼친 크기를 x.shape[1:]로 직접 계산하세요",
)
ONE_DIM_INPUT = Mistake(
    en="a 1-D input (B,) has nothing to flatten but must still become (B, 1)",
    ko="1차원 입력 (B,)은 펼칠 것이 없지만 (B, 1)이 되어야 합니다",
)
FLATTENED_BATCH = Mistake(
    en="the batch dimension was flattened too: keep dim 0 and flatten only the rest",
    ko="배치 차원까지 펼쳤습니다: 0번 차원은 두고 나머지만 펼치세요",
)
WRONG_ORDER = Mistake(
    en="the elements come out in the wrong order: flatten each sample in row-major order without transposing",
    ko="원소 순서가 다릅니다: 전치 없이 각 샘플을 행 우선(row-major) 순서로 펼치세요",
)
FLATTEN_RAISES = {
    "view size is not compatible": VIEW_NEEDS_CONTIGUOUS,
    "cannot reshape tensor of 0 elements": MINUS_ONE_ON_EMPTY,
    "dimension out of range": ONE_DIM_INPUT,
}


@check("ex01.flatten_batch", "flattens contiguous inputs of 2 to 4 dims", "2~4차원 연속 입력을 펼침", weight=2)
@given(tensors(shapes(min_dims=2, max_dims=4, max_side=5), layout="contiguous"))
def test_flatten_contiguous(learner, reference, x):
    with explain_raise(FLATTEN_RAISES):
        got = learner.flatten_batch(x)
    expect_close(got, reference.flatten_batch(x), mistakes=[(FLATTENED_BATCH, lambda: x.reshape(-1))])


@check("ex01.flatten_batch", "works on a non-contiguous (transposed) input", "연속적이지 않은(전치된) 입력에서도 동작")
@given(tensors(shapes(min_dims=2, max_dims=3, min_side=2, max_side=5), layout="noncontiguous"))
def test_flatten_noncontiguous(learner, reference, x):
    with explain_raise(FLATTEN_RAISES):
        got = learner.flatten_batch(x)
    expect_close(
        got,
        reference.flatten_batch(x),
        mistakes=[(WRONG_ORDER, lambda: x.contiguous().transpose(-1, -2).reshape(x.shape[0], -1))],
    )


@check("ex01.flatten_batch", "a 1-D input (B,) becomes (B, 1)", "1차원 입력 (B,)은 (B, 1)이 됨")
@given(tensors(shapes(min_dims=1, max_dims=1, max_side=6)))
def test_flatten_one_dim(learner, reference, x):
    with explain_raise(FLATTEN_RAISES):
        got = learner.flatten_batch(x)
    expect_close(got, reference.flatten_batch(x), mistakes=[(ONE_DIM_INPUT, lambda: x)])


@check("ex01.flatten_batch", "an empty batch (B = 0) keeps its flattened width", "빈 배치(B = 0)도 펼친 너비를 유지")
@given(st.tuples(st.just(0), st.integers(1, 4), st.integers(1, 4)))
def test_flatten_empty_batch(learner, reference, shape):
    x = torch.zeros(shape)
    with explain_raise(FLATTEN_RAISES):
        got = learner.flatten_batch(x)
    expect_close(got, reference.flatten_batch(x))


# -- standardize --------------------------------------------------------------------------------
UNBIASED = Mistake(
    en="the variance is unbiased (divides by n - 1); the spec asks for the population variance: unbiased=False",
    ko="분산을 불편 추정(n - 1로 나눔)으로 계산했습니다. 모집단 분산을 써야 합니다: unbiased=False",
)
EPS_ON_STD = Mistake(
    en="eps is added to the standard deviation; the spec adds it to the variance: sqrt(var + eps)",
    ko="eps를 표준편차에 더했습니다. eps는 분산에 더해야 합니다: sqrt(var + eps)",
)
EPS_IGNORED = Mistake(
    en="eps is ignored: divide by sqrt(var + eps)",
    ko="eps가 무시되었습니다: sqrt(var + eps)로 나누세요",
)
NO_KEEPDIM = Mistake(
    en="the mean or variance lost the reduced dimension, so it does not broadcast back: use keepdim=True",
    ko="평균이나 분산에서 줄인 차원이 사라져 다시 브로드캐스트되지 않습니다: keepdim=True를 쓰세요",
)
WRONG_DIM = Mistake(
    en="the statistics are taken along the wrong dimension: use the dim argument",
    ko="통계를 잘못된 차원을 따라 계산했습니다: dim 인자를 사용하세요",
)
STANDARDIZE_RAISES = {"must match the size of tensor": NO_KEEPDIM}


def _unbiased(x, dim, eps):
    return (x - x.mean(dim, keepdim=True)) / torch.sqrt(x.var(dim, keepdim=True) + eps)


def _eps_on_std(x, dim, eps):
    return (x - x.mean(dim, keepdim=True)) / (x.std(dim, unbiased=False, keepdim=True) + eps)


def _eps_ignored(x, dim, eps):
    return (x - x.mean(dim, keepdim=True)) / x.std(dim, unbiased=False, keepdim=True)


def _standardize_mistakes(reference, x, dim, eps):
    return [
        (UNBIASED, lambda: _unbiased(x, dim, eps)),
        (EPS_ON_STD, lambda: _eps_on_std(x, dim, eps)),
        (EPS_IGNORED, lambda: _eps_ignored(x, dim, eps)),
        (WRONG_DIM, lambda: reference.standardize(x, 0, eps)),
        (WRONG_DIM, lambda: reference.standardize(x, -1, eps)),
    ]


SPREAD = torch.tensor([[1.0, 2.0, -1.5], [3.0, 5.0, 0.25], [0.0, 1.0, 2.0], [-2.0, 0.5, 1.0]])


@check("ex01.standardize", "standardizes along dim 0 by default", "기본값으로 0번 차원을 따라 표준화", weight=2)
@given(tensors(shapes(min_dims=2, max_dims=2, min_side=2), elements=QUARTERS))
@example(SPREAD)
def test_standardize_default(learner, reference, x):
    with explain_raise(STANDARDIZE_RAISES):
        got = learner.standardize(x)
    expect_close(got, reference.standardize(x), mistakes=_standardize_mistakes(reference, x, 0, 1e-5))


@st.composite
def with_dim(draw: st.DrawFn, values: st.SearchStrategy):
    x = draw(values)
    return x, draw(dims(x.dim()))


@check("ex01.standardize", "any dim, negative ones included, on 1-D to 3-D input", "1~3차원 입력의 모든 dim(음수 포함)")
@given(with_dim(tensors(shapes(min_dims=1, max_dims=3, min_side=2), elements=QUARTERS)))
@example((SPREAD, 1))
@example((SPREAD.reshape(2, 2, 3), -2))
def test_standardize_any_dim(learner, reference, case):
    x, dim = case
    with explain_raise(STANDARDIZE_RAISES):
        got = learner.standardize(x, dim)
    expect_close(got, reference.standardize(x, dim), mistakes=_standardize_mistakes(reference, x, dim, 1e-5))


@check("ex01.standardize", "eps goes inside the square root", "eps는 제곱근 안에 더함")
@given(
    tensors(shapes(min_dims=2, max_dims=2, min_side=2), elements=QUARTERS),
    st.sampled_from([0.25, 1.0, 3.0]),
)
@example(SPREAD, 1.0)
def test_standardize_eps(learner, reference, x, eps):
    with explain_raise(STANDARDIZE_RAISES):
        got = learner.standardize(x, 0, eps)
    expect_close(got, reference.standardize(x, 0, eps), mistakes=_standardize_mistakes(reference, x, 0, eps))


FLOAT64_LOST = Mistake(
    en="float64 input came back as float32: a .float(), or a float32 constant such as torch.tensor(eps), "
    "changed the dtype; compute with x's own dtype",
    ko="float64 입력이 float32로 바뀌어 돌아왔습니다: .float()나 torch.tensor(eps) 같은 float32 상수가 dtype을 "
    "바꿨습니다. x의 dtype 그대로 계산하세요",
)


@check("ex01.standardize", "keeps float64 input in float64", "float64 입력은 float64로 유지")
@given(with_dim(tensors(shapes(min_dims=1, max_dims=3, min_side=2), dtype=torch.float64, elements=QUARTERS)))
@example((torch.arange(12, dtype=torch.float64).reshape(4, 3) ** 1.5, 1))
def test_standardize_float64(learner, reference, case):
    x, dim = case
    with explain_raise(STANDARDIZE_RAISES):
        got = learner.standardize(x, dim)
    expected = reference.standardize(x, dim)
    expect_close(
        got,
        expected,
        mistakes=[(FLOAT64_LOST, lambda: expected.float()), *_standardize_mistakes(reference, x, dim, 1e-5)],
    )


@check("ex01.standardize", "a slice of length 1 standardizes to 0", "길이 1인 조각은 0으로 표준화")
@given(tensors(st.tuples(st.just(1), st.integers(2, 5)), elements=QUARTERS))
def test_standardize_single(learner, reference, x):
    expect_close(
        learner.standardize(x, 0), reference.standardize(x, 0), mistakes=_standardize_mistakes(reference, x, 0, 1e-5)
    )


# -- pairwise_sq_dists --------------------------------------------------------------------------
NOT_SQUARED = Mistake(
    en="these are Euclidean distances (with a square root); the spec asks for squared distances",
    ko="제곱근을 씌운 유클리드 거리입니다. 문제는 거리의 제곱을 요구합니다",
)
SWAPPED = Mistake(
    en="rows and columns are swapped: out[i, j] pairs x[i] with y[j], so the shape is (N, M)",
    ko="행과 열이 바뀌었습니다: out[i, j]는 x[i]와 y[j]의 쌍이므로 모양은 (N, M)입니다",
)
DISTS_RAISES = {
    "cannot be multiplied": Mistake(
        en="x @ y needs y transposed: x @ y.T pairs every row of x with every row of y",
        ko="x @ y에는 y의 전치가 필요합니다: x @ y.T가 x의 모든 행과 y의 모든 행을 짝짓습니다",
    ),
    "must match the size of tensor": Mistake(
        en="the two inputs do not broadcast to (N, M, D): add the new axes with unsqueeze (x[:, None] - y[None])",
        ko="두 입력이 (N, M, D)로 브로드캐스트되지 않습니다: unsqueeze로 축을 추가하세요 (x[:, None] - y[None])",
    ),
}


@st.composite
def point_sets(draw: st.DrawFn, max_side: int = 6):
    n, m, d = draw(st.lists(st.integers(1, max_side), min_size=3, max_size=3, unique=True))
    return draw(tensors((n, d), min_value=-5, max_value=5)), draw(tensors((m, d), min_value=-5, max_value=5))


def _expect_dists_close(got, expected, x, y, mistakes=()) -> None:
    """Values within a float32 tolerance; a float64 result (cdist on doubles) is as good as float32:
    the exercise states no dtype beyond "float", so neither loses marks."""
    __tracebackhide__ = True
    got = expect_tensor(got)
    if got.dtype not in (torch.float32, torch.float64):
        fail(
            "dtype",
            Text(
                en=f"the result is {got.dtype}; expected float32 (or float64)",
                ko=f"결과가 {got.dtype}입니다. float32(또는 float64)여야 합니다",
            ),
        )
    expect_close(got, expected, atol=_dists_atol(x, y), check_dtype=False, mistakes=mistakes)


def _dists_atol(x, y) -> float:
    # The expansion formula loses precision in proportion to the squared norms.
    return 2e-6 * (1.0 + float(x.pow(2).sum(1).max()) + float(y.pow(2).sum(1).max()))


POINTS_X = torch.tensor([[0.0, 1.0, 2.0], [1.5, -1.0, 0.5]])
POINTS_Y = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [-2.0, 0.5, 3.0], [2.0, 2.0, -1.0]])


@check(
    "ex01.pairwise_sq_dists",
    "squared distances for (N, D) and (M, D) inputs",
    "(N, D)와 (M, D) 입력의 거리 제곱",
    weight=2,
)
@given(point_sets())
@example((POINTS_X, POINTS_Y))
def test_dists_values(learner, reference, xy):
    x, y = xy
    expected = reference.pairwise_sq_dists(x, y)
    with explain_raise(DISTS_RAISES):
        got = learner.pairwise_sq_dists(x, y)
    _expect_dists_close(
        got, expected, x, y, mistakes=[(NOT_SQUARED, lambda: torch.cdist(x, y)), (SWAPPED, lambda: expected.T)]
    )


@st.composite
def points_and_upstream(draw: st.DrawFn):
    x, y = draw(point_sets(max_side=5))
    return x, y, draw(tensors((x.shape[0], y.shape[0]), min_value=-2, max_value=2, layout="contiguous"))


@check("ex01.pairwise_sq_dists", "gradients with respect to x and y", "x와 y에 대한 기울기")
@given(points_and_upstream())
@example((POINTS_X, POINTS_Y, torch.arange(8.0).reshape(2, 4) - 3))
def test_dists_gradients(learner, reference, case):
    x, y, upstream = case
    _, expected = reference.value_and_grad("pairwise_sq_dists", x, y, wrt=(0, 1), upstream=upstream)
    _, ones = reference.value_and_grad("pairwise_sq_dists", x, y, wrt=(0, 1))
    with explain_raise(DISTS_RAISES):
        _, got = learner.value_and_grad("pairwise_sq_dists", x, y, wrt=(0, 1), upstream=upstream)
    atol = 4 * _dists_atol(x, y)
    expect_gradients_close(got, expected, names=("x", "y"), if_upstream_ignored=ones, atol=atol, rtol=1e-4)


@st.composite
def edge_point_sets(draw: st.DrawFn):
    n, m, d = draw(st.sampled_from([(1, 4, 3), (5, 1, 2), (3, 2, 1), (1, 1, 1)]))
    return draw(tensors((n, d), min_value=-5, max_value=5)), draw(tensors((m, d), min_value=-5, max_value=5))


@check("ex01.pairwise_sq_dists", "single points and 1-D features (N, M or D = 1)", "점 하나와 1차원 특성 (N, M, D = 1)")
@given(edge_point_sets())
def test_dists_edges(learner, reference, xy):
    x, y = xy
    with explain_raise(DISTS_RAISES):
        got = learner.pairwise_sq_dists(x, y)
    _expect_dists_close(got, reference.pairwise_sq_dists(x, y), x, y)


# -- linear -------------------------------------------------------------------------------------
BIAS_NONE = Mistake(
    en="bias=None must mean no bias: add the bias only when it is given (if bias is not None)",
    ko="bias=None이면 편향이 없다는 뜻입니다: 편향이 주어졌을 때만 더하세요 (if bias is not None)",
)
NO_TRANSPOSE = Mistake(
    en="weight is (out_features, in_features): multiply by its transpose, x @ weight.T",
    ko="weight는 (out_features, in_features) 모양입니다: 전치해서 곱하세요, x @ weight.T",
)
BIAS_IGNORED = Mistake(
    en="the bias is never added",
    ko="편향(bias)이 더해지지 않았습니다",
)
ONLY_2D = Mistake(
    en="x may have any number of leading dimensions: torch.mm only takes 2-D tensors, use @ or torch.matmul",
    ko="x는 앞쪽 차원이 몇 개든 될 수 있습니다: torch.mm은 2차원만 받으니 @나 torch.matmul을 쓰세요",
)
LINEAR_RAISES = {
    "nonetype": BIAS_NONE,
    "cannot be multiplied": NO_TRANSPOSE,
    "must be a matrix": ONLY_2D,
    "2d": ONLY_2D,
}


@st.composite
def layer(draw: st.DrawFn, batch: st.SearchStrategy[tuple[int, ...]] | None = None):
    n_in, n_out, rows = draw(st.lists(st.integers(1, 6), min_size=3, max_size=3, unique=True))
    lead = draw(batch) if batch is not None else (rows,)
    x = draw(tensors((*lead, n_in), min_value=-3, max_value=3), label="x")
    weight = draw(tensors((n_out, n_in), min_value=-3, max_value=3), label="weight")
    bias = draw(tensors((n_out,), min_value=-3, max_value=3), label="bias")
    return x, weight, bias


LAYER = (
    torch.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0]]),
    torch.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 1.0], [-1.0, 0.5, 0.0]]),
    torch.tensor([0.5, -1.0, 2.0, 0.25]),
)


@check("ex01.linear", "x @ weight.T + bias for a (B, in) batch", "(B, in) 배치에 대해 x @ weight.T + bias", weight=2)
@given(layer())
@example(LAYER)
def test_linear_values(learner, reference, case):
    x, weight, bias = case
    with explain_raise(LINEAR_RAISES):
        got = learner.linear(x, weight, bias)
    expect_close(got, reference.linear(x, weight, bias), mistakes=[(BIAS_IGNORED, lambda: reference.linear(x, weight))])


CALLS_F_LINEAR = Mistake(
    en="linear calls torch's own linear layer (torch.nn.functional.linear, or an nn.Linear): write it with "
    "tensor operations, x @ weight.T + bias",
    ko="linear가 torch의 선형 계층(torch.nn.functional.linear나 nn.Linear)을 호출합니다: x @ weight.T + bias처럼 "
    "텐서 연산으로 직접 작성하세요",
)


@check(
    "ex01.linear",
    "written with tensor operations, not torch.nn.functional.linear",
    "torch.nn.functional.linear 없이 텐서 연산으로 작성",
)
@given(layer())
def test_linear_by_hand(learner, reference, case):
    x, weight, bias = case
    with explain_raise(LINEAR_RAISES):
        got = learner.probe("linear_calls", x=x, weight=weight, bias=bias)
    # The rule is credited only to a linear that works: code that does nothing calls no torch function.
    expect_close(got["out"], reference.linear(x, weight, bias))
    if "linear" in got["torch_functions"]:
        fail(
            "rule",
            Text(
                en="linear called torch.nn.functional.linear, which the exercise asks you to write yourself",
                ko="linear가 torch.nn.functional.linear를 호출했습니다. 이 연습에서는 그 계산을 직접 작성해야 합니다",
            ),
            CALLS_F_LINEAR,
        )


@check("ex01.linear", "bias=None (or no bias argument) means no bias", "bias=None(또는 생략)이면 편향 없음")
@given(layer())
def test_linear_no_bias(learner, reference, case):
    x, weight, _ = case
    expected = reference.linear(x, weight)
    with explain_raise(LINEAR_RAISES):
        omitted = learner.linear(x, weight)
    expect_close(omitted, expected)
    with explain_raise(LINEAR_RAISES):
        explicit = learner.linear(x, weight, None)
    expect_close(explicit, expected)


@check("ex01.linear", "any leading dims: (in,), (A, B, in)", "앞쪽 차원 자유: (in,), (A, B, in)")
@given(layer(batch=st.sampled_from([(), (2, 3), (4, 1, 2)])))
def test_linear_leading_dims(learner, reference, case):
    x, weight, bias = case
    with explain_raise(LINEAR_RAISES):
        got = learner.linear(x, weight, bias)
    expect_close(got, reference.linear(x, weight, bias))


@st.composite
def layer_and_upstream(draw: st.DrawFn):
    x, weight, bias = draw(layer())
    return x, weight, bias, draw(tensors((x.shape[0], weight.shape[0]), min_value=-2, max_value=2))


@check("ex01.linear", "gradients reach x, weight and bias", "x, weight, bias 모두로 기울기가 전달됨")
@given(layer_and_upstream())
@example((*LAYER, torch.arange(8.0).reshape(2, 4) - 4))
def test_linear_gradients(learner, reference, case):
    x, weight, bias, upstream = case
    _, expected = reference.value_and_grad("linear", x, weight, bias, wrt=(0, 1, 2), upstream=upstream)
    _, ones = reference.value_and_grad("linear", x, weight, bias, wrt=(0, 1, 2))
    with explain_raise(LINEAR_RAISES):
        _, got = learner.value_and_grad("linear", x, weight, bias, wrt=(0, 1, 2), upstream=upstream)
    names = ("x", "weight", "bias")
    expect_gradients_close(got, expected, names=names, if_upstream_ignored=ones, rtol=1e-4, atol=1e-4)


# -- masked_mean --------------------------------------------------------------------------------
NAN_ON_EMPTY = Mistake(
    en="a slice with no True entry divides 0 by 0: return 0.0 there (torch.where, or clamp the count to at least 1)",
    ko="True가 없는 조각에서 0을 0으로 나눴습니다: 그곳은 0.0을 돌려주세요 (torch.where나 개수를 1 이상으로 clamp)",
)
MASK_IGNORED = Mistake(
    en="the mask is ignored: only the entries where mask is True count",
    ko="마스크가 무시되었습니다: mask가 True인 원소만 평균에 들어가야 합니다",
)
DIVIDED_BY_LENGTH = Mistake(
    en="the sum is divided by the slice length; divide by the number of True entries instead",
    ko="합을 조각의 길이로 나눴습니다. True인 원소의 개수로 나눠야 합니다",
)
DTYPE_CHANGED = Mistake(
    en="the result must keep x's dtype: a .float() (or a float32 count) changed it",
    ko="결과는 x의 dtype을 유지해야 합니다: .float()(또는 float32 개수)가 dtype을 바꿨습니다",
)


@st.composite
def masked(draw: st.DrawFn, dtype: torch.dtype = torch.float32, empty_slice: bool = False):
    x = draw(tensors(shapes(min_dims=1, max_dims=3, min_side=2, max_side=5), dtype=dtype), label="x")
    dim = draw(dims(x.dim()), label="dim")
    mask = draw(tensors(x.shape, dtype=torch.bool, layout="contiguous"), label="mask").clone()
    # Index 0 of every other dim, all of `dim`: one slice of the reduction.
    one_slice = tuple(slice(None) if d == dim % x.dim() else 0 for d in range(x.dim()))
    if empty_slice:
        mask[one_slice] = False
    else:
        along = tuple(0 if d == dim % x.dim() else slice(None) for d in range(x.dim()))
        mask[along] = True  # every slice has at least one True entry
    return x, mask, dim


def _masked_mistakes(x, mask, dim):
    return [
        (MASK_IGNORED, lambda: x.mean(dim)),
        (DIVIDED_BY_LENGTH, lambda: torch.where(mask, x, 0).sum(dim) / x.shape[dim]),
        (NAN_ON_EMPTY, lambda: torch.where(mask, x, 0).sum(dim) / mask.sum(dim)),
        (DTYPE_CHANGED, lambda: (torch.where(mask, x, 0).sum(dim) / mask.sum(dim).clamp(min=1)).float()),
    ]


MASKED = (
    torch.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, -6.0, 7.0, 8.0], [0.5, 0.0, -1.0, 2.0]]),
    torch.tensor([[True, False, True, True], [False, True, True, False], [True, True, False, True]]),
    1,
)


@check("ex01.masked_mean", "mean of the True entries along any dim", "임의의 dim을 따라 True 원소의 평균", weight=2)
@given(masked())
@example(MASKED)
def test_masked_mean_values(learner, reference, case):
    x, mask, dim = case
    expect_close(
        learner.masked_mean(x, mask, dim), reference.masked_mean(x, mask, dim), mistakes=_masked_mistakes(x, mask, dim)
    )


@check("ex01.masked_mean", "0.0, not NaN, where a slice has no True entry", "True가 없는 조각은 NaN이 아닌 0.0")
@given(masked(empty_slice=True))
@example((MASKED[0], MASKED[1] & torch.tensor([[True], [False], [True]]), 1))
def test_masked_mean_empty(learner, reference, case):
    x, mask, dim = case
    expect_close(
        learner.masked_mean(x, mask, dim), reference.masked_mean(x, mask, dim), mistakes=_masked_mistakes(x, mask, dim)
    )


@check("ex01.masked_mean", "keeps x's dtype (float64)", "x의 dtype(float64)을 유지")
@given(masked(dtype=torch.float64))
def test_masked_mean_dtype(learner, reference, case):
    x, mask, dim = case
    expect_close(
        learner.masked_mean(x, mask, dim), reference.masked_mean(x, mask, dim), mistakes=_masked_mistakes(x, mask, dim)
    )
