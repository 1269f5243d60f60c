"""Drift statistics between a reference distribution and a recent window (pure functions).

PSI is computed over bins made from the reference's deciles (REFERENCE_BINS groups of
the fixed half-point bins, each holding about a tenth of the reference), not over the
half-point bins themselves: with half-point bins the PSI of two samples of one
population grows with the number of distinct scores (a Shanghai sample of 1,000 scored
a median 1.23), with deciles its expectation under "nothing changed" is about
(B - 1) * (1/n + 1/m) whatever the scores look like (B bins, n and m scores: the PSI of
two samples is close to a chi-square statistic with B - 1 degrees of freedom, scaled by
1/n + 1/m). The levels' lines follow: "watch" from the larger of 0.1 and the 99th
percentile of that noise, "act" from the larger of 0.25 and its 99.9th percentile, so
that a small sample does not page on noise and a large one still pages at 0.25.

Every figure needs MIN_COUNT scores on the side it reads (the pass rate included); a
figure without them is None and the level says "insufficient" with a reason.
KS is over the fixed half-point bins (a distance of cumulative shares, not binned noise).
"""

from __future__ import annotations

import bisect
import math

from .histogram import BIN_WIDTH, Histogram

MIN_COUNT = 100        # fewer scores than this on a side: its figures are "insufficient"
MIN_TAIL = 20          # scores above an implied cutoff needed to estimate it at all
PSI_WATCH, PSI_ACT = 0.1, 0.25
PASS_RATE_MOVE = 0.10  # the smallest pass-rate change that counts, in share points
REFERENCE_BINS = 10    # deciles of the reference
EPSILON = 1e-4
NEAR_THRESHOLD = 2.0   # points either side of the threshold
# Standard normal quantiles for the one-sided 99 % and 99.9 % lines.
Z_WATCH, Z_ACT = 2.3263, 3.0902
Z_PASS_RATE = 3.2905   # two-sided 99.9 %

# The reasons a figure is "insufficient": a bounded set (they are label values).
NO_REFERENCE = "no_reference"
FEW_REFERENCE = "few_reference_scores"
FEW_WINDOW = "few_window_scores"
REASONS = (NO_REFERENCE, FEW_REFERENCE, FEW_WINDOW)
LEVELS = ("stable", "watch", "act", "insufficient")


def _shares(hist: Histogram, keys) -> list[float]:
    return [hist.bins.get(k, 0) / hist.count for k in keys]


def quantile_edges(reference: Histogram, groups: int = REFERENCE_BINS) -> list[int]:
    """The upper half-point bin index of each group but the last (which is open above):
    consecutive half-point bins of the reference are grouped until each group holds about
    1/groups of it, a bin holding that much by itself making its own group (a last group
    under half a share is merged into the one before), and
    two more groups hold what lies below the reference's lowest score and above its
    highest, so that scores moving where the reference has none are seen. Empty for an
    empty reference (one group: everything)."""
    if not reference.count:
        return []
    edges, group, target = [], 0, reference.count / groups
    keys = sorted(reference.bins)
    for i, k in enumerate(keys[:-1]):
        group += reference.bins[k]
        lump = reference.bins[keys[i + 1]] >= target and group >= target / 4
        if group >= target - 1e-9 or lump:  # full, or the next bin is a decile by itself
            edges.append(k)
            group = 0
    if edges and reference.count - sum(n for k, n in reference.bins.items()
                                       if k <= edges[-1]) < target / 2:
        edges.pop()
    return [keys[0] - 1, *edges, keys[-1]]


def regroup(hist: Histogram, edges: list[int]) -> list[int]:
    """The counts of `hist` in the groups that `edges` make (len(edges) + 1 of them)."""
    out = [0] * (len(edges) + 1)
    for k, n in hist.bins.items():
        out[bisect.bisect_left(edges, k)] += n
    return out


def _psi_of_counts(ref: list[int], cur: list[int]) -> float:
    """An empty bin counts as half a score (not as EPSILON): one score of a small sample
    beyond the other's range is then not taken for a shift."""
    n, m = sum(ref), sum(cur)
    total = 0.0
    for a, b in zip(ref, cur):
        p, q = max(a, 0.5) / n, max(b, 0.5) / m
        total += (q - p) * math.log(q / p)
    return total


def psi(reference: Histogram, current: Histogram, edges: list[int] | None = None) -> float:
    """Population stability index over the reference's decile bins:
    sum over bins of (q - p) * ln(q / p)."""
    if edges is None:
        edges = quantile_edges(reference)
    return _psi_of_counts(regroup(reference, edges), regroup(current, edges))


def chi2_quantile(dof: int, z: float) -> float:
    """The chi-square quantile with `dof` degrees of freedom at the normal quantile z
    (Wilson and Hilferty's approximation; within a few per cent from 1 degree up)."""
    dof = max(dof, 1)
    c = 2 / (9 * dof)
    return dof * max(1 - c + z * math.sqrt(c), 0) ** 3


def psi_lines(groups: int, n: int, m: int) -> tuple[float, float]:
    """(watch, act): where PSI over `groups` bins between samples of n and m scores counts
    as drift; never below the usual 0.1 and 0.25."""
    scale = 1 / n + 1 / m
    return (max(PSI_WATCH, chi2_quantile(groups - 1, Z_WATCH) * scale),
            max(PSI_ACT, chi2_quantile(groups - 1, Z_ACT) * scale))


def pass_rate_limit(reference: Histogram, current: Histogram) -> float:
    """The pass-rate change that counts: PASS_RATE_MOVE, or more when the samples are so
    small that chance alone moves it further (two-sided 99.9 % for two proportions)."""
    pooled = (reference.passes + current.passes) / (reference.count + current.count)
    noise = math.sqrt(pooled * (1 - pooled) * (1 / reference.count + 1 / current.count))
    return max(PASS_RATE_MOVE, Z_PASS_RATE * noise)


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
    in for the cycle's distribution; None when fewer than MIN_TAIL scores (or MIN_COUNT in
    all) would lie above it."""
    if not applicants:
        return None
    share = min(quota / applicants, 1.0)
    if current.count < max(MIN_COUNT, MIN_TAIL / share):
        return None
    return score_at_top_share(current, share)


def cutoff_noise(hist: Histogram, share: float, z: float = Z_PASS_RATE) -> float | None:
    """Half the width of the interval the implied cutoff of `hist` may wander in by chance
    (order statistics: the scores at share +- z standard errors of a share)."""
    if not hist.count:
        return None
    se = math.sqrt(share * (1 - share) / hist.count)
    low = score_at_top_share(hist, min(share + z * se, 1.0))
    high = score_at_top_share(hist, max(share - z * se, 1 / hist.count))
    return None if low is None or high is None else (high - low) / 2


def level(value: float | None, count_ok: bool, lines: tuple[float, float] = (PSI_WATCH,
                                                                          PSI_ACT)) -> str:
    if not count_ok or value is None:
        return "insufficient"
    watch, act = lines
    if value < watch:
        return "stable"
    return "watch" if value <= act else "act"


def insufficient_reason(reference: Histogram | None, current: Histogram) -> str | None:
    """Why the figures cannot be trusted, as one of REASONS; None when they can."""
    if reference is None:
        return NO_REFERENCE
    if reference.count < MIN_COUNT:
        return FEW_REFERENCE
    if current.count < MIN_COUNT:
        return FEW_WINDOW
    return None


REASON_TEXT = {
    NO_REFERENCE: "No reference: no baseline was set and none is shipped for this version.",
    FEW_REFERENCE: "The reference holds fewer than {min} scores ({ref}).",
    FEW_WINDOW: "The window holds fewer than {min} scores ({cur}).",
}


def drift_report(reference: Histogram | None, current: Histogram, threshold: float | None,
                 quota: int | None = None, applicants: int | None = None,
                 published_cutoff: float | None = None,
                 line_method: str | None = None) -> dict:
    """Every statistic, its level, and for quota cities the implied cutoff and its drift.

    `threshold` is the line applications are scored against (its share nearby is shown);
    `published_cutoff` is the line the threshold drift is measured from, and
    `line_method` says where it comes from ("published", or how it was estimated:
    "reference" when it is the reference's own implied cutoff). The drift is signed:
    positive when the window implies a higher cutoff than the line."""
    reason = insufficient_reason(reference, current)
    enough = reason is None
    ref = reference if reference is not None else Histogram()
    current_ok = current.count >= MIN_COUNT
    reference_ok = ref.count >= MIN_COUNT
    edges = quantile_edges(ref) if enough else []
    value = psi(ref, current, edges) if enough else None
    lines = psi_lines(len(edges) + 1, ref.count, current.count) if enough else None
    out = {
        "count": current.count, "reference_count": ref.count,
        "psi": value,
        "psi_bins": len(edges) + 1 if enough else None,
        "psi_watch": lines[0] if lines else None,
        "psi_act": lines[1] if lines else None,
        "ks": ks_distance(ref, current) if enough else None,
        "pass_rate": current.pass_rate if current_ok else None,
        "reference_pass_rate": ref.pass_rate if reference_ok else None,
        "pass_rate_limit": pass_rate_limit(ref, current) if enough else None,
        "mean": current.mean if current_ok else None,
        "reference_mean": ref.mean if reference_ok else None,
        "mean_shift": (current.mean - ref.mean) if enough else None,
        "near_threshold": near_threshold(current, threshold)
        if current_ok and threshold is not None else None,
        "threshold": threshold,
    }
    out["pass_rate_change"] = (out["pass_rate"] - out["reference_pass_rate"]) if enough \
        else None
    out["level"] = level(value, enough, lines or (PSI_WATCH, PSI_ACT))
    out["reason"] = reason
    if reason is not None:
        out["reason_text"] = REASON_TEXT[reason].format(min=MIN_COUNT, ref=ref.count,
                                                       cur=current.count)
    if quota:
        cutoff = implied_cutoff(current, quota, applicants or 0)
        out["implied_cutoff"] = cutoff
        out["published_cutoff"] = published_cutoff
        out["threshold_line"] = published_cutoff
        out["threshold_line_method"] = line_method if published_cutoff is not None else None
        out["threshold_line_estimated"] = None if published_cutoff is None \
            else line_method != "published"
        out["threshold_drift"] = None if cutoff is None or published_cutoff is None \
            else cutoff - published_cutoff
        # the drift that counts: the tolerance, or more when chance alone moves the cutoff
        # further (the window's, and the reference's when the line is its estimate)
        out["threshold_drift_noise"] = None
        if cutoff is not None and applicants:
            share = min(quota / applicants, 1.0)
            noise = cutoff_noise(current, share) or 0.0
            if line_method == "reference":
                noise = math.hypot(noise, cutoff_noise(ref, share) or 0.0)
            out["threshold_drift_noise"] = noise
    return out
