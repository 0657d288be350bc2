"""Every engine message exists in English and Korean, with the same placeholders."""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path

from grader.i18n import Text, _catalog, attach_particles, detect_lang, msg


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_and_the_same_placeholders():
    for key, entry in _catalog().items():
        assert set(entry) == {"en", "ko"}, key
        assert _fields(entry["en"]) == _fields(entry["ko"]), key


def test_msg_fills_text_parameters_per_language():
    inner = Text(en="the result", ko="결과")
    text = msg("not_tensor", what=inner, got="None")
    assert text.en.startswith("the result should be") and text.ko.startswith("결과는 ")


def test_korean_particles_follow_the_word_before_them():
    assert attach_particles("결과이(가) 다릅니다") == "결과가 다릅니다"
    assert attach_particles("출력이(가) 다릅니다") == "출력이 다릅니다"
    assert attach_particles("모델을(를) 호출, 손실은(는) 0, 입력과(와) 출력") == "모델을 호출, 손실은 0, 입력과 출력"
    assert attach_particles("배치을(를) 쓰고 기울기과(와)") == "배치를 쓰고 기울기와"
    # (으)로: 으로 after a consonant other than ㄹ, 로 after a vowel or ㄹ.
    assert attach_particles("텐서(으)로, 배치(으)로, 파일(으)로") == "텐서로, 배치로, 파일로"
    assert attach_particles("정수형(으)로") == "정수형으로"
    # After code or a number there is no telling how it is read: both forms stay.
    assert attach_particles("standardize(x)이(가) 5을(를) torch.float64(으)로") == (
        "standardize(x)이(가) 5을(를) torch.float64(으)로"
    )


def test_msg_resolves_korean_particles_after_filled_words():
    text = msg("values", what=Text(en="the result", ko="결과"), total=4, count=1, index="(0,)", expected=1, got=2)
    assert text.ko.startswith("결과가 4개 원소 중")


def test_language_detection():
    assert detect_lang({"GRADE_LANG": "ko"}) == "ko"
    assert detect_lang({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert detect_lang({"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"
    assert detect_lang({}) == "en"


def test_text_falls_back_to_english():
    assert Text(en="x").get("ko") == "x"
    assert Text.model_validate("plain").en == "plain"


# -- Korean wording: one term per idea, whole sentences ------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
# A variant and the one term the course uses for it.
_VARIANTS = {
    "에폭": "에포크",
    "기대값": "기댓값",
    "정답 구현": "참조 구현",
    "참고 구현": "참조 구현",
    "참고 답안": "참조 구현",
    "레퍼런스": "참조 구현",
    "훈련 루프": "학습 루프",
    "학습 반복문": "학습 루프",
    "업데이트": "갱신",
}


def _korean(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) of every Korean string in a parsed TOML document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _korean(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _korean(item, f"{path}[{index}]")
    elif isinstance(value, str) and path.endswith(".ko"):
        yield path, value


def _korean_texts() -> Iterator[tuple[str, str]]:
    for relative in (
        "grader/i18n/messages.toml",
        "exercises/course.toml",
        "exercises/quiz/questions.toml",
        "solutions/quiz/key.toml",
    ):
        with open(ROOT / relative, "rb") as fh:
            yield from ((relative + where, text) for where, text in _korean(tomllib.load(fh)))
    template = (ROOT / "grader" / "deploy" / "templates" / "README.md").read_text(encoding="utf-8")
    yield "templates/README.md", template.partition("## 한국어")[2]


def test_korean_uses_one_term_for_each_idea():
    texts = list(_korean_texts())
    assert len(texts) > 200
    found = [(where, variant, term) for where, text in texts for variant, term in _VARIANTS.items() if variant in text]
    assert found == []


def test_korean_hints_and_intros_end_in_a_sentence():
    """A hint may quote code, but it ends by saying what to do with it (no trailing `x @ w.T`.)."""
    with open(ROOT / "exercises" / "course.toml", "rb") as fh:
        texts = [(where, text.strip()) for where, text in _korean(tomllib.load(fh)) if ".title." not in where]
    assert len(texts) > 40
    fragments = [(where, text[-30:]) for where, text in texts if not re.search(r"[다요까][.?!]?\)?[.?!]?$", text)]
    assert fragments == []
