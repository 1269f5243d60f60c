"""Drift statistics whose noise does not grow with the number of distinct scores, lines
that widen for small samples, a minimum count for every figure, and reasons."""

from __future__ import annotations

import random

import pytest

from service.monitoring.drift import (
    MIN_COUNT,
    chi2_quantile,
    drift_report,
    psi,
    psi_lines,
    quantile_edges,
    regroup,
)
from service.monitoring.histogram import Histogram


def sample(n, rng, spread=400, centre=100.0):
    """Totals on a fine grid (hundreds of distinct half-point bins), as Shanghai's are."""
    h = Histogram()
    for _ in range(n):
        t = rng.gauss(centre, 25) + rng.choice([0, 0.25, 0.5, 0.75]) * spread / 100
        h.add(t, passes=t >= 120, eligible=True)
    return h


def test_chi_square_quantiles_are_close():
    # scipy.stats.chi2.ppf(0.999, 9) = 27.877, ppf(0.99, 9) = 21.666, ppf(0.999, 1) = 10.83
    assert chi2_quantile(9, 3.0902) == pytest.approx(27.877, rel=0.02)
    assert chi2_quantile(9, 2.3263) == pytest.approx(21.666, rel=0.02)
    assert chi2_quantile(1, 3.0902) == pytest.approx(10.83, rel=0.1)


def test_decile_groups_hold_about_a_tenth_each_and_see_outside_scores():
    rng = random.Random(1)
    ref = sample(5000, rng)
    edges = quantile_edges(ref)
    counts = regroup(ref, edges)
    assert counts[0] == counts[-1] == 0  # below the lowest, above the highest
    inner = counts[1:-1]
    assert 9 <= len(inner) <= 11 and all(300 <= c <= 700 for c in inner)
    moved = Histogram()
    for _ in range(200):
        moved.add(10_000 - 1, passes=True, eligible=True)  # beyond the reference
    assert psi(ref, moved) > 1


def test_lumpy_reference_keeps_a_lump_apart():
    ref = Histogram.from_dict({"bins": {"120": 10, "160": 110}})
    assert regroup(ref, quantile_edges(ref)) == [0, 10, 110, 0]


def test_same_population_noise_does_not_page_whatever_the_grid():
    rng = random.Random(3)
    fired = sum(drift_report(sample(1000, rng), sample(1000, rng), 120)["level"] == "act"
                for _ in range(50))
    assert fired == 0


def test_lines_widen_for_small_samples_and_keep_the_usual_floor():
    assert psi_lines(10, 100_000, 100_000) == (0.1, 0.25)
    watch, act = psi_lines(12, 100, 100)
    assert act > 0.25 and watch > 0.1 and act > watch


def test_every_figure_needs_its_minimum_and_says_why():
    rng = random.Random(4)
    ref = sample(5000, rng)
    few = sample(3, rng)
    report = drift_report(ref, few, 120)
    assert report["level"] == "insufficient" and report["reason"] == "few_window_scores"
    assert report["pass_rate"] is None and report["psi"] is None
    assert report["reference_pass_rate"] == pytest.approx(ref.pass_rate)
    none = drift_report(None, sample(500, rng), 120)
    assert none["reason"] == "no_reference" and none["level"] == "insufficient"
    small_ref = drift_report(few, sample(500, rng), 120)
    assert small_ref["reason"] == "few_reference_scores"
    assert MIN_COUNT == 100


def test_pass_rate_limit_widens_for_small_samples():
    rng = random.Random(5)
    big = drift_report(sample(20_000, rng), sample(20_000, rng), 120)
    small = drift_report(sample(20_000, rng), sample(100, rng), 120)
    assert big["pass_rate_limit"] == 0.10
    assert small["pass_rate_limit"] > 0.10


def test_threshold_drift_is_signed_and_says_its_line():
    rng = random.Random(6)
    ref = sample(20_000, rng)
    higher = sample(20_000, rng, centre=110.0)
    report = drift_report(ref, higher, 105.42, quota=6000, applicants=110_000,
                          published_cutoff=140.0, line_method="reference")
    assert report["threshold_drift"] == pytest.approx(report["implied_cutoff"] - 140.0)
    assert report["threshold_line_estimated"] is True
    assert report["threshold_line_method"] == "reference"
    published = drift_report(ref, ref, 105.42, quota=6000, applicants=110_000,
                             published_cutoff=140.0, line_method="published")
    assert published["threshold_line_estimated"] is False
    tiny = drift_report(ref, sample(200, rng), 105.42, quota=6000, applicants=110_000,
                        published_cutoff=140.0, line_method="published")
    assert tiny["implied_cutoff"] is None  # 200 x 5.5 % = 11 scores above it: too few
