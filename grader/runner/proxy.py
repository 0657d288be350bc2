"""The two fixtures hidden checks receive: `learner` (calls go through the sandbox) and `reference` (in-process).

Both expose the module's functions as attributes and `.probe(name, *args)` for scenarios, and
both hand back values in the same form (detached plain tensors, `Opaque` for anything else), so a
check compares like with like.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import torch

from grader.checks.arguments import expect_arguments_unchanged
from grader.runner.session import CheckSession
from grader.sandbox.scenarios import value_and_grad
from grader.sandbox.values import decode, encode


class Learner:
    """The learner's module, seen through the sandbox.

    Every attribute call also checks that the call left its arguments as they were sent (the
    learner's function works on copies, so an in-place edit is seen only this way); `reference`,
    when given, names the parameters in that message.
    """

    def __init__(self, session: CheckSession, reference: ModuleType | None = None):
        self._session = session
        self._reference = reference

    def _signature(self, name: str) -> inspect.Signature | None:
        try:
            return inspect.signature(getattr(self._reference, name))
        except (AttributeError, TypeError, ValueError):
            return None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            result, after, kwargs_after = self._session.call_echoed(name, args, kwargs)
            expect_arguments_unchanged(name, (args, kwargs), (after, kwargs_after), lambda: self._signature(name))
            return result

        call.__name__ = name
        return call

    def probe(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        """Run the scenario `name` from the exercise's probes file against the learner's module.

        `name` is positional-only, so a scenario may take a keyword argument called `name` too."""
        return self._session.probe(name, args, kwargs)

    def value_and_grad(
        self, name: str, /, *args: Any, wrt: tuple[int, ...] = (0,), upstream: torch.Tensor | None = None, **kwargs: Any
    ) -> tuple[Any, list[torch.Tensor | None]]:
        """Call `name(*args)` with the tensors at `wrt` requiring grad and backpropagate `upstream` (ones if None)."""
        return self._session.grad(name, args, kwargs, wrt, upstream)


class Reference:
    """The reference solution, imported in the judge, answering in the learner's form."""

    def __init__(self, module: ModuleType, probes: ModuleType | None):
        self._module = module
        self._probes = probes

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        target = getattr(self._module, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return decode(encode(target(*args, **kwargs)))

        call.__name__ = name
        return call

    @property
    def module(self) -> ModuleType:
        """The reference module itself, for checks that need its classes (to build a model to copy from)."""
        return self._module

    def value_and_grad(
        self, name: str, /, *args: Any, wrt: tuple[int, ...] = (0,), upstream: torch.Tensor | None = None, **kwargs: Any
    ) -> tuple[Any, list[torch.Tensor | None]]:
        return decode(encode(value_and_grad(self._module, name, args, kwargs, wrt, upstream)))

    def probe(self, name: str, /, *args: Any, **kwargs: Any) -> Any:
        if self._probes is None:
            raise RuntimeError(f"no probes file for {self._module.__name__}")
        return decode(encode(getattr(self._probes, name)(self._module, *args, **kwargs)))
