"""Exercise 2 end to end: the reference scores full marks, the stubs zero, other correct solutions full marks too,
and plausible wrong answers are caught and named."""

from __future__ import annotations

import textwrap

import pytest

from tests.helpers import assert_all_not_implemented, assert_caught, failing, reference_with, summary

# (task, variant, replacement source, words the diagnosis or message must contain)
SILU_FORWARD = """
ctx.save_for_backward(x)
return x * torch.sigmoid(x)
"""
SILU_BACKWARD = """
(x,) = ctx.saved_tensors
s = torch.sigmoid(x)
return grad_output * s * (1 + x * (1 - s))
"""
LSE_FORWARD = """
ctx.save_for_backward(x)
return torch.logsumexp(x, dim=-1)
"""
LSE_BACKWARD = """
(x,) = ctx.saved_tensors
return grad_output.unsqueeze(-1) * torch.softmax(x, dim=-1)
"""


def _function(name: str, forward: str, backward: str) -> str:
    """The source of an autograd Function `name` with these bodies for forward and backward."""

    def body(code: str) -> str:
        return textwrap.indent(code.strip("\n"), " " * 8)

    return (
        f"class {name}(torch.autograd.Function):\n"
        f"    @staticmethod\n    def forward(ctx, x):\n{body(forward)}\n\n"
        f"    @staticmethod\n    def backward(ctx, grad_output):\n{body(backward)}\n"
    )


WRONG = [
    (
        "grad_of",
        "backward on the caller's own x",
        """
def grad_of(f, x):
    x.requires_grad_(True)
    f(x).backward()
    return x.grad
""",
        "switched on requires_grad of the caller's x",
    ),
    (
        "grad_of",
        "backward on a clone that shares the caller's graph",
        """
def grad_of(f, x):
    with torch.enable_grad():
        leaf = x.clone().requires_grad_(True)
        f(leaf).backward()
    return x.grad if leaf.grad is None else leaf.grad
""",
        "includes the caller's old x.grad",
    ),
    (
        "grad_of",
        "create_graph=True leaves the result attached",
        """
def grad_of(f, x):
    with torch.enable_grad():
        leaf = x.detach().clone().requires_grad_(True)
        out = f(leaf)
        if not out.requires_grad:
            return torch.zeros_like(x)
        return torch.autograd.grad(out, leaf, create_graph=True, allow_unused=True, materialize_grads=True)[0]
""",
        "still requires grad",
    ),
    (
        "grad_of",
        "no enable_grad: fails inside torch.no_grad()",
        """
def grad_of(f, x):
    leaf = x.detach().clone().requires_grad_(True)
    out = f(leaf)
    return torch.autograd.grad(out, leaf, allow_unused=True, materialize_grads=True)[0]
""",
        "inside torch.no_grad() nothing is recorded",
    ),
    (
        "grad_of",
        "no enable_grad, zeros when nothing was recorded",
        """
def grad_of(f, x):
    leaf = x.detach().clone().requires_grad_(True)
    out = f(leaf)
    if not out.requires_grad:
        return torch.zeros_like(x)
    return torch.autograd.grad(out, leaf, allow_unused=True, materialize_grads=True)[0]
""",
        "inside torch.no_grad() nothing is recorded",
    ),
    (
        "grad_of",
        "set_grad_enabled(True) leaks to the caller",
        """
def grad_of(f, x):
    torch.set_grad_enabled(True)
    leaf = x.detach().clone().requires_grad_(True)
    out = f(leaf)
    if not out.requires_grad:
        return torch.zeros_like(x)
    return torch.autograd.grad(out, leaf, allow_unused=True, materialize_grads=True)[0]
""",
        "left gradient recording switched on",
    ),
    (
        "grad_of",
        "an unused x is an error",
        """
def grad_of(f, x):
    with torch.enable_grad():
        leaf = x.detach().clone().requires_grad_(True)
        return torch.autograd.grad(f(leaf), leaf)[0]
""",
        "when f does not use x, the gradient is zeros",
    ),
    (
        "grad_of",
        "None for an unused x",
        """
def grad_of(f, x):
    with torch.enable_grad():
        leaf = x.detach().clone().requires_grad_(True)
        out = f(leaf)
        if not out.requires_grad:
            return None
        return torch.autograd.grad(out, leaf, allow_unused=True)[0]
""",
        "autograd gives None",
    ),
    (
        "SiLU",
        "backward ignores grad_output",
        _function(
            "SiLU",
            SILU_FORWARD,
            """
(x,) = ctx.saved_tensors
s = torch.sigmoid(x)
return s * (1 + x * (1 - s))
""",
        ),
        "ignores grad_output",
    ),
    (
        "SiLU",
        "derivative without the product rule",
        _function(
            "SiLU",
            SILU_FORWARD,
            """
(x,) = ctx.saved_tensors
return grad_output * torch.sigmoid(x)
""",
        ),
        "product rule",
    ),
    (
        "SiLU",
        "the derivative of sigmoid alone",
        _function(
            "SiLU",
            SILU_FORWARD,
            """
(x,) = ctx.saved_tensors
s = torch.sigmoid(x)
return grad_output * s * (1 - s)
""",
        ),
        "derivative of sigmoid alone",
    ),
    (
        "SiLU",
        "forward changes x in place",
        _function(
            "SiLU",
            """
ctx.save_for_backward(x.clone())
return x.mul_(torch.sigmoid(x.clone()))
""",
            SILU_BACKWARD,
        ),
        "changed its input in place",
    ),
    (
        "SiLU",
        "saved_tensors used as a tensor",
        _function(
            "SiLU",
            SILU_FORWARD,
            """
x = ctx.saved_tensors
s = torch.sigmoid(x)
return grad_output * s * (1 + x * (1 - s))
""",
        ),
        "ctx.saved_tensors is a tuple",
    ),
    (
        "LogSumExp",
        "naive log(sum(exp(x)))",
        _function(
            "LogSumExp",
            """
ctx.save_for_backward(x)
return torch.log(torch.exp(x).sum(dim=-1))
""",
            LSE_BACKWARD,
        ),
        "subtract each row's max",
    ),
    (
        "LogSumExp",
        "max over the whole tensor",
        _function(
            "LogSumExp",
            """
ctx.save_for_backward(x)
m = x.max()
return m + torch.log(torch.exp(x - m).sum(dim=-1))
""",
            LSE_BACKWARD,
        ),
        "take it per row",
    ),
    (
        "LogSumExp",
        "the row's min subtracted instead of its max",
        _function(
            "LogSumExp",
            """
ctx.save_for_backward(x)
m = x.amin(dim=-1, keepdim=True)
return m.squeeze(-1) + torch.log(torch.exp(x - m).sum(dim=-1))
""",
            LSE_BACKWARD,
        ),
        "subtract each row's max",
    ),
    (
        "LogSumExp",
        "max subtracted but not added back",
        _function(
            "LogSumExp",
            """
ctx.save_for_backward(x)
m = x.amax(dim=-1, keepdim=True)
return torch.log(torch.exp(x - m).sum(dim=-1))
""",
            LSE_BACKWARD,
        ),
        "never added back",
    ),
    (
        "LogSumExp",
        "keepdim=True result",
        _function(
            "LogSumExp",
            """
ctx.save_for_backward(x)
return torch.logsumexp(x, dim=-1, keepdim=True)
""",
            """
(x,) = ctx.saved_tensors
return grad_output * torch.softmax(x, dim=-1)
""",
        ),
        "the reduced dimension is kept",
    ),
    (
        "LogSumExp",
        "x.max(dim) used as a tensor",
        _function(
            "LogSumExp",
            """
ctx.save_for_backward(x)
m = x.max(dim=-1, keepdim=True)
return m.squeeze(-1) + torch.log(torch.exp(x - m).sum(dim=-1))
""",
            LSE_BACKWARD,
        ),
        "returns (values, indices)",
    ),
    (
        "LogSumExp",
        "backward ignores grad_output",
        _function(
            "LogSumExp",
            LSE_FORWARD,
            """
(x,) = ctx.saved_tensors
return torch.softmax(x, dim=-1)
""",
        ),
        "ignores grad_output",
    ),
    (
        "LogSumExp",
        "grad_output not unsqueezed",
        _function(
            "LogSumExp",
            LSE_FORWARD,
            """
(x,) = ctx.saved_tensors
return grad_output * torch.softmax(x, dim=-1)
""",
        ),
        "unsqueeze(-1)",
    ),
    (
        "LogSumExp",
        "softmax in backward overflows",
        _function(
            "LogSumExp",
            LSE_FORWARD,
            """
(x,) = ctx.saved_tensors
e = torch.exp(x)
return grad_output.unsqueeze(-1) * e / e.sum(dim=-1, keepdim=True)
""",
        ),
        "softmax overflows",
    ),
    (
        "manual_sgd",
        "gradients never reset",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    for _ in range(steps):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
    return w.detach(), b.detach()
""",
        "gradients accumulate across steps: reset them",
    ),
    (
        "manual_sgd",
        "sum of squared errors",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    for _ in range(steps):
        loss = ((x @ w + b - y) ** 2).sum()
        gw, gb = torch.autograd.grad(loss, (w, b))
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
    return w.detach(), b.detach()
""",
        "use their mean",
    ),
    (
        "manual_sgd",
        "b never updated",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    for _ in range(steps):
        loss = ((x @ w + b - y) ** 2).mean()
        (gw,) = torch.autograd.grad(loss, (w,))
        with torch.no_grad():
            w -= lr * gw
    return w.detach(), b.detach()
""",
        "b is never updated",
    ),
    (
        "manual_sgd",
        "rebinding w under no_grad loses requires_grad",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    for _ in range(steps):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w = w - lr * w.grad
            b = b - lr * b.grad
    return w.detach(), b.detach()
""",
        "no graph back to w and b",
    ),
    (
        "manual_sgd",
        "trains the caller's tensors",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w.requires_grad_(True)
    b.requires_grad_(True)
    for _ in range(steps):
        loss = ((x @ w + b - y) ** 2).mean()
        gw, gb = torch.autograd.grad(loss, (w, b))
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
    return w.detach().clone(), b.detach().clone()
""",
        "trained the caller's own w or b",
    ),
    (
        "manual_sgd",
        "torch.optim.SGD",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        ((x @ w + b - y) ** 2).mean().backward()
        optimizer.step()
    return w.detach(), b.detach()
""",
        "manual_sgd used a torch.optim optimizer",
    ),
    (
        "manual_sgd",
        "returns tensors that still require grad",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    for _ in range(steps):
        gw, gb = torch.autograd.grad(((x @ w + b - y) ** 2).mean(), (w, b))
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
    return w, b
""",
        "still require grad",
    ),
    (
        "manual_sgd",
        "a torch.optim.SGD built at import time and stepped in the call",
        """
_HOLDER = torch.zeros(1, requires_grad=True)
_OPTIMIZER = torch.optim.SGD([_HOLDER], lr=0.1)


def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    _OPTIMIZER.param_groups[0]["params"] = [w, b]
    _OPTIMIZER.param_groups[0]["lr"] = lr
    for _ in range(steps):
        _OPTIMIZER.zero_grad()
        ((x @ w + b - y) ** 2).mean().backward()
        _OPTIMIZER.step()
    return w.detach(), b.detach()
""",
        "manual_sgd used a torch.optim optimizer",
    ),
    (
        "manual_sgd",
        "rebinds w = w - lr * w.grad, so w is no longer a leaf",
        """
def manual_sgd(w, b, x, y, lr, steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    for _ in range(steps):
        ((x @ w + b - y) ** 2).mean().backward()
        w = w - lr * w.grad
        b = b - lr * b.grad
    return w.detach(), b.detach()
""",
        "replaces w by a new, non-leaf tensor",
    ),
]

# Correct solutions written differently from the reference: each must score full marks.
OTHER_CORRECT = {
    "backward, .grad and .data": """
def grad_of(f, x):
    copy = x.detach().clone()
    copy.requires_grad = True
    with torch.enable_grad():
        out = f(copy)
        if out.requires_grad:
            out.backward()
    return torch.zeros_like(x) if copy.grad is None else copy.grad


class SiLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad_output):
        x, s = ctx.saved_tensors
        return grad_output * (s + x * s * (1 - s))


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.logsumexp(x, dim=-1)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return torch.softmax(x, dim=-1) * grad_output[..., None]


def manual_sgd(w, b, x, y, lr, steps):
    w = w.clone().detach().requires_grad_()
    b = b.clone().detach().requires_grad_()
    for _ in range(steps):
        pred = x @ w + b
        loss = torch.mean((pred - y) ** 2)
        loss.backward()
        w.data -= lr * w.grad.data
        b.data -= lr * b.grad.data
        w.grad.zero_()
        b.grad.zero_()
    return w.detach(), b.detach()
""",
    "torch.func, F.silu, fresh leaves every step": """
def grad_of(f, x):
    with torch.enable_grad():
        return torch.func.grad(f)(x.detach()).detach()


class SiLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.nn.functional.silu(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        sig = 1.0 / (1.0 + torch.exp(-x))
        return grad_output * (sig + x * sig * (1.0 - sig))


def manual_sgd(w, b, x, y, lr, steps):
    w, b = w.detach().clone(), b.detach().clone()
    for _ in range(steps):
        w.requires_grad_(True)
        b.requires_grad_(True)
        loss = torch.nn.functional.mse_loss(x @ w + b, y)
        grad_w, grad_b = torch.autograd.grad(loss, [w, b])
        w, b = (w - lr * grad_w).detach(), (b - lr * grad_b).detach()
    return w, b
""",
    "functional and hand-shifted": """
def grad_of(f, x):
    leaf = x.detach().requires_grad_(True)
    with torch.set_grad_enabled(True):
        out = f(leaf)
    if out.grad_fn is None:
        return torch.zeros_like(x)
    (grad,) = torch.autograd.grad(out, [leaf], allow_unused=True)
    return torch.zeros_like(x) if grad is None else grad


class SiLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + torch.exp(-x))

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = 1 / (1 + torch.exp(-x))
        return grad_output * (s + x * s * (1 - s))


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        m, _ = x.max(dim=-1, keepdim=True)
        shifted = torch.exp(x - m)
        total = shifted.sum(dim=-1, keepdim=True)
        ctx.save_for_backward(shifted / total)
        return (m + torch.log(total)).squeeze(-1)

    @staticmethod
    def backward(ctx, grad_output):
        (softmax,) = ctx.saved_tensors
        return softmax * grad_output.unsqueeze(-1)


def manual_sgd(w, b, x, y, lr, steps):
    params = [w.detach().clone().requires_grad_(True), b.detach().clone().requires_grad_(True)]
    for _ in range(steps):
        residual = x @ params[0] + params[1] - y
        loss = (residual * residual).sum() / len(y)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(lr * p.grad)
    return tuple(p.detach() for p in params)
""",
}


def test_reference_scores_full_marks(grade_dir, reference_dir):
    result = grade_dir(reference_dir, exercises=(2,), profile="grading")
    assert failing(result) == []
    assert result.points == result.max_points == 10


def test_stubs_score_zero_with_not_implemented(grade_dir, stubs_dir):
    result = grade_dir(stubs_dir, exercises=(2,))
    assert_all_not_implemented(result)


def test_a_missing_backward_is_named_not_the_probe(grade_dir, course, make_submission):
    source = reference_with(
        course,
        "ex02_autograd.py",
        _function("SiLU", SILU_FORWARD, "raise NotImplementedError"),
    )
    result = grade_dir(make_submission({"ex02_autograd.py": source}), exercises=(2,), tasks={"ex02.SiLU"})
    checks = {c.id.rpartition("::")[2]: c for c in result.checks()}
    assert checks["test_silu_forward"].passed
    assert checks["test_silu_upstream"].message.en.startswith("SiLU.backward is not implemented yet")


@pytest.mark.parametrize("name", sorted(OTHER_CORRECT))
def test_other_correct_solutions_score_full_marks(grade_dir, course, make_submission, name):
    submission = make_submission({"ex02_autograd.py": reference_with(course, "ex02_autograd.py", OTHER_CORRECT[name])})
    result = grade_dir(submission, exercises=(2,))
    assert failing(result) == []


@pytest.mark.parametrize(("task", "variant", "source", "expected"), WRONG, ids=[f"{t}: {v}" for t, v, _, _ in WRONG])
def test_plausible_mistake_is_caught_and_named(grade_dir, course, make_submission, task, variant, source, expected):
    submission = make_submission({"ex02_autograd.py": reference_with(course, "ex02_autograd.py", source)})
    result = grade_dir(submission, exercises=(2,), tasks={f"ex02.{task}"})
    assert_caught(result, variant, expected)


def test_patching_gradcheck_in_the_sandbox_gains_nothing(grade_dir, course, make_submission):
    source = reference_with(
        course,
        "ex02_autograd.py",
        "torch.autograd.gradcheck = lambda *args, **kwargs: True\n"
        + _function("SiLU", SILU_FORWARD, "(x,) = ctx.saved_tensors\nreturn grad_output * torch.sigmoid(x)"),
    )
    result = grade_dir(make_submission({"ex02_autograd.py": source}), exercises=(2,), tasks={"ex02.SiLU"})
    gradcheck = next(c for c in result.checks() if c.id.endswith("test_silu_gradcheck"))
    assert not gradcheck.passed and gradcheck.category == "gradient"
    assert "numerical derivative" in gradcheck.message.en


def test_same_seed_gives_the_same_result(grade_dir, course, make_submission):
    source = next(source for _, variant, source, _ in WRONG if variant == "sum of squared errors")
    submission = make_submission({"ex02_autograd.py": reference_with(course, "ex02_autograd.py", source)})
    first = grade_dir(submission, exercises=(2,), tasks={"ex02.manual_sgd"}, seed=7)
    second = grade_dir(submission, exercises=(2,), tasks={"ex02.manual_sgd"}, seed=7)

    assert not first.passed
    assert summary(first) == summary(second)


def test_a_wrong_forward_is_named_by_the_backward_checks_too(grade_dir, course, make_submission):
    """LogSumExp over dim 0, with a backward to match: the backward checks point at the forward."""
    forward = """
m = x.amax(dim=0, keepdim=True)
out = (m + torch.log(torch.exp(x - m).sum(dim=0, keepdim=True))).squeeze(0)
ctx.save_for_backward(x, out)
return out
"""
    backward = """
x, out = ctx.saved_tensors
return grad_output.unsqueeze(0) * torch.exp(x - out.unsqueeze(0))
"""
    source = reference_with(course, "ex02_autograd.py", _function("LogSumExp", forward, backward))
    result = grade_dir(make_submission({"ex02_autograd.py": source}), exercises=(2,), tasks={"ex02.LogSumExp"})
    backward_checks = [c for c in result.checks() if "backward" in c.title.en and not c.passed]
    assert backward_checks
    for c in backward_checks:
        assert c.message.en.startswith("the forward is wrong"), c.message.en
        assert c.diagnosis is not None and "last dimension only" in c.diagnosis.en
        assert c.call is not None and c.call.startswith("LogSumExp.apply(")


def test_reports_show_calls_the_learner_can_run(grade_dir, course, make_submission):
    """The input line is the learner's own code (grad_of(lambda x: ..., x)), not a scenario's name."""
    source = reference_with(course, "ex02_autograd.py", "def grad_of(f, x):\n    return torch.zeros_like(x)\n")
    result = grade_dir(make_submission({"ex02_autograd.py": source}), exercises=(2,), tasks={"ex02.grad_of"})
    calls = [c.call for c in result.checks() if not c.passed]
    assert calls and all(call and "grad_of(lambda x: " in call for call in calls), calls
    assert not any("grad_of_with" in call for call in calls)
