"""Drift statistics between a reference distribution and a recent window (pure functions).

PSI and the KS distance are computed over the shared fixed bins; PSI smooths
empty bins with a small share so that a bin seen on one side only counts
without dividing by zero.
"""

from __future__ import annotations

import math

from .histogram import BIN_WIDTH, Histogram

MIN_COUNT = 100        # fewer scores than this on either side: "insufficient"
PSI_WATCH, PSI_ACT = 0.1, 0.25
EPSILON = 1e-4
NEAR_THRESHOLD = 2.0   # points either side of the threshold


def _shares(hist: Histogram, keys) -> list[float]:
    return [hist.bins.get(k, 0) / hist.count for k in keys]


def psi(reference: Histogram, current: Histogram) -> float:
    """Population stability index: sum over bins of (q - p) * ln(q / p)."""
    keys = sorted(set(reference.bins) | set(current.bins))
    total = 0.0
    for p, q in zip(_shares(reference, keys), _shares(current, keys)):
        p, q = max(p, EPSILON), max(q, EPSILON)
        total += (q - p) * math.log(q / p)
    return total


def ks_distance(reference: Histogram, current: Histogram) -> float:
    """The largest gap between the two cumulative distributions, at bin edges."""
    keys = sorted(set(reference.bins) | set(current.bins))
    gap = cum_p = cum_q = 0.0
    for p, q in zip(_shares(reference, keys), _shares(current, keys)):
        cum_p += p
        cum_q += q
        gap = max(gap, abs(cum_p - cum_q))
    return gap


def near_threshold(hist: Histogram, threshold: float, width: float = NEAR_THRESHOLD) -> float:
    """The share of scores in [threshold - width, threshold + width): those a small move
    of the threshold would flip (bins lying wholly inside that span)."""
    low, high = threshold - width, threshold + width
    inside = sum(n for k, n in hist.bins.items()
                 if k * BIN_WIDTH >= low and (k + 1) * BIN_WIDTH <= high)
    return inside / hist.count if hist.count else 0.0


def score_at_top_share(hist: Histogram, share: float) -> float | None:
    """The score above which `share` of the distribution lies, linear within a bin."""
    if not hist.count or share <= 0:
        return None
    wanted = min(share, 1.0) * hist.count
    seen = 0.0
    for k in sorted(hist.bins, reverse=True):
        n = hist.bins[k]
        if seen + n >= wanted:
            inside = (wanted - seen) / n
            return (k + 1) * BIN_WIDTH - inside * BIN_WIDTH
        seen += n
    return min(hist.bins) * BIN_WIDTH


def implied_cutoff(current: Histogram, quota: int, applicants: int) -> float | None:
    """The score of the quota-th applicant of a cycle of `applicants`, the window standing
    in for the cycle's distribution."""
    if not applicants:
        return None
    return score_at_top_share(current, quota / applicants)


def level(value: float | None, count_ok: bool) -> str:
    if not count_ok or value is None:
        return "insufficient"
    if value < PSI_WATCH:
        return "stable"
    return "watch" if value <= PSI_ACT else "act"


def drift_report(reference: Histogram, current: Histogram, threshold: float,
                 quota: int | None = None, applicants: int | None = None,
                 published_cutoff: float | None = None) -> dict:
    """Every statistic, its level, and for quota cities the implied cutoff and its drift."""
    enough = reference.count >= MIN_COUNT and current.count >= MIN_COUNT
    out = {
        "count": current.count, "reference_count": reference.count,
        "psi": psi(reference, current) if enough else None,
        "ks": ks_distance(reference, current) if enough else None,
        "pass_rate": current.pass_rate, "reference_pass_rate": reference.pass_rate,
        "mean": current.mean, "reference_mean": reference.mean,
        "mean_shift": (current.mean - reference.mean) if enough else None,
        "near_threshold": near_threshold(current, threshold) if current.count else None,
        "threshold": threshold,
    }
    out["level"] = level(out["psi"], enough)
    if not enough:
        out["reason"] = (f"Fewer than {MIN_COUNT} scores in the window or the reference "
                         f"({current.count} and {reference.count}).")
    if quota:
        cutoff = implied_cutoff(current, quota, applicants or 0) if current.count >= MIN_COUNT \
            else None
        out["implied_cutoff"] = cutoff
        out["published_cutoff"] = published_cutoff
        out["threshold_drift"] = None if cutoff is None or published_cutoff is None \
            else cutoff - published_cutoff
    return out
