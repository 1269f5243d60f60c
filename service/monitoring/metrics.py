"""Prometheus metrics, defined once here. Labels are bounded sets: endpoint templates,
methods, statuses, cities, policy versions, outcomes; never per-request values.

Under gunicorn with PROMETHEUS_MULTIPROC_DIR set, prometheus-client's multiprocess
mode aggregates every worker; drift gauges are computed from the shared store when
scraped, so every worker reports the same figures.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter("hukou_http_requests_total", "HTTP requests answered.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("hukou_http_request_duration_seconds", "Time to answer a request.",
                    ["endpoint"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                           0.5, 1, 2.5, 5, 10))
SCORES = Counter("hukou_scores_total", "Applications scored.",
                 ["city", "policy_version", "outcome"])
POINTS = Histogram("hukou_score_points", "Totals of scored applications.",
                   ["city", "policy_version"],
                   buckets=(0, 20, 40, 60, 80, 90, 100, 110, 120, 140, 160, 200, 300))
POLICY = Gauge("hukou_policy_info", "Policies served (value 1).",
               ["city", "policy_version", "sha256"], multiprocess_mode="max")
RELOADS = Counter("hukou_policy_reloads_total", "Policy reloads, by outcome.", ["outcome"])
FLUSHES = Counter("hukou_store_flushes_total", "Flushes of recorded scores to the store.",
                  ["outcome"])
DROPPED = Counter("hukou_store_dropped_scores_total",
                  "Recorded scores not kept: the store stayed unreachable too long, or the "
                  "score or its batch was refused (see hukou_store_refused_scores_total).")
REFUSED = Counter("hukou_store_refused_scores_total",
                  "Recorded scores refused: a total not finite or out of range (bad_total), "
                  "or a batch or bucket that Redis would not apply (redis_refused).",
                  ["reason"])

# The request methods that get their own label value; any other is counted as "other",
# so that a client cannot create a new series by sending an invented method.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# Labelled children by their labels: prometheus-client's labels() takes a lock and
# checks its arguments on every call, a noticeable share of a score request.
_children: dict = {}


def _child(metric, *labels):
    key = (metric, labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def answered(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    """Count one answer. `endpoint` must be a route template (or "unmatched"), never the
    requested path; `method` outside METHODS is counted as "other"."""
    if method not in METHODS:
        method = "other"
    _child(REQUESTS, endpoint, method, str(status)).inc()
    if seconds is not None:
        _child(LATENCY, endpoint).observe(seconds)


def observe_score(city: str, version: str, total: float, passes: bool, eligible: bool) -> None:
    outcome = "pass" if passes else ("fail" if eligible else "ineligible")
    _child(SCORES, city, version, outcome).inc()
    _child(POINTS, city, version).observe(total)


def publish_policies(policies) -> None:
    for policy in policies:
        POLICY.labels(policy.city, policy.version, policy.sha256).set(1)


class DriftCollector:
    """Drift statistics as gauges, read from the store at scrape time."""

    GAUGES = {
        "psi": ("hukou_drift_psi", "Population stability index against the reference."),
        "ks": ("hukou_drift_ks", "KS distance against the reference."),
        "pass_rate": ("hukou_pass_rate_ratio", "Share of recent scores that pass."),
        "reference_pass_rate": ("hukou_pass_rate_reference_ratio",
                                "Share of reference scores that pass."),
        "mean_shift": ("hukou_mean_shift_points", "Recent mean minus reference mean."),
        "near_threshold": ("hukou_scores_near_threshold_ratio",
                           "Share of recent scores within 2 points of the threshold."),
        "implied_cutoff": ("hukou_implied_cutoff_points",
                           "Score of the quota-th applicant, extrapolated to the cycle."),
        "threshold_drift": ("hukou_threshold_drift_points",
                            "Implied cutoff minus the published cutoff."),
        "count": ("hukou_window_scores", "Scores in the recent window."),
        "drift_tolerance": ("hukou_threshold_drift_tolerance_points",
                            "The threshold drift the policy tolerates."),
    }

    def __init__(self, report, reachable):
        self.report = report  # () -> list of drift reports
        self.reachable = reachable  # () -> whether the store takes flushes

    def collect(self):
        from .store import StoreUnavailable

        try:  # the store down: no drift gauges this scrape, and the rest still answers
            reports = self.report()
        except StoreUnavailable:
            reports = []
        yield GaugeMetricFamily("hukou_store_reachable",
                                "1 when the score store takes flushes, 0 while degraded.",
                                value=1.0 if self.reachable() else 0.0)
        families = {k: GaugeMetricFamily(name, text, labels=["city", "policy_version"])
                    for k, (name, text) in self.GAUGES.items()}
        for series in reports:
            for key, family in families.items():
                value = series.get(key)
                if value is not None:
                    family.add_metric([series["city"], series["policy_version"]], float(value))
        yield from families.values()


def exposition(drift_reports, reachable) -> tuple[bytes, str]:
    """The metrics text: this process (or every worker, in multiprocess mode), then the
    drift gauges, which come from the shared store."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        from prometheus_client import REGISTRY as base
    drift = CollectorRegistry()
    drift.register(DriftCollector(drift_reports, reachable))
    return generate_latest(base) + generate_latest(drift), CONTENT_TYPE_LATEST
