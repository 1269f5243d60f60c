"""A round reads the plain rows of a CSV through the engine's vectorised twin and every
other row through the engine: both ways give the same answer, tie-break keys of every
kind (a fact, an integer, a number, a flag, a date) included."""

from __future__ import annotations

import datetime as dt
import io
import random

import orjson
import pytest
from rounds_support import AS_OF, as_csv, load_round_policies

from service.scoring.cohort import Cohort
from service.scoring.rounds import rank_round


@pytest.fixture(scope="module")
def twin_policy(tmp_path_factory):
    return load_round_policies(tmp_path_factory.mktemp("rounds"))["twincity"]


def cohort_of(rng: random.Random, n: int) -> list:
    people = []
    for i in range(n):
        joined = dt.date(2010, 1, 1) + dt.timedelta(days=rng.choice([0, 400, 800, 3000]))
        applicant = {"m": rng.choice([10, 11, 12, 20]), "joined": joined.isoformat(),
                     "x": rng.choice([0.5, 1, 2.25]), "ok": rng.random() < 0.9}
        if rng.random() < 0.7:
            applicant["k"] = rng.randint(0, 2)
        if rng.random() < 0.5:
            applicant["vip"] = rng.random() < 0.5
        people.append((f"p{i:04d}", applicant))
    people += [("bad-m", {"m": -1, "joined": "2015-01-01", "x": 1}),
               ("bad-date", {"m": 1, "joined": "2015-02-30", "x": 1})]
    return people


class Counted(Cohort):
    """A cohort that counts the rows its twin scored."""

    twin_rows = 0

    def _add_columns(self, cols, ok, ids):
        self.twin_rows += int(ok.sum())
        super()._add_columns(cols, ok, ids)


@pytest.mark.parametrize("quota", [50, 200, 300])
def test_the_twin_and_the_engine_rank_alike(twin_policy, quota):
    text = as_csv(cohort_of(random.Random(5), 400))
    answers = []
    for vectorise in (True, False):
        cohort = Counted(twin_policy, AS_OF, vectorise=vectorise)
        cohort.feed_csv(io.StringIO(text))
        answers.append(orjson.dumps(rank_round(cohort, quota).answer()))
        assert (cohort.twin_rows > 350) == vectorise
    assert answers[0] == answers[1]
    answer = orjson.loads(answers[0])
    assert answer["invalid"]["count"] == 2
    decided = {e["decided_by"] for e in answer["ranking"]}
    assert {"tie_break:years", "score"} <= decided
