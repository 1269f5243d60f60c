"""Security headers: a CSP fitted to each kind of answer, and who may frame the calculator."""

from __future__ import annotations

import pytest
from conftest import make_app

from service.web import frame_ancestors


def csp(response) -> dict[str, str]:
    return {part.split()[0]: part.partition(" ")[2]
            for part in (p.strip() for p in response.headers["Content-Security-Policy"].split(";"))
            if part}


def test_json_answers_may_load_nothing_and_be_framed_by_nobody(client):
    for response in (client.get("/v1/policies"), client.post("/v1/score", json={}),
                     client.get("/nowhere")):
        policy = csp(response)
        assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_pages_load_only_from_the_service(client):
    for path in ("/calculator?city=xian", "/ops"):
        policy = csp(client.get(path))
        assert policy["script-src"] == "'self'" and policy["connect-src"] == "'self'"
        assert "unsafe-inline" not in policy["style-src"]
    assert csp(client.get("/ops"))["frame-ancestors"] == "'none'"
    assert csp(client.get("/calculator?city=xian"))["frame-ancestors"] == "'self'"


def test_the_calculator_may_be_framed_by_the_configured_sites(keys_file):
    app = make_app(keys_file, FRAME_ANCESTORS="https://rsj.example.gov.cn  https://*.example.cn")
    policy = csp(app.test_client().get("/calculator?city=beijing&lang=en"))
    assert policy["frame-ancestors"] == "https://rsj.example.gov.cn https://*.example.cn"
    # an unknown city's page is framed under the same rule, with the cities there are
    response = app.test_client().get("/calculator?city=atlantis")
    assert response.status_code == 404
    assert "/calculator?city=beijing" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["https://a.example; script-src *", "*", "'unsafe-inline'",
                                   "'none' https://a.example", "javascript:alert(1)", ""])
def test_a_bad_frame_ancestors_setting_is_refused_at_start(keys_file, value):
    with pytest.raises(ValueError, match="HUKOU_FRAME_ANCESTORS"):
        frame_ancestors(value) if not value else make_app(keys_file, FRAME_ANCESTORS=value)


def test_embed_script_is_served_as_javascript_for_any_page(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert 'customElements.define("hukou-calculator"' in response.get_data(as_text=True)


def test_the_calculator_page_names_the_city_in_its_language(client):
    zh = client.get("/calculator?city=xian").get_data(as_text=True)
    en = client.get("/calculator?city=xian&lang=en").get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh and "积分计算器" in zh
    assert '<html lang="en">' in en and "Points calculator" in en
    odd = client.get("/calculator?city=xian&lang=fr").get_data(as_text=True)
    assert '<html lang="zh-CN">' in odd  # an unknown language falls back to Chinese
