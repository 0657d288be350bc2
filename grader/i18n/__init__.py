"""Bilingual text: the `Text` value every user-facing string travels in, and the engine's own messages."""

from __future__ import annotations

import functools
import locale
import os
import re
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


# A Korean particle depends on whether the word before it ends in a consonant: messages write both
# forms, "{what}이(가)", and once the word is known the right one is kept. After anything but a
# Hangul syllable (code, a number, a file name) there is no telling how it is read, and both stay.
_PARTICLES = {"이(가)": ("이", "가"), "을(를)": ("을", "를"), "은(는)": ("은", "는"), "과(와)": ("과", "와")}
_PARTICLE_AFTER_SYLLABLE = re.compile(r"([가-힣])(이\(가\)|을\(를\)|은\(는\)|과\(와\)|\(으\)로)")
_RIEUL = 8  # the final ㄹ, which takes 로 as a vowel does


def _choose_particle(match: re.Match[str]) -> str:
    syllable, both = match.groups()
    final = (ord(syllable) - ord("가")) % 28
    if both == "(으)로":
        return syllable + ("로" if final in (0, _RIEUL) else "으로")
    after_consonant, after_vowel = _PARTICLES[both]
    return syllable + (after_consonant if final else after_vowel)


def attach_particles(text: str) -> str:
    """Resolve "이(가)"-style particle pairs after Hangul syllables: "결과이(가)" -> "결과가"."""
    return _PARTICLE_AFTER_SYLLABLE.sub(_choose_particle, text)


def msg(key: str, **params: Any) -> Text:
    """The engine message `key` in every language, with `params` (plain values or `Text`) filled in."""
    entry = _catalog()[key]

    def fill(lang: str) -> str:
        values = {k: (v.get(lang) if isinstance(v, Text) else v) for k, v in params.items()}
        return entry[lang].format(**values)

    return Text(en=fill("en"), ko=attach_particles(fill("ko")))


def catalog_keys() -> list[str]:
    return sorted(_catalog())
