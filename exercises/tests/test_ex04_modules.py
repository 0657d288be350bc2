"""Public tests for exercise 4. Run them with `pytest exercises/tests/test_ex04_modules.py`.

They show the expected behaviour on small examples; `grade exercise 4` runs many more checks.
"""

import ex04_modules as ex
import torch
from torch import nn


def test_mlp_parameters_in_layer_order():
    model = ex.MLP(3, [5, 4], 2)
    assert [tuple(p.shape) for p in model.parameters()] == [(5, 3), (5,), (4, 5), (4,), (2, 4), (2,)]


def test_mlp_without_hidden_layers_is_one_linear():
    model = ex.MLP(3, [], 2)
    assert [tuple(p.shape) for p in model.parameters()] == [(2, 3), (2,)]
    assert model(torch.randn(7, 3)).shape == (7, 2)


def test_mlp_dropout_only_in_train_mode():
    model = ex.MLP(4, [64], 3, dropout=0.5)
    x = torch.randn(8, 4)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


def test_layernorm_matches_torch():
    x = torch.randn(2, 3, 5)
    ours, theirs = ex.LayerNorm(5), nn.LayerNorm(5)
    assert isinstance(ours.weight, nn.Parameter) and isinstance(ours.bias, nn.Parameter)
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)


def test_count_parameters():
    assert ex.count_parameters(nn.Linear(3, 2)) == 8
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model[0].requires_grad_(False)
    assert ex.count_parameters(model) == 3
    assert ex.count_parameters(model, trainable_only=False) == 11
