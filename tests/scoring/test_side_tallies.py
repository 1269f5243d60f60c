"""A simulation's tallies are the same whichever way rows arrive: one by one (`Side.add`,
the scalar path), many at once (`Side.add_many`, the vectorised twin), or in parts
merged afterwards (`Side.merge`, worker processes). The histogram must bin a total on an
edge as Python's floor division does, and a quota city's best totals must be the best
`quota` of all eligible rows, however the chunks fill them."""

from __future__ import annotations

import random

import numpy as np
import pytest
from test_vector_twin import SHIPPED

from service.scoring.engine import compiled_of
from service.scoring.simulate import BIN_HIGH, BIN_LOW, SIMULATION_BIN_WIDTH, Side

BEIJING = next(p for p in SHIPPED.cities["beijing"] if p.version == "2020.1")
QUOTA = BEIJING.threshold["quota"]
CRITERIA = len(compiled_of(BEIJING).criteria)


def totals_on_edges(rng: random.Random, n: int) -> list[float]:
    """Totals that test the bins: on an edge, a hair either side of one, outside the
    histogram at both ends, and ordinary ones with decimals."""
    edges = range(BIN_LOW - 10, BIN_HIGH + 15, SIMULATION_BIN_WIDTH)
    out = []
    for _ in range(n):
        edge = float(rng.choice(edges))
        out.append(rng.choice([edge, np.nextafter(edge, -np.inf), np.nextafter(edge, np.inf),
                               edge - 1e-9, just_below_an_edge_once_shifted(edge),
                               round(rng.uniform(BIN_LOW - 50, BIN_HIGH + 50), 2)]))
    return out


def just_below_an_edge_once_shifted(edge: float) -> float:
    """A total whose distance from BIN_LOW is the float just below a multiple of the
    width: dividing it by the width rounds up to a whole number, floor division does not."""
    shifted = float(np.nextafter(edge - BIN_LOW, -np.inf))
    total = shifted + BIN_LOW
    return total if total - BIN_LOW == shifted else edge


def rows(seed: int, n: int):
    rng = random.Random(seed)
    totals = totals_on_edges(rng, n)
    eligible = [rng.random() < 0.7 for _ in range(n)]
    passes = [e and rng.random() < 0.4 for e in eligible]
    ticks = [[rng.randrange(-50, 400) for _ in range(CRITERIA)] for _ in range(n)]
    return eligible, passes, totals, ticks


def one_by_one(eligible, passes, totals, ticks) -> Side:
    side = Side(BEIJING)
    for row in zip(eligible, passes, totals, ticks):
        side.add(row)
    return side


def many(side: Side, eligible, passes, totals, ticks, start: int, stop: int) -> None:
    columns = np.asarray(ticks, dtype=np.int64).T
    side.add_many(np.array(eligible[start:stop]), np.array(passes[start:stop]),
                  np.array(totals[start:stop], dtype=np.float64),
                  list(columns[:, start:stop]))


def tallies(side: Side) -> dict:
    return {"scored": side.scored, "eligible": side.eligible, "passes": side.passes,
            "below": side.below, "above": side.above, "bins": side.bins, "sums": side.sums,
            "best": sorted(side.best)}


# Chunks of every size the twin meets: smaller than the quota, a few candidates at a time
# (the heap one by one), and many (the best rebuilt by a partition).
@pytest.mark.parametrize("chunk", [7, 700, 5000, 20_000])
def test_many_at_once_count_as_one_by_one(chunk):
    data = rows(chunk, 3 * QUOTA + 1234)
    side = Side(BEIJING)
    eligible, passes, totals, ticks = data
    ticks = np.array(ticks, dtype=np.int64)  # sliced by rows below, as columns by `many`
    for start in range(0, len(totals), chunk):
        many(side, eligible, passes, totals, ticks, start, start + chunk)
    expected = tallies(one_by_one(*data))
    assert tallies(side) == expected
    assert len(expected["best"]) == QUOTA  # the quota was filled, so entry was tested


def test_parts_merged_count_as_the_whole():
    data = rows(7, 2 * QUOTA + 500)
    whole = tallies(one_by_one(*data))
    merged = Side(BEIJING)
    cuts = [0, 10, QUOTA // 2, QUOTA + 3, len(data[0])]
    for start, stop in zip(cuts, cuts[1:]):
        part = Side(BEIJING)
        many(part, *data, start, stop)
        merged.merge({k: getattr(part, k) for k in ("scored", "eligible", "passes", "below",
                                                    "above", "bins", "sums", "best")})
    assert tallies(merged) == whole
    assert merged.report()["implied_cutoff"] == min(whole["best"])
