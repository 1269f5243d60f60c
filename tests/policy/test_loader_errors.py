"""One test per validation rule: the error names the file, the field path and the fault."""

from __future__ import annotations

import pytest
import yaml
from support import TIER, city_doc, label, write_dir

from service.policy.errors import PolicyInvalid
from service.policy.loader import load_policy_dir

FILE = "cities/testcity/1.yaml"
COUNT = {"m": {"type": "integer", "label": label("m"), "min": 0, "unit": "item"}}


def problems_of(tmp_path, *docs, tier=None) -> list[tuple[str, str, str]]:
    root = write_dir(tmp_path / "p", list(docs), tier)
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_dir(root)
    return [(p.file, p.path, p.message) for p in caught.value.problems]


def criterion(**kw) -> dict:
    return {"id": "c", "label": label("c"), **kw}


def test_unknown_kind(tmp_path):
    doc = city_doc(fields=COUNT, criteria=[criterion(kind="formula", input="m")])
    [(file, path, message)] = problems_of(tmp_path, doc)
    assert (file, path) == (FILE, "criteria.0(c).kind")
    assert "Unknown kind 'formula'" in message and "per_unit" in message


def test_overlapping_bands(tmp_path):
    bands = [{"from": 0, "to": 50, "points": 1}, {"from": 40, "to": 60, "points": 2}]
    doc = city_doc(fields=COUNT, criteria=[criterion(kind="bands", input="m", bands=bands)])
    [(file, path, message)] = problems_of(tmp_path, doc)
    assert (file, path) == (FILE, "criteria.0(c).bands")
    assert "overlap" in message and "[0, 50)" in message and "[40, 60)" in message


def test_versions_with_overlapping_effective_intervals(tmp_path):
    first = city_doc(version="1", effective_from="2020-01-01", effective_to="2021-06-30")
    second = city_doc(version="2", effective_from="2021-01-01")
    [(file, path, message)] = problems_of(tmp_path, first, second)
    assert (file, path) == ("cities/testcity/2.yaml", "effective_from")
    assert "cities/testcity/1.yaml" in message


def test_open_ended_version_followed_by_another(tmp_path):
    first = city_doc(version="1", effective_from="2020-01-01")
    second = city_doc(version="2", effective_from="2022-01-01")
    assert problems_of(tmp_path, first, second)[0][1] == "effective_from"


def test_criterion_reading_an_undeclared_field(tmp_path):
    doc = city_doc(fields=COUNT, criteria=[criterion(kind="per_item", input="awards",
                                                     points=2)])
    [(file, path, message)] = problems_of(tmp_path, doc)
    assert (file, path) == (FILE, "criteria.0(c).input")
    assert "undeclared field or fact 'awards'" in message


def test_cap_below_zero(tmp_path):
    doc = city_doc(fields=COUNT, criteria=[criterion(kind="per_item", input="m", points=2,
                                                     cap=-1)])
    [(file, path, message)] = problems_of(tmp_path, doc)
    assert (file, path, message) == (FILE, "criteria.0(c).cap", "Must not be below zero.")


def test_missing_translation(tmp_path):
    doc = city_doc(fields=COUNT, criteria=[{"id": "c", "label": {"zh": "中文"},
                                            "kind": "per_item", "input": "m", "points": 1}])
    [(file, path, message)] = problems_of(tmp_path, doc)
    assert (file, path) == (FILE, "criteria.0(c).label.en")
    assert "Missing" in message


def test_empty_translation(tmp_path):
    doc = city_doc(title={"zh": "", "en": "Test"})
    assert problems_of(tmp_path, doc)[0][:2] == (FILE, "title.zh")


def test_unknown_key_lists_the_allowed_keys(tmp_path):
    doc = city_doc(threshhold={"kind": "fixed", "points": 1})
    found = problems_of(tmp_path, doc)
    assert (FILE, "threshhold") == found[0][:2]
    assert "Allowed keys:" in found[0][2] and "threshold" in found[0][2]


def test_duplicate_yaml_key_names_the_line(tmp_path):
    root = write_dir(tmp_path / "p", [city_doc()])
    path = root / FILE
    path.write_text(path.read_text() + "city: again\n")
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_dir(root)
    [problem] = caught.value.problems
    assert problem.file == FILE and "duplicate key 'city'" in problem.message


def test_version_must_match_file_name(tmp_path):
    root = write_dir(tmp_path / "p", [city_doc(version="1")])
    (root / FILE).rename(root / "cities/testcity/2.yaml")
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_dir(root)
    assert [(p.file, p.path) for p in caught.value.problems] == [
        ("cities/testcity/2.yaml", "version")]


def test_unknown_tier(tmp_path):
    [(file, path, message)] = problems_of(tmp_path, city_doc(tier="huge"))
    assert (file, path) == (FILE, "tier") and "mega" in message


def test_tier_that_forbids_points(tmp_path):
    tier = {**TIER, "tier": "medium", "points_system": "forbidden"}
    doc = city_doc(tier="medium", fields=COUNT,
                   criteria=[criterion(kind="per_item", input="m", points=1)])
    [(file, path, message)] = problems_of(tmp_path, doc, tier=tier)
    assert (file, path) == (FILE, "criteria") and "may not use a points system" in message


def test_fact_from_a_field_of_the_wrong_type(tmp_path):
    doc = city_doc(fields=COUNT, facts={"age": {"kind": "age", "from": "m"}})
    [(file, path, message)] = problems_of(tmp_path, doc)
    assert (file, path) == (FILE, "facts.age.from") and "not a date field" in message


def test_gate_bound_by_enum_must_cover_every_value(tmp_path):
    fields = {**COUNT, "gender": {"type": "enum", "label": label("g"),
                                  "values": {"male": label("m"), "female": label("f")}}}
    gate = {"id": "g", "kind": "range", "input": "m", "label": label("g"), "reason": label("r"),
            "max": {"by": "gender", "values": {"male": 59}}}
    [(file, path, message)] = problems_of(tmp_path, city_doc(fields=fields, gates=[gate]))
    assert (file, path) == (FILE, "gates.0(g).max.values") and "female" in message


def test_lookup_value_not_in_the_enum(tmp_path):
    fields = {"level": {"type": "enum", "label": label("l"), "values": {"a": label("a")}}}
    doc = city_doc(fields=fields, criteria=[criterion(kind="lookup", input="level",
                                                      table={"b": 1})])
    [(file, path, message)] = problems_of(tmp_path, doc)
    assert (file, path) == (FILE, "criteria.0(c).table.b")


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    doc = city_doc(fields=COUNT, criteria=[
        criterion(kind="per_item", input="nope", points=1),
        {**criterion(kind="per_item", input="m", points=1), "id": "d", "cap": -2}])
    paths = {p for _, p, _ in problems_of(tmp_path, doc)}
    assert {"criteria.1(d).cap"} <= paths


def test_a_changed_published_version_is_refused(tmp_path):
    root = write_dir(tmp_path / "p", [city_doc()])
    (root / "published.yaml").write_text(yaml.safe_dump({"testcity": {"1": "0" * 64}}))
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_dir(root)
    [problem] = caught.value.problems
    assert problem.file == FILE and "Published version changed" in problem.message


def test_a_tie_break_key_must_be_a_declared_field_or_fact(tmp_path):
    """Quota rounds read `tie_break` (service/scoring/rounds.py): a key naming nothing the
    policy declares is refused, naming `threshold.tie_break.<i>.key`."""
    from support import city_doc, write_dir

    from service.policy.errors import PolicyInvalid
    from service.policy.loader import load_policy_dir

    doc = city_doc(threshold={"kind": "quota", "quota": 10, "cutoffs": {2020: 50},
                              "tie_break": [{"key": "n", "order": "desc"},
                                            {"key": "nope", "order": "asc"}],
                              "ties": "tie_break"})
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_dir(write_dir(tmp_path, [doc]), check_published=False)
    assert [p.path for p in caught.value.problems] == ["threshold.tie_break.1.key"]
