"""Derived facts: values computed from the applicant's input at a reference date."""

from __future__ import annotations

from decimal import Decimal

from service.rules.criteria.lookup import first_match, key_of
from service.rules.dates import completed_months, shift_years


def _number(value: Decimal):
    return int(value) if value == int(value) else value


def _count(spec: dict, name: str):
    source, kinds, on = spec["source"], frozenset(spec["kinds"]), spec["on"]
    window = spec["within"]

    def count(values, dates):
        if not values[source]:
            return 0
        day = dates[on]
        if window is None:
            return sum(1 for r in values[source] if r["kind"] in kinds and r["date"] <= day)
        if window["natural"]:
            first = day.year - window["years"] + 1
            return sum(1 for r in values[source]
                       if r["kind"] in kinds and first <= r["date"].year and r["date"] <= day)
        after = shift_years(day, -window["years"])
        return sum(1 for r in values[source]
                   if r["kind"] in kinds and after < r["date"] <= day)

    return count


def _lookup(spec: dict, name: str):
    rows = [(tuple((n, key_of(v)) for n, v in row["when"].items()), _number(row["value"]))
            for row in spec["rows"]]
    names = list(dict.fromkeys(n for row in spec["rows"] for n in row["when"]))
    match = first_match(names, rows, _number(spec["default"]))
    return lambda values, dates: match(values)


def _since(measure):
    def build(spec: dict, name: str):
        source, on = spec["source"], spec["on"]

        def since(values, dates):
            start = values[source]
            return 0 if start is None else measure(start, dates[on])

        return since

    return build


def _years_since(spec: dict, name: str):
    """Completed years, inlined: this runs for every score (age, residence years)."""
    source, on = spec["source"], spec["on"]

    def years(values, dates):
        start, day = values[source], dates[on]
        if start is None:
            return 0
        n = day.year - start.year - ((day.month, day.day) < (start.month, start.day))
        return n if n > 0 else 0

    return years


FACT_KINDS = {
    "age": _years_since,
    "years_since": _years_since,
    "months_since": _since(completed_months),
    "count": _count,
    "lookup": _lookup,
}


def compile_facts(facts: dict) -> list:
    """(name, evaluator(values, dates)) pairs, in declaration order."""
    return [(name, FACT_KINDS[spec["kind"]](spec, name)) for name, spec in facts.items()]
