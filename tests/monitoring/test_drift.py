"""Drift statistics against values worked by hand and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from service.monitoring.drift import drift_report, implied_cutoff, ks_distance, near_threshold, psi
from service.monitoring.histogram import Histogram, bin_of


def hist(totals, threshold=60.0) -> Histogram:
    h = Histogram()
    for t in totals:
        h.add(t, passes=t >= threshold, eligible=True)
    return h


def test_bins_are_half_points_aligned():
    assert (bin_of(0), bin_of(0.49), bin_of(0.5), bin_of(-0.25)) == (0, 0, 1, -1)


def test_psi_by_hand():
    # reference 50/50 in two bins, current 25/75:
    # (0.25 - 0.5) ln(0.25/0.5) + (0.75 - 0.5) ln(0.75/0.5) = 0.1733 + 0.1014 = 0.2747
    reference = hist([10.0] * 50 + [20.0] * 50)
    current = hist([10.0] * 25 + [20.0] * 75)
    expected = -0.25 * math.log(0.5) + 0.25 * math.log(1.5)
    assert psi(reference, current) == pytest.approx(expected, abs=1e-12)
    assert psi(reference, reference) == 0


def test_ks_matches_scipy_on_bin_aligned_samples():
    rng = np.random.default_rng(4)
    a = np.round(rng.normal(60, 10, 2000) * 2) / 2  # on the half-point grid
    b = np.round(rng.normal(63, 12, 1500) * 2) / 2
    expected = stats.ks_2samp(a, b).statistic
    assert ks_distance(hist(a), hist(b)) == pytest.approx(expected, abs=1e-12)


def test_mean_pass_rate_and_shift():
    report = drift_report(hist([50.0] * 100), hist([50.0] * 60 + [70.0] * 40), threshold=60)
    assert report["mean_shift"] == pytest.approx(8.0)
    assert (report["pass_rate"], report["reference_pass_rate"]) == (0.4, 0.0)
    assert report["level"] == "act"  # psi of a 40 % shift into a new bin is large


def test_levels_and_too_few_scores():
    same = hist(list(np.linspace(40, 80, 400)))
    assert drift_report(same, same, 60)["level"] == "stable"
    few = drift_report(same, hist([60.0] * 10), 60)
    assert few["level"] == "insufficient" and few["psi"] is None
    assert few["reason"] == "few_window_scores" and "fewer than 100" in few["reason_text"]


def test_share_near_the_threshold():
    # 58.0, 59.5, 61.5 are within [58, 62); 57.5 and 62.0 are not
    assert near_threshold(hist([57.5, 58.0, 59.5, 61.5, 62.0]), 60) == pytest.approx(3 / 5)


def test_implied_cutoff_of_a_quota_city():
    # 1,000 scores, one per 0.1 point from 0 to 99.9 (ten to a half-point bin... 5 per bin);
    # a cycle of 10,000 applicants with 500 places admits the top 5 %: scores from 95 up
    window = hist([i / 10 for i in range(1000)], threshold=95)
    assert implied_cutoff(window, quota=500, applicants=10_000) == pytest.approx(95.0)
    report = drift_report(window, window, 95, quota=500, applicants=10_000,
                          published_cutoff=93.58)
    assert report["threshold_drift"] == pytest.approx(95.0 - 93.58)


def test_uploaded_histograms_are_checked():
    with pytest.raises(ValueError):
        Histogram.from_dict({"bins": {"1": 2}, "count": 3})
    with pytest.raises(ValueError):
        Histogram.from_dict({"bin_width": 1, "bins": {}})
    loaded = Histogram.from_dict({"bins": {"120": 4}, "count": 4, "passes": 1})
    assert loaded.mean == pytest.approx(60.25)
