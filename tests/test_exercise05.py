"""Exercise 5 end to end: the reference scores full marks, the stubs zero, plausible wrong answers are caught
and named, and differently written correct answers pass."""

from __future__ import annotations

import pytest

from tests.helpers import assert_all_not_implemented, assert_caught, failing, reference_with, summary

MODULE = "ex05_training.py"

# (task, variant, replacement source, words the diagnosis or message must contain)
WRONG = [
    (
        "train_one_epoch",
        "no zero_grad",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
""",
        "gradients accumulate across steps: call optimizer.zero_grad() every batch",
    ),
    (
        "train_one_epoch",
        "zero_grad once, before the loop",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    optimizer.zero_grad()
    losses = []
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
""",
        "gradients accumulate across steps",
    ),
    (
        "train_one_epoch",
        "zero_grad after each step only",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return sum(losses) / len(losses)
""",
        "gradients left in .grad before the call reached the first update",
    ),
    (
        "train_one_epoch",
        "zero_grad between backward and step",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
""",
        "zero_grad() runs between backward() and step()",
    ),
    (
        "train_one_epoch",
        "model.train() forgotten",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
""",
        "the model is not in train mode: call model.train()",
    ),
    (
        "train_one_epoch",
        "losses weighted by batch size",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, seen = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        seen += len(y)
    return total / seen
""",
        "weighted by batch size",
    ),
    (
        "train_one_epoch",
        "returns a tensor",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, batches = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total = total + loss
        batches += 1
    return total / batches
""",
        "return a Python float",
    ),
    (
        "evaluate",
        "model.eval() forgotten",
        """
def evaluate(model, loader, loss_fn):
    total, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            total += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
    return total / seen, correct / seen
""",
        "the model is still in train mode during evaluation",
    ),
    (
        "evaluate",
        "model.eval() forgotten (BatchNorm statistics)",
        """
def evaluate(model, loader, loss_fn):
    total, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            total += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
    return total / seen, correct / seen
""",
        "BatchNorm statistics changed: evaluation must use model.eval()",
    ),
    (
        "evaluate",
        "torch.no_grad() forgotten",
        """
def evaluate(model, loader, loss_fn):
    model.eval()
    total, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = model(x)
        total += loss_fn(logits, y).item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        seen += len(y)
    return total / seen, correct / seen
""",
        "autograd is on during evaluation: use torch.no_grad()",
    ),
    (
        "evaluate",
        "mean of the batch means",
        """
def evaluate(model, loader, loss_fn):
    model.eval()
    losses, correct, seen = [], 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            losses.append(loss_fn(logits, y).item())
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
    return sum(losses) / len(losses), correct / seen
""",
        "loss is averaged per batch, not per sample",
    ),
    (
        "evaluate",
        "accuracy averaged per batch",
        """
def evaluate(model, loader, loss_fn):
    model.eval()
    total, seen, accuracies = 0.0, 0, []
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            total += loss_fn(logits, y).item() * len(y)
            seen += len(y)
            accuracies.append((logits.argmax(dim=1) == y).float().mean().item())
    return total / seen, sum(accuracies) / len(accuracies)
""",
        "accuracy is averaged per batch",
    ),
    (
        "evaluate",
        "returns tensors",
        """
def evaluate(model, loader, loss_fn):
    model.eval()
    total, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            total = total + loss_fn(logits, y) * len(y)
            correct = correct + (logits.argmax(dim=1) == y).sum()
            seen += len(y)
    return total / seen, correct / seen
""",
        "return Python floats",
    ),
    (
        "fit",
        "evaluates on train_loader",
        """
def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
        val_loss, val_acc = evaluate(model, train_loader, loss_fn)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
    return history
""",
        "evaluate runs on train_loader",
    ),
    (
        "fit",
        "val_loss and val_acc swapped",
        """
def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
        val_acc, val_loss = evaluate(model, val_loader, loss_fn)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
    return history
""",
        "val_loss and val_acc are swapped",
    ),
    (
        "fit",
        "one dict reused for every epoch",
        """
def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history, record = [], {}
    for _ in range(epochs):
        record["train_loss"] = train_one_epoch(model, train_loader, loss_fn, optimizer)
        record["val_loss"], record["val_acc"] = evaluate(model, val_loader, loss_fn)
        history.append(record)
    return history
""",
        "every entry is the same dict",
    ),
    (
        "fit",
        "loss_fn left out of the call",
        """
def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        train_loss = train_one_epoch(model, train_loader, optimizer)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn)
        history.append({"train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
    return history
""",
        "keep the signatures from the exercise file",
    ),
    (
        "fit",
        "the training loop written again inside fit",
        """
def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history = []
    for _ in range(epochs):
        model.train()
        losses = []
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        val_loss, val_acc = evaluate(model, val_loader, loss_fn)
        history.append({"train_loss": sum(losses) / len(losses), "val_loss": val_loss, "val_acc": val_acc})
    return history
""",
        "fit must call train_one_epoch and evaluate",
    ),
]

WRONG += [
    (
        "train_one_epoch",
        "keeps the loss tensors and calls .item() only at the end",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return (sum(losses) / len(losses)).item()
""",
        "losses.append(loss.item())",
    ),
]

# Two more ways to write the whole exercise correctly: they must score full marks.
CORRECT = [
    (
        "zero_grad(set_to_none=True) first, a running sum; evaluate summing loss * n with inference_mode",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, batches = 0.0, 0
    for batch in loader:
        x, y = batch
        optimizer.zero_grad(set_to_none=True)
        pred = model(x)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        total += float(loss)
        batches += 1
    return total / batches


def evaluate(model, loader, loss_fn):
    model.eval()
    loss_sum = 0.0
    hits = 0
    count = 0
    with torch.inference_mode():
        for x, y in loader:
            out = model(x)
            n = y.shape[0]
            loss_sum += loss_fn(out, y).item() * n
            hits += int(torch.sum(torch.argmax(out, dim=1) == y))
            count += n
    return loss_sum / count, hits / count


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history = []
    for epoch in range(epochs):
        row = {"train_loss": train_one_epoch(model, train_loader, loss_fn, optimizer)}
        row["val_loss"], row["val_acc"] = evaluate(model, val_loader, loss_fn)
        history.append(row)
    return history
""",
    ),
    (
        "zero_grad before the loop and after each step; evaluate with tensors, a no_grad decorator and keywords",
        """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    optimizer.zero_grad(set_to_none=False)
    losses = []
    for i, (x, y) in enumerate(loader):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.detach())
    return torch.stack(losses).mean().item()


@torch.no_grad()
def evaluate(model, loader, loss_fn):
    was_training = model.training
    model.eval()
    sums = torch.zeros(3, dtype=torch.float64)
    for x, y in loader:
        logits = model(x)
        sums += torch.tensor([loss_fn(logits, y).item() * len(y), (logits.argmax(1) == y).sum().item(), len(y)])
    model.train(was_training)
    loss, correct, seen = sums.tolist()
    return loss / seen, correct / seen


def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    def one_epoch():
        train_loss = train_one_epoch(model=model, loader=train_loader, loss_fn=loss_fn, optimizer=optimizer)
        val_loss, val_acc = evaluate(model=model, loader=val_loader, loss_fn=loss_fn)
        return dict(train_loss=train_loss, val_loss=val_loss, val_acc=val_acc)

    return [one_epoch() for _ in range(epochs)]
""",
    ),
]


def test_reference_scores_full_marks(grade_dir, reference_dir):
    result = grade_dir(reference_dir, exercises=(5,), profile="grading")
    assert failing(result) == []
    assert result.points == result.max_points == 8


def test_stubs_score_zero_with_not_implemented(grade_dir, stubs_dir):
    result = grade_dir(stubs_dir, exercises=(5,))
    assert_all_not_implemented(result)
    assert {c.message.en.split()[0] for c in result.checks()} == {"train_one_epoch", "evaluate", "fit"}


@pytest.mark.parametrize(("task", "variant", "source", "expected"), WRONG, ids=[f"{t}: {v}" for t, v, _, _ in WRONG])
def test_plausible_mistake_is_caught_and_named(grade_dir, course, make_submission, task, variant, source, expected):
    submission = make_submission({MODULE: reference_with(course, MODULE, source)})
    assert_caught(grade_dir(submission, exercises=(5,), tasks={f"ex05.{task}"}), variant, expected)


@pytest.mark.parametrize(("variant", "source"), CORRECT, ids=[v for v, _ in CORRECT])
def test_other_correct_solutions_score_full_marks(grade_dir, course, make_submission, variant, source):
    submission = make_submission({MODULE: reference_with(course, MODULE, source)})
    assert failing(grade_dir(submission, exercises=(5,), profile="grading")) == [], variant


FIT_WITH_AN_EPOCH_KEY = """
def fit(model, train_loader, val_loader, loss_fn, optimizer, epochs):
    history = []
    for epoch in range(epochs):
        train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
        val_loss, val_acc = evaluate(model, val_loader, loss_fn)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "val_acc": val_acc})
    return history
"""
TRAIN_WITHOUT_STEP = """
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        losses.append(loss.item())
    return sum(losses) / len(losses)
"""


@pytest.mark.parametrize(
    ("variant", "source"),
    [("a history dict with an extra key", FIT_WITH_AN_EPOCH_KEY), ("a wrong train_one_epoch", TRAIN_WITHOUT_STEP)],
)
def test_a_correct_fit_scores_full_marks(grade_dir, course, make_submission, variant, source):
    """Extra keys are the learner's business, and a wrong train_one_epoch costs points in its own task only."""
    submission = make_submission({MODULE: reference_with(course, MODULE, source)})
    result = grade_dir(submission, exercises=(5,), tasks={"ex05.fit"}, profile="grading")
    assert failing(result) == [], variant


def test_fit_is_graded_apart_from_the_two_loops(grade_dir, course, make_submission, stubs_dir):
    """With the stubs' train_one_epoch and evaluate, a correct fit scores full marks: its checks swap them out."""
    stub = (stubs_dir / "exercises" / MODULE).read_text(encoding="utf-8")
    fit = (course.solutions_dir / MODULE).read_text(encoding="utf-8").split("def fit(", 1)[1]
    submission = make_submission({MODULE: stub + "\n\ndef fit(" + fit})
    result = grade_dir(submission, exercises=(5,), tasks={"ex05.fit"})
    assert failing(result) == []
    assert result.points == result.max_points


def test_same_seed_gives_the_same_result(grade_dir, course, make_submission):
    source = """
def train_one_epoch(model, loader, loss_fn, optimizer):
    losses = []
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
"""
    submission = make_submission({MODULE: reference_with(course, MODULE, source)})
    first = grade_dir(submission, exercises=(5,), tasks={"ex05.train_one_epoch"}, seed=7)
    second = grade_dir(submission, exercises=(5,), tasks={"ex05.train_one_epoch"}, seed=7)
    assert summary(first) == summary(second)
    assert first.points < first.max_points
