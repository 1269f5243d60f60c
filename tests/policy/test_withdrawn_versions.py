"""A published version that proves wrong is never edited: its correction supersedes it
for the same dates. Resolution by date serves the correction; pinning the withdrawn one
still scores under it (an old decision can be reproduced), marked withdrawn with the
reason and the version that replaces it."""

from __future__ import annotations

import datetime as dt

import pytest
from support import TEST_KEY, city_doc, label, write_dir

from service.policy.errors import PolicyInvalid
from service.policy.loader import load_policy_dir
from service.policy.registry import PolicyView
from service.scoring.application import score_application

COUNT = {"type": "integer", "label": label("n"), "unit": "year", "min": 0}
WRONG = city_doc(version="1", fields={"n": COUNT}, effective_to="2022-12-31",
                 criteria=[{"id": "c", "kind": "per_unit", "label": label("c"), "input": "n",
                            "points": 2}])
RIGHT = city_doc(version="1.1", fields={"n": COUNT}, effective_to="2022-12-31",
                 supersedes={"version": "1", "reason": {"zh": "每年应计3分",
                                                        "en": "3 points a year, not 2"}},
                 criteria=[{"id": "c", "kind": "per_unit", "label": label("c"), "input": "n",
                            "points": 3}])
ON = dt.date(2021, 6, 30)


def view(tmp_path, *docs) -> PolicyView:
    return PolicyView(load_policy_dir(write_dir(tmp_path, list(docs)), check_published=False))


def test_resolution_by_date_serves_the_correction(tmp_path):
    served = view(tmp_path, WRONG, RIGHT)
    scored = score_application(served, "testcity", ON, {"n": 4}, TEST_KEY)
    assert scored.policy.version == "1.1" and scored.result.total == 12  # 4 x 3
    assert not [n for n in scored.result.notes if n["code"] == "version_withdrawn"]


def test_pinning_the_withdrawn_version_reproduces_it_and_says_why(tmp_path):
    served = view(tmp_path, WRONG, RIGHT)
    scored = score_application(served, "testcity", ON, {"n": 4}, TEST_KEY, version="1")
    assert scored.policy.version == "1" and scored.result.total == 8  # 4 x 2, as decided
    (note,) = [n for n in scored.result.notes if n["code"] == "version_withdrawn"]
    assert "1.1" in note["en"] and "3 points a year, not 2" in note["en"]
    assert "每年应计3分" in note["zh"]
    assert served.withdrawal(scored.policy) == {"replaced_by": "1.1", "reason": {
        "zh": "每年应计3分", "en": "3 points a year, not 2"}}


def test_without_the_supersedes_key_the_two_overlap(tmp_path):
    plain = {k: v for k, v in RIGHT.items() if k != "supersedes"}
    with pytest.raises(PolicyInvalid) as caught:
        view(tmp_path, WRONG, plain)
    assert any(p.path == "effective_from" and "Overlaps" in p.message
               for p in caught.value.problems)


@pytest.mark.parametrize("change,path", [
    ({"supersedes": {"version": "9", "reason": label("r")}}, "supersedes.version"),
    ({"effective_to": "2023-12-31"}, "effective_from"),        # other dates: not a correction
    ({"supersedes": {"version": "1"}}, "supersedes.reason"),   # a correction says why
])
def test_a_bad_correction_is_refused_naming_the_field(tmp_path, change, path):
    with pytest.raises(PolicyInvalid) as caught:
        view(tmp_path, WRONG, {**RIGHT, **change})
    assert any(p.path == path for p in caught.value.problems), caught.value.problems


def test_the_api_lists_the_withdrawn_version_and_scores_it_pinned(tmp_path, keys_file):
    from conftest import bearer, make_app

    root = write_dir(tmp_path, [WRONG, RIGHT])
    client = make_app(keys_file, POLICY_DIR=str(root), CHECK_PUBLISHED=False).test_client()
    versions = client.get("/v1/policies").get_json()["cities"][0]["versions"]
    assert {v["version"]: v["withdrawn"] and v["withdrawn"]["replaced_by"]
            for v in versions} == {"1": "1.1", "1.1": None}
    answer = client.post("/v1/score", headers=bearer("bureau"), json={
        "city": "testcity", "as_of": "2021-06-30", "policy_version": "1",
        "applicant": {"n": 4}}).get_json()
    assert answer["total"] == 8
    assert "version_withdrawn" in [n["code"] for n in answer["notes"]]
    assert client.get("/v1/policies/testcity?as_of=2021-06-30").get_json()["policy"][
        "version"] == "1.1"
