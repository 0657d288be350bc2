"""Hidden checks for exercise 2 — autograd.

Callables and autograd Functions cannot cross the sandbox boundary, so most checks go through
the scenarios in `solutions/probes/ex02_autograd.py` (`learner.probe(...)`), which run the same
way against the reference here. Gradients of the two custom Functions are judged twice: by a
float64 `gradcheck` whose verdict is reached here (`gradcheck_through`), and against the
reference under random upstream gradients, which is what names a backward that ignores
`grad_output`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checks import (
    CheckFailed,
    LearnerRaised,
    Mistake,
    check,
    expect_close,
    expect_equal,
    expect_gradients_close,
    expect_tensor,
    expect_type,
    expect_unchanged,
    explain_raise,
    fail,
    gradcheck_through,
    shapes,
    tensors,
)
from grader.i18n import Text, msg

SMALL = shapes(min_dims=1, max_dims=3, max_side=5, max_elements=24)


def _with(what_en: str, what_ko: str) -> Text:
    return Text(en=what_en, ko=what_ko)


# == grad_of ====================================================================================
DEPENDS_ON_X = ["sum(x**2)", "sum(w * x)", "mean(sin(w * x)) + sum(x**3) / 8", "logsumexp(w * x)"]
IGNORES_X = ["x.flatten()[0] ** 2", "sum(w) (ignores x)", "sum(w**2) with w requiring grad (ignores x)"]

REQUIRES_GRAD_SWITCHED = Mistake(
    en="grad_of switched on requires_grad of the caller's x: differentiate a copy, "
    "x.detach().clone().requires_grad_(True)",
    ko="grad_of가 호출한 쪽 x의 requires_grad를 켰습니다: 복사본을 미분하세요, x.detach().clone().requires_grad_(True)",
)
WROTE_CALLER_GRAD = Mistake(
    en="grad_of wrote into the caller's x.grad: differentiate a detached copy of x, for example with "
    "torch.autograd.grad",
    ko="grad_of가 호출한 쪽 x.grad에 값을 썼습니다: x를 떼어낸(detach) 복사본을 미분하세요. 예: torch.autograd.grad",
)
ADDED_OLD_GRAD = Mistake(
    en="the result includes the caller's old x.grad: backward() adds to .grad, so differentiate a fresh copy of x",
    ko="결과에 호출한 쪽 x의 기존 .grad가 더해졌습니다: backward()는 .grad에 누적하므로 x의 새 복사본을 미분하세요",
)
NOT_DETACHED = Mistake(
    en="the result still requires grad (create_graph=True?): return a plain gradient, detached from the graph",
    ko="결과가 여전히 requires_grad입니다 (create_graph=True?): 그래프에서 떼어낸(detach) 기울기를 반환하세요",
)
NO_GRAD_MODE = Mistake(
    en="inside torch.no_grad() nothing is recorded, so there is no graph to differentiate: call f under "
    "`with torch.enable_grad():`",
    ko="torch.no_grad() 안에서는 아무것도 기록되지 않아 미분할 그래프가 없습니다: `with torch.enable_grad():` 안에서 "
    "f를 호출하세요",
)
GRAD_MODE_LEAKED = Mistake(
    en="grad_of left gradient recording switched on for its caller: use `with torch.enable_grad():`, which "
    "restores the mode on exit",
    ko="grad_of가 호출한 쪽의 기울기 기록을 켜 둔 채 끝났습니다: 끝날 때 원래대로 돌려놓는 "
    "`with torch.enable_grad():`를 쓰세요",
)
UNUSED_RAISES = Mistake(
    en="when f does not use x, the gradient is zeros, not an error: check out.requires_grad, and pass "
    "allow_unused=True",
    ko="f가 x를 쓰지 않으면 기울기는 오류가 아니라 0입니다: out.requires_grad를 확인하고 allow_unused=True를 넘기세요",
)
RETURNED_NONE = Mistake(
    en="autograd gives None for an x that f does not use: return zeros of x's shape instead (torch.zeros_like(x), or "
    "materialize_grads=True)",
    ko="f가 쓰지 않는 x에 대해 autograd는 None을 줍니다: 대신 x 모양의 0 텐서를 반환하세요 (torch.zeros_like(x) 또는 "
    "materialize_grads=True)",
)
GRAD_OF_RAISES = {
    "does not require grad": NO_GRAD_MODE,
    "not have been used in the graph": UNUSED_RAISES,
}
UNUSED_X_RAISES = {
    "does not require grad": UNUSED_RAISES,
    "not have been used in the graph": UNUSED_RAISES,
}


@st.composite
def x_and_w(draw: st.DrawFn, dtypes: tuple[torch.dtype, ...] = (torch.float32,)):
    dtype = draw(st.sampled_from(dtypes), label="dtype")
    x = draw(tensors(SMALL, dtype=dtype, min_value=-3, max_value=3), label="x")
    w = draw(tensors(x.shape, dtype=dtype, min_value=-2, max_value=2, layout="contiguous"), label="w")
    return x, w


def _expect_detached_like(got, like: torch.Tensor, what: Text, attached: Mistake) -> None:
    """A tensor with `like`'s shape and dtype that does not require grad (its values are other checks' business)."""
    __tracebackhide__ = True
    got = expect_tensor(got, what)
    if got.shape != like.shape:
        fail("shape", msg("shape", what=what, expected=str(tuple(like.shape)), got=str(tuple(got.shape))))
    if got.dtype != like.dtype:
        fail("dtype", msg("dtype", what=what, expected=str(like.dtype), got=str(got.dtype)))
    expect_equal(
        got.requires_grad,
        False,
        what=what + _with(": requires_grad", ": requires_grad"),
        mistakes=[(attached, lambda: True)],
    )


def _expect_gradient(got, expected, mistakes=()) -> None:
    __tracebackhide__ = True
    if got is None:
        fail(
            "type",
            _with("grad_of returned None instead of a tensor", "grad_of가 텐서 대신 None을 반환했습니다"),
            RETURNED_NONE,
        )
    expect_close(got, expected, what=_with("the gradient", "기울기"), rtol=1e-4, atol=1e-5, mistakes=mistakes)


X_2x3 = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, -1.5]])
W_2x3 = torch.tensor([[0.5, 1.0, -1.0], [2.0, -0.5, 1.5]])


@check(
    "ex02.grad_of",
    "the gradient of f at x, for several f, in float32 and float64",
    "float32와 float64에서, 여러 f에 대해 x에서 f의 기울기",
    weight=2,
)
@given(st.sampled_from(DEPENDS_ON_X), x_and_w(dtypes=(torch.float32, torch.float64)))
@example("sum(w * x)", (X_2x3, W_2x3))
def test_grad_of_values(learner, reference, f, xw):
    x, w = xw
    with explain_raise(GRAD_OF_RAISES):
        got = learner.probe("grad_of_with", f=f, x=x, w=w)
    _expect_gradient(got["grad"], reference.probe("grad_of_with", f=f, x=x, w=w)["grad"])


@check(
    "ex02.grad_of",
    "leaves the caller's x alone: values, requires_grad and .grad",
    "호출한 쪽 x를 그대로 둠: 값, requires_grad, .grad",
    weight=2,
)
@given(st.sampled_from(DEPENDS_ON_X), x_and_w(), st.booleans())
@example("sum(x**2)", (X_2x3, W_2x3), False)
@example("sum(w * x)", (X_2x3, W_2x3), True)
def test_grad_of_keeps_caller_x(learner, reference, f, xw, requires_grad):
    x, w = xw
    old_grad = torch.full_like(x, 0.25) if requires_grad else None
    setup = {"f": f, "x": x, "w": w, "requires_grad": requires_grad, "old_grad": old_grad}
    with explain_raise(GRAD_OF_RAISES):
        got = learner.probe("grad_of_with", **setup)
    expected = reference.probe("grad_of_with", **setup)["grad"]
    mistakes = [] if old_grad is None else [(ADDED_OLD_GRAD, lambda: expected + old_grad)]
    _expect_gradient(got["grad"], expected, mistakes)
    expect_unchanged(got["x"], x, what=_with("the caller's x", "호출한 쪽 x"))
    expect_unchanged(
        got["x.requires_grad"],
        requires_grad,
        what=_with("the caller's x.requires_grad", "호출한 쪽 x.requires_grad"),
        diagnosis=REQUIRES_GRAD_SWITCHED,
    )
    expect_unchanged(
        got["x.grad"], old_grad, what=_with("the caller's x.grad", "호출한 쪽 x.grad"), diagnosis=WROTE_CALLER_GRAD
    )


@check(
    "ex02.grad_of",
    "returns a detached tensor with x's shape and dtype",
    "x의 모양과 dtype을 가진, 그래프에서 떼어낸 텐서를 반환",
)
@given(st.sampled_from(DEPENDS_ON_X), x_and_w(dtypes=(torch.float32, torch.float64)), st.booleans())
@example("sum(x**2)", (X_2x3.double(), W_2x3.double()), True)
def test_grad_of_detached(learner, f, xw, requires_grad):
    x, w = xw
    with explain_raise(GRAD_OF_RAISES):
        got = learner.probe("grad_of_with", f=f, x=x, w=w, requires_grad=requires_grad)
    _expect_detached_like(got["grad"], x, _with("the result", "결과"), NOT_DETACHED)


@check("ex02.grad_of", "works when called inside torch.no_grad()", "torch.no_grad() 안에서 호출해도 동작")
@given(st.sampled_from(DEPENDS_ON_X), x_and_w())
@example("sum(w * x)", (X_2x3, W_2x3))
def test_grad_of_inside_no_grad(learner, reference, f, xw):
    x, w = xw
    setup = {"f": f, "x": x, "w": w, "inside_no_grad": True}
    with explain_raise(GRAD_OF_RAISES):
        got = learner.probe("grad_of_with", **setup)
    expected = reference.probe("grad_of_with", **setup)["grad"]
    _expect_gradient(got["grad"], expected, [(NO_GRAD_MODE, lambda: torch.zeros_like(expected))])
    expect_equal(
        got["grad mode after"],
        False,
        what=_with("torch.is_grad_enabled() after the call", "호출 후 torch.is_grad_enabled()"),
        mistakes=[(GRAD_MODE_LEAKED, lambda: True)],
    )


@check("ex02.grad_of", "zeros where f does not use x", "f가 x를 쓰지 않는 곳은 0")
@given(st.sampled_from(IGNORES_X), x_and_w())
@example("sum(w) (ignores x)", (X_2x3, W_2x3))
@example("sum(w**2) with w requiring grad (ignores x)", (X_2x3, W_2x3))
@example("x.flatten()[0] ** 2", (X_2x3, W_2x3))
def test_grad_of_unused(learner, reference, f, xw):
    x, w = xw
    with explain_raise(UNUSED_X_RAISES):
        got = learner.probe("grad_of_with", f=f, x=x, w=w)
    _expect_gradient(got["grad"], reference.probe("grad_of_with", f=f, x=x, w=w)["grad"])


# == the two autograd Functions =================================================================
FORWARD_IN_PLACE = Mistake(
    en="forward changed its input in place (x -= ..., x.mul_(...)): compute a new tensor and leave x alone",
    ko="forward가 입력을 제자리(in-place)에서 바꿨습니다 (x -= ..., x.mul_(...)): 새 텐서를 계산하고 x는 그대로 두세요",
)
SAVED_TENSORS_TUPLE = Mistake(
    en="ctx.saved_tensors is a tuple even for one tensor: unpack it, (x,) = ctx.saved_tensors",
    ko="ctx.saved_tensors는 텐서가 하나여도 튜플입니다: (x,) = ctx.saved_tensors처럼 풀어 쓰세요",
)
BACKWARD_RAISES = {"tuple": SAVED_TENSORS_TUPLE}


@st.composite
def floats_of_either_precision(draw: st.DrawFn):
    dtype = draw(st.sampled_from([torch.float32, torch.float64]), label="dtype")
    return draw(tensors(SMALL, dtype=dtype), label="x")


@st.composite
def x_and_upstream(draw: st.DrawFn, reduced: bool):
    """x and an upstream gradient shaped like the output: x's shape, or x.shape[:-1] when the last dim is reduced."""
    x = draw(tensors(SMALL), label="x")
    out_shape = x.shape[:-1] if reduced else x.shape
    return x, draw(tensors(out_shape, min_value=-2, max_value=2, layout="contiguous"), label="upstream")


def _forward(learner, name: str, x: torch.Tensor) -> torch.Tensor:
    """The learner's `name.apply(x)`, once it is clear that forward left x alone."""
    __tracebackhide__ = True
    got = learner.probe("function_apply", name=name, x=x)
    expect_equal(
        got["x changed"],
        False,
        what=_with("whether forward changed its input", "forward가 입력을 바꿨는지"),
        mistakes=[(FORWARD_IN_PLACE, lambda: True)],
    )
    return got["out"]


def _gradcheck(learner, name: str, x: torch.Tensor) -> None:
    __tracebackhide__ = True
    with explain_raise(BACKWARD_RAISES):
        gradcheck_through(
            lambda t: learner.probe("function_apply", name=name, x=t)["out"],
            lambda t, g: (learner.probe("function_vjp", name=name, x=t, upstream=g),),
            [x],
            name=name,
        )


def _expect_upstream_gradient(learner, reference, name, x, upstream, mistakes=(), raises=BACKWARD_RAISES) -> None:
    __tracebackhide__ = True
    expected = reference.probe("function_vjp", name=name, x=x, upstream=upstream)
    if_ignored = reference.probe("function_vjp", name=name, x=x, upstream=torch.ones_like(upstream))
    with _forward_first(learner, reference, name, x), explain_raise(raises):
        got = learner.probe("function_vjp", name=name, x=x, upstream=upstream)
        expect_gradients_close(
            [got], [expected], names=("x",), if_upstream_ignored=[if_ignored], rtol=1e-4, atol=1e-5, mistakes=mistakes
        )


def _forward_failure(learner, reference, name: str, x: torch.Tensor) -> CheckFailed | None:
    """How the learner's forward fails on `x`, if it does."""
    expected = reference.probe("function_apply", name=name, x=x)["out"]
    try:
        with explain_raise(FORWARD_RAISES[name]):
            got = _forward(learner, name, x)
        expect_close(got, expected, mistakes=FORWARD_MISTAKES[name](x))
    except CheckFailed as failed:
        return failed
    except LearnerRaised:
        return None  # the backward check's own failure already shows what raised
    return None


@contextlib.contextmanager
def _forward_first(learner, reference, name: str, x: torch.Tensor) -> Iterator[None]:
    """A backward check that fails while the forward is wrong reports the forward: a backward written
    for the wrong forward (a sum over the wrong dim, say) cannot meet the right gradient."""
    __tracebackhide__ = True
    try:
        yield
    except (CheckFailed, LearnerRaised) as backward_failed:
        forward = _forward_failure(learner, reference, name, x)
        if forward is None:
            raise
        prefix = Text(
            en="the forward is wrong, so the backward cannot match yet; fix the forward first: ",
            ko="forward가 틀려서 backward도 아직 맞을 수 없습니다. forward부터 고치세요: ",
        )
        raise CheckFailed(forward.category, prefix + forward.message, forward.diagnosis) from backward_failed


# -- SiLU ---------------------------------------------------------------------------------------
SIGMOID_ONLY = Mistake(
    en="forward returns sigmoid(x); SiLU is x * sigmoid(x)",
    ko="forward가 sigmoid(x)를 반환합니다. SiLU는 x * sigmoid(x)입니다",
)
NO_PRODUCT_RULE = Mistake(
    en="the derivative of x * sigmoid(x) needs the product rule: sigmoid(x) * (1 + x * (1 - sigmoid(x)))",
    ko="x * sigmoid(x)의 미분에는 곱의 미분법이 필요합니다: sigmoid(x) * (1 + x * (1 - sigmoid(x)))",
)
SIGMOID_DERIVATIVE = Mistake(
    en="that is the derivative of sigmoid alone; SiLU is x * sigmoid(x), so use the product rule",
    ko="그것은 sigmoid만의 미분입니다. SiLU는 x * sigmoid(x)이므로 곱의 미분법을 쓰세요",
)
SILU_X = torch.tensor([[-3.0, -0.5, 0.0], [0.25, 1.5, 4.0]])
SILU_UPSTREAM = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]])


@check("ex02.SiLU", "forward is x * sigmoid(x) and leaves x alone", "forward는 x * sigmoid(x)이고 x를 바꾸지 않음")
@given(floats_of_either_precision())
@example(SILU_X)
def test_silu_forward(learner, reference, x):
    expected = reference.probe("function_apply", name="SiLU", x=x)["out"]
    expect_close(_forward(learner, "SiLU", x), expected, mistakes=[(SIGMOID_ONLY, lambda: torch.sigmoid(x))])


@check(
    "ex02.SiLU",
    "backward matches the reference under random upstream gradients",
    "임의의 upstream 기울기에서 backward가 참조 구현과 일치",
    weight=2,
)
@given(x_and_upstream(reduced=False))
@example((SILU_X, SILU_UPSTREAM))
def test_silu_upstream(learner, reference, case):
    x, upstream = case
    s = torch.sigmoid(x)
    _expect_upstream_gradient(
        learner,
        reference,
        "SiLU",
        x,
        upstream,
        mistakes=[(NO_PRODUCT_RULE, lambda: upstream * s), (SIGMOID_DERIVATIVE, lambda: upstream * s * (1 - s))],
    )


@check("ex02.SiLU", "backward passes gradcheck in float64", "backward가 float64 gradcheck를 통과")
def test_silu_gradcheck(learner):
    _gradcheck(learner, "SiLU", SILU_X.double())


# -- LogSumExp ----------------------------------------------------------------------------------
OVERFLOW = Mistake(
    en="exp overflows to inf (or underflows to 0, and log(0) = -inf) at large magnitudes: subtract each row's max "
    "first, m + log(sum(exp(x - m)))",
    ko="절댓값이 크면 exp가 inf로 넘치거나 0으로 사라집니다 (log(0) = -inf): 각 행의 최댓값을 먼저 빼세요, "
    "m + log(sum(exp(x - m)))",
)
GLOBAL_MAX = Mistake(
    en="the max is taken over the whole tensor: take it per row, x.amax(dim=-1, keepdim=True), so no row underflows",
    ko="최댓값을 텐서 전체에서 구했습니다: 행마다 x.amax(dim=-1, keepdim=True)로 구해야 어떤 행도 0으로 사라지지 "
    "않습니다",
)
MAX_NOT_ADDED_BACK = Mistake(
    en="the max is subtracted inside but never added back: the result is m + log(sum(exp(x - m)))",
    ko="안에서 최댓값을 뺀 뒤 다시 더하지 않았습니다: 결과는 m + log(sum(exp(x - m)))입니다",
)
WRONG_REDUCTION = Mistake(
    en="log-sum-exp runs over the last dimension only (dim=-1), and the result has shape x.shape[:-1]",
    ko="log-sum-exp는 마지막 차원(dim=-1)에서만 계산하며, 결과의 모양은 x.shape[:-1]입니다",
)
KEPT_DIM = Mistake(
    en="the reduced dimension is kept: the result has shape x.shape[:-1], without keepdim",
    ko="줄인 차원이 남아 있습니다: 결과의 모양은 keepdim 없이 x.shape[:-1]입니다",
)
MAX_IS_A_PAIR = Mistake(
    en="x.max(dim) returns (values, indices): use x.max(dim=-1, keepdim=True).values, or x.amax(dim=-1, keepdim=True)",
    ko="x.max(dim)은 (values, indices)를 반환합니다: x.max(dim=-1, keepdim=True).values나 x.amax(dim=-1, "
    "keepdim=True)를 쓰세요",
)
LAST_DIM = Mistake(
    en="use dim=-1, the last dimension, whatever the number of dimensions (a 1-D input has no dim 1)",
    ko="차원 수와 상관없이 마지막 차원인 dim=-1을 쓰세요 (1차원 입력에는 dim 1이 없습니다)",
)
NO_UNSQUEEZE = Mistake(
    en="grad_output has shape x.shape[:-1]: unsqueeze(-1) it before multiplying by the softmax of x",
    ko="grad_output의 모양은 x.shape[:-1]입니다: x의 softmax와 곱하기 전에 unsqueeze(-1) 하세요",
)
UNSTABLE_SOFTMAX = Mistake(
    en="the backward's softmax overflows (inf / inf = NaN): compute it as exp(x - logsumexp), or subtract the max "
    "first",
    ko="backward의 softmax가 넘칩니다 (inf / inf = NaN): exp(x - logsumexp)로 계산하거나 최댓값을 먼저 빼세요",
)
LSE_FORWARD_RAISES = {"return_types": MAX_IS_A_PAIR, "dimension out of range": LAST_DIM}
LSE_BACKWARD_RAISES = {**BACKWARD_RAISES, **LSE_FORWARD_RAISES, "must match the size of tensor": NO_UNSQUEEZE}

LSE_X = torch.tensor([[-1.0, 0.5, 2.0, 0.0], [3.0, -2.0, 0.25, 1.0], [0.0, 0.0, -4.0, 2.5]])
# Rows around +9984 and -9984: the naive formula gives inf and -inf, a max over the whole tensor -inf.
LSE_LARGE = torch.tensor([[9984.0, 9986.5, 9983.0], [-9984.0, -9990.0, -9983.5]])
LSE_MIXED = torch.tensor([[9984.0, -9984.0, 0.5, 9980.0]])


def _naive_lse(x: torch.Tensor) -> torch.Tensor:
    return torch.log(torch.exp(x).sum(dim=-1))


def _lse_global_max(x: torch.Tensor) -> torch.Tensor:
    m = x.max()
    return m + torch.log(torch.exp(x - m).sum(dim=-1))


def _lse_forward_mistakes(x: torch.Tensor):
    m = x.amax(dim=-1, keepdim=True)
    return [
        (OVERFLOW, lambda: _naive_lse(x)),
        (GLOBAL_MAX, lambda: _lse_global_max(x)),
        (MAX_NOT_ADDED_BACK, lambda: torch.log(torch.exp(x - m).sum(dim=-1))),
        (KEPT_DIM, lambda: torch.logsumexp(x, dim=-1, keepdim=True)),
        (WRONG_REDUCTION, lambda: torch.logsumexp(x, dim=0)),
        (WRONG_REDUCTION, lambda: torch.logsumexp(x.reshape(-1), dim=0)),
    ]


FORWARD_RAISES = {"SiLU": BACKWARD_RAISES, "LogSumExp": LSE_FORWARD_RAISES}
FORWARD_MISTAKES = {"SiLU": lambda x: [(SIGMOID_ONLY, lambda: torch.sigmoid(x))], "LogSumExp": _lse_forward_mistakes}


def _expect_finite_and_close(got, expected, *, what=None, rtol=None, mistakes=(), non_finite: Mistake) -> None:
    """expect_close, naming `non_finite` when the result has inf or NaN where the expected value is finite."""
    __tracebackhide__ = True
    try:
        expect_close(got, expected, what=what, rtol=rtol, mistakes=mistakes)
    except CheckFailed as failed:
        blew_up = (
            failed.diagnosis is None
            and isinstance(got, torch.Tensor)
            and got.shape == expected.shape
            and bool((~torch.isfinite(got) & torch.isfinite(expected)).any())
        )
        if blew_up:
            raise CheckFailed(failed.category, failed.message, non_finite.text) from None
        raise


@st.composite
def large_rows(draw: st.DrawFn):
    """(R, n) inputs with magnitudes up to 9992: each row sits around one large offset, or mixes several
    (a row like [9984, -9984, 0] defeats subtracting the row's min, or nothing)."""
    rows, n = draw(st.integers(1, 3)), draw(st.integers(2, 5))
    offsets = st.sampled_from([-9984.0, -1000.0, -120.0, 120.0, 1000.0, 9984.0])
    grid = []
    for _ in range(rows):
        if draw(st.booleans(), label="mixed row"):
            grid.append(draw(st.lists(offsets, min_size=n, max_size=n)))
        else:
            grid.append([draw(offsets)] * n)
    spread = draw(tensors((rows, n), min_value=-8, max_value=8, layout="contiguous"))
    return spread + torch.tensor(grid)


@st.composite
def large_rows_and_upstream(draw: st.DrawFn):
    x = draw(large_rows(), label="x")
    return x, draw(tensors(x.shape[:-1], min_value=-2, max_value=2, layout="contiguous"), label="upstream")


@check(
    "ex02.LogSumExp",
    "forward over the last dim, shape x.shape[:-1], any number of dims",
    "마지막 차원에 대한 forward, 모양 x.shape[:-1], 차원 수 무관",
    weight=2,
)
@given(floats_of_either_precision())
@example(LSE_X)
@example(LSE_X[0])
@example(LSE_X.reshape(3, 2, 2))
def test_lse_forward(learner, reference, x):
    expected = reference.probe("function_apply", name="LogSumExp", x=x)["out"]
    with explain_raise(LSE_FORWARD_RAISES):
        got = _forward(learner, "LogSumExp", x)
    expect_close(got, expected, mistakes=_lse_forward_mistakes(x))


@check(
    "ex02.LogSumExp",
    "forward is finite and accurate for |x| up to 1e4",
    "|x|가 1e4까지여도 forward가 유한하고 정확함",
    weight=2,
)
@given(large_rows())
@example(LSE_LARGE)
@example(LSE_MIXED)
def test_lse_forward_large(learner, reference, x):
    expected = reference.probe("function_apply", name="LogSumExp", x=x)["out"]
    with explain_raise(LSE_FORWARD_RAISES):
        got = _forward(learner, "LogSumExp", x)
    _expect_finite_and_close(got, expected, mistakes=_lse_forward_mistakes(x), non_finite=OVERFLOW)


@check(
    "ex02.LogSumExp",
    "backward matches the reference under random upstream gradients",
    "임의의 upstream 기울기에서 backward가 참조 구현과 일치",
    weight=2,
)
@given(x_and_upstream(reduced=True))
@example((LSE_X[:, :3], torch.tensor([0.5, -1.5, 2.0])))
@example((LSE_X[0], torch.tensor(-0.75)))
def test_lse_upstream(learner, reference, case):
    x, upstream = case
    softmax = torch.softmax(x, dim=-1)
    _expect_upstream_gradient(
        learner,
        reference,
        "LogSumExp",
        x,
        upstream,
        mistakes=[(NO_UNSQUEEZE, lambda: upstream * softmax)],
        raises=LSE_BACKWARD_RAISES,
    )


@check(
    "ex02.LogSumExp",
    "backward is finite and accurate for |x| up to 1e4",
    "|x|가 1e4까지여도 backward가 유한하고 정확함",
)
@given(large_rows_and_upstream())
@example((LSE_LARGE, torch.tensor([1.5, -0.5])))
def test_lse_backward_large(learner, reference, case):
    x, upstream = case
    expected = reference.probe("function_vjp", name="LogSumExp", x=x, upstream=upstream)
    unstable = upstream.unsqueeze(-1) * torch.exp(x) / torch.exp(x).sum(dim=-1, keepdim=True)
    with _forward_first(learner, reference, "LogSumExp", x), explain_raise(LSE_BACKWARD_RAISES):
        got = learner.probe("function_vjp", name="LogSumExp", x=x, upstream=upstream)
        if got is None:
            expect_gradients_close([got], [expected], names=("x",))
        _expect_finite_and_close(
            got,
            expected,
            what=_with("the gradient of x", "x에 대한 기울기"),
            # exp(x - logsumexp) is as good a softmax as any, but a float32 logsumexp near 1e4 is only
            # known to about 5e-4, and so is each softmax weight computed from it.
            rtol=4e-3,
            mistakes=[(UNSTABLE_SOFTMAX, lambda: unstable)],
            non_finite=UNSTABLE_SOFTMAX,
        )


@check("ex02.LogSumExp", "backward passes gradcheck in float64", "backward가 float64 gradcheck를 통과")
def test_lse_gradcheck(learner):
    for x in (LSE_X[:2, :3], LSE_X[2]):
        with explain_raise(LSE_BACKWARD_RAISES):
            _gradcheck(learner, "LogSumExp", x.double())


# == manual_sgd =================================================================================
ACCUMULATES = Mistake(
    en="gradients accumulate across steps: reset them (w.grad.zero_(), or w.grad = None) after each update, "
    "or use torch.autograd.grad",
    ko="기울기가 단계마다 누적됩니다: 매 업데이트 뒤에 초기화하세요 (w.grad.zero_() 또는 w.grad = None), "
    "아니면 torch.autograd.grad를 쓰세요",
)
SUM_LOSS = Mistake(
    en="the loss is the sum of squared errors; use their mean (the mean squared error)",
    ko="손실이 제곱 오차의 합입니다. 평균(평균 제곱 오차)을 쓰세요",
)
ASCENT = Mistake(
    en="the update goes uphill: subtract lr * grad (w -= lr * w.grad)",
    ko="업데이트가 손실을 키우는 방향입니다: lr * grad를 빼세요 (w -= lr * w.grad)",
)
BIAS_NOT_UPDATED = Mistake(
    en="b is never updated: b also takes a step, b -= lr * b.grad",
    ko="b가 업데이트되지 않습니다: b도 b -= lr * b.grad로 한 걸음 움직여야 합니다",
)
BIAS_NOT_USED = Mistake(
    en="the prediction leaves out the bias: pred = x @ w + b",
    ko="예측에 편향이 빠졌습니다: pred = x @ w + b",
)
STEP_COUNT = Mistake(
    en="the number of updates is not `steps`: loop exactly `for _ in range(steps)`, one update per iteration",
    ko="업데이트 횟수가 `steps`와 다릅니다: 정확히 `for _ in range(steps)`로, 반복마다 한 번씩 업데이트하세요",
)
NO_GRAPH = Mistake(
    en="the loss has no graph back to w and b: train copies made with requires_grad_(True), and keep them leaves "
    "by updating in place (w -= lr * w.grad) under torch.no_grad()",
    ko="손실에서 w와 b로 이어지는 그래프가 없습니다: requires_grad_(True)로 만든 복사본을 학습시키고, "
    "torch.no_grad() 안에서 제자리 업데이트(w -= lr * w.grad)로 리프(leaf) 텐서를 유지하세요",
)
GRAD_IS_NONE = Mistake(
    en="w.grad is None: only a leaf tensor that requires grad gets a .grad, and w = w - lr * w.grad replaces w "
    "by a new, non-leaf tensor. Make the copy once before the loop, w = w.detach().clone().requires_grad_(True), "
    "then update it in place under torch.no_grad(): w -= lr * w.grad",
    ko="w.grad가 None입니다: requires_grad인 리프(leaf) 텐서만 .grad를 받는데, w = w - lr * w.grad는 w를 리프가 "
    "아닌 새 텐서로 바꿉니다. 반복문 전에 w = w.detach().clone().requires_grad_(True)로 복사본을 한 번 만들고, "
    "torch.no_grad() 안에서 w -= lr * w.grad로 제자리 업데이트하세요",
)
UPDATE_OUTSIDE_NO_GRAD = Mistake(
    en="autograd refuses in-place changes to a tensor that requires grad: make the update inside `with "
    "torch.no_grad():`",
    ko="autograd는 requires_grad인 텐서의 제자리 변경을 막습니다: `with torch.no_grad():` 안에서 업데이트하세요",
)
CALLER_CHANGED = Mistake(
    en="manual_sgd trained the caller's own w or b: train copies, w = w.detach().clone().requires_grad_(True)",
    ko="manual_sgd가 호출한 쪽의 w나 b 자체를 학습시켰습니다: 복사본을 학습시키세요, w = "
    "w.detach().clone().requires_grad_(True)",
)
RESULT_NOT_DETACHED = Mistake(
    en="the returned tensors still require grad: return w.detach(), b.detach()",
    ko="반환한 텐서가 여전히 requires_grad입니다: w.detach(), b.detach()를 반환하세요",
)
USES_OPTIM = Mistake(
    en="manual_sgd used a torch.optim optimizer: write the update yourself, w -= lr * w.grad under torch.no_grad()",
    ko="manual_sgd가 torch.optim 옵티마이저를 사용했습니다: torch.no_grad() 안에서 w -= lr * w.grad로 직접 "
    "업데이트하세요",
)
SGD_RAISES = {
    "does not require grad": NO_GRAPH,
    "nonetype": GRAD_IS_NONE,
    "leaf variable that requires grad is being used in an in-place operation": UPDATE_OUTSIDE_NO_GRAD,
}


def _descend(w, b, x, y, lr, steps, *, accumulate=False, total=False, sign=-1.0, update_b=True, bias=True):
    """Gradient descent with the gradients written out, optionally with one beginner's mistake."""
    w, b = w.clone(), b.clone()
    sum_w, sum_b = torch.zeros_like(w), torch.zeros_like(b)
    scale = 2.0 if total else 2.0 / x.shape[0]
    for _ in range(steps):
        residual = x @ w + (b if bias else 0.0) - y
        grad_w, grad_b = scale * (x.T @ residual), scale * residual.sum()
        if accumulate:
            sum_w, sum_b = sum_w + grad_w, sum_b + grad_b
            grad_w, grad_b = sum_w, sum_b
        w = w + sign * lr * grad_w
        if update_b:
            b = b + sign * lr * grad_b
    return w, b


def _sgd_mistakes(w, b, x, y, lr, steps):
    variants = [
        (ACCUMULATES, {"accumulate": True}),
        (SUM_LOSS, {"total": True}),
        (ASCENT, {"sign": 1.0}),
        (BIAS_NOT_UPDATED, {"update_b": False}),
        (BIAS_NOT_USED, {"bias": False, "update_b": False}),
    ]
    runs = [(mistake, _descend(w, b, x, y, lr, steps, **how)) for mistake, how in variants]
    runs += [(STEP_COUNT, _descend(w, b, x, y, lr, n)) for n in (steps - 1, steps + 1) if n >= 0]
    return runs


def _named(case) -> dict:
    return dict(zip(("w", "b", "x", "y", "lr", "steps"), case, strict=True))


def _expect_pair(got) -> None:
    __tracebackhide__ = True
    expect_type(got, (tuple, list), what=_with("the result of manual_sgd", "manual_sgd의 결과"))
    if len(got) != 2:
        fail(
            "type",
            _with(
                f"manual_sgd returned {len(got)} values; expected 2: (w, b)",
                f"manual_sgd가 값 {len(got)}개를 반환했습니다. 기댓값: (w, b) 2개",
            ),
        )


def _expect_trained(got, expected, mistakes) -> None:
    __tracebackhide__ = True
    _expect_pair(got)
    for i, name in enumerate(("w", "b")):
        expect_close(
            got[i],
            expected[i],
            what=_with(f"the trained {name}", f"학습된 {name}"),
            rtol=1e-4,
            atol=1e-5,
            mistakes=[(mistake, lambda run=run, i=i: run[i]) for mistake, run in mistakes],
        )


@st.composite
def regressions(draw: st.DrawFn, dtype: torch.dtype = torch.float32):
    """(w, b, x, y, lr, steps) for a small linear regression."""
    n, d = draw(st.integers(2, 6), label="N"), draw(st.integers(1, 3), label="D")
    w = draw(tensors((d,), dtype=dtype, min_value=-1, max_value=1), label="w")
    b = draw(tensors((), dtype=dtype, min_value=-1, max_value=1), label="b")
    x = draw(tensors((n, d), dtype=dtype, min_value=-2, max_value=2), label="x")
    y = draw(tensors((n,), dtype=dtype, min_value=-3, max_value=3), label="y")
    lr = draw(st.sampled_from([0.01, 0.05, 0.1]), label="lr")
    steps = draw(st.integers(1, 5), label="steps")
    return w, b, x, y, lr, steps


REGRESSION = (
    torch.tensor([0.5, -1.0]),
    torch.tensor(0.25),
    torch.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -2.0]]),
    torch.tensor([1.0, -0.5, 2.0]),
    0.1,
    3,
)


@check(
    "ex02.manual_sgd",
    "matches the reference after several steps",
    "여러 단계 뒤에 참조 구현과 일치",
    weight=3,
)
@given(regressions())
@example(REGRESSION)
@example((*REGRESSION[:5], 0))
def test_sgd_values(learner, reference, case):
    with explain_raise(SGD_RAISES):
        got = learner.manual_sgd(*case)
    _expect_trained(got, reference.manual_sgd(*case), _sgd_mistakes(*case))


@check(
    "ex02.manual_sgd",
    "leaves the caller's w and b alone: values, requires_grad and .grad",
    "호출한 쪽 w와 b를 그대로 둠: 값, requires_grad, .grad",
    weight=2,
)
@given(regressions(), st.booleans())
@example(REGRESSION, False)
@example(REGRESSION, True)
def test_sgd_keeps_caller_tensors(learner, case, requires_grad):
    w, b = case[:2]
    old_grads = (torch.full_like(w, 0.5), torch.full_like(b, -0.5)) if requires_grad else None
    with explain_raise(SGD_RAISES):
        got = learner.probe("manual_sgd_with", **_named(case), requires_grad=requires_grad, old_grads=old_grads)
    for name, before, old_grad in (("w", w, old_grads and old_grads[0]), ("b", b, old_grads and old_grads[1])):
        expect_unchanged(
            got[name], before, what=_with(f"the caller's {name}", f"호출한 쪽 {name}"), diagnosis=CALLER_CHANGED
        )
        expect_unchanged(
            got[f"{name}.requires_grad"],
            requires_grad,
            what=_with(f"the caller's {name}.requires_grad", f"호출한 쪽 {name}.requires_grad"),
            diagnosis=CALLER_CHANGED,
        )
        expect_unchanged(
            got[f"{name}.grad"],
            old_grad,
            what=_with(f"the caller's {name}.grad", f"호출한 쪽 {name}.grad"),
            diagnosis=CALLER_CHANGED,
        )


@check(
    "ex02.manual_sgd",
    "returns detached tensors with the shapes and dtypes of w and b (float64 too)",
    "w, b와 같은 모양과 dtype(float64 포함)의, 그래프에서 떼어낸 텐서를 반환",
)
@given(regressions(dtype=torch.float64))
def test_sgd_detached(learner, case):
    with explain_raise(SGD_RAISES):
        got = learner.manual_sgd(*case)
    _expect_pair(got)
    for returned, given_tensor, name in zip(got, case[:2], ("w", "b"), strict=True):
        _expect_detached_like(
            returned, given_tensor, _with(f"the returned {name}", f"반환한 {name}"), RESULT_NOT_DETACHED
        )


@check("ex02.manual_sgd", "updates by hand, without torch.optim", "torch.optim 없이 직접 업데이트")
def test_sgd_no_optimizer(learner):
    with explain_raise(SGD_RAISES):
        got = learner.probe("manual_sgd_with", **_named(REGRESSION))
    expect_equal(
        got["optimizers"],
        [],
        what=_with(
            "the list of torch.optim optimizers created or stepped",
            "만들거나 step을 호출한 torch.optim 옵티마이저 목록",
        ),
        mistakes=[(USES_OPTIM, lambda: got["optimizers"])],
    )
