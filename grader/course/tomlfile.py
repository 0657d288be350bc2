"""Read a TOML file into a pydantic model, turning every failure into one CourseError that names the line."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from grader.course.errors import CourseError
from grader.tomlpos import find_line

M = TypeVar("M", bound=BaseModel)


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(path, f"cannot be read ({exc})") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(path, f"not valid TOML: {exc}") from None


def field_path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate(model: type[M], path: Path, text: str, data: Any, context: dict[str, Any] | None = None) -> M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise CourseError(path, first["msg"], line=find_line(text, loc), field=field_path(loc) or None) from None


def load_model(model: type[M], path: Path, context: dict[str, Any] | None = None) -> M:
    text, data = read_toml(path)
    return validate(model, path, text, data, context)
