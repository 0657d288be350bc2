"""Public tests for exercise 5. Run them with `pytest exercises/tests/test_ex05_training.py`.

They show the expected behaviour on small examples; `grade exercise 5` runs many more checks.
"""

import ex05_training as ex
import torch
from torch import nn


def _problem(n: int = 64, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=generator)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return [(x[i : i + 16], y[i : i + 16]) for i in range(0, n, 16)]


def test_train_one_epoch_returns_a_float_and_learns():
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    batches = _problem()
    first = ex.train_one_epoch(model, batches, nn.CrossEntropyLoss(), optimizer)
    for _ in range(5):
        last = ex.train_one_epoch(model, batches, nn.CrossEntropyLoss(), optimizer)
    assert isinstance(first, float) and last < first
    assert model.training


def test_evaluate_weights_every_sample_the_same():
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.zero_()
        model.bias.copy_(torch.tensor([1.0, 0.0]))  # always predicts class 0
    batches = [(torch.zeros(3, 2), torch.tensor([0, 0, 0])), (torch.zeros(1, 2), torch.tensor([1]))]
    loss, accuracy = ex.evaluate(model, batches, nn.CrossEntropyLoss())
    expected = nn.CrossEntropyLoss()(model(torch.zeros(4, 2)), torch.tensor([0, 0, 0, 1])).item()
    assert isinstance(loss, float) and isinstance(accuracy, float)
    assert abs(loss - expected) < 1e-5 and accuracy == 0.75


def test_fit_returns_one_record_per_epoch():
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    history = ex.fit(model, _problem(), _problem(seed=1), nn.CrossEntropyLoss(), optimizer, epochs=3)
    assert len(history) == 3
    assert all(set(record) == {"train_loss", "val_loss", "val_acc"} for record in history)
    assert history[-1]["val_acc"] > 0.8
