"""Rounds worked by hand on the small test policies (rounds_support.py): a total is the
applicant's `n` rounded to 2 places; `ok: false` fails the gate `allowed`."""

from __future__ import annotations

import pytest
from rounds_support import AS_OF, by_id, load_round_policies, person, rank

from service.scoring.cohort import Cohort, CohortRefused
from service.scoring.rounds import rank_round


@pytest.fixture(scope="module")
def round_policies(tmp_path_factory) -> dict:
    return load_round_policies(tmp_path_factory.mktemp("rounds"))


# a 12.5, b 11, c = d = e 10, f 9.99, g 20 but not allowed.
ADMIT_ALL = [("e", person(10)), ("a", person(12.5)), ("f", person(9.99)), ("c", person(10)),
             ("g", person(20, ok=False)), ("b", person(11)), ("d", person(10))]


def test_admit_all_admits_everyone_tied_at_the_line(round_policies):
    # Eligible by total: a 12.5, b 11, c/d/e 10, f 9.99. The 3rd place (quota 3) is a tie
    # of three at 10: the line is 10 and all three are admitted, 5 in all (2 over quota).
    answer = rank(round_policies["allcity"], ADMIT_ALL, 3)
    assert answer["line"] == "quota" and answer["ties"] == "admit_all"
    assert answer["cutoff"] == {"exact": "10.00", "number": 10.0}
    assert (answer["admitted"], answer["tied_at_cutoff"], answer["over_quota"]) == (5, 3, 2)
    assert (answer["rows"], answer["eligible"]) == (7, 6)
    assert answer["ineligible"] == {"count": 1, "by_gate": {"allowed": 1}}
    assert answer["invalid"] == {"count": 0, "rows": [], "rows_truncated": False}
    # Competition ranks; equal totals in id order; the ineligible last.
    assert [(e["id"], e["rank"], e["admitted"], e["decided_by"]) for e in answer["ranking"]] \
        == [("a", 1, True, "score"), ("b", 2, True, "score"),
            ("c", 3, True, "tie_admitted"), ("d", 3, True, "tie_admitted"),
            ("e", 3, True, "tie_admitted"), ("f", 6, False, "score"),
            ("g", None, False, "ineligible:allowed")]
    margins = {e["id"]: e["margin_to_cutoff"] for e in answer["ranking"]}
    assert margins == {"a": 2.5, "b": 1.0, "c": 0.0, "d": 0.0, "e": 0.0, "f": -0.01,
                       "g": 10.0}
    assert by_id(answer)["g"]["eligible"] is False and by_id(answer)["g"]["total"] == 20.0


def test_the_quota_curve_moves_the_line(round_policies):
    # Quotas are rounded half up from 50 % .. 200 % of 3: 1.5 -> 2, 2.7 -> 3, 3.6 -> 4,
    # 4.5 -> 5, 5.7 -> 6. Quota 2: line 11 (a, b). 3 to 5: line 10, the tie of three
    # admitted (5). 6: line 9.99, all six eligible.
    curve = rank(round_policies["allcity"], ADMIT_ALL, 3)["quota_curve"]
    assert [c["percent"] for c in curve] == list(range(50, 201, 10))
    assert [c["quota"] for c in curve] == [2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6, 6]
    assert [(c["cutoff"]["exact"], c["admitted"]) for c in curve] == \
        [("11.00", 2)] * 4 + [("10.00", 5)] * 10 + [("9.99", 6)] * 2


def test_a_line_the_tie_does_not_cross_is_decided_by_score(round_policies):
    # Quota 2: a 12.5 and b 11 fill it; the line is 11 and nobody else has 11.
    answer = rank(round_policies["allcity"], ADMIT_ALL, 2)
    assert (answer["cutoff"]["exact"], answer["admitted"], answer["tied_at_cutoff"],
            answer["over_quota"]) == ("11.00", 2, 1, 0)
    assert {e["decided_by"] for e in answer["ranking"][:6]} == {"score"}


TIES = [  # n, k (higher first), joined (earlier first)
    ("a", person(15, joined="2019-01-01")),
    ("b", person(10, k=2, joined="2015-01-01")),
    ("c", person(10, k=1, joined="2010-05-01")),
    ("d", person(10, k=1, joined="2012-03-01")),
    ("e", person(10, k=0, joined="2001-01-01")),
    ("f", person(8, joined="2000-01-01")),
]


def test_tie_break_admits_exactly_the_quota_key_by_key(round_policies):
    # Total 10: b (k 2) before c and d (k 1; c joined earlier) before e (k 0). Quota 3:
    # a, b, c. Against d, the first left out: b won on k, c on joined. Against c, the
    # last admitted: d lost on joined, e on k. Ranks follow every key: no one shares one.
    answer = rank(round_policies["tiecity"], TIES, 3)
    assert answer["ties"] == "tie_break"
    assert answer["tie_break"] == [{"key": "k", "order": "desc"},
                                   {"key": "joined", "order": "asc"}]
    assert (answer["cutoff"]["exact"], answer["admitted"], answer["tied_at_cutoff"],
            answer["over_quota"]) == ("10.00", 3, 4, 0)
    assert [(e["id"], e["rank"], e["admitted"], e["decided_by"]) for e in answer["ranking"]] \
        == [("a", 1, True, "score"), ("b", 2, True, "tie_break:k"),
            ("c", 3, True, "tie_break:joined"), ("d", 4, False, "tie_break:joined"),
            ("e", 5, False, "tie_break:k"), ("f", 6, False, "score")]
    assert not [n for n in answer["notes"] if n["code"] == "ties_left_after_tie_break"]


def test_ties_left_after_every_key_fall_back_to_admitting_them_all(round_policies):
    # c2 equals c on total, k and joined: at the line (quota 3) both are admitted
    # (tie_admitted), 4 in all; they share rank 3 and d, now 5th, lost to c2 on joined.
    people = TIES + [("c2", person(10, k=1, joined="2010-05-01"))]
    answer = rank(round_policies["tiecity"], people, 3)
    assert (answer["admitted"], answer["over_quota"], answer["tied_at_cutoff"]) == (4, 1, 5)
    assert [(e["id"], e["rank"], e["decided_by"]) for e in answer["ranking"][:6]] == [
        ("a", 1, "score"), ("b", 2, "tie_break:k"), ("c", 3, "tie_admitted"),
        ("c2", 3, "tie_admitted"), ("d", 5, "tie_break:joined"), ("e", 6, "tie_break:k")]
    [note] = [n for n in answer["notes"] if n["code"] == "ties_left_after_tie_break"]
    assert "2 applicants" in note["en"] and "admit_all" in note["en"]


def test_a_fixed_threshold_ranks_and_its_line_is_the_threshold(round_policies):
    # Threshold 10: a 12, b 10, c 10 reach it (3 admitted, 1 over a quota of 2), d 9.5
    # does not, e is not allowed. By quota 2 alone the line would be 10 as well (b and c
    # tied at the 2nd place, both admitted under admit_all).
    people = [("a", person(12)), ("b", person(10)), ("c", person(10)), ("d", person(9.5)),
              ("e", person(30, ok=False))]
    answer = rank(round_policies["fixcity"], people, 2)
    assert answer["line"] == "threshold" and answer["published_cutoff"] is None
    assert answer["cutoff"] == {"exact": "10.00", "number": 10.0}
    assert (answer["admitted"], answer["tied_at_cutoff"], answer["over_quota"]) == (3, 2, 1)
    assert answer["by_quota"] == {"cutoff": {"exact": "10.00", "number": 10.0},
                                  "admitted": 3, "tied_at_cutoff": 2, "over_quota": 1}
    assert [(e["id"], e["rank"], e["admitted"], e["decided_by"]) for e in answer["ranking"]] \
        == [("a", 1, True, "score"), ("b", 2, True, "score"), ("c", 2, True, "score"),
            ("d", 4, False, "score"), ("e", None, False, "ineligible:allowed")]
    assert "fixed_threshold" in [n["code"] for n in answer["notes"]]


def test_a_quota_beyond_the_eligible_admits_them_all_and_says_so(round_policies):
    answer = rank(round_policies["allcity"], ADMIT_ALL, 10)
    assert (answer["admitted"], answer["over_quota"]) == (6, 0)
    assert answer["cutoff"]["exact"] == "9.99"  # the lowest eligible total
    [note] = [n for n in answer["notes"] if n["code"] == "quota_exceeds_eligible"]
    assert "(10)" in note["en"] and "(6)" in note["en"]


def test_nobody_eligible_has_no_line(round_policies):
    answer = rank(round_policies["allcity"], [("x", person(5, ok=False))], 1)
    assert answer["cutoff"] is None and answer["admitted"] == 0
    assert answer["ranking"] == [{"id": "x", "rank": None, "total": 5.0, "eligible": False,
                                  "admitted": False, "decided_by": "ineligible:allowed",
                                  "margin_to_cutoff": None}]
    assert "no_eligible" in [n["code"] for n in answer["notes"]]


def test_rows_that_cannot_be_ranked_are_listed_with_their_row_and_problem(round_policies):
    policy = round_policies["allcity"]
    cohort = Cohort(policy, AS_OF)
    items = [{"id": "ok", "applicant": {"n": 3}}, {"id": "bad", "applicant": {"n": "x"}},
             {"applicant": {"n": 1}}, {"id": "x", "applicant": {"n": 1}, "extra": 1},
             "not an object", {"id": 7, "applicant": {"n": 2}}, {"id": "", "applicant": {}}]
    for number, item in enumerate(items, 1):
        cohort.add_item(number, item)
    answer = rank_round(cohort, 1).answer()
    assert answer["rows"] == 7 and answer["eligible"] == 2  # "ok", and 7 read as "7"
    problems = {r["row"]: (r["id"], r["problem"]) for r in answer["invalid"]["rows"]}
    assert problems == {2: ("bad", "The applicant does not fit the policy."),
                        3: (None, "No id."), 4: ("x", "Unknown keys: extra."),
                        5: (None, "Each row is an object {id, applicant}."),
                        7: (None, "The id is empty.")}
    assert answer["invalid"]["rows"][0]["errors"] == {"applicant.n": ["Not a number."]}
    tail = answer["ranking"][2:]
    assert [(e["id"], e["row"], e["decided_by"]) for e in tail] == [
        ("bad", 2, "invalid"), ("x", 4, "invalid"), (None, 3, "invalid"),
        (None, 5, "invalid"), (None, 7, "invalid")]


def test_repeated_ids_are_refused_naming_them(round_policies):
    people = [("a", person(1)), ("b", person(2)), ("a", person(3)), ("b", {"n": "x"})]
    with pytest.raises(CohortRefused) as refused:
        rank(round_policies["allcity"], people, 1)
    assert refused.value.reason == "duplicate_ids" and refused.value.names == ("a", "b")
    assert "'a', 'b'" in refused.value.message
