"""Hidden checks for exercise 4 — modules.

Modules cannot cross the sandbox boundary, so every check runs a scenario from
`solutions/probes/ex04_modules.py`: it builds the learner's module in the sandbox (the
reference's here), copies in parameters chosen by the check, and returns outputs, gradients and
parameter shapes. Each named mistake below is one beginners make; where the check can compute
what that mistake would give, the report names it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checks import (
    Mistake,
    check,
    expect_close,
    expect_equal,
    expect_gradients_close,
    expect_tensor,
    expect_type,
    explain_raise,
    fail,
    grid_floats,
    shapes,
    tensors,
)
from grader.i18n import Text, msg

Shape = tuple[int, ...]

# -- MLP ----------------------------------------------------------------------------------------
PYTHON_LIST = Mistake(
    en="layers kept in a Python list are not registered: use nn.ModuleList or nn.Sequential",
    ko="파이썬 리스트에 담은 층은 등록되지 않습니다: nn.ModuleList나 nn.Sequential을 쓰세요",
)
PARAMETER_ORDER = Mistake(
    en="the parameters come out in another order: parameters() follows the order in which __init__ assigns "
    "the layers, so create them from the input to the output",
    ko="파라미터 순서가 다릅니다: parameters()는 __init__에서 층을 대입한 순서를 따르므로 "
    "입력부터 출력 순서로 만드세요",
)
TRANSPOSED_WEIGHT = Mistake(
    en="a weight is stored as (in, out); like nn.Linear, keep it as (out_features, in_features)",
    ko="가중치를 (in, out) 모양으로 저장했습니다. nn.Linear처럼 (out_features, in_features)로 두세요",
)
NO_BIAS = Mistake(
    en="a Linear layer has no bias: every layer has its weight and its bias (bias=True, the default)",
    ko="편향이 없는 Linear 층이 있습니다: 모든 층에는 가중치와 편향이 있어야 합니다 (기본값 bias=True)",
)
LAYER_SIZES = Mistake(
    en="a layer has the wrong size: each Linear goes from the previous width to the next, "
    "starting at in_features and ending at out_features",
    ko="층의 크기가 틀렸습니다: 각 Linear는 이전 너비에서 다음 너비로 가고, "
    "in_features에서 시작해 out_features로 끝납니다",
)
EMPTY_HIDDEN = Mistake(
    en="with hidden empty the model is one Linear(in_features, out_features): keep the previous width "
    "in a variable instead of reading hidden[0] or hidden[-1]",
    ko="hidden이 비어 있으면 모델은 Linear(in_features, out_features) 하나입니다: hidden[0]이나 hidden[-1]을 "
    "읽지 말고 이전 너비를 변수에 담아 두세요",
)
NO_SUPER_INIT = Mistake(
    en="call super().__init__() at the start of __init__, before assigning any layer",
    ko="__init__의 맨 앞에서, 층을 대입하기 전에 super().__init__()을 호출하세요",
)
SEQUENTIAL_OF_LIST = Mistake(
    en="nn.Sequential takes the layers as separate arguments: nn.Sequential(*layers)",
    ko="nn.Sequential은 층을 각각의 인자로 받습니다: nn.Sequential(*layers)",
)
CALLED_A_LIST = Mistake(
    en="a list of layers cannot be called: loop over the layers, or wrap them in nn.Sequential",
    ko="층의 리스트는 호출할 수 없습니다: 층을 하나씩 돌며 적용하거나 nn.Sequential로 감싸세요",
)
CALLED_MODULE_LIST = Mistake(
    en="an nn.ModuleList cannot be called like a layer: loop over it in forward (or use nn.Sequential)",
    ko="nn.ModuleList는 층처럼 호출할 수 없습니다: forward에서 반복문으로 돌거나 nn.Sequential을 쓰세요",
)
NO_FORWARD = Mistake(
    en="the class has no method named forward (check its spelling and indentation): nn.Module calls forward",
    ko="클래스에 forward라는 메서드가 없습니다 (철자와 들여쓰기를 확인하세요): nn.Module은 forward를 호출합니다",
)
HIDDEN_TUPLE = Mistake(
    en="hidden may be a tuple as well as a list: build a new list, [in_features, *hidden] or list(hidden)",
    ko="hidden은 리스트뿐 아니라 튜플일 수도 있습니다: [in_features, *hidden]이나 list(hidden)으로 "
    "새 리스트를 만드세요",
)
SIGNATURE = Mistake(
    en="keep the signatures from the exercise file: MLP(in_features, hidden, out_features, dropout=0.0), "
    "LayerNorm(normalized_shape, eps=1e-5), count_parameters(model, trainable_only=True), forward(self, x)",
    ko="연습 파일의 시그니처를 그대로 두세요: MLP(in_features, hidden, out_features, dropout=0.0), "
    "LayerNorm(normalized_shape, eps=1e-5), count_parameters(model, trainable_only=True), forward(self, x)",
)
CALL_PATTERNS = {"positional argument": SIGNATURE, "unexpected keyword argument": SIGNATURE}
MLP_RAISES = {
    **CALL_PATTERNS,
    'can only concatenate tuple (not "list")': HIDDEN_TUPLE,
    'can only concatenate list (not "tuple")': HIDDEN_TUPLE,
    "'tuple' object has no attribute": HIDDEN_TUPLE,
    "list index out of range": EMPTY_HIDDEN,
    "tuple index out of range": EMPTY_HIDDEN,
    "before module.__init__() call": NO_SUPER_INIT,
    "is not a module subclass": SEQUENTIAL_OF_LIST,
    "'list' object is not callable": CALLED_A_LIST,
    "module [modulelist] is missing": CALLED_MODULE_LIST,
    'missing the required "forward" function': NO_FORWARD,
    "shapes cannot be multiplied": LAYER_SIZES,
}

NO_RELU = Mistake(
    en="there is no ReLU between the layers: apply ReLU after every hidden Linear",
    ko="층 사이에 ReLU가 없습니다: 모든 은닉 Linear 다음에 ReLU를 적용하세요",
)
RELU_AT_END = Mistake(
    en="a ReLU follows the last layer: the outputs are logits, with no activation after the final Linear",
    ko="마지막 층 뒤에 ReLU가 있습니다: 출력은 로짓이므로 마지막 Linear 뒤에는 활성화 함수가 없습니다",
)
SOFTMAX_AT_END = Mistake(
    en="the outputs go through softmax: forward returns logits (CrossEntropyLoss applies the softmax itself)",
    ko="출력에 softmax를 적용했습니다: forward는 로짓을 반환합니다 (CrossEntropyLoss가 softmax를 직접 적용합니다)",
)
OTHER_ACTIVATION = Mistake(
    en="the hidden activation is not ReLU: the spec asks for ReLU after every hidden Linear",
    ko="은닉층의 활성화 함수가 ReLU가 아닙니다: 모든 은닉 Linear 다음에는 ReLU를 써야 합니다",
)
DROPOUT_IN_EVAL = Mistake(
    en="dropout is still active in eval mode: use nn.Dropout, or pass training=self.training to F.dropout",
    ko="eval 모드에서도 드롭아웃이 켜져 있습니다: nn.Dropout을 쓰거나 F.dropout에 training=self.training을 넘기세요",
)
DROPOUT_DEFAULT = Mistake(
    en="without a dropout argument nothing may be dropped: the default is dropout=0.0",
    ko="dropout 인자가 없으면 아무것도 떨어뜨리지 않아야 합니다: 기본값은 dropout=0.0입니다",
)
DROPOUT_MISSING = Mistake(
    en="dropout has no effect in train mode: add Dropout(dropout) after each hidden ReLU",
    ko="train 모드에서 드롭아웃이 아무 효과가 없습니다: 각 은닉 ReLU 다음에 Dropout(dropout)을 넣으세요",
)
DROPOUT_ONCE = Mistake(
    en="dropout is applied once, not after every hidden layer: each hidden width gets Linear -> ReLU -> Dropout",
    ko="드롭아웃을 한 번만 적용했습니다: 각 은닉층마다 Linear -> ReLU -> Dropout이 있어야 합니다",
)
DROPOUT_UNSCALED = Mistake(
    en="the units that survive dropout are not scaled by 1 / (1 - p): nn.Dropout does that for you",
    ko="드롭아웃에서 살아남은 값을 1 / (1 - p)로 키우지 않았습니다: nn.Dropout이 이 일을 해 줍니다",
)
DROPOUT_AT_END = Mistake(
    en="dropout is applied to the outputs too: there is nothing after the final Linear",
    ko="출력에도 드롭아웃을 적용했습니다: 마지막 Linear 뒤에는 아무것도 없어야 합니다",
)
DROPOUT_KEEPS_P = Mistake(
    en="p is the probability of dropping a unit, not of keeping it",
    ko="p는 값을 떨어뜨릴(0으로 만들) 확률이지, 남길 확률이 아닙니다",
)
DROPOUT_SAME_MASK = Mistake(
    en="dropout drops the same units on every forward: draw a new mask each time (nn.Dropout does)",
    ko="드롭아웃이 매번 같은 값을 떨어뜨립니다: forward마다 새 마스크를 뽑아야 합니다 (nn.Dropout이 그렇게 합니다)",
)


def _linear_shapes(in_features: int, hidden: Sequence[int], out_features: int) -> list[Shape]:
    widths = [in_features, *hidden, out_features]
    found: list[Shape] = []
    for a, b in itertools.pairwise(widths):
        found += [(b, a), (b,)]
    return found


def _shapes_text(shapes_list: Sequence[Shape]) -> str:
    return "[" + ", ".join(str(tuple(s)) for s in shapes_list) + "]"


def _structure_mistake(got: list[Shape], expected: list[Shape], unregistered: list[str]) -> Mistake:
    if unregistered:
        return PYTHON_LIST
    if sorted(got) == sorted(expected):
        return PARAMETER_ORDER
    if len(got) == len(expected) and all(g in (e, e[::-1]) for g, e in zip(got, expected, strict=True)):
        return TRANSPOSED_WEIGHT
    if [s for s in got if len(s) == 2] == [s for s in expected if len(s) == 2]:
        return NO_BIAS
    return LAYER_SIZES


def _expect_structure(found: Any, expected: list[Shape], built: str) -> None:
    """parameters() gives exactly the Linear weights and biases, in layer order."""
    __tracebackhide__ = True
    got = [tuple(s) for s in found["shapes"]]
    if got == expected:
        return
    message = Text(
        en=f"{built}.parameters() gives shapes {_shapes_text(got)}; expected {_shapes_text(expected)}",
        ko=f"{built}.parameters()의 모양이 {_shapes_text(got)}입니다. 기댓값: {_shapes_text(expected)}",
    )
    fail("parameters", message, _structure_mistake(got, expected, list(found["unregistered"])))


def _built(in_features: int, hidden: Sequence[int], out_features: int, dropout: float | None = None) -> str:
    extra = "" if dropout is None else f", dropout={dropout}"
    return f"MLP({in_features}, {list(hidden)!r}, {out_features}{extra})"


def _forward(
    params: Sequence[torch.Tensor],
    x: torch.Tensor,
    act: Callable[[torch.Tensor], torch.Tensor] = F.relu,
    last: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """The MLP's eval-mode output computed from its parameters, with a mistake's activations if asked."""
    h = x
    layers = len(params) // 2
    for i in range(layers):
        h = F.linear(h, params[2 * i], params[2 * i + 1])
        if i < layers - 1:
            h = act(h)
    return last(h) if last is not None else h


def _activation_mistakes(found: dict[str, Any]) -> list[tuple[Mistake, Callable[[], Any]]]:
    params, x = found["params"], found["x"]
    return [
        (RELU_AT_END, lambda: _forward(params, x, last=F.relu)),
        (SOFTMAX_AT_END, lambda: _forward(params, x, last=lambda h: F.softmax(h, dim=1))),
        (NO_RELU, lambda: _forward(params, x, act=lambda h: h)),
        (OTHER_ACTIVATION, lambda: _forward(params, x, act=torch.sigmoid)),
        (OTHER_ACTIVATION, lambda: _forward(params, x, act=torch.tanh)),
    ]


@st.composite
def architectures(draw: st.DrawFn, max_hidden: int = 3) -> tuple[int, Sequence[int], int]:
    """(in_features, hidden, out_features); hidden may be empty, a list or a tuple."""
    in_features = draw(st.integers(1, 6), label="in_features")
    hidden = draw(st.lists(st.integers(1, 6), max_size=max_hidden), label="hidden")
    out_features = draw(st.integers(1, 6), label="out_features")
    return in_features, (tuple(hidden) if draw(st.booleans()) else hidden), out_features


def _run(
    arch: tuple[int, Sequence[int], int], seed: int, batch: int, dropout: float | None = None, train: bool = False
) -> dict[str, Any]:
    """The arguments of the `mlp_run` scenario."""
    in_features, hidden, out_features = arch
    return {
        "in_features": in_features,
        "hidden": hidden,
        "out_features": out_features,
        "seed": seed,
        "batch": batch,
        "dropout": dropout,
        "train": train,
    }


def _probe_mlp(learner: Any, scenario: str, arch: tuple[int, Sequence[int], int], **run: Any) -> dict[str, Any]:
    """Run a scenario on the learner's MLP and check its parameter shapes first."""
    with explain_raise(MLP_RAISES):
        found = learner.probe(scenario, **run)
    _expect_structure(found, _linear_shapes(*arch), _built(*arch, run.get("dropout", run.get("p"))))
    return found


OUTPUT = Text(en="the output of the model", ko="모델의 출력")


@check(
    "ex04.MLP",
    "parameters(): every Linear's weight and bias, in layer order",
    "parameters(): 모든 Linear의 가중치와 편향을 층 순서대로",
    weight=2,
)
@given(architectures(), st.sampled_from([None, 0.0, 0.5]))
@example((3, [5, 4], 2), None)
@example((4, (), 3), 0.25)
def test_mlp_parameters(learner, arch, dropout):
    in_features, hidden, out_features = arch
    _probe_mlp(
        learner,
        "mlp_structure",
        arch,
        in_features=in_features,
        hidden=hidden,
        out_features=out_features,
        dropout=dropout,
    )


@check(
    "ex04.MLP",
    "outputs equal the reference's with the same parameters (eval mode)",
    "같은 파라미터에서 출력이 참조 구현과 같음 (eval 모드)",
    weight=2,
)
@given(architectures(), st.integers(0, 2**16), st.integers(1, 5))
@example((3, [5, 4], 2), 0, 4)
@example((2, [], 3), 1, 3)
def test_mlp_outputs(learner, reference, arch, seed, batch):
    run = _run(arch, seed, batch)
    found = _probe_mlp(learner, "mlp_run", arch, **run)
    expected = reference.probe("mlp_run", **run)
    expect_close(found["out"], expected["out"], what=OUTPUT, mistakes=_activation_mistakes(expected))


@check("ex04.MLP", "gradients reach the input and every parameter", "입력과 모든 파라미터로 기울기가 전달됨")
@given(architectures(max_hidden=2), st.integers(0, 2**16), st.integers(1, 4))
@example((3, [5], 2), 2, 4)
def test_mlp_gradients(learner, reference, arch, seed, batch):
    run = _run(arch, seed, batch)
    found = _probe_mlp(learner, "mlp_run", arch, **run)
    expected = reference.probe("mlp_run", **run)
    layers = len(expected["params"]) // 2
    names = ["x"] + [f"layer {i + 1} {part}" for i in range(layers) for part in ("weight", "bias")]
    expect_gradients_close(
        [found["x_grad"], *found["grads"]], [expected["x_grad"], *expected["grads"]], names=names, rtol=1e-4, atol=1e-5
    )


DROPOUT_ARCH = (4, [6, 5], 3)


@check(
    "ex04.MLP",
    "dropout is off in eval mode, and 0.0 unless given",
    "eval 모드에서는 드롭아웃이 꺼지고, 주지 않으면 0.0",
)
def test_mlp_dropout_eval(learner, reference):
    for dropout, train in ((0.5, False), (None, True)):
        run = _run(DROPOUT_ARCH, 3, 8, dropout, train)
        found = _probe_mlp(learner, "mlp_run", DROPOUT_ARCH, **run)
        expected = reference.probe("mlp_run", **run)
        out, again = found["out"], found["again"]
        comparable = isinstance(out, torch.Tensor) and isinstance(again, torch.Tensor) and out.shape == again.shape
        if comparable and not torch.allclose(out, again):
            built, mode = _built(*DROPOUT_ARCH, dropout), "train" if train else "eval"
            fail(
                "mode",
                Text(
                    en=f"{built} in {mode} mode gives different outputs for the same input on two calls",
                    ko=f"{built}이(가) {mode} 모드에서 같은 입력에 대해 두 번의 호출마다 다른 출력을 냅니다",
                ),
                DROPOUT_IN_EVAL if dropout else DROPOUT_DEFAULT,
            )
        expect_close(out, expected["out"], what=OUTPUT, mistakes=_activation_mistakes(expected))


def _only(out: torch.Tensor, allowed: Sequence[torch.Tensor]) -> bool:
    """Every entry of `out` equals the entry, in its column, of one of the `allowed` rows."""
    matches = [torch.isclose(out, a.expand_as(out), rtol=1e-5, atol=1e-5) for a in allowed]
    return bool(torch.stack(matches).any(0).all())


def _dropout_mistake(out: torch.Tensor, v: torch.Tensor, c: torch.Tensor, p: float, depth: int) -> Mistake | None:
    """Which wrong dropout gives exactly these outputs in the `mlp_dropout` scenario."""
    if _only(out, [v + c]):
        return DROPOUT_MISSING
    if depth > 1 and _only(out, [c, v / (1 - p) + c]):
        return DROPOUT_ONCE
    if _only(out, [c, v + c]):
        return DROPOUT_UNSCALED
    # After the final Linear too: (each hidden-dropout outcome) * (0 or 1 / (1 - p)).
    hidden = [c, *(v / (1 - p) ** k + c for k in range(depth + 1))]
    if _only(out, [torch.zeros_like(c)] + [h / (1 - p) for h in hidden]):
        return DROPOUT_AT_END
    return None


@check(
    "ex04.MLP",
    "in train mode, dropout zeroes units after each hidden ReLU and scales the rest by 1 / (1 - p)",
    "train 모드에서 드롭아웃은 각 은닉 ReLU 뒤의 값을 0으로 만들고 나머지를 1 / (1 - p)배 함",
)
def test_mlp_dropout_train(learner, reference):
    width, batch = 8, 64
    for depth, p in ((1, 0.5), (2, 0.25)):
        run = {"width": width, "depth": depth, "p": p, "batch": batch}
        arch = (width, [width] * depth, width)
        found = _probe_mlp(learner, "mlp_dropout", arch, **run)
        design = reference.probe("mlp_dropout", **run)
        v, c = design["v"], design["c"]
        out = expect_tensor(found["out"], OUTPUT)
        if tuple(out.shape) != (batch, width):
            fail("shape", msg("shape", what=OUTPUT, expected=str((batch, width)), got=str(tuple(out.shape))))
        built = _built(*arch, p)
        kept = torch.isclose(out, (v / (1 - p) ** depth + c).expand_as(out), rtol=1e-5, atol=1e-5)
        dropped = torch.isclose(out, c.expand_as(out), rtol=1e-5, atol=1e-5)
        if not bool((kept | dropped).all()):
            odd = int((~(kept | dropped)).sum())
            fail(
                "dropout",
                Text(
                    en=f"{built} in train mode: {odd} of {out.numel()} outputs are neither a dropped unit nor "
                    "a kept one scaled by 1 / (1 - p) after each hidden layer",
                    ko=f"train 모드의 {built}: 출력 {out.numel()}개 중 {odd}개가 떨어뜨린 값도, "
                    "각 은닉층 뒤에서 1 / (1 - p)배 한 값도 아닙니다",
                ),
                _dropout_mistake(out, v, c, p, depth),
            )
        share, expected_share = float(kept.float().mean()), (1 - p) ** depth
        if abs(share - expected_share) > 0.15:
            fail(
                "dropout",
                Text(
                    en=f"{built} in train mode kept {share:.0%} of the units; about {expected_share:.0%} were expected",
                    ko=f"train 모드의 {built}이(가) 값의 {share:.0%}를 남겼습니다. 약 {expected_share:.0%}여야 합니다",
                ),
                DROPOUT_KEEPS_P if abs(share - p**depth) < 0.15 else None,
            )
        if torch.equal(out, found["again"]):
            fail(
                "dropout",
                Text(
                    en=f"{built} in train mode drops the same units on two calls",
                    ko=f"train 모드의 {built}이(가) 두 번의 호출에서 같은 값을 떨어뜨립니다",
                ),
                DROPOUT_SAME_MASK,
            )


# -- LayerNorm ----------------------------------------------------------------------------------
NOT_PARAMETER = Mistake(
    en="weight and bias must be nn.Parameter(...): a plain tensor is not a parameter, so optimizers never update it",
    ko="weight와 bias는 nn.Parameter(...)여야 합니다: 일반 텐서는 파라미터가 아니어서 옵티마이저가 갱신하지 않습니다",
)
PARAMETER_NAMES = Mistake(
    en="name the parameters weight and bias (self.weight, self.bias), as torch.nn.LayerNorm does",
    ko="파라미터 이름은 torch.nn.LayerNorm처럼 weight와 bias로 하세요 (self.weight, self.bias)",
)
WRONG_INIT = Mistake(
    en="weight starts as ones and bias as zeros (torch.ones(D), torch.zeros(D)), so a fresh LayerNorm only normalizes",
    ko="weight는 1로, bias는 0으로 시작합니다 (torch.ones(D), torch.zeros(D)). 그래서 새 LayerNorm은 정규화만 합니다",
)
UNBIASED_VARIANCE = Mistake(
    en="the variance is unbiased (divides by D - 1); LayerNorm uses the population variance: var(unbiased=False)",
    ko="분산을 불편 추정(D - 1로 나눔)으로 계산했습니다. LayerNorm은 모집단 분산을 씁니다: var(unbiased=False)",
)
EPS_OUTSIDE_SQRT = Mistake(
    en="eps is added to the standard deviation; LayerNorm adds it to the variance, inside the square root",
    ko="eps를 표준편차에 더했습니다. LayerNorm은 eps를 제곱근 안, 분산에 더합니다",
)
EPS_IGNORED = Mistake(
    en="eps is ignored (or its default is not 1e-5): divide by sqrt(var + eps)",
    ko="eps가 무시되었습니다 (또는 기본값이 1e-5가 아닙니다): sqrt(var + eps)로 나누세요",
)
WRONG_AXIS = Mistake(
    en="the statistics are taken over the wrong dimension: normalize each row over the last one (dim=-1, keepdim=True)",
    ko="통계를 잘못된 차원에서 계산했습니다: 각 행을 마지막 차원에서 정규화하세요 (dim=-1, keepdim=True)",
)
WHOLE_TENSOR = Mistake(
    en="the mean and variance are taken over the whole tensor: take them over the last dimension only (dim=-1)",
    ko="평균과 분산을 텐서 전체에서 계산했습니다: 마지막 차원에서만 계산하세요 (dim=-1)",
)
AFFINE_IGNORED = Mistake(
    en="the result is not scaled by weight and shifted by bias: multiply by self.weight, then add self.bias",
    ko="결과에 weight를 곱하고 bias를 더하지 않았습니다: self.weight를 곱한 뒤 self.bias를 더하세요",
)
DETACHED_STATISTICS = Mistake(
    en="the mean or variance is cut off from the graph (.detach(), .item() or .data): keep them in it, "
    "so that the gradient flows through them too",
    ko="평균이나 분산이 그래프에서 끊겼습니다 (.detach(), .item(), .data): 기울기가 그것들을 통해서도 흐르도록 "
    "그래프 안에 두세요",
)
NO_KEEPDIM = Mistake(
    en="the mean or variance lost the last dimension, so it does not broadcast back: use keepdim=True",
    ko="평균이나 분산에서 마지막 차원이 사라져 다시 브로드캐스트되지 않습니다: keepdim=True를 쓰세요",
)
LAYERNORM_RAISES = {
    **CALL_PATTERNS,
    "before module.__init__() call": NO_SUPER_INIT,
    "must match the size of tensor": NO_KEEPDIM,
    "has no attribute 'weight'": PARAMETER_NAMES,
    "has no attribute 'bias'": PARAMETER_NAMES,
    'missing the required "forward" function': NO_FORWARD,
}


def _layer_norm(
    x: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    eps: float,
    *,
    dim: int | None = -1,
    unbiased: bool = False,
    eps_outside: bool = False,
    affine: bool = True,
    detached: bool = False,
) -> torch.Tensor:
    """LayerNorm written out, with switches for the mistakes (dim=None: over the whole tensor)."""
    dims = tuple(range(x.dim())) if dim is None else (dim,)
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, unbiased=unbiased, keepdim=True)
    if detached:
        mean, var = mean.detach(), var.detach()
    scale = torch.sqrt(var) + eps if eps_outside else torch.sqrt(var + eps)
    y = (x - mean) / scale
    return y * weight + bias if affine else y


def _layer_norm_mistakes(x, weight, bias, eps) -> list[tuple[Mistake, Callable[[], Any]]]:
    return [
        (UNBIASED_VARIANCE, lambda: _layer_norm(x, weight, bias, eps, unbiased=True)),
        (EPS_OUTSIDE_SQRT, lambda: _layer_norm(x, weight, bias, eps, eps_outside=True)),
        (EPS_IGNORED, lambda: _layer_norm(x, weight, bias, 0.0)),
        (AFFINE_IGNORED, lambda: _layer_norm(x, weight, bias, eps, affine=False)),
        (WHOLE_TENSOR, lambda: _layer_norm(x, weight, bias, eps, dim=None)),
        (WRONG_AXIS, lambda: _layer_norm(x, weight, bias, eps, dim=0)),
    ]


QUARTERS = grid_floats(-4, 4, grid=4)


@st.composite
def layer_norm_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    """(x, weight, bias, eps, upstream); eps None means the default."""
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=2, max_side=5), label="shape")
    size = shape[-1]
    x = draw(tensors(shape, elements=QUARTERS), label="x")
    weight = draw(tensors((size,), min_value=-2, max_value=2), label="weight")
    bias = draw(tensors((size,), min_value=-2, max_value=2), label="bias")
    eps = draw(st.sampled_from([None, 1e-5, 0.1, 1.0]), label="eps")
    upstream = draw(tensors(shape, min_value=-2, max_value=2, layout="contiguous"), label="upstream")
    return x, weight, bias, eps, upstream


def _run_layer_norm(learner: Any, reference: Any, case: tuple[Any, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `layernorm_run` scenario for a case, on the learner's LayerNorm and on the reference's."""
    x, weight, bias, eps, upstream = case
    run = {"size": x.shape[-1], "eps": eps, "weight": weight, "bias": bias, "x": x, "upstream": upstream}
    with explain_raise(LAYERNORM_RAISES):
        found = learner.probe("layernorm_run", **run)
    return found, reference.probe("layernorm_run", **run)


ROWS = torch.tensor([[1.0, 2.0, -1.5, 0.25], [3.0, 5.0, 0.5, 0.75], [0.0, 0.5, 0.25, -0.25]])
ROW_WEIGHT = torch.tensor([0.5, -1.0, 2.0, 1.5])
ROW_BIAS = torch.tensor([0.25, 0.0, -0.5, 1.0])
# Rows spread over 1/16: a variance of about 1e-3, where the default eps (1e-5) shows.
NARROW = torch.tensor([[0.0, 0.0625, 0.125, 0.0625], [1.0, 1.0625, 1.0, 0.9375]])
UPSTREAM = torch.tensor([[1.0, -0.5, 0.25, 2.0], [0.5, 1.5, -1.0, 0.0], [-2.0, 0.25, 1.0, 0.75]])


@check(
    "ex04.LayerNorm",
    "weight and bias are nn.Parameters of shape (D,), initialised to ones and zeros",
    "weight와 bias는 모양 (D,)의 nn.Parameter이고, 1과 0으로 초기화됨",
)
def test_layernorm_parameters(learner):
    size = 5
    with explain_raise(LAYERNORM_RAISES):
        found = learner.probe("layernorm_init", size=size)
    for name, value, is_parameter, start in (
        ("weight", found["weight"], found["weight_is_parameter"], torch.ones(size)),
        ("bias", found["bias"], found["bias_is_parameter"], torch.zeros(size)),
    ):
        what = Text(en=f"LayerNorm({size}).{name}", ko=f"LayerNorm({size}).{name}")
        if value is None:
            fail(
                "parameters",
                Text(en=f"LayerNorm({size}) has no attribute {name}", ko=f"LayerNorm({size})에 {name} 속성이 없습니다"),
                PARAMETER_NAMES,
            )
        if not is_parameter:
            fail(
                "parameters",
                Text(
                    en=f"LayerNorm({size}).{name} is not an nn.Parameter",
                    ko=f"LayerNorm({size}).{name}이(가) nn.Parameter가 아닙니다",
                ),
                NOT_PARAMETER,
            )
        same_shape = isinstance(value, torch.Tensor) and value.shape == start.shape
        expect_close(value, start, what=what, mistakes=[(WRONG_INIT, lambda value=value: value)] if same_shape else [])
    expect_equal(
        found["parameters"],
        {"weight": (size,), "bias": (size,)},
        what=Text(en=f"LayerNorm({size})'s named parameters", ko=f"LayerNorm({size})의 이름 붙은 파라미터"),
    )


@check(
    "ex04.LayerNorm",
    "matches torch.nn.LayerNorm on (..., D) inputs, for any weight, bias and eps",
    "(..., D) 입력에서 어떤 weight, bias, eps로도 torch.nn.LayerNorm과 같음",
    weight=2,
)
@given(layer_norm_cases())
@example((ROWS, ROW_WEIGHT, ROW_BIAS, None, UPSTREAM))
@example((ROWS, ROW_WEIGHT, ROW_BIAS, 1.0, UPSTREAM))
@example((NARROW, torch.ones(4), torch.zeros(4), None, UPSTREAM[:2]))
def test_layernorm_values(learner, reference, case):
    x, weight, bias, eps, _ = case
    found, expected = _run_layer_norm(learner, reference, case)
    expect_close(
        found["out"],
        expected["out"],
        what=OUTPUT,
        rtol=1e-4,
        atol=1e-4,
        mistakes=_layer_norm_mistakes(x, weight, bias, 1e-5 if eps is None else eps),
    )


CALLS_LAYER_NORM = Mistake(
    en="LayerNorm calls torch's own layer norm (torch.nn.functional.layer_norm, torch.layer_norm or "
    "nn.LayerNorm): compute the mean, the variance and the square root yourself",
    ko="LayerNorm이 torch의 레이어 정규화(torch.nn.functional.layer_norm, torch.layer_norm, nn.LayerNorm)를 "
    "호출합니다: 평균, 분산, 제곱근을 직접 계산하세요",
)
TORCH_LAYER_NORMS = {"layer_norm", "native_layer_norm"}


@check(
    "ex04.LayerNorm",
    "written with tensor operations, not torch's layer_norm",
    "torch의 layer_norm 없이 텐서 연산으로 작성",
)
@given(layer_norm_cases())
def test_layernorm_by_hand(learner, reference, case):
    found, expected = _run_layer_norm(learner, reference, case)
    # The rule is credited only to a LayerNorm that works: code that does nothing calls no torch function.
    expect_close(found["out"], expected["out"], what=OUTPUT, rtol=1e-4, atol=1e-4)
    used = sorted(TORCH_LAYER_NORMS.intersection(found["torch_functions"]))
    if used:
        fail(
            "rule",
            Text(
                en=f"LayerNorm's forward called torch's {', '.join(used)}, "
                "which the exercise asks you to write yourself",
                ko=f"LayerNorm의 forward가 torch의 {', '.join(used)}을(를) 호출했습니다. 이 연습에서는 그 계산을 "
                "직접 작성해야 합니다",
            ),
            CALLS_LAYER_NORM,
        )


def _gradient_of_x(x, weight, bias, eps, upstream, **mistake) -> torch.Tensor:
    leaf = x.clone().requires_grad_(True)
    (_layer_norm(leaf, weight, bias, eps, **mistake) * upstream).sum().backward()
    return leaf.grad


@check(
    "ex04.LayerNorm",
    "gradients for the input, weight and bias match torch.nn.LayerNorm",
    "입력, weight, bias에 대한 기울기가 torch.nn.LayerNorm과 같음",
)
@given(layer_norm_cases())
@example((ROWS, ROW_WEIGHT, ROW_BIAS, None, UPSTREAM))
def test_layernorm_gradients(learner, reference, case):
    x, weight, bias, eps, upstream = case
    found, expected = _run_layer_norm(learner, reference, case)
    for name in ("weight", "bias"):
        if found[f"{name}_grad"] is None and isinstance(found["out"], torch.Tensor) and found["out"].requires_grad:
            fail(
                "gradient",
                Text(en=f"no gradient reached LayerNorm.{name}", ko=f"LayerNorm.{name}에 기울기가 전달되지 않았습니다"),
                NOT_PARAMETER,
            )
    eps_value = 1e-5 if eps is None else eps
    expect_gradients_close(
        [found["x_grad"], found["weight_grad"], found["bias_grad"]],
        [expected["x_grad"], expected["weight_grad"], expected["bias_grad"]],
        names=("x", "weight", "bias"),
        rtol=1e-3,
        atol=1e-4,
        mistakes=[
            (mistake, lambda switches=switches: _gradient_of_x(x, weight, bias, eps_value, upstream, **switches))
            for mistake, switches in (
                (DETACHED_STATISTICS, {"detached": True}),
                (UNBIASED_VARIANCE, {"unbiased": True}),
                (EPS_OUTSIDE_SQRT, {"eps_outside": True}),
                (WHOLE_TENSOR, {"dim": None}),
            )
        ],
    )


# -- count_parameters ---------------------------------------------------------------------------
COUNTS_TENSORS = Mistake(
    en="this counts parameter tensors; count their elements instead: sum(p.numel() for p in model.parameters())",
    ko="파라미터 텐서의 개수를 셌습니다. 원소 수를 세야 합니다: sum(p.numel() for p in model.parameters())",
)
RETURNS_TENSOR = Mistake(
    en="the count must be a Python int, not a tensor: add up p.numel() (an int), or call .item()",
    ko="개수는 텐서가 아니라 파이썬 int여야 합니다: p.numel()(int)을 더하거나 .item()을 쓰세요",
)
FLAG_IGNORED = Mistake(
    en="trainable_only is ignored: True counts only parameters with requires_grad=True, False counts them all",
    ko="trainable_only가 무시되었습니다: True이면 requires_grad=True인 파라미터만, False이면 모두 셉니다",
)
FLAG_INVERTED = Mistake(
    en="trainable_only works the wrong way round: True keeps the parameters with requires_grad=True",
    ko="trainable_only가 거꾸로 동작합니다: True이면 requires_grad=True인 파라미터만 셉니다",
)
WRONG_DEFAULT = Mistake(
    en="trainable_only defaults to True: without the argument, count only the trainable parameters",
    ko="trainable_only의 기본값은 True입니다: 인자가 없으면 학습 가능한 파라미터만 세세요",
)
STATE_DICT = Mistake(
    en="state_dict() also holds buffers (BatchNorm's running statistics) and repeats shared weights: "
    "count model.parameters() instead",
    ko="state_dict()에는 버퍼(BatchNorm의 이동 통계)도 있고 공유된 가중치가 반복됩니다: model.parameters()를 세세요",
)
REPEATED_SHARED = Mistake(
    en="a shared (tied) parameter is counted twice: model.parameters() lists each parameter once, keep it that way",
    ko="공유된(묶인) 파라미터를 두 번 셌습니다: model.parameters()는 파라미터를 한 번씩만 내놓으니 그대로 쓰세요",
)
PER_MODULE = Mistake(
    en="parameters of nested modules are counted more than once: model.parameters() already goes through every "
    "submodule, so do not also loop over model.modules()",
    ko="중첩된 모듈의 파라미터를 여러 번 셌습니다: model.parameters()가 이미 모든 하위 모듈을 돌므로 "
    "model.modules()를 또 돌지 마세요",
)
NOT_NUMEL = Mistake(
    en="a parameter can be 0-d (a single number) or 1-D: count its elements with p.numel(), "
    "not with len(p) or the sides of its shape",
    ko="파라미터는 0차원(숫자 하나)이나 1차원일 수도 있습니다: len(p)나 모양의 변 대신 p.numel()로 원소를 세세요",
)
COUNT_RAISES = {
    **CALL_PATTERNS,
    "len() of a 0-d tensor": NOT_NUMEL,
    "tuple index out of range": NOT_NUMEL,
    "too many values to unpack": NOT_NUMEL,
    "not enough values to unpack": NOT_NUMEL,
}

COUNT = Text(en="count_parameters(model)", ko="count_parameters(model)")


def _counted(learner: Any, model: dict[str, Any], trainable_only: bool | None = None) -> Any:
    with explain_raise(COUNT_RAISES):
        got = learner.probe("count", model=model, trainable_only=trainable_only)
    expect_type(got, int, what=COUNT, diagnosis=RETURNS_TENSOR if isinstance(got, torch.Tensor) else None)
    return got


@st.composite
def linear_stacks(draw: st.DrawFn, frozen: bool = False) -> dict[str, Any]:
    """A description of nn.Sequential(Linear, ...) for the probe: widths, which layers have a bias, which are frozen."""
    widths = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5), label="widths")
    layers = len(widths) - 1
    biases = draw(st.lists(st.booleans(), min_size=layers, max_size=layers), label="biases")
    if frozen:
        flags = draw(st.lists(st.booleans(), min_size=layers, max_size=layers).filter(any), label="frozen")
    else:
        flags = [False] * layers
    return {"widths": widths, "biases": biases, "frozen": flags}


@check(
    "ex04.count_parameters",
    "counts scalar elements, not parameter tensors, and returns an int",
    "파라미터 텐서가 아니라 스칼라 원소를 세고 int를 반환",
    weight=2,
)
@given(linear_stacks())
@example({"widths": [4, 3, 2], "biases": [True, True], "frozen": [False, False]})
def test_count_elements(learner, reference, model):
    got = _counted(learner, model)
    candidates = reference.probe("count_candidates", model=model)
    expect_equal(
        got,
        reference.probe("count", model=model),
        what=COUNT,
        mistakes=[(COUNTS_TENSORS, lambda: candidates["tensors"])],
    )


@check(
    "ex04.count_parameters",
    "trainable_only=True (the default) skips frozen parameters; False counts them",
    "trainable_only=True(기본값)는 고정된 파라미터를 빼고, False는 함께 셈",
    weight=2,
)
@given(linear_stacks(frozen=True))
@example({"widths": [4, 3, 2], "biases": [True, False], "frozen": [True, False]})
def test_count_trainable_only(learner, reference, model):
    candidates = reference.probe("count_candidates", model=model)
    for trainable_only, mistakes in (
        (True, [(FLAG_IGNORED, lambda: candidates["all"]), (FLAG_INVERTED, lambda: candidates["frozen"])]),
        (False, [(FLAG_IGNORED, lambda: candidates["trainable"]), (FLAG_INVERTED, lambda: candidates["frozen"])]),
        (None, [(WRONG_DEFAULT, lambda: candidates["all"]), (FLAG_INVERTED, lambda: candidates["frozen"])]),
    ):
        shown = "" if trainable_only is None else f", trainable_only={trainable_only}"
        expect_equal(
            _counted(learner, model, trainable_only),
            reference.probe("count", model=model, trainable_only=trainable_only),
            what=Text(en=f"count_parameters(model{shown})", ko=f"count_parameters(model{shown})"),
            mistakes=mistakes,
        )


@check(
    "ex04.count_parameters",
    "tied weights count once; buffers and nested modules are not counted twice",
    "묶인 가중치는 한 번만 세고, 버퍼와 중첩 모듈을 중복해 세지 않음",
)
def test_count_shared_buffers_nested(learner, reference):
    for kind in ("batchnorm", "tied", "nested"):
        model = {"kind": kind}
        candidates = reference.probe("count_candidates", model=model)
        expect_equal(
            _counted(learner, model, False),
            reference.probe("count", model=model, trainable_only=False),
            what=Text(en=f"count_parameters({kind} model)", ko=f"count_parameters({kind} 모델)"),
            mistakes=[
                (REPEATED_SHARED, lambda c=candidates: c["repeated"]),
                (STATE_DICT, lambda c=candidates: c["state_dict"]),
                (PER_MODULE, lambda c=candidates: c["per_module"]),
            ],
        )


@check(
    "ex04.count_parameters",
    "a 0-d parameter counts 1; a model without parameters gives 0",
    "0차원 파라미터는 1로 세고, 파라미터가 없는 모델은 0",
)
def test_count_edge_models(learner, reference):
    for kind in ("scalar", "empty"):
        model = {"kind": kind}
        expect_equal(
            _counted(learner, model),
            reference.probe("count", model=model),
            what=Text(en=f"count_parameters({kind} model)", ko=f"count_parameters({kind} 모델)"),
        )
