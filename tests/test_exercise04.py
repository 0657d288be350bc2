"""Exercise 4 end to end: the reference scores full marks, the stubs zero, plausible wrong answers are caught
and named, and differently written correct answers pass."""

from __future__ import annotations

import pytest

from tests.helpers import assert_all_not_implemented, assert_caught, failing, reference_with, summary

MODULE = "ex04_modules.py"

# (task, variant, replacement source, words the diagnosis or message must contain)
WRONG = [
    (
        "MLP",
        "hidden layers kept in a Python list",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        self.layers = []
        width = in_features
        for h in hidden:
            self.layers.append(nn.Linear(width, h))
            width = h
        self.out = nn.Linear(width, out_features)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        for layer in self.layers:
            x = self.drop(torch.relu(layer(x)))
        return self.out(x)
""",
        "layers kept in a Python list are not registered: use nn.ModuleList or nn.Sequential",
    ),
    (
        "MLP",
        "ReLU after the last layer",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers += [nn.Linear(width, out_features), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
""",
        "a ReLU follows the last layer",
    ),
    (
        "MLP",
        "F.dropout without training=self.training",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        self.p = dropout
        self.hidden = nn.ModuleList()
        width = in_features
        for h in hidden:
            self.hidden.append(nn.Linear(width, h))
            width = h
        self.out = nn.Linear(width, out_features)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.nn.functional.dropout(torch.relu(layer(x)), self.p)
        return self.out(x)
""",
        "dropout is still active in eval mode",
    ),
    (
        "MLP",
        "the final layer sized from hidden[-1]",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers.append(nn.Linear(hidden[-1], out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
""",
        "with hidden empty the model is one Linear",
    ),
    (
        "MLP",
        "the output layer created first",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        width = hidden[-1] if hidden else in_features
        self.out = nn.Linear(width, out_features)
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.out(self.body(x))
""",
        "parameters come out in another order",
    ),
    (
        "MLP",
        "dropout mask not scaled by 1 / (1 - p)",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        self.p = dropout
        self.hidden = nn.ModuleList()
        width = in_features
        for h in hidden:
            self.hidden.append(nn.Linear(width, h))
            width = h
        self.out = nn.Linear(width, out_features)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.relu(layer(x))
            if self.training:
                x = x * (torch.rand_like(x) >= self.p)
        return self.out(x)
""",
        "not scaled by 1 / (1 - p)",
    ),
    (
        "MLP",
        "dropout once, after the last hidden layer only",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.body = nn.Sequential(*layers, nn.Dropout(dropout))
        self.out = nn.Linear(width, out_features)

    def forward(self, x):
        return self.out(self.body(x))
""",
        "dropout is applied once",
    ),
    (
        "MLP",
        "no dropout parameter",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        self.net = nn.Sequential(*layers, nn.Linear(width, out_features))

    def forward(self, x):
        return self.net(x)
""",
        "keep the signatures from the exercise file",
    ),
    (
        "MLP",
        "widths built with hidden + [...], which fails on a tuple",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        widths = [in_features] + hidden + [out_features]
        layers = []
        for i in range(len(widths) - 1):
            layers.append(nn.Linear(widths[i], widths[i + 1]))
            if i < len(widths) - 2:
                layers += [nn.ReLU(), nn.Dropout(dropout)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
""",
        "hidden may be a tuple as well as a list",
    ),
    (
        "LayerNorm",
        "unbiased variance",
        """
class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
""",
        "the variance is unbiased",
    ),
    (
        "LayerNorm",
        "eps added to the standard deviation",
        """
class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        std = x.std(-1, unbiased=False, keepdim=True)
        return (x - mean) / (std + self.eps) * self.weight + self.bias
""",
        "eps is added to the standard deviation",
    ),
    (
        "LayerNorm",
        "weight and bias as plain tensors",
        """
class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = torch.ones(normalized_shape)
        self.bias = torch.zeros(normalized_shape)

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = x.var(-1, unbiased=False, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
""",
        "must be nn.Parameter",
    ),
    (
        "LayerNorm",
        "statistics detached from the graph",
        """
class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))

    def forward(self, x):
        mean = x.mean(-1, keepdim=True).detach()
        var = x.var(-1, unbiased=False, keepdim=True).detach()
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
""",
        "cut off from the graph",
    ),
    (
        "LayerNorm",
        "statistics over the whole tensor",
        """
class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))

    def forward(self, x):
        return (x - x.mean()) / torch.sqrt(x.var(unbiased=False) + self.eps) * self.weight + self.bias
""",
        "over the whole tensor",
    ),
    (
        "count_parameters",
        "counts tensors",
        """
def count_parameters(model, trainable_only=True):
    return len([p for p in model.parameters() if p.requires_grad or not trainable_only])
""",
        "counts parameter tensors",
    ),
    (
        "count_parameters",
        "trainable_only ignored",
        """
def count_parameters(model, trainable_only=True):
    return sum(p.numel() for p in model.parameters())
""",
        "trainable_only is ignored",
    ),
    (
        "count_parameters",
        "state_dict counts buffers and tied weights twice",
        """
def count_parameters(model, trainable_only=True):
    return sum(t.numel() for t in model.state_dict().values())
""",
        "state_dict() also holds buffers",
    ),
    (
        "count_parameters",
        "loop over modules() counts nested parameters again",
        """
def count_parameters(model, trainable_only=True):
    return sum(p.numel() for m in model.modules() for p in m.parameters() if p.requires_grad or not trainable_only)
""",
        "counted more than once",
    ),
    (
        "count_parameters",
        "returns a tensor",
        """
def count_parameters(model, trainable_only=True):
    return torch.tensor(0) + sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
""",
        "must be a Python int",
    ),
    (
        "count_parameters",
        "rows times columns fails on a 0-d parameter",
        """
def count_parameters(model, trainable_only=True):
    total = 0
    for p in model.parameters():
        if p.requires_grad or not trainable_only:
            total += p.shape[0] * (p.shape[1] if p.dim() == 2 else 1)
    return total
""",
        "can be 0-d",
    ),
    (
        "LayerNorm",
        "returns torch.nn.functional.layer_norm",
        """
class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))

    def forward(self, x):
        return torch.nn.functional.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)
""",
        "LayerNorm's forward called torch's layer_norm",
    ),
]

# Two more ways to write the whole exercise correctly: they must score full marks.
CORRECT = [
    (
        "ModuleList and a loop, F.dropout, mean of squared deviations, an explicit counting loop",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        self.p = dropout
        sizes = [in_features, *hidden]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.head = nn.Linear(sizes[-1], out_features)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.nn.functional.dropout(torch.relu(layer(x)), self.p, training=self.training)
        return self.head(x)


class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(normalized_shape))
        self.bias = nn.Parameter(torch.zeros(normalized_shape))
        self.eps = eps

    def forward(self, x):
        centered = x - x.mean(dim=-1, keepdim=True)
        var = (centered ** 2).mean(dim=-1, keepdim=True)
        return self.weight * centered / (var + self.eps).sqrt() + self.bias


def count_parameters(model, trainable_only=True):
    total = 0
    for p in model.parameters():
        if trainable_only and not p.requires_grad:
            continue
        total += p.numel()
    return total
""",
    ),
    (
        "named layers with add_module, dropout before ReLU, rsqrt of E[x^2] - E[x]^2, dedup by id",
        """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        self.count = len(hidden) + 1
        widths = [in_features, *hidden, out_features]
        for i in range(self.count):
            self.add_module(f"fc{i}", nn.Linear(widths[i], widths[i + 1]))
        self.drop = nn.Dropout(p=dropout)

    def forward(self, x):
        for i in range(self.count):
            x = getattr(self, f"fc{i}")(x)
            if i < self.count - 1:
                x = self.drop(x).clamp(min=0)
        return x


class LayerNorm(nn.Module):
    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.register_parameter("weight", nn.Parameter(torch.ones(normalized_shape)))
        self.register_parameter("bias", nn.Parameter(torch.zeros(normalized_shape)))

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        var = (x * x).mean(-1, keepdim=True) - mean * mean
        return torch.addcmul(self.bias, (x - mean) * torch.rsqrt(var + self.eps), self.weight)


def count_parameters(model, trainable_only=True):
    seen = {}
    for _, p in model.named_parameters(remove_duplicate=False):
        if p.requires_grad or not trainable_only:
            seen[id(p)] = p.numel()
    return int(sum(seen.values()))
""",
    ),
]


def test_reference_scores_full_marks(grade_dir, reference_dir):
    result = grade_dir(reference_dir, exercises=(4,), profile="grading")
    assert failing(result) == []
    assert result.points == result.max_points == 8


def test_stubs_score_zero_with_not_implemented(grade_dir, stubs_dir):
    result = grade_dir(stubs_dir, exercises=(4,))
    assert_all_not_implemented(result)
    # The message names the learner's code, not the scenario that ran it.
    assert {c.message.en.split()[0] for c in result.checks()} == {
        "MLP.__init__",
        "LayerNorm.__init__",
        "count_parameters",
    }


@pytest.mark.parametrize(("task", "variant", "source", "expected"), WRONG, ids=[f"{t}: {v}" for t, v, _, _ in WRONG])
def test_plausible_mistake_is_caught_and_named(grade_dir, course, make_submission, task, variant, source, expected):
    submission = make_submission({MODULE: reference_with(course, MODULE, source)})
    assert_caught(grade_dir(submission, exercises=(4,), tasks={f"ex04.{task}"}), variant, expected)


@pytest.mark.parametrize(("variant", "source"), CORRECT, ids=[v for v, _ in CORRECT])
def test_other_correct_solutions_score_full_marks(grade_dir, course, make_submission, variant, source):
    submission = make_submission({MODULE: reference_with(course, MODULE, source)})
    assert failing(grade_dir(submission, exercises=(4,), profile="grading")) == [], variant


def test_a_failing_scenario_shows_its_input_and_where_the_learner_code_failed(grade_dir, course, make_submission):
    source = """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        self.net = nn.Sequential(*layers, nn.Linear(width, out_features))

    def forward(self, x):
        return self.net(x.T)
"""
    result = grade_dir(
        make_submission({MODULE: reference_with(course, MODULE, source)}), exercises=(4,), tasks={"ex04.MLP"}
    )
    failing = [c for c in result.checks() if not c.passed and c.category == "exception"]
    assert failing, [c.message.en for c in result.checks()]
    assert all(c.message.en.startswith("MLP.forward raised RuntimeError") for c in failing)
    assert all("ex04_modules.py, line" in c.message.en for c in failing)
    # The input is the learner's own code the scenario ran, not the scenario's name.
    assert all(c.call and c.call.startswith("model = MLP(") for c in failing), [c.call for c in failing]


def test_same_seed_gives_the_same_result(grade_dir, course, make_submission):
    source = """
class MLP(nn.Module):
    def __init__(self, in_features, hidden, out_features, dropout=0.0):
        super().__init__()
        self.p = dropout
        self.hidden = nn.ModuleList()
        width = in_features
        for h in hidden:
            self.hidden.append(nn.Linear(width, h))
            width = h
        self.out = nn.Linear(width, out_features)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.nn.functional.dropout(torch.sigmoid(layer(x)), self.p)
        return self.out(x)
"""
    submission = make_submission({MODULE: reference_with(course, MODULE, source)})
    first = grade_dir(submission, exercises=(4,), tasks={"ex04.MLP"}, seed=7)
    second = grade_dir(submission, exercises=(4,), tasks={"ex04.MLP"}, seed=7)
    assert summary(first) == summary(second)
    assert first.points < first.max_points
