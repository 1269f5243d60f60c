"""The ranking CSV written by arrow compute (service/ranking_csv.py) holds the bytes the
csv module writes from Round.rows: ties, tie breaks, ineligible and invalid rows, ids that
need quoting, ids missing, totals whole and fractional, negative margins, no pass mark."""

from __future__ import annotations

import csv
import io

import pytest
from rounds_support import AS_OF, beijing_2020_shape, load_round_policies, person

from service.ranking_csv import write_ranking_csv
from service.scoring.cohort import Cohort
from service.scoring.rounds import PLACE, rank_round


def csv_module(ranked) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PLACE)
    for chunk in ranked.rows(flags=("false", "true")):
        writer.writerows(chunk)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def policies(tmp_path_factory) -> dict:
    return load_round_policies(tmp_path_factory.mktemp("rounds"))


@pytest.mark.parametrize("quota", [1, 2, 3, 50])
def test_the_bytes_are_the_csv_modules(policies, tmp_path, quota):
    for name, policy in sorted(policies.items()):
        people = [(f"p{i}", person(i % 13 + (i % 4) * 0.25, k=i % 3)) for i in range(40)]
        people += [('odd, "quoted" id', person(7)), ("x" * 200, person(3)),
                   (None, person(1)), ("bad", {"nope": 1}), ("neg", person(-2.5))]
        cohort = Cohort(policy, AS_OF)
        for number, (ident, applicant) in enumerate(people, 1):
            item = {"applicant": applicant} if ident is None else {"id": ident,
                                                                    "applicant": applicant}
            cohort.add_item(number, item)
        ranked = rank_round(cohort, quota)
        path = tmp_path / f"{name}-{quota}.csv"
        write_ranking_csv(str(path), ranked)
        assert path.read_bytes() == csv_module(ranked), name


def test_a_beijing_round_of_thousands_writes_the_same_bytes(tmp_path):
    from conftest import POLICIES

    from service.policy.loader import load_policy_dir

    policy = next(p for p in load_policy_dir(POLICIES).cities["beijing"]
                  if p.version == "2020.1")
    cohort = Cohort(policy, AS_OF)
    people = beijing_2020_shape()
    for number, (ident, applicant) in enumerate(people, 1):
        cohort.add_item(number, {"id": ident, "applicant": applicant})
    ranked = rank_round(cohort, 60)
    path = tmp_path / "beijing.csv"
    write_ranking_csv(str(path), ranked)
    assert path.read_bytes() == csv_module(ranked)


def test_a_round_without_a_pass_mark_writes_the_same_bytes(tmp_path):
    """Shenzhen 2023.1 publishes no pass mark: the line is where the quota falls."""
    import random

    from conftest import POLICIES

    from service.policy.loader import load_policy_dir
    from service.population import synthetic_applicant

    policy = next(p for p in load_policy_dir(POLICIES).cities["shenzhen"]
                  if p.version == "2023.1")
    rng = random.Random(5)
    cohort = Cohort(policy, AS_OF)
    for number in range(1, 401):
        applicant = synthetic_applicant(rng, policy.fields, AS_OF, city="shenzhen")
        cohort.add_item(number, {"id": f"s{number}", "applicant": applicant})
    ranked = rank_round(cohort, 50)
    path = tmp_path / "shenzhen.csv"
    write_ranking_csv(str(path), ranked)
    assert path.read_bytes() == csv_module(ranked)
