"""Field errors in Chinese for a client that prefers it (the calculator asks so)."""

from __future__ import annotations

import pytest

from service.api.messages_zh import translate, wants_chinese


@pytest.mark.parametrize(("header", "chinese"), [
    ("zh-CN", True), ("zh", True), ("zh-CN,zh;q=0.9,en;q=0.8", True), ("en", False),
    ("en-GB,en;q=0.9,zh;q=0.5", False), ("", False), (None, False), ("fr", False),
    ("zh;q=0", False), ("en;q=0.5,zh-TW;q=0.8", True), ("zh;q=x", False),
])
def test_accept_language_decides(header, chinese):
    assert wants_chinese(header) is chinese


def test_every_message_the_application_schema_gives_is_translated(client):
    applicant = {"birth_date": "1990-13-01", "residence_permit_since": "2999-01-01",
                 "criminal_record": [{"kind": "theft", "date": "not a date"}, {}],
                 "local_knowledge_score": 101, "shoe_size": 42}
    for lang, check in (("zh-CN", lambda m: any("\u4e00" <= c <= "\u9fff" for c in m)),
                        ("en", lambda m: m.isascii())):
        response = client.post("/v1/what-if", json={"city": "xian", "applicant": applicant},
                               headers={"Accept-Language": lang})
        assert response.status_code == 422
        errors = response.get_json()["errors"]
        assert len(errors) >= 6, errors
        for path, messages in errors.items():
            assert all(check(m) for m in messages), (lang, path, messages)
        assert response.headers["Vary"] == "Accept-Language"
        assert (response.headers.get("Content-Language") == "zh") == lang.startswith("zh")


def test_translation_keeps_the_numbers_and_passes_unknown_words_through():
    assert translate("Must be greater than or equal to 0 and less than or equal to 100.") \
        == "必须在0到100之间（含）。"
    assert translate("Is more than the 84 months since the applicant turned 16.") \
        == "超过申请人年满16周岁以来的84个月。"
    assert translate("Something new.") == "Something new."
