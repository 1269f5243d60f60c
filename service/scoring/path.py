"""The path to the threshold: when time alone gets an applicant there, and what one change
would do it today. Every answer comes from probing the engine, never from a second model."""

from __future__ import annotations

import datetime as dt

from service.policy.model import Policy
from service.rules.dates import (
    completed_months,
    completed_years,
    month_anniversary,
    reference_date,
    shift_years,
)
from service.rules.facts import FACTS

from .engine import compiled_of, probe

MAX_HORIZON_YEARS = 30


def _reference(policy: Policy, name: str, day: dt.date) -> dt.date:
    if name == "as_of":
        return day
    rules = dict(compiled_of(policy).reference_dates)
    return reference_date(day, rules[name])


def values_on(policy: Policy, values: dict, as_of: dt.date, day: dt.date) -> dict:
    """The application as it will stand on `day` if nothing changes but time: counts that
    accrue grow by the months (or years) between their reference dates."""
    out = dict(values)
    grown_groups: set = set()
    for path, spec in policy.fields.items():
        if not spec.accrues or out.get(path) is None:
            continue
        if spec.accrual_group:
            if spec.accrual_group in grown_groups or out[path] <= 0:
                continue
            grown_groups.add(spec.accrual_group)
        start, end = _reference(policy, spec.accrues, as_of), _reference(policy, spec.accrues, day)
        measure = completed_months if spec.unit == "month" else completed_years
        out[path] = out[path] + measure(start, end)
    return out


def _event_dates(policy: Policy, values: dict, as_of: dt.date, until: dt.date) -> list[dt.date]:
    """Every date in (as_of, until] on which a derived fact or an accruing count can change."""
    found: set[dt.date] = set()
    half_years = any("half_year" in rule for _, rule in compiled_of(policy).reference_dates)
    for year in range(as_of.year, until.year + 1):
        found.add(dt.date(year, 1, 1))  # rounds and reference dates move with the year
        if half_years:
            found.add(dt.date(year, 7, 1))  # and, for half-year rules, with its half
    years = until.year - as_of.year + 1
    for fact in policy.spec["facts"].values():
        kind = FACTS[fact["kind"]]
        source = values.get(fact.get("source"))
        if kind.SEARCH is not None and source:  # a date, or a list of records
            found.update(kind.events(fact, source, as_of, years))
    if any(s.accrues == "as_of" for s in policy.fields.values()):
        found.update(month_anniversary(as_of, k) for k in range(1, 12 * years + 1))
    return sorted(d for d in found if as_of < d <= until)


def earliest_pass_date(policy: Policy, values: dict, as_of: dt.date,
                       horizon_years: int = 10) -> dict:
    """The first day the applicant passes if only time goes by, searched to the horizon."""
    until = shift_years(as_of, horizon_years)
    passes, total, threshold = probe(policy, values, as_of)
    if passes:
        return {"date": as_of.isoformat(), "reason": "passes_now", "total": float(total),
                "threshold": float(threshold), "words": {
                    "zh": "今天已达到分值。", "en": "Passes already, today."}}
    last = (as_of, values, total)
    for day in _event_dates(policy, values, as_of, until):
        later = values_on(policy, values, as_of, day)
        passes, total, threshold = probe(policy, later, day)
        if passes:
            return {"date": day.isoformat(), "reason": "time", "total": float(total),
                    "threshold": float(threshold),
                    "round": day.year if policy.threshold["kind"] == "quota" else None,
                    "words": {"zh": f"按现在的进度，将于{day.isoformat()}达到分值。",
                              "en": f"At this pace you pass on {day.isoformat()}."}}
        last = (day, later, total)
    return _why_never(policy, values, as_of, last, horizon_years)


def _why_never(policy, values, as_of, last, horizon_years) -> dict:
    from .engine import score

    day, later, total = last
    end = score(policy, later, day)
    closed = [g.id for g in end.gates if not g.passed]
    if closed:
        reason, words = "gate", {
            "zh": f"{horizon_years}年内仍有未满足的条件：{'、'.join(closed)}。",
            "en": f"A gate stays closed for {horizon_years} years: {', '.join(closed)}."}
    elif any(b.capped for b in end.breakdown) and _stalled(policy, values, as_of, day, total):
        reason, words = "cap", {
            "zh": "随时间增长的分值已到上限，仅靠时间无法达到分值。",
            "en": "The points that grow with time reach their caps; time alone is not enough."}
    else:
        reason, words = "horizon", {
            "zh": f"{horizon_years}年内仅靠时间无法达到分值。",
            "en": f"Time alone does not get there within {horizon_years} years."}
    return {"date": None, "reason": reason, "gates": closed, "total": float(end.total),
            "threshold": float(end.threshold), "words": words}


def _stalled(policy, values, as_of, day, total) -> bool:
    year_before = shift_years(day, -1)
    if year_before <= as_of:
        return False
    return probe(policy, values_on(policy, values, as_of, year_before), year_before)[1] == total
