"""Every engine message exists in English and Korean, with the same placeholders."""

from __future__ import annotations

import string

from grader.i18n import Text, _catalog, detect_lang, msg


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_and_the_same_placeholders():
    for key, entry in _catalog().items():
        assert set(entry) == {"en", "ko"}, key
        assert _fields(entry["en"]) == _fields(entry["ko"]), key


def test_msg_fills_text_parameters_per_language():
    inner = Text(en="the result", ko="결과")
    text = msg("not_tensor", what=inner, got="None")
    assert text.en.startswith("the result should be") and text.ko.startswith("결과은(는)")


def test_language_detection():
    assert detect_lang({"GRADE_LANG": "ko"}) == "ko"
    assert detect_lang({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert detect_lang({"LC_ALL": "en_US.UTF-8", "LANG": "ko_KR.UTF-8"}) == "en"
    assert detect_lang({}) == "en"


def test_text_falls_back_to_english():
    assert Text(en="x").get("ko") == "x"
    assert Text.model_validate("plain").en == "plain"
