"""Small quota and fixed policies for hand-worked rounds, a helper that ranks people, and
Beijing cohorts written as CSV or NDJSON.

Every test policy scores one number, `n`, one point per unit (pro rata, so a total is n
itself, rounded to 2 places), and has one gate, `allowed` (the flag `ok`). `tiecity`
breaks ties by `k` (highest first) and then `joined` (earliest first)."""

from __future__ import annotations

import datetime as dt

from support import city_doc, label, write_dir

from service.policy.loader import load_policy_dir
from service.scoring.cohort import Cohort
from service.scoring.rounds import rank_round

AS_OF = dt.date(2024, 6, 30)
FIELDS = {
    "n": {"type": "number", "label": label("n"), "unit": "point", "min": 0},
    "k": {"type": "integer", "label": label("k"), "unit": "item", "min": 0,
          "required": False, "default": 0},
    "joined": {"type": "date", "label": label("joined"), "required": False,
               "default": None},
    "ok": {"type": "boolean", "label": label("ok"), "required": False, "default": True},
}
CRITERIA = [{"id": "points", "label": label("Points"), "kind": "per_unit", "input": "n",
             "points": 1, "partial": True}]
GATES = [{"id": "allowed", "kind": "flag", "input": "ok", "label": label("Allowed"),
          "reason": label("Not allowed")}]
QUOTA = {"kind": "quota", "quota": 3, "cutoffs": {2023: 10}}


def _city(city: str, threshold: dict, fields: dict | None = None) -> dict:
    return city_doc(city=city, fields=fields or FIELDS, criteria=CRITERIA, gates=GATES,
                    threshold=threshold)


def load_round_policies(root) -> dict:
    """city -> its one policy, written under `root`: allcity (admit_all), tiecity
    (tie_break), fixcity (fixed threshold of 10), twincity (see twin_city)."""
    tie_fields = {**FIELDS, "joined": {"type": "date", "label": label("joined")}}
    docs = [
        _city("allcity", dict(QUOTA)),
        _city("tiecity", {**QUOTA, "ties": "tie_break", "tie_break": [
            {"key": "k", "order": "desc"}, {"key": "joined", "order": "asc"}]}, tie_fields),
        _city("fixcity", {"kind": "fixed", "points": 10}),
        twin_city(),
    ]
    found = load_policy_dir(write_dir(root, docs), check_published=False)
    return {city: versions[0] for city, versions in found.cities.items()}


def twin_city() -> dict:
    """A quota policy the engine's vectorised twin takes (whole units of an integer), whose
    ties are broken by a fact, an integer, a number, a flag and a date, in that order."""
    fields = {
        "m": {"type": "integer", "label": label("m"), "unit": "item", "min": 0},
        "k": {"type": "integer", "label": label("k"), "unit": "item", "min": 0,
              "required": False, "default": 0},
        "x": {"type": "number", "label": label("x"), "unit": "point", "min": 0},
        "vip": {"type": "boolean", "label": label("vip"), "required": False,
                "default": False},
        "joined": {"type": "date", "label": label("joined")},
        "ok": FIELDS["ok"],
    }
    return city_doc(
        city="twincity", fields=fields, gates=GATES,
        facts={"years": {"kind": "years_since", "from": "joined", "on": "as_of"}},
        criteria=[{"id": "units", "label": label("Units"), "kind": "per_unit", "input": "m",
                   "points": 0.5}],
        threshold={**QUOTA, "ties": "tie_break", "tie_break": [
            {"key": "years", "order": "desc"}, {"key": "k", "order": "desc"},
            {"key": "x", "order": "asc"}, {"key": "vip", "order": "desc"},
            {"key": "joined", "order": "asc"}]})


def person(n, **more) -> dict:
    return {"n": n, **more}


def rank(policy, people: list, quota: int, as_of: dt.date = AS_OF) -> dict:
    """The round's answer for [(id, applicant)], fed as JSON items are."""
    cohort = Cohort(policy, as_of)
    for number, (id_, applicant) in enumerate(people, 1):
        cohort.add_item(number, {"id": id_, "applicant": applicant})
    return rank_round(cohort, quota).answer()


def by_id(answer: dict) -> dict:
    return {e["id"]: e for e in answer["ranking"]}


# Beijing (policies/cities/beijing/2020.1.yaml): this applicant scores 90.00 on 2020-06-30,
# and every month of social insurance more or less moves the total by 0.25.
BEIJING_AS_OF = "2020-06-30"
BEIJING = {"birth_date": "1980-03-01", "gender": "male", "residence_permit": True,
           "social_insurance_months": 200, "social_insurance_consecutive_months": 200,
           "housing": {"owned_months": 60, "rented_months": 0},
           "education": {"level": "bachelor", "diploma": True, "degree": True},
           "criminal_record": []}


def beijing(months: int = 200, **more) -> dict:
    return {**BEIJING, "social_insurance_months": months,
            "social_insurance_consecutive_months": months, **more}


def beijing_2020_shape() -> list:
    """Beijing's 2020 round in shape: quota 6,000, 54 tied at the line, 6,032 admitted.
    5,978 applicants above the line (90.25 to 105.00: 201 to 260 months), 54 at it (90.00),
    2,000 below (77.50 to 89.75), 100 without a residence permit (ineligible)."""
    people = [(f"s{i:05d}", beijing(201 + i % 60)) for i in range(5978)]
    people += [(f"t{i:05d}", beijing()) for i in range(54)]
    people += [(f"w{i:05d}", beijing(150 + i % 50)) for i in range(2000)]
    people += [(f"x{i:05d}", beijing(240, residence_permit=False)) for i in range(100)]
    return people


def as_csv(people: list) -> str:
    """[(id, applicant)] as a CSV: an id column, then a column per field path."""
    import csv
    import io

    from service.policy.paths import flatten

    rows = [(id_, flatten(applicant)) for id_, applicant in people]
    columns = sorted({c for _, flat in rows for c in flat})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *columns])
    for id_, flat in rows:
        writer.writerow([id_, *(_cell(flat.get(c)) for c in columns)])
    return out.getvalue()


def _cell(value) -> str:
    import json

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def as_ndjson(people: list) -> str:
    import json

    return "".join(json.dumps({"id": i, "applicant": a}) + "\n" for i, a in people)
