"""Bilingual text: the `Text` value every user-facing string travels in, and the engine's own messages."""

from __future__ import annotations

import functools
import locale
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

LANGS = ("en", "ko")
DEFAULT_LANG = "en"


class Text(BaseModel):
    """A string in English and, where written, Korean; reading a missing language falls back to English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    en: str
    ko: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_plain_string(cls, value: Any) -> Any:
        # Course files may write a language-neutral string (code, a formula) once.
        if isinstance(value, str):
            return {"en": value}
        return value

    def get(self, lang: str) -> str:
        if lang == "ko" and self.ko:
            return self.ko
        return self.en

    def __add__(self, other: Text) -> Text:
        return Text(en=self.en + other.en, ko=(self.ko or self.en) + (other.ko or other.en))


def detect_lang(environ: dict[str, str] | None = None) -> str:
    """Pick the language from GRADE_LANG, then the locale variables; English otherwise."""
    env = os.environ if environ is None else environ
    explicit = env.get("GRADE_LANG", "").strip().lower()
    if explicit in LANGS:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "ko" if value.lower().startswith("ko") else DEFAULT_LANG
    if environ is None:
        loc = locale.getlocale()[0] or ""
        if loc.lower().startswith("ko"):
            return "ko"
    return DEFAULT_LANG


@functools.cache
def _catalog() -> dict[str, dict[str, str]]:
    with open(Path(__file__).with_name("messages.toml"), "rb") as fh:
        return tomllib.load(fh)


def msg(key: str, **params: Any) -> Text:
    """The engine message `key` in every language, with `params` (plain values or `Text`) filled in."""
    entry = _catalog()[key]

    def fill(lang: str) -> str:
        values = {k: (v.get(lang) if isinstance(v, Text) else v) for k, v in params.items()}
        return entry[lang].format(**values)

    return Text(en=fill("en"), ko=fill("ko"))


def catalog_keys() -> list[str]:
    return sorted(_catalog())
