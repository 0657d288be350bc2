"""Public tests for exercise 2. Run them with `pytest exercises/tests/test_ex02_autograd.py`.

They show the expected behaviour on small examples; `grade exercise 2` runs many more checks.
"""

import ex02_autograd as ex
import pytest
import torch


def test_grad_of_example_leaves_x_alone():
    x = torch.tensor([1.0, -2.0])
    grad = ex.grad_of(lambda t: (t**2).sum(), x)
    assert torch.equal(grad, torch.tensor([2.0, -4.0]))
    assert not grad.requires_grad
    assert not x.requires_grad and x.grad is None


def test_grad_of_inside_no_grad_and_unused_x():
    x = torch.tensor([3.0, 1.0])
    with torch.no_grad():
        assert torch.equal(ex.grad_of(lambda t: t[0] * 5, x), torch.tensor([5.0, 0.0]))
        assert not torch.is_grad_enabled()
    assert torch.equal(ex.grad_of(lambda t: torch.tensor(2.0), x), torch.zeros(2))


def test_silu_forward_and_gradcheck():
    x = torch.linspace(-3, 3, 7, dtype=torch.float64, requires_grad=True)
    assert torch.allclose(ex.SiLU.apply(x), x * torch.sigmoid(x))
    assert torch.autograd.gradcheck(ex.SiLU.apply, (x,))


def test_silu_backward_uses_grad_output():
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    ex.SiLU.apply(x).backward(torch.tensor([2.0, 0.0]))
    s = torch.sigmoid(x.detach())
    expected = torch.tensor([2.0, 0.0]) * s * (1 + x.detach() * (1 - s))
    assert torch.allclose(x.grad, expected)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4)])
def test_logsumexp_matches_torch(shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(ex.LogSumExp.apply(x), torch.logsumexp(x, dim=-1), atol=1e-6)


def test_logsumexp_is_stable_and_passes_gradcheck():
    big = torch.tensor([[1e4, 1e4 - 1.0], [-1e4, -1e4 + 2.0]])
    out = ex.LogSumExp.apply(big)
    assert torch.isfinite(out).all()
    assert torch.allclose(out, torch.logsumexp(big, dim=-1))
    x = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1)).requires_grad_()
    assert torch.autograd.gradcheck(ex.LogSumExp.apply, (x,))


def test_manual_sgd_one_step_by_hand():
    w, b = torch.tensor([1.0]), torch.tensor(0.0)
    x, y = torch.tensor([[1.0], [2.0]]), torch.tensor([1.0, 3.0])
    # pred = [1, 2], error = [0, -1]: grad_w = mean(2 * error * x) = -2, grad_b = mean(2 * error) = -1
    new_w, new_b = ex.manual_sgd(w, b, x, y, lr=0.1, steps=1)
    assert torch.allclose(new_w, torch.tensor([1.2])) and torch.allclose(new_b, torch.tensor(0.1))
    assert new_w.shape == (1,) and new_b.shape == () and not new_w.requires_grad
    assert torch.equal(w, torch.tensor([1.0])) and w.grad is None
