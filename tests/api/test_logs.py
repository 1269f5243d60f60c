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


def test_an_unexpected_error_logs_its_class_and_frames_never_its_message(keys_file, caplog,
                                                                          monkeypatch):
    """A bug whose message quotes the input (as ValueError's do) reaches the log as a class
    and a list of frames, for the single score and for a batch item alike."""
    from conftest import make_app

    import service.scoring.application as scoring

    def broken(policy, values, as_of, key=None):
        raise ValueError(f"cannot score {values.get('birth_date')} for Zhang Wei")

    caplog.set_level(logging.DEBUG)
    app = make_app(keys_file)
    monkeypatch.setattr(scoring, "score", broken)
    client = app.test_client()
    one = client.post("/v1/score", json={"city": "xian", "as_of": "2024-06-30",
                                         "applicant": DISTINCTIVE},
                      headers={**bearer("bureau"), "X-Request-ID": "req-bug-1"})
    batch = client.post("/v1/score/batch", json=[{"city": "xian", "as_of": "2024-06-30",
                                                  "applicant": DISTINCTIVE}],
                        headers={**bearer("bureau"), "X-Request-ID": "req-bug-2"})
    assert one.status_code == 500 and batch.get_json()["results"][0]["status"] == 500
    for answer in (one.get_data(as_text=True), batch.get_data(as_text=True)):
        assert "1977" not in answer and "Zhang Wei" not in answer
    handler = logging.getLogger("hukou").handlers[0]
    lines = [json.loads(handler.format(r)) for r in caplog.records]
    assert {r.name for r in caplog.records} == {"hukou.api"}  # not Flask's own logger
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert "1977" not in text and "Zhang Wei" not in text
    assert [(line["request_id"], line["error"]) for line in lines] == [
        ("req-bug-1", "ValueError"), ("req-bug-2", "ValueError")]
    assert lines[1]["index"] == 0
    assert lines[0]["trace"][-1].startswith("test_logs.py:") and "broken" in lines[0]["trace"][-1]
