"""Scenarios for exercise 4, run in the sandbox against the learner's module and in the grader against the reference.

Modules cannot cross the sandbox boundary, so these functions build them here, run them, and
return plain values and tensors. torch and the standard library only; nothing here is secret.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any

import torch
from torch import nn

from grader.sandbox.scenarios import TorchCalls


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """A fixed RNG state inside, the caller's restored after: the same draws in the sandbox and the grader."""
    with torch.random.fork_rng(devices=[]):
        # The CPU generator only: torch.manual_seed also queues CUDA/XPU/MTIA seeding that
        # formats the call stack each time (~2 ms, paid on every example).
        torch.random.default_generator.manual_seed(seed)
        yield


def _unregistered(model: nn.Module) -> list[str]:
    """Attributes that hold modules in a plain list, tuple or dict: parameters() cannot see into them."""
    found = []
    for owner in model.modules():
        for name, value in vars(owner).items():
            if name.startswith("_"):
                continue
            items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
            if any(isinstance(item, nn.Module) for item in items):
                found.append(name)
    return found


def _structure(model: nn.Module) -> dict[str, Any]:
    return {"shapes": [tuple(p.shape) for p in model.parameters()], "unregistered": _unregistered(model)}


def _mlp(module: ModuleType, in_features: int, hidden: Sequence[int], out_features: int, dropout: float | None):
    if dropout is None:
        return module.MLP(in_features, hidden, out_features)
    return module.MLP(in_features, hidden, out_features, dropout)


def mlp_structure(
    module: ModuleType, in_features: int, hidden: Sequence[int], out_features: int, dropout: float | None = None
) -> dict[str, Any]:
    """The shapes of `MLP(...).parameters()` in order, and where modules hide from it."""
    with _seeded(0):
        return _structure(_mlp(module, in_features, hidden, out_features, dropout))


def _grid(shape: Sequence[int], generator: torch.Generator, scale: int) -> torch.Tensor:
    """Values k / scale with |k| <= 8: exact in float32, short to print."""
    return torch.randint(-8, 9, tuple(shape), generator=generator).float() / scale


def _load(model: nn.Module, params: Sequence[torch.Tensor]) -> None:
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), params, strict=True):
            parameter.copy_(value)


def _forward_twice(model: nn.Module, x: torch.Tensor, upstream: torch.Tensor) -> dict[str, Any]:
    """Two forwards, each under its own seed, and the gradients of the first for `upstream`."""
    x = x.clone().requires_grad_(True)
    with _seeded(1):
        out = model(x)
    with _seeded(2):
        again = model(x.detach())
    found: dict[str, Any] = {"out": out, "again": again, "x_grad": None, "grads": [None for _ in model.parameters()]}
    if isinstance(out, torch.Tensor) and out.requires_grad and out.shape == upstream.shape:
        (out * upstream).sum().backward()
        found.update(x_grad=x.grad, grads=[p.grad for p in model.parameters()])
    return found


def mlp_run(
    module: ModuleType,
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    seed: int,
    batch: int,
    dropout: float | None = None,
    train: bool = False,
) -> dict[str, Any]:
    """An MLP whose parameters are set from `seed` (normal draws, in parameters() order),
    run twice on an input `x (batch, in_features)` drawn from the same seed, in train or eval mode.

    Returns the structure, `params` and `x`, and when the shapes allow setting the parameters:
    `out`, `again` (the second forward), and the gradients of `out` for an upstream gradient drawn
    from the seed: `x_grad`, `grads` (one per parameter, None where none arrived).
    """
    with _seeded(0):
        model = _mlp(module, in_features, hidden, out_features, dropout)
    found = _structure(model)
    generator = torch.Generator().manual_seed(seed)
    widths = [in_features, *hidden, out_features]
    shapes = [s for a, b in itertools.pairwise(widths) for s in ((b, a), (b,))]
    # Off any grid, so that no pre-activation is exactly 0: ReLU's gradient there is a matter of
    # convention (relu gives 0, clamp(min=0) gives 1), and both are correct.
    params = [0.5 * torch.randn(s, generator=generator) for s in shapes]
    x, upstream = _grid((batch, in_features), generator, 4), _grid((batch, out_features), generator, 4)
    found.update(params=params, x=x)
    if found["shapes"] != shapes:
        return found
    _load(model, params)
    model.train(train)
    found.update(_forward_twice(model, x, upstream))
    return found


def mlp_dropout(module: ModuleType, width: int, depth: int, p: float, batch: int) -> dict[str, Any]:
    """MLP(width, [width] * depth, width, p) in train mode, with parameters that make dropout readable:
    the first layer outputs the constant `v > 0` whatever its input, later hidden layers pass their
    input on, the last adds `c`. Each output is then `c` (a mask dropped it) or `v / (1 - p)**depth + c`.
    Returns the structure, `v`, `c`, and the outputs of two forwards (`out`, `again`) on ones.
    """
    with _seeded(0):
        model = _mlp(module, width, [width] * depth, width, p)
    found = _structure(model)
    v = 1.0 + torch.arange(width, dtype=torch.float32) / 4
    c = -1.0 + torch.arange(width, dtype=torch.float32) / 8
    params = [torch.zeros(width, width), v]
    for _ in range(depth):
        params += [torch.eye(width), torch.zeros(width)]
    params[-1] = c
    found.update(v=v, c=c)
    if found["shapes"] != [tuple(t.shape) for t in params]:
        return found
    _load(model, params)
    model.train()
    found.update(_forward_twice(model, torch.ones(batch, width), torch.zeros(batch, width)))
    return found


def layernorm_init(module: ModuleType, size: int, eps: float | None = None) -> dict[str, Any]:
    """What a fresh LayerNorm holds: its parameters by name, and `weight` and `bias` as attributes."""
    model = module.LayerNorm(size) if eps is None else module.LayerNorm(size, eps)
    weight, bias = getattr(model, "weight", None), getattr(model, "bias", None)
    return {
        "parameters": {name: tuple(p.shape) for name, p in model.named_parameters()},
        "weight": weight,
        "bias": bias,
        "weight_is_parameter": isinstance(weight, nn.Parameter),
        "bias_is_parameter": isinstance(bias, nn.Parameter),
    }


def layernorm_run(
    module: ModuleType,
    size: int,
    eps: float | None,
    weight: torch.Tensor,
    bias: torch.Tensor,
    x: torch.Tensor,
    upstream: torch.Tensor,
) -> dict[str, Any]:
    """LayerNorm(size[, eps]) with `weight` and `bias` copied in: its output on `x`, the gradients of
    the input, weight and bias for the upstream gradient `upstream`, and the torch functions its
    forward called (sorted names)."""
    model = module.LayerNorm(size) if eps is None else module.LayerNorm(size, eps)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    x = x.clone().requires_grad_(True)
    with TorchCalls() as calls:
        out = model(x)
    found: dict[str, Any] = {
        "out": out,
        "x_grad": None,
        "weight_grad": None,
        "bias_grad": None,
        "torch_functions": sorted(calls.names),
    }
    if isinstance(out, torch.Tensor) and out.requires_grad and out.shape == upstream.shape:
        (out * upstream).sum().backward()
        found.update(x_grad=x.grad, weight_grad=model.weight.grad, bias_grad=model.bias.grad)
    return found


# -- count_parameters: models with the cases that trip people up ----------------------------------
class _Tied(nn.Module):
    """An embedding whose weight the output layer shares (tied weights)."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.out = nn.Linear(4, 10)
        self.out.weight = self.embed.weight


class _Scaled(nn.Module):
    """A 0-d parameter next to a layer."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(0.5))
        self.layer = nn.Linear(3, 2)


def _linear_stack(widths: Sequence[int], biases: Sequence[bool], frozen: Sequence[bool]) -> nn.Module:
    layers = [nn.Linear(a, b, bias=has_bias) for a, b, has_bias in zip(widths, widths[1:], biases, strict=False)]
    for layer, freeze in zip(layers, frozen, strict=False):
        layer.requires_grad_(not freeze)
    return nn.Sequential(*layers)


def _special(kind: str) -> nn.Module:
    if kind == "tied":
        return _Tied()
    if kind == "batchnorm":
        return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
    if kind == "nested":
        return nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.Linear(3, 1))
    if kind == "scalar":
        return _Scaled()
    if kind == "empty":
        return nn.Sequential(nn.ReLU(), nn.Dropout(0.5))
    raise ValueError(f"no model {kind!r}")


def _build(model: dict[str, Any]) -> nn.Module:
    with _seeded(0):
        if "kind" in model:
            return _special(model["kind"])
        return _linear_stack(model["widths"], model["biases"], model["frozen"])


def count(module: ModuleType, model: dict[str, Any], trainable_only: bool | None = None) -> Any:
    """count_parameters on the model `model` describes; `trainable_only=None` leaves the argument out."""
    built = _build(model)
    if trainable_only is None:
        return module.count_parameters(built)
    return module.count_parameters(built, trainable_only)


def count_candidates(module: ModuleType, model: dict[str, Any]) -> dict[str, int]:
    """What the usual wrong ways of counting give on that model (`module` is not used)."""
    built = _build(model)
    everything = list(built.parameters())
    return {
        "tensors": len(everything),
        "all": sum(p.numel() for p in everything),
        "trainable": sum(p.numel() for p in everything if p.requires_grad),
        "frozen": sum(p.numel() for p in everything if not p.requires_grad),
        "state_dict": sum(t.numel() for t in built.state_dict().values()),
        "repeated": sum(p.numel() for _, p in built.named_parameters(remove_duplicate=False)),
        "per_module": sum(p.numel() for m in built.modules() for p in m.parameters()),
    }


# -- how reports show these scenarios: as the learner's own calls --------------------------------
def _mlp_call(in_features: int, hidden: Sequence[int], out_features: int, dropout: float | None) -> str:
    extra = "" if dropout is None else f", dropout={dropout}"
    return f"MLP({in_features}, {list(hidden)}, {out_features}{extra})"


def _shown_mlp_structure(
    in_features: int, hidden: Sequence[int], out_features: int, dropout: float | None = None
) -> str:
    return f"[p.shape for p in {_mlp_call(in_features, hidden, out_features, dropout)}.parameters()]"


def _shown_mlp_run(
    in_features: int,
    hidden: Sequence[int],
    out_features: int,
    seed: int,
    batch: int,
    dropout: float | None = None,
    train: bool = False,
) -> str:
    from grader.runner.callrepr import format_value

    # The same draws as mlp_run: the parameters first, then x.
    generator = torch.Generator().manual_seed(seed)
    widths = [in_features, *hidden, out_features]
    for a, b in itertools.pairwise(widths):
        torch.randn((b, a), generator=generator), torch.randn((b,), generator=generator)
    x = _grid((batch, in_features), generator, 4)
    mode = "train" if train else "eval"
    return (
        f"model = {_mlp_call(in_features, hidden, out_features, dropout)}; "
        f"(parameters drawn from seed {seed}); model.{mode}(); model({format_value(x)})"
    )


def _shown_mlp_dropout(width: int, depth: int, p: float, batch: int) -> str:
    return f"model = MLP({width}, {[width] * depth}, {width}, dropout={p}).train(); model(torch.ones({batch}, {width}))"


def _layernorm_call(size: int, eps: float | None) -> str:
    return f"LayerNorm({size})" if eps is None else f"LayerNorm({size}, eps={eps})"


def _shown_layernorm_init(size: int, eps: float | None = None) -> str:
    norm = _layernorm_call(size, eps)
    return f"norm = {norm}; norm.weight, norm.bias, list(norm.named_parameters())"


def _shown_layernorm_run(
    size: int, eps: float | None, weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor, upstream: torch.Tensor
) -> str:
    from grader.runner.callrepr import format_value

    return (
        f"norm = {_layernorm_call(size, eps)}; norm.weight.data = {format_value(weight)}; "
        f"norm.bias.data = {format_value(bias)}; x = {format_value(x)}.requires_grad_(); "
        f"norm(x).backward({format_value(upstream)})"
    )


def _model_code(model: dict[str, Any]) -> str:
    if "kind" in model:
        return {
            "tied": "a model whose output layer reuses its embedding's weight",
            "batchnorm": "nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())",
            "nested": "nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.ReLU()), nn.Linear(3, 1))",
            "scalar": "a model with a 0-d parameter next to nn.Linear(3, 2)",
            "empty": "nn.Sequential(nn.ReLU(), nn.Dropout(0.5))",
        }.get(model["kind"], str(model["kind"]))
    layers = [
        f"nn.Linear({a}, {b}, bias={has_bias})" + (".requires_grad_(False)" if frozen else "")
        for a, b, has_bias, frozen in zip(
            model["widths"], model["widths"][1:], model["biases"], model["frozen"], strict=False
        )
    ]
    return f"nn.Sequential({', '.join(layers)})"


def _shown_count(model: dict[str, Any], trainable_only: bool | None = None) -> str:
    extra = "" if trainable_only is None else f", trainable_only={trainable_only}"
    return f"count_parameters({_model_code(model)}{extra})"


mlp_structure.learner_call = _shown_mlp_structure  # type: ignore[attr-defined]
mlp_run.learner_call = _shown_mlp_run  # type: ignore[attr-defined]
mlp_dropout.learner_call = _shown_mlp_dropout  # type: ignore[attr-defined]
layernorm_init.learner_call = _shown_layernorm_init  # type: ignore[attr-defined]
layernorm_run.learner_call = _shown_layernorm_run  # type: ignore[attr-defined]
count.learner_call = _shown_count  # type: ignore[attr-defined]
