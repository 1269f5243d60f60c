"""`hukou-points policies diff` between each withdrawn version and its correction lists
every change: each top-level key whose content differs shows up, entry by entry."""

from __future__ import annotations

import json

import pytest
from conftest import POLICIES
from support import cli

from service.policy.loader import load_policy_dir

SHIPPED = load_policy_dir(POLICIES)
PAIRS = sorted((city, old, found["replaced_by"])
               for (city, old), found in SHIPPED.withdrawn.items())


def ids(items) -> set:
    return {item["id"] for item in items or []}


def test_every_correction_of_the_real_schemes_is_paired():
    assert PAIRS == [("shanghai", "2018.1", "2018.2"), ("shenzhen", "2017.1", "2017.2"),
                     ("tianjin", "2022.1", "2022.2")]


@pytest.mark.parametrize("city,old,new", PAIRS)
def test_the_diff_lists_every_change(city, old, new):
    out = cli("policies", "diff", city, old, new)
    assert out.returncode == 0, out.stderr
    diff = json.loads(out.stdout)
    versions = {p.version: p.document for p in SHIPPED.cities[city]}
    a, b = versions[old], versions[new]
    assert not diff["identical"]
    for key in ("criteria", "gates", "groups", "entitlements", "omitted"):
        section = diff[key]
        assert ids(section["added"]) == ids(b.get(key)) - ids(a.get(key)), key
        assert ids(section["removed"]) == ids(a.get(key)) - ids(b.get(key)), key
        old_by, new_by = ({i["id"]: i for i in d.get(key) or []} for d in (a, b))
        assert {c["id"] for c in section["changed"]} == {
            k for k in old_by.keys() & new_by.keys() if old_by[k] != new_by[k]}, key
    for key in ("fields", "facts", "reference_dates"):
        old_map, new_map = a.get(key) or {}, b.get(key) or {}
        assert set(diff[key]["added"]) == new_map.keys() - old_map.keys(), key
        assert set(diff[key]["removed"]) == old_map.keys() - new_map.keys(), key
        assert {c["id"] for c in diff[key]["changed"]} == {
            k for k in old_map.keys() & new_map.keys() if old_map[k] != new_map[k]}, key
    listed = {"criteria", "gates", "groups", "entitlements", "omitted", "fields", "facts",
              "reference_dates", "city", "version"}
    differing = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)} - listed
    assert set(diff["changed"]) == differing
    assert "supersedes" in diff["changed"]  # the correction says what it replaces


def test_the_tianjin_diff_names_the_lost_digit_and_the_fund_rate():
    diff = json.loads(cli("policies", "diff", "tianjin", "2022.1", "2022.2").stdout)
    assert "invention_patents" in ids(diff["criteria"]["removed"])
    assert "invention_patents" in diff["fields"]["removed"]
    fund = next(c for c in diff["criteria"]["changed"] if c["id"] == "housing_fund")
    assert fund["old"]["points"] != fund["new"].get("points")
