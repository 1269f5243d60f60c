"""Logs carry request ids, decision ids and policy versions, and nothing about applicants."""

from __future__ import annotations

import json
import logging

from conftest import bearer

DISTINCTIVE = {"birth_date": "1977-03-29", "residence_permit_since": "2003-11-17",
               "criminal_record": [{"date": "2019-08-13", "kind": "administrative_detention"}],
               "local_knowledge_score": 73.25}


def test_no_personal_data_in_any_log_line(keys_file, caplog):
    import io

    from conftest import make_app

    from service.logs import RequestLog

    caplog.set_level(logging.DEBUG)
    app = make_app(keys_file)
    sink = io.BytesIO()
    app.extensions["request_log"] = RequestLog(sink)
    client = app.test_client()
    ok = client.post("/v1/score", json={"city": "xian", "as_of": "2024-06-30",
                                        "applicant": DISTINCTIVE},
                     headers={**bearer("bureau"), "X-Request-ID": "req-log-1"})
    bad = client.post("/v1/score", json={"city": "xian", "applicant": {
        **DISTINCTIVE, "birth_date": "1977-02-31", "name": "Zhang Wei"}},
        headers=bearer("bureau"))
    client.post("/v1/score/batch", json=[{"city": "xian", "as_of": "2024-06-30",
                                          "applicant": DISTINCTIVE}] * 2,
                headers=bearer("bureau"))
    assert ok.status_code == 200 and bad.status_code == 422
    records = [r for r in caplog.records if r.name.startswith("hukou")]
    formatted = [logging.getLogger("hukou").handlers[0].format(r) for r in records]
    text = sink.getvalue().decode() + "\n".join(formatted)
    for secret in ("1977-03-29", "2003-11-17", "2019-08-13", "73.25", "1977-02-31",
                   "Zhang Wei", "1977", "secret-bureau"):
        assert secret not in text, secret
    first = json.loads(text.splitlines()[0])
    assert first["request_id"] == "req-log-1" and first["route"] == "/v1/score"
    assert first["decisions"] == [ok.get_json()["decision_id"]]
    assert first["policy_versions"] == ["2024.1"]
