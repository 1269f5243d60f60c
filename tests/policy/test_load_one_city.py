"""A one-off command about one city (simulate) loads only that city's files and the
tiers; a city the set does not hold loads the whole set, so the error names the known."""

from __future__ import annotations

from conftest import POLICIES

from service.policy.loader import load_policy_dir


def test_one_city_loads_only_its_versions_the_same_as_the_whole_set():
    whole = load_policy_dir(POLICIES)
    one = load_policy_dir(POLICIES, city="tianjin")
    assert list(one.cities) == ["tianjin"]
    assert [p.sha256 for p in one.cities["tianjin"]] == \
        [p.sha256 for p in whole.cities["tianjin"]]
    assert one.withdrawn.keys() <= whole.withdrawn.keys()


def test_an_unknown_city_loads_the_whole_set():
    assert set(load_policy_dir(POLICIES, city="atlantis").cities) == \
        set(load_policy_dir(POLICIES).cities)
