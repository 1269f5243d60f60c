"""Shenzhen ranks within its quota with no pass mark: every endpoint says so instead of
inventing a pass or fail, and none of them fails on the missing line."""

from __future__ import annotations

import datetime as dt

from conftest import bearer, make_app

# The reference's 2023.1 example (65 + (70 + 70 + 64 + 70 + 64) x 0.3 = 166.4)
APPLICANT = {"birth_date": "1986-11-20", "gender": "male", "residence_permit": True,
             "housing": {"owned_months": 65, "rented_months": 0,
                         "owned_continuous_months": 65, "rented_continuous_months": 0},
             "insurance": {"pension_months": 70, "medical_months": 70,
                           "unemployment_months": 64, "work_injury_months": 70,
                           "maternity_months": 64, "currently_paying": True}}
TODAY = dt.date.today().isoformat()


def test_score_what_if_simulate_and_drift_without_a_line(keys_file):
    client = make_app(keys_file).test_client()
    body = {"city": "shenzhen", "as_of": TODAY, "applicant": APPLICANT}
    for _ in range(3):
        scored = client.post("/v1/score", json=body, headers=bearer("bureau"))
        assert scored.status_code == 200, scored.get_json()
    answer = scored.get_json()
    assert answer["policy"]["version"] == "2023.1" and answer["total"] == 166.4
    assert answer["passes"] is None and answer["threshold"] is None
    assert answer["margin"] is None
    assert [n["code"] for n in answer["notes"]][0] == "no_pass_mark"

    what_if = client.post("/v1/what-if", headers=bearer("bureau"), json={
        **body, "scenarios": [{"name": "a year on", "add": {"insurance.pension_months": 12}}]})
    assert what_if.status_code == 200, what_if.get_json()
    out = what_if.get_json()
    assert out["path_to_threshold"]["earliest_pass"]["reason"] == "no_pass_mark"
    assert out["path_to_threshold"]["changes"] == []
    delta = out["scenarios"][0]["delta"]
    assert delta["total"] == 3.6 and delta["margin"] is None  # 12 x 0.3
    assert delta["passes"] == {"from": None, "to": None, "changed": False}

    simulated = client.post("/v1/simulate", headers=bearer("admin"), json={
        "city": "shenzhen", "as_of": TODAY, "candidate": {"version": "2017.2"},
        "population": [APPLICANT] * 4})
    assert simulated.status_code == 200, simulated.get_json()
    report = simulated.get_json()
    assert report["current"]["pass_rate"] is None and report["current"]["passes"] is None
    assert report["current"]["scored"] == 4

    drift = client.get("/v1/monitoring/drift", headers=bearer("ops"))
    assert drift.status_code == 200, drift.get_json()
    [series] = [s for s in drift.get_json()["series"] if s["city"] == "shenzhen"]
    assert series["count"] == 3 and series["threshold"] is None
    metrics = client.get("/metrics", headers=bearer("ops"))
    assert metrics.status_code == 200 and b"shenzhen" in metrics.data
