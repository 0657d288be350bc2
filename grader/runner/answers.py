"""The shape of a child's answer, checked before the judge reads any field of it.

A child may forge its answer (it can write anything to its socket): a field of the wrong type
must end as an unreadable result, never as a TypeError in the judge.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictBool, StrictInt, StrictStr, TypeAdapter, ValidationError

from grader.sandbox.protocol import ProtocolError

# filename, line, qualified name, source line
_Frame = tuple[StrictStr, StrictInt, StrictStr, StrictStr]


class _ErrorInfo(BaseModel):
    """An exception as `grader.sandbox.child.describe` writes it (or a missing name, or a failed import)."""

    type: StrictStr = "builtins.Exception"
    mro_: list[StrictStr] = Field(default=[], alias="mro")  # `mro` would shadow BaseModel's
    message: StrictStr = ""
    frames: list[_Frame] = []
    raiser: StrictStr | None = None
    where: StrictStr = "call"
    missing: StrictStr | None = None
    syntax: tuple[StrictInt, StrictInt, StrictStr, StrictStr] | None = None


class _Answer(BaseModel):
    ok: StrictBool
    value: Any = None
    error: _ErrorInfo | None = None
    output: StrictStr = ""
    seconds: float = 0.0


_NAMES = TypeAdapter(list[StrictStr])


def check_answer(answer: Any) -> dict[str, Any]:
    """The answer as plain data, its error (if any) rebuilt from checked fields; ProtocolError if it is malformed."""
    try:
        checked = _Answer.model_validate(answer)
    except ValidationError as exc:
        raise ProtocolError(f"a malformed answer: {_first_problem(exc)}") from None
    if ("value" if checked.ok else "error") not in checked.model_fields_set:
        raise ProtocolError("a malformed answer: no value and no error")
    result: dict[str, Any] = {"ok": checked.ok, "output": checked.output, "seconds": checked.seconds}
    if checked.ok:
        result["value"] = answer["value"]  # as decoded: `protocol.admit` has checked it
    else:
        assert checked.error is not None
        result["error"] = checked.error.model_dump(by_alias=True, exclude_none=True)
    return result


def check_names(names: Any) -> list[str]:
    """A module's public names, as a `load` request answers them; ProtocolError if they are not strings."""
    try:
        return _NAMES.validate_python(names)
    except ValidationError as exc:
        raise ProtocolError(f"a malformed list of names: {_first_problem(exc)}") from None


def check_echo(answer: Any) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    """What a `call` request with `echo` answers: the result, and the arguments as the call left them;
    ProtocolError otherwise."""
    if type(answer) is not dict or set(answer) != {"result", "args", "kwargs"}:
        raise ProtocolError("a malformed answer: not a call's result and arguments")
    args, kwargs = answer["args"], answer["kwargs"]
    if type(args) not in (tuple, list) or type(kwargs) is not dict or not all(type(k) is str for k in kwargs):
        raise ProtocolError("a malformed answer: the arguments are not a call's")
    return answer["result"], tuple(args), kwargs


def check_value_and_grads(answer: Any, count: int) -> tuple[Any, list[Any]]:
    """What a `grad` request answers: the value and one gradient (a tensor, an `Opaque` one, or None)
    per input asked for; ProtocolError otherwise."""
    import torch

    from grader.sandbox.values import Opaque

    if type(answer) is not tuple or len(answer) != 2 or type(answer[1]) is not list:
        raise ProtocolError("a malformed answer: not a value and a list of gradients")
    value, grads = answer
    if len(grads) != count or not all(g is None or isinstance(g, torch.Tensor | Opaque) for g in grads):
        raise ProtocolError(f"a malformed answer: not {count} gradients")
    return value, grads


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    return f"{'.'.join(str(x) for x in error['loc']) or 'the answer'}: {error['msg']}"[:200]
