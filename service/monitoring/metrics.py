"""Prometheus metrics, defined once here. Labels are bounded sets: endpoint templates,
methods, statuses, cities, policy versions, outcomes; never per-request values.

Under gunicorn with PROMETHEUS_MULTIPROC_DIR set, prometheus-client's multiprocess
mode aggregates every worker; drift gauges are computed from the shared store when
scraped, so every worker reports the same figures.
"""

from __future__ import annotations

import os
import platform

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
SCORES = Counter("hukou_scores_total",
                 "Applications scored and recorded for drift (keyed, record not false): the "
                 "same scores as the drift gauges count.",
                 ["city", "policy_version", "outcome"])
SERVER_ERRORS = Counter("hukou_http_server_errors_total",
                        "Answers with a 5xx status (also in hukou_http_requests_total, by "
                        "endpoint); one series, there from the start, for the error-rate alert.")
POINTS = Histogram("hukou_score_points", "Totals of scored applications recorded for drift.",
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

BATCH_REFUSED = Counter("hukou_batch_items_refused_total",
                        "Batch items answered with their own problem instead of a score, by "
                        "status (the batch itself answered 200).", ["status"])

# Every child of a labelled counter whose label values are known in advance exists from
# the start at 0, so that the first failure is an increase that increase() and rate() see.
for _outcome in ("success", "failure"):
    RELOADS.labels(_outcome)
for _outcome in ("success", "failure", "refused"):
    FLUSHES.labels(_outcome)
for _reason in ("bad_total", "redis_refused", "unconfirmed"):
    REFUSED.labels(_reason)
for _status in ("400", "404", "422"):
    BATCH_REFUSED.labels(_status)


def build_version() -> str:
    try:
        from importlib.metadata import version

        return version("hukou-points-service")
    except Exception:  # not installed (run from a checkout)
        return "unknown"


BUILD_LABELS = {"version": build_version(), "python": platform.python_version(),
                "revision": os.environ.get("HUKOU_BUILD_REVISION", "unknown")[:64]}

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


# What one answer or one recorded score counts, by its labels: the children it touches
# looked up once (a tuple and a dict lookup a request instead of three).
_answers: dict = {}
_scores: dict = {}
MEMO = 10_000  # bounds the memos; label sets beyond it are looked up each time


def _answer_children(endpoint: str, method: str, status: int) -> tuple:
    key = (endpoint, method, status)
    found = _answers.get(key)
    if found is None:
        found = (_child(REQUESTS, endpoint, method, str(status)), _child(LATENCY, endpoint),
                 status >= 500)
        if len(_answers) < MEMO:
            _answers[key] = found
    return found


def answered(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    """Count one answer. `endpoint` must be a route template (or "unmatched"), never the
    requested path; `method` outside METHODS is counted as "other"."""
    if method not in METHODS:
        method = "other"
    count, latency, server_error = _answer_children(endpoint, method, status)
    count.inc()
    if server_error:
        SERVER_ERRORS.inc()
    if seconds is not None:
        latency.observe(seconds)


def batch_item_refused(status: int) -> None:
    """One batch item refused (422 invalid, 404 unknown city or version, 400 malformed)."""
    _child(BATCH_REFUSED, str(status)).inc()


def count_score(city: str, version: str, total: float, passes: bool, eligible: bool) -> None:
    """One score recorded for drift (ScoreStore.record)."""
    key = (city, version, passes, eligible)
    found = _scores.get(key)
    if found is None:
        outcome = "pass" if passes else ("fail" if eligible else "ineligible")
        found = (_child(SCORES, city, version, outcome), _child(POINTS, city, version))
        if len(_scores) < MEMO:
            _scores[key] = found
    found[0].inc()
    found[1].observe(total)


def publish_policies(policies) -> None:
    for policy in policies:
        POLICY.labels(policy.city, policy.version, policy.sha256).set(1)


class DriftCollector:
    """Drift statistics as gauges, read from the store at scrape time. Every instance of a
    fleet reports the same figures (they come from the shared store): rules and panels
    take `max by (city, policy_version)` so that each city counts once."""

    GAUGES = {
        "psi": ("hukou_drift_psi", "Population stability index against the reference, over "
                "the reference's decile bins."),
        "psi_watch": ("hukou_drift_psi_watch_line", "PSI from which the level is watch: 0.1, "
                      "or more when the samples are small (99th percentile of its noise)."),
        "psi_act": ("hukou_drift_psi_act_line", "PSI from which the level is act: 0.25, or "
                    "more when the samples are small (99.9th percentile of its noise)."),
        "ks": ("hukou_drift_ks", "KS distance against the reference."),
        "pass_rate": ("hukou_pass_rate_ratio", "Share of recent scores that pass (100 or "
                      "more scores)."),
        "reference_pass_rate": ("hukou_pass_rate_reference_ratio",
                                "Share of reference scores that pass."),
        "pass_rate_limit": ("hukou_pass_rate_change_limit_ratio",
                            "The pass-rate change that counts: 0.10, or more when the "
                            "samples are small."),
        "mean_shift": ("hukou_mean_shift_points", "Recent mean minus reference mean."),
        "near_threshold": ("hukou_scores_near_threshold_ratio",
                           "Share of recent scores within 2 points of the threshold."),
        "implied_cutoff": ("hukou_implied_cutoff_points",
                           "Score of the quota-th applicant, extrapolated to the cycle."),
        "count": ("hukou_window_scores", "Scores in the recent window."),
        "reference_count": ("hukou_reference_scores", "Scores in the reference."),
        "drift_tolerance": ("hukou_threshold_drift_tolerance_points",
                            "The threshold drift the policy tolerates."),
        "threshold_drift_limit": ("hukou_threshold_drift_limit_points",
                                  "The threshold drift that counts: the tolerance, or more "
                                  "when the window is too small to place the cutoff closer "
                                  "(99.9 % interval of the implied cutoff)."),
    }
    # Gauges with a `line` label: how the line threshold drift is measured from was found
    # (published; or estimated: reference, carried_forward).
    LINE_GAUGES = {
        "threshold_drift": ("hukou_threshold_drift_points",
                            "Implied cutoff minus the line (signed: positive when the "
                            "window implies a higher cutoff)."),
        "threshold_line": ("hukou_threshold_line_points",
                           "The line threshold drift is measured from."),
        "threshold_line_estimated": ("hukou_threshold_line_estimated",
                                     "1 when that line is an estimate (no cutoff published "
                                     "for the round), 0 when published."),
    }

    def __init__(self, report, reachable):
        self.report = report  # () -> list of drift reports
        self.reachable = reachable  # () -> whether the store takes flushes

    def collect(self):
        from .drift import LEVELS, REASONS
        from .store import StoreUnavailable

        try:  # the store down: no drift gauges this scrape, and the rest still answers
            reports = self.report()
        except StoreUnavailable:
            reports = []
        yield GaugeMetricFamily("hukou_store_reachable",
                                "1 when the score store takes flushes, 0 while degraded.",
                                value=1.0 if self.reachable() else 0.0)
        build = GaugeMetricFamily("hukou_build_info", "The running build (value 1).",
                                  labels=list(BUILD_LABELS))
        build.add_metric(list(BUILD_LABELS.values()), 1.0)
        yield build
        keys = ["city", "policy_version"]
        families = {k: GaugeMetricFamily(name, text, labels=keys)
                    for k, (name, text) in self.GAUGES.items()}
        lines = {k: GaugeMetricFamily(name, text, labels=[*keys, "line"])
                 for k, (name, text) in self.LINE_GAUGES.items()}
        levels = GaugeMetricFamily("hukou_drift_level", "1 for the drift level of the city "
                                   "and version now (stable, watch, act, insufficient), 0 "
                                   "for the others.", labels=[*keys, "level"])
        reasons = GaugeMetricFamily("hukou_drift_insufficient", "1 for why the figures are "
                                    "insufficient (no_reference, few_reference_scores, "
                                    "few_window_scores), 0 for the other reasons.",
                                    labels=[*keys, "reason"])
        for series in reports:
            labels = [series["city"], series["policy_version"]]
            for key, family in families.items():
                value = series.get(key)
                if value is not None:
                    family.add_metric(labels, float(value))
            method = series.get("threshold_line_method")
            if method:
                for key, family in lines.items():
                    value = series.get(key)
                    if value is not None:
                        family.add_metric([*labels, method], float(value))
            for name in LEVELS:
                levels.add_metric([*labels, name], float(series.get("level") == name))
            for name in REASONS:
                reasons.add_metric([*labels, name], float(series.get("reason") == name))
        yield from families.values()
        yield from lines.values()
        yield levels
        yield reasons


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
