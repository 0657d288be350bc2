"""Hidden checks for exercise 5 — training.

Models, optimizers and loaders cannot cross the sandbox boundary, so every check runs a scenario
from `solutions/probes/ex05_training.py`: the learner's function gets a small model, a recording
SGD and loss, and batches made from a seed; the scenario reports the parameters afterwards and
an event log (zero_grad, forward, loss, backward, step, and each forward's mode). A check
compares the outcome with the reference's in the same scenario, and when it differs, reads the
event log to say which step of the loop went wrong.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from hypothesis import example, given
from hypothesis import strategies as st

from grader.checks import CheckFailed, Mistake, check, expect_close, expect_equal, expect_type, explain_raise, fail
from grader.i18n import Text

Candidates = list[tuple[Mistake, Callable[[], Any]]]

# -- what the event log can show ----------------------------------------------------------------
ACCUMULATED = Mistake(
    en="gradients accumulate across steps: call optimizer.zero_grad() every batch",
    ko="기울기가 단계마다 누적됩니다: 배치마다 optimizer.zero_grad()를 호출하세요",
)
LEFTOVER_GRADIENTS = Mistake(
    en="gradients left in .grad before the call reached the first update: call optimizer.zero_grad() before "
    "backward() in every batch, the first one included",
    ko="호출 전부터 .grad에 남아 있던 기울기가 첫 갱신에 쓰였습니다: 첫 배치를 포함해 모든 배치에서 "
    "backward() 전에 optimizer.zero_grad()를 호출하세요",
)
ZERO_BEFORE_STEP = Mistake(
    en="zero_grad() runs between backward() and step(), so step() finds no gradients: zero them before backward()",
    ko="zero_grad()가 backward()와 step() 사이에 있어 step()이 기울기를 찾지 못합니다: backward() 전에 초기화하세요",
)
STEP_BEFORE_BACKWARD = Mistake(
    en="step() runs before backward(): each update must use its own batch's gradients "
    "(zero_grad, forward, loss, backward, step)",
    ko="step()이 backward()보다 먼저 실행됩니다: 각 갱신은 자기 배치의 기울기를 써야 합니다 "
    "(zero_grad, forward, loss, backward, step)",
)
NO_STEP = Mistake(
    en="optimizer.step() is never called, so the parameters never change",
    ko="optimizer.step()을 호출하지 않아 파라미터가 바뀌지 않습니다",
)
NO_BACKWARD = Mistake(
    en="loss.backward() is never called, so there are no gradients to update with",
    ko="loss.backward()를 호출하지 않아 갱신에 쓸 기울기가 없습니다",
)
ONCE_PER_BATCH = Mistake(
    en="backward() and step() must run once per batch, inside the loop over the loader",
    ko="backward()와 step()은 loader를 도는 반복문 안에서 배치마다 한 번씩 실행되어야 합니다",
)
NOT_TRAIN_MODE = Mistake(
    en="the model is not in train mode: call model.train() at the start of train_one_epoch",
    ko="모델이 train 모드가 아닙니다: train_one_epoch의 처음에 model.train()을 호출하세요",
)
TRAINING_FLAG_ONLY = Mistake(
    en="assigning model.training changes only the outer module: call model.train() or model.eval(), "
    "which reach every layer",
    ko="model.training에 대입하면 바깥 모듈만 바뀝니다: 모든 층에 적용되는 model.train()이나 model.eval()을 호출하세요",
)
NO_GRAD_WHILE_TRAINING = Mistake(
    en="training needs autograd: do not run the training loop under torch.no_grad()",
    ko="학습에는 autograd가 필요합니다: 학습 반복문을 torch.no_grad() 안에서 실행하지 마세요",
)
SIGNATURE = Mistake(
    en="keep the signatures from the exercise file: train_one_epoch(model, loader, loss_fn, optimizer), "
    "evaluate(model, loader, loss_fn), fit(model, train_loader, val_loader, loss_fn, optimizer, epochs)",
    ko="연습 파일의 시그니처를 그대로 두세요: train_one_epoch(model, loader, loss_fn, optimizer), "
    "evaluate(model, loader, loss_fn), fit(model, train_loader, val_loader, loss_fn, optimizer, epochs)",
)
CALL_PATTERNS = {"positional argument": SIGNATURE, "unexpected keyword argument": SIGNATURE}
TRAIN_RAISES = {**CALL_PATTERNS, "does not require grad": NO_GRAD_WHILE_TRAINING}


def _update_mistake(events: Sequence[str], batches: int, leftover: bool) -> Mistake | None:
    """Replay what happened to .grad event by event and name the first update that used the wrong gradients."""
    if "step" not in events:
        return NO_STEP
    if "backward" not in events:
        return NO_BACKWARD
    if events.count("step") != batches or events.count("backward") != batches:
        return ONCE_PER_BATCH
    grad, backward_since_step = "before the call", False
    for event in events:
        if event == "zero_grad":
            grad = "zero"
        elif event == "backward":
            grad = {"zero": "this batch", "before the call": "before the call + this batch"}.get(grad, "summed")
            backward_since_step = True
        elif event == "step":
            if grad == "zero" and backward_since_step:
                return ZERO_BEFORE_STEP
            if not backward_since_step:
                return STEP_BEFORE_BACKWARD
            if grad == "before the call + this batch" and leftover:
                return LEFTOVER_GRADIENTS
            if grad == "summed":
                return ACCUMULATED
            grad, backward_since_step = "used", False
    return None


def _mode_mistake(modes: Sequence[dict[str, bool]], training: bool) -> Mistake | None:
    """What the mode of each forward says: train mode (or eval mode) everywhere, autograd on (or off)."""
    for mode in modes:
        if training and not mode["layers_training"]:
            return TRAINING_FLAG_ONLY if mode["training"] else NOT_TRAIN_MODE
        if not training and not mode["layers_eval"]:
            return TRAINING_FLAG_ONLY if not mode["training"] else STILL_TRAIN_MODE
        if training and not mode["grad_enabled"]:
            return NO_GRAD_WHILE_TRAINING
        if not training and mode["grad_enabled"]:
            return AUTOGRAD_ON
    return None


@contextlib.contextmanager
def _diagnosed(diagnosis: Mistake | None) -> Iterator[None]:
    """Give a failing comparison inside the block this diagnosis, when it has none of its own."""
    __tracebackhide__ = True
    try:
        yield
    except CheckFailed as failed:
        if diagnosis is None or failed.diagnosis is not None:
            raise
        raise CheckFailed(failed.category, failed.message, diagnosis.text) from None


def _parameters_after(found: dict[str, Any], expected: dict[str, Any], diagnosis: Mistake | None) -> None:
    expect_type(found["params"], dict, what=Text(en="the model's parameters", ko="모델의 파라미터"))
    with _diagnosed(diagnosis):
        for name, value in expected["params"].items():
            expect_close(
                found["params"].get(name),
                value,
                what=Text(en=f"the parameter {name} after the epoch", ko=f"에포크가 끝난 뒤의 파라미터 {name}"),
                rtol=1e-4,
                atol=1e-5,
            )


@st.composite
def training_batches(draw: st.DrawFn) -> list[int]:
    """Batch sizes for training (BatchNorm needs at least 2 samples in train mode)."""
    return draw(st.lists(st.integers(2, 6), min_size=1, max_size=4), label="sizes")


def _train(learner: Any, reference: Any, **scenario: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    with explain_raise(TRAIN_RAISES):
        found = learner.probe("train_epoch", **scenario)
    return found, reference.probe("train_epoch", **scenario)


@check(
    "ex05.train_one_epoch",
    "parameters after one epoch equal the reference's (same start, same batches)",
    "한 에포크 뒤의 파라미터가 참조 구현과 같음 (같은 시작점, 같은 배치)",
    weight=2,
)
@given(training_batches(), st.integers(0, 2**16))
@example([4, 3, 2], 0)
def test_train_updates(learner, reference, sizes, seed):
    found, expected = _train(learner, reference, sizes=sizes, seed=seed)
    diagnosis = _mode_mistake(found["modes"], training=True) or _update_mistake(found["events"], len(sizes), False)
    _parameters_after(found, expected, diagnosis)


@check(
    "ex05.train_one_epoch",
    "gradients left in .grad before the call never reach an update",
    "호출 전부터 .grad에 남아 있던 기울기는 어떤 갱신에도 쓰이지 않음",
)
def test_train_ignores_leftover_gradients(learner, reference):
    sizes = [4, 4]
    found, expected = _train(learner, reference, sizes=sizes, seed=1, leftover_grads=True)
    diagnosis = _mode_mistake(found["modes"], training=True) or _update_mistake(found["events"], len(sizes), True)
    _parameters_after(found, expected, diagnosis)


RETURNS_TENSOR = Mistake(
    en="return a Python float: loss.item() turns a 0-d tensor into one (a tensor would keep every batch's graph alive)",
    ko="파이썬 float를 반환하세요: loss.item()이 0차원 텐서를 float로 바꿉니다 "
    "(텐서는 모든 배치의 그래프를 붙잡아 둡니다)",
)
KEPT_LOSSES = Mistake(
    en="the losses are kept as tensors (losses.append(loss)), each holding its batch's whole graph: "
    "keep numbers instead, losses.append(loss.item())",
    ko="손실을 텐서로 모아 두어(losses.append(loss)) 배치마다 그래프 전체가 메모리에 남습니다: "
    "losses.append(loss.item())처럼 숫자로 모으세요",
)
WEIGHTED_BY_SIZE = Mistake(
    en="the losses are weighted by batch size: train_one_epoch returns the plain mean of the per-batch losses",
    ko="손실을 배치 크기로 가중했습니다: train_one_epoch는 배치별 손실의 단순 평균을 반환합니다",
)
SUMMED = Mistake(
    en="the per-batch losses are added up but not averaged: divide by the number of batches",
    ko="배치별 손실을 더하기만 하고 평균을 내지 않았습니다: 배치 수로 나누세요",
)
LAST_LOSS = Mistake(
    en="only the last batch's loss is returned: return the mean over all batches",
    ko="마지막 배치의 손실만 반환했습니다: 모든 배치의 평균을 반환하세요",
)
DIVIDED_BY_SAMPLES = Mistake(
    en="the sum of the batch losses is divided by the number of samples: divide by the number of batches",
    ko="배치 손실의 합을 샘플 수로 나눴습니다: 배치 수로 나누세요",
)


def _train_loss_mistakes(batches: Sequence[dict[str, float]]) -> Candidates:
    losses = [b["loss"] for b in batches]
    sizes = [b["size"] for b in batches]
    return [
        (WEIGHTED_BY_SIZE, lambda: sum(v * n for v, n in zip(losses, sizes, strict=True)) / sum(sizes)),
        (SUMMED, lambda: sum(losses)),
        (LAST_LOSS, lambda: losses[-1]),
        (DIVIDED_BY_SAMPLES, lambda: sum(losses) / sum(sizes)),
    ]


@check(
    "ex05.train_one_epoch",
    "returns the mean of the per-batch losses as a Python float, keeping no loss tensor",
    "배치별 손실의 평균을 파이썬 float로 반환하고 손실 텐서는 남기지 않음",
)
def test_train_returns_mean_loss(learner, reference):
    # lr=0 keeps the parameters still, so every batch's loss is the same whatever the update does.
    for sizes in ([5, 2, 3], [6, 2]):
        found, expected = _train(learner, reference, sizes=sizes, seed=2, lr=0.0)
        what = Text(en="the value train_one_epoch returned", ko="train_one_epoch가 반환한 값")
        got = found["returned"]
        expect_type(got, float, what=what, diagnosis=RETURNS_TENSOR if isinstance(got, torch.Tensor) else None)
        expect_equal(got, expected["returned"], what=what, rel=1e-5, mistakes=_train_loss_mistakes(found["batches"]))
        if found.get("losses_kept"):
            fail(
                "value",
                Text(
                    en=f"train_one_epoch kept the loss tensors of {found['losses_kept']} earlier batches alive "
                    "while it trained on the next ones",
                    ko=f"train_one_epoch가 다음 배치를 학습하는 동안 앞선 배치 {found['losses_kept']}개의 손실 "
                    "텐서를 붙잡아 두었습니다",
                ),
                KEPT_LOSSES,
            )


@check("ex05.train_one_epoch", "puts the model in train mode", "모델을 train 모드로 바꿈")
def test_train_mode(learner, reference):
    found, _ = _train(learner, reference, sizes=[4, 4], seed=3, start_in_eval=True, dropout=0.5)
    if not found["modes"]:
        fail(
            "mode",
            Text(en="train_one_epoch never ran the model", ko="train_one_epoch가 모델을 한 번도 실행하지 않았습니다"),
        )
    diagnosis = _mode_mistake(found["modes"], training=True)
    if diagnosis is not None:
        fail(
            "mode",
            Text(
                en="a model handed over in eval mode was still in eval mode while train_one_epoch ran it",
                ko="eval 모드로 넘겨받은 모델이 train_one_epoch 안에서도 eval 모드였습니다",
            ),
            diagnosis,
        )


# -- evaluate -----------------------------------------------------------------------------------
STILL_TRAIN_MODE = Mistake(
    en="the model is still in train mode during evaluation: call model.eval() first",
    ko="평가 중에도 모델이 train 모드입니다: 먼저 model.eval()을 호출하세요",
)
AUTOGRAD_ON = Mistake(
    en="autograd is on during evaluation: use torch.no_grad()",
    ko="평가 중에 autograd가 켜져 있습니다: torch.no_grad()를 쓰세요",
)
BATCHNORM_CHANGED = Mistake(
    en="BatchNorm statistics changed: evaluation must use model.eval()",
    ko="BatchNorm 통계가 바뀌었습니다: 평가할 때는 model.eval()을 써야 합니다",
)
GRADS_CHANGED = Mistake(
    en="evaluation changed the parameters' .grad: evaluate calls neither zero_grad() nor backward()",
    ko="평가가 파라미터의 .grad를 바꿨습니다: evaluate에서는 zero_grad()도 backward()도 호출하지 않습니다",
)
PARAMETERS_CHANGED = Mistake(
    en="evaluation changed the parameters: evaluate must not train (no optimizer.step(), no in-place edits)",
    ko="평가가 파라미터를 바꿨습니다: evaluate는 학습하면 안 됩니다 (optimizer.step()도, 제자리 수정도 없이)",
)
PER_BATCH_MEAN = Mistake(
    en="loss is averaged per batch, not per sample: weight each batch's loss by its size, "
    "then divide by the number of samples",
    ko="손실을 샘플이 아니라 배치 단위로 평균했습니다: 각 배치의 손실에 배치 크기를 곱해 더한 뒤 샘플 수로 나누세요",
)
MEANS_NOT_WEIGHTED = Mistake(
    en="the batch means are added without multiplying by their batch sizes: add loss_b * n_b",
    ko="배치 평균에 배치 크기를 곱하지 않고 더했습니다: loss_b * n_b를 더하세요",
)
LOSS_TOTAL = Mistake(
    en="the loss is a total over the samples, not a mean: divide by the number of samples",
    ko="손실이 샘플 전체의 합입니다. 평균이어야 합니다: 샘플 수로 나누세요",
)
LAST_BATCH_ONLY = Mistake(
    en="only the last batch counts: accumulate over the whole loader",
    ko="마지막 배치만 반영되었습니다: loader 전체에 걸쳐 누적하세요",
)
ACCURACY_PER_BATCH = Mistake(
    en="accuracy is averaged per batch, not per sample: count the correct predictions over the whole loader, "
    "then divide by the number of samples",
    ko="정확도를 샘플이 아니라 배치 단위로 평균했습니다: loader 전체에서 맞힌 개수를 센 뒤 샘플 수로 나누세요",
)
ACCURACY_COUNT = Mistake(
    en="accuracy must be a fraction between 0 and 1: divide the number of correct predictions by the number of samples",
    ko="정확도는 0과 1 사이의 비율이어야 합니다: 맞힌 개수를 샘플 수로 나누세요",
)
ACCURACY_PERCENT = Mistake(
    en="accuracy is a fraction between 0 and 1, not a percentage",
    ko="정확도는 백분율이 아니라 0과 1 사이의 비율입니다",
)
RETURNS_TENSORS = Mistake(
    en="return Python floats: .item() turns a 0-d tensor into one",
    ko="파이썬 float를 반환하세요: .item()이 0차원 텐서를 float로 바꿉니다",
)
ARGMAX_DIM = Mistake(
    en="take the predicted class over the class dimension: logits.argmax(dim=1)",
    ko="예측 클래스는 클래스 차원에서 고르세요: logits.argmax(dim=1)",
)
EVALUATE_RAISES = {
    **CALL_PATTERNS,
    "must match the size of tensor": ARGMAX_DIM,
    "expected more than 1 value per channel when training": STILL_TRAIN_MODE,
    "does not require grad": GRADS_CHANGED,
}


def _evaluate(learner: Any, **scenario: Any) -> dict[str, Any]:
    with explain_raise(EVALUATE_RAISES):
        return learner.probe("evaluate_run", **scenario)


@check(
    "ex05.evaluate",
    "runs the model in eval mode with autograd off",
    "eval 모드에서 autograd를 끄고 모델을 실행",
)
def test_evaluate_mode(learner):
    found = _evaluate(learner, sizes=[4, 3], seed=0)
    if not found["modes"]:
        fail("mode", Text(en="evaluate never ran the model", ko="evaluate가 모델을 한 번도 실행하지 않았습니다"))
    diagnosis = _mode_mistake(found["modes"], training=False)
    if diagnosis is not None:
        fail(
            "mode",
            Text(
                en="while evaluate ran the model, it was not in eval mode with autograd off",
                ko="evaluate가 모델을 실행하는 동안 모델이 autograd가 꺼진 eval 모드가 아니었습니다",
            ),
            diagnosis,
        )


@check(
    "ex05.evaluate",
    "leaves the parameters, BatchNorm statistics and .grad unchanged",
    "파라미터, BatchNorm 통계, .grad를 바꾸지 않음",
)
def test_evaluate_changes_nothing(learner):
    changed = _evaluate(learner, sizes=[4, 3], seed=0)["changed"]
    for kind, mistake, en, ko in (
        ("buffers", BATCHNORM_CHANGED, "evaluate changed the buffers", "evaluate가 버퍼를 바꿨습니다"),
        ("parameters", PARAMETERS_CHANGED, "evaluate changed the parameters", "evaluate가 파라미터를 바꿨습니다"),
        ("grads", GRADS_CHANGED, "evaluate changed the .grad of", "evaluate가 다음 파라미터의 .grad를 바꿨습니다:"),
    ):
        if changed[kind]:
            names = ", ".join(changed[kind])
            fail("state", Text(en=f"{en} {names}", ko=f"{ko} {names}"), mistake)


@st.composite
def evaluation_batches(draw: st.DrawFn) -> list[int]:
    """Batch sizes whose last batch is smaller than the others, as a DataLoader's often is."""
    full = draw(st.integers(2, 6), label="batch_size")
    count = draw(st.integers(1, 3), label="full_batches")
    return [full] * count + [draw(st.integers(1, full - 1), label="last")]


def _returned_pair(found: dict[str, Any]) -> tuple[Any, Any]:
    returned = found["returned"]
    what = Text(en="the value evaluate returned", ko="evaluate가 반환한 값")
    expect_type(
        returned, (tuple, list), what=what, diagnosis=RETURNS_TENSORS if isinstance(returned, torch.Tensor) else None
    )
    if len(returned) != 2:
        fail(
            "type",
            Text(
                en=f"evaluate returned {len(returned)} values; expected 2: (loss, accuracy)",
                ko=f"evaluate가 값 {len(returned)}개를 반환했습니다. (loss, accuracy) 2개여야 합니다",
            ),
        )
    return returned[0], returned[1]


LOSS = Text(en="the loss evaluate returned", ko="evaluate가 반환한 손실")
ACCURACY = Text(en="the accuracy evaluate returned", ko="evaluate가 반환한 정확도")


def _evaluate_values(learner: Any, reference: Any, sizes: list[int], seed: int) -> tuple[Any, ...]:
    # No BatchNorm, no dropout: the values do not depend on the mode (the mode has its own check).
    scenario = {"sizes": sizes, "seed": seed, "batchnorm": False, "dropout": 0.0}
    found = _evaluate(learner, **scenario)
    expected = reference.probe("evaluate_run", **scenario)
    return found, expected


@check(
    "ex05.evaluate",
    "loss: the mean over all samples, with an uneven last batch",
    "손실: 마지막 배치 크기가 달라도 전체 샘플에 대한 평균",
    weight=2,
)
@given(evaluation_batches(), st.integers(0, 2**16))
@example([4, 4, 1], 0)
def test_evaluate_loss(learner, reference, sizes, seed):
    found, expected = _evaluate_values(learner, reference, sizes, seed)
    loss, _ = _returned_pair(found)
    expect_type(loss, float, what=LOSS, diagnosis=RETURNS_TENSORS if isinstance(loss, torch.Tensor) else None)
    losses = [b["loss"] for b in found["batches"]]
    counts = [b["size"] for b in found["batches"]]
    total = sum(v * n for v, n in zip(losses, counts, strict=True))
    expect_equal(
        loss,
        expected["returned"][0],
        what=LOSS,
        rel=1e-5,
        mistakes=[
            (PER_BATCH_MEAN, lambda: sum(losses) / len(losses)),
            (MEANS_NOT_WEIGHTED, lambda: sum(losses) / sum(counts)),
            (LOSS_TOTAL, lambda: total),
            (LAST_BATCH_ONLY, lambda: losses[-1]),
        ],
    )


@check(
    "ex05.evaluate",
    "accuracy: the fraction of all samples with argmax(dim=1) == y",
    "정확도: 전체 샘플 중 argmax(dim=1) == y인 비율",
)
@given(evaluation_batches(), st.integers(0, 2**16))
@example([5, 5, 2], 3)
def test_evaluate_accuracy(learner, reference, sizes, seed):
    found, expected = _evaluate_values(learner, reference, sizes, seed)
    _, accuracy = _returned_pair(found)
    expect_type(
        accuracy, float, what=ACCURACY, diagnosis=RETURNS_TENSORS if isinstance(accuracy, torch.Tensor) else None
    )
    correct = [b["correct"] for b in found["batches"]]
    counts = [b["size"] for b in found["batches"]]
    expect_equal(
        accuracy,
        expected["returned"][1],
        what=ACCURACY,
        rel=1e-5,
        mistakes=[
            (ACCURACY_PER_BATCH, lambda: sum(c / n for c, n in zip(correct, counts, strict=True)) / len(counts)),
            (ACCURACY_COUNT, lambda: float(sum(correct))),
            (ACCURACY_COUNT, lambda: sum(correct)),
            (ACCURACY_PERCENT, lambda: 100 * sum(correct) / sum(counts)),
            (LAST_BATCH_ONLY, lambda: correct[-1] / counts[-1]),
        ],
    )


# -- fit ----------------------------------------------------------------------------------------
NOT_CALLED = Mistake(
    en="fit must call train_one_epoch and evaluate, this module's functions, by those names, "
    "instead of repeating their code",
    ko="fit은 코드를 다시 쓰지 말고 이 모듈의 train_one_epoch와 evaluate를 그 이름 그대로 호출해야 합니다",
)
EVALUATES_TRAIN = Mistake(
    en="evaluate runs on train_loader: the validation numbers come from val_loader",
    ko="evaluate를 train_loader로 실행했습니다: 검증 수치는 val_loader에서 나와야 합니다",
)
TRAINS_ON_VAL = Mistake(
    en="train_one_epoch runs on val_loader: train on train_loader",
    ko="train_one_epoch를 val_loader로 실행했습니다: 학습은 train_loader로 하세요",
)
ONCE_EACH = Mistake(
    en="each epoch calls train_one_epoch once, then evaluate once (on val_loader)",
    ko="각 에포크는 train_one_epoch를 한 번, 그다음 evaluate를 (val_loader로) 한 번 호출합니다",
)
EVALUATES_FIRST = Mistake(
    en="evaluate runs before train_one_epoch: each epoch trains first, then evaluates",
    ko="evaluate가 train_one_epoch보다 먼저 실행됩니다: 각 에포크는 먼저 학습하고 그다음 평가합니다",
)
OTHER_OBJECTS = Mistake(
    en="pass fit's own model, loss_fn and optimizer on to train_one_epoch and evaluate",
    ko="fit이 받은 model, loss_fn, optimizer를 그대로 train_one_epoch와 evaluate에 넘기세요",
)
NOT_A_LIST = Mistake(
    en="fit returns a list with one dict per epoch (did it forget to return it?)",
    ko="fit은 에포크마다 딕셔너리 하나씩 담은 리스트를 반환합니다 (return을 빠뜨리지 않았나요?)",
)
HISTORY_LENGTH = Mistake(
    en="the history must hold one dict per epoch: append one in every pass of for _ in range(epochs)",
    ko="기록에는 에포크마다 딕셔너리가 하나씩 있어야 합니다: for _ in range(epochs)를 돌 때마다 하나씩 추가하세요",
)
HISTORY_KEYS = Mistake(
    en="each epoch's dict has the keys train_loss, val_loss and val_acc (more keys are fine)",
    ko="각 에포크의 딕셔너리에는 train_loss, val_loss, val_acc 키가 있어야 합니다 (다른 키가 더 있어도 됩니다)",
)
LOSS_AND_ACCURACY_SWAPPED = Mistake(
    en="val_loss and val_acc are swapped: evaluate returns (loss, accuracy) in that order",
    ko="val_loss와 val_acc가 바뀌었습니다: evaluate는 (loss, accuracy) 순서로 반환합니다",
)
SAME_DICT = Mistake(
    en="every entry is the same dict: create a new dict inside the loop, one per epoch",
    ko="모든 항목이 같은 딕셔너리입니다: 반복문 안에서 에포크마다 새 딕셔너리를 만드세요",
)
KEYS = ("train_loss", "val_loss", "val_acc")


def _fit(learner: Any, reference: Any, epochs: int) -> tuple[dict[str, Any], dict[str, Any]]:
    with explain_raise(CALL_PATTERNS):
        found = learner.probe("fit_with_stand_ins", epochs=epochs)
    return found, reference.probe("fit_with_stand_ins", epochs=epochs)


def _calls_mistake(calls: Sequence[dict[str, Any]], epochs: int) -> Mistake:
    functions = [c["function"] for c in calls]
    if "train_one_epoch" not in functions or "evaluate" not in functions:
        return NOT_CALLED
    if any(c["function"] == "evaluate" and c["loader"] == "train_loader" for c in calls):
        return EVALUATES_TRAIN
    if any(c["function"] == "train_one_epoch" and c["loader"] == "val_loader" for c in calls):
        return TRAINS_ON_VAL
    if functions.count("train_one_epoch") != epochs or functions.count("evaluate") != epochs:
        return ONCE_EACH
    if functions[0] == "evaluate":
        return EVALUATES_FIRST
    if not all(c["same_objects"] for c in calls):
        return OTHER_OBJECTS
    return ONCE_EACH


def _call_list(calls: Sequence[dict[str, Any]]) -> str:
    return ", ".join(f"{c['function']}({c['loader']})" for c in calls) or "none"


@check(
    "ex05.fit",
    "each epoch calls train_one_epoch, then evaluate on val_loader, once each",
    "각 에포크는 train_one_epoch, 그다음 val_loader로 evaluate를 한 번씩 호출",
)
def test_fit_calls(learner, reference):
    for epochs in (1, 3):
        found, expected = _fit(learner, reference, epochs)
        if found["calls"] != expected["calls"]:
            fail(
                "calls",
                Text(
                    en=f"fit(..., epochs={epochs}) called {_call_list(found['calls'])}; "
                    f"expected {_call_list(expected['calls'])}",
                    ko=f"fit(..., epochs={epochs})이(가) {_call_list(found['calls'])}을(를) 호출했습니다. "
                    f"기댓값: {_call_list(expected['calls'])}",
                ),
                _calls_mistake(found["calls"], epochs),
            )


def _history_mistake(history: list[Any], expected: list[dict[str, float]]) -> Mistake | None:
    swapped = [{**e, "val_loss": e["val_acc"], "val_acc": e["val_loss"]} for e in expected]
    if history == swapped:
        return LOSS_AND_ACCURACY_SWAPPED
    if len(expected) > 1 and all(h == expected[-1] for h in history):
        return SAME_DICT
    return None


@check(
    "ex05.fit",
    "returns one dict per epoch with the train_loss, val_loss and val_acc those calls gave",
    "에포크마다 그 호출들이 준 train_loss, val_loss, val_acc를 담은 딕셔너리 하나씩 반환",
)
def test_fit_history(learner, reference):
    for epochs in (3, 1, 0):
        found, expected = _fit(learner, reference, epochs)
        history, wanted = found["history"], expected["history"]
        what = Text(en=f"what fit(..., epochs={epochs}) returned", ko=f"fit(..., epochs={epochs})이(가) 반환한 값")
        expect_type(history, list, what=what, diagnosis=NOT_A_LIST)
        if len(history) != len(wanted):
            fail(
                "history",
                Text(
                    en=f"fit(..., epochs={epochs}) returned {len(history)} entries; expected {len(wanted)}",
                    ko=f"fit(..., epochs={epochs})이(가) 항목 {len(history)}개를 반환했습니다. 기댓값: {len(wanted)}개",
                ),
                HISTORY_LENGTH,
            )
        for epoch, entry in enumerate(history):
            where = Text(en=f"entry {epoch} of the history", ko=f"기록의 {epoch}번 항목")
            expect_type(entry, dict, what=where)
            missing = [key for key in KEYS if key not in entry]
            if missing:
                fail(
                    "history",
                    Text(
                        en=f"entry {epoch} of the history has no {', '.join(missing)}; it has the keys {list(entry)}",
                        ko=f"기록의 {epoch}번 항목에 {', '.join(missing)} 키가 없습니다. 있는 키: {list(entry)}",
                    ),
                    HISTORY_KEYS,
                )
            for key in KEYS:
                expect_type(
                    entry[key], float, what=Text(en=f"history[{epoch}][{key!r}]", ko=f"history[{epoch}][{key!r}]")
                )
        # Extra keys (an epoch number, a learning rate) are the learner's own business.
        history = [{key: entry[key] for key in KEYS} for entry in history]
        if history != wanted:
            fail(
                "history",
                Text(
                    en=f"fit(..., epochs={epochs}) returned {history}; the stand-ins' numbers give {wanted}",
                    ko=f"fit(..., epochs={epochs})이(가) {history}을(를) 반환했습니다. "
                    f"대역 함수의 값으로는 {wanted}이어야 합니다",
                ),
                _history_mistake(history, wanted),
            )
