"""A quota round: a cohort (cohort.py) ranked under its policy, the line drawn at the quota,
ties treated as the policy says, what decided each place, and the line for other quotas.

- Eligible applicants are ordered by exact total, highest first; equal totals by the
  policy's tie-break keys, then by id (for display only: equal keys share a rank).
- Ranks are competition ranks (1, 2, 2, 4) over what separates applicants: the total
  under `ties: admit_all`, the total and then every tie-break key under `ties: tie_break`.
- The line (`cutoff`) is the total of the quota-th eligible applicant. `admit_all` admits
  everyone whose total reaches it, so more than the quota may be admitted. `tie_break`
  admits exactly the quota, ties broken key by key; applicants still equal on the total
  and on every key at the line fall back to admit_all (TIE_FALLBACK): all are admitted,
  each `tie_admitted`, and a note says so.
- A fixed-threshold policy ranks too; its line is the threshold (admitted: eligible with
  a total at or above it), and `by_quota` says what the quota would have done.
- A quota at least the eligible count admits everyone eligible, with a note.
The same rows in any order give the same answer (rows that could not be read keep their
row numbers, which do change).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import repeat
from math import ceil

import numpy as np

from .cohort import Cohort, CohortRefused
from .engine import compiled_of

TIE_FALLBACK = "admit_all"
CURVE_PERCENTS = tuple(range(50, 201, 10))
SCORE, TIE_ADMITTED, TIE_BREAK = 0, 1, 2  # decided_by codes; TIE_BREAK + j: the j-th key
PLACE = ("id", "rank", "total", "eligible", "admitted", "decided_by", "margin_to_cutoff",
         "row")  # the fields of one place in the ranking (`row`: invalid rows only)
NAMED_DUPLICATES = 20


def _id_ranks(ids: list, invalid_ids: list) -> np.ndarray:
    """Each id's place in id order; CohortRefused naming the ids given more than once."""
    order = sorted(range(len(ids)), key=ids.__getitem__)
    sorted_ids = [ids[i] for i in order]
    repeated = {a for a, b in zip(sorted_ids, sorted_ids[1:]) if a == b}
    others = [i for i in invalid_ids if i is not None]
    if others:
        seen = set(sorted_ids)
        for i in others:
            if i in seen:
                repeated.add(i)
            seen.add(i)
    if repeated:
        names = sorted(repeated)
        shown = ", ".join(repr(n) for n in names[:NAMED_DUPLICATES])
        more = f" and {len(names) - NAMED_DUPLICATES} more" if len(names) > NAMED_DUPLICATES \
            else ""
        raise CohortRefused("duplicate_ids", "population",
                            f"Ids given more than once: {shown}{more}.", tuple(names))
    ranks = np.empty(len(ids), np.int64)
    ranks[np.asarray(order, np.int64)] = np.arange(len(ids))
    return ranks


def _note(code: str, zh: str, en: str) -> dict:
    return {"code": code, "zh": zh, "en": en}


class Round:
    """The ranked round. `summary` is the answer without the ranking; `entries(size)`
    yields the ranking in rank order, `size` entries at a time; `answer()` is both."""

    def __init__(self, cohort: Cohort, quota: int):
        self.cohort, self.quota = cohort, quota
        policy = cohort.policy
        compiled = compiled_of(policy)
        self.scale = 10 ** cohort.places
        threshold = policy.spec["threshold"]
        self.kind, self.ties = threshold["kind"], threshold["ties"]
        ids, units, gates, keys = cohort.columns()
        id_rank = _id_ranks(ids, cohort.invalid_ids)
        ineligible = gates >= 0
        self.ids = ids
        self.order = np.lexsort((id_rank, *reversed(keys), -units, ineligible))
        self.m = m = int(len(ids) - ineligible.sum())
        eligible = self.order[:m]
        self.u = u = units[eligible]
        self._below = -u  # ascending, for searchsorted
        self.keys = [k[eligible] for k in keys] if self.ties == "tie_break" else []
        same = u[1:] == u[:-1]
        for k in self.keys:
            same &= k[1:] == k[:-1]
        at = np.arange(m)
        self.start = np.maximum.accumulate(np.where(np.r_[True, ~same], at, 0)) if m else at
        self.end = np.minimum.accumulate(np.where(np.r_[~same, True], at, m)[::-1])[::-1] \
            if m else at
        self.units, self.gates = units, gates
        published = compiled.threshold_for(cohort.as_of)
        self.notes = list(compiled.standing_notes)
        if self.kind == "fixed":
            self.line = Fraction(threshold["points"]) * self.scale  # in units, maybe not whole
            admitted = int(np.count_nonzero(u >= ceil(self.line)))
            self.figures = self._figures(self.line, admitted)
            self.by_quota = self._quota_line(quota)[1]
            self.admitted, self.codes = admitted, np.zeros(m, np.int16)
            self.notes.append(_note(
                "fixed_threshold", f"本市以固定分值{_exact_decimal(threshold['points'])}为线："
                "合格者均予落户；`by_quota` 为按指标排名的结果。",
                f"This city admits everyone eligible at or above its threshold of "
                f"{_exact_decimal(threshold['points'])}; `by_quota` shows what ranking "
                f"to a quota of {quota:,} would do."))
        else:
            last, self.figures = self._quota_line(quota)
            self.line = None if last is None else int(u[last])
            self.admitted = self.figures["admitted"]
            self.by_quota = None
            self.codes = self._decided(last)
            # The round draws its own line: of the engine's notes on the published
            # cutoff, the estimate's stays and "no pass mark" (a score's verdict) goes.
            self.notes += [n for n in published[3] if n["code"] != "no_pass_mark"]
        self.published = None if self.kind == "fixed" or published[0] is None else {
            **self._value(Fraction(published[0]) * self.scale), "round": published[2],
            "estimated": published[1]}
        self._more_notes()

    # The line --------------------------------------------------------------------------

    def _value(self, units) -> dict:
        """An exact total (in units) as {exact, number}: '97.13', '100.00'."""
        units = Fraction(units)
        text = format(Decimal(units.numerator).scaleb(-self.cohort.places), "f") \
            if units.denominator == 1 else _exact_decimal(units / self.scale)
        return {"exact": text, "number": float(text)}

    def _figures(self, line, admitted: int) -> dict:
        """cutoff, admitted, tied at the cutoff and over quota, for a line in units."""
        if line is None:
            return {"cutoff": None, "admitted": 0, "tied_at_cutoff": 0, "over_quota": 0}
        tied = 0
        if Fraction(line).denominator == 1:
            low = np.searchsorted(self._below, -int(line), "left")
            tied = int(np.searchsorted(self._below, -int(line), "right") - low)
        return {"cutoff": self._value(line), "admitted": admitted, "tied_at_cutoff": tied,
                "over_quota": max(admitted - self.quota, 0)}

    def _quota_line(self, quota: int) -> tuple[int | None, dict]:
        """(position of the line's applicant, figures) when `quota` places are filled by
        rank under the policy's tie rule."""
        if not self.m:
            return None, {**self._figures(None, 0), "over_quota": 0}
        last = min(quota, self.m) - 1
        admitted = int(self.end[last]) + 1
        figures = self._figures(int(self.u[last]), admitted)
        figures["over_quota"] = max(admitted - quota, 0)
        return last, figures

    def _decided(self, last: int | None) -> np.ndarray:
        """Per eligible place: what decided it (SCORE, TIE_ADMITTED, TIE_BREAK + key)."""
        codes = np.zeros(self.m, np.int16)
        if last is None:
            return codes
        admitted, u = self.admitted, self.u
        if admitted > self.quota:  # the line's tie ran past the quota: all of it admitted
            codes[self.start[last]:admitted] = TIE_ADMITTED
        if admitted < self.m and self.keys:  # ties broken at the line, on either side
            for lo, hi, other in ((0, admitted, admitted), (admitted, self.m, admitted - 1)):
                near = np.nonzero(u[lo:hi] == u[other])[0] + lo
                near = near[codes[near] == SCORE]
                if len(near):
                    differs = np.stack([k[near] != k[other] for k in self.keys])
                    codes[near] = TIE_BREAK + np.argmax(differs, axis=0)
        return codes

    def _more_notes(self) -> None:
        quota, m = self.quota, self.m
        if not m:
            self.notes.append(_note("no_eligible", "没有符合条件的申请人：无法划线。",
                                    "No applicant is eligible: there is no line."))
        elif quota >= m:
            self.notes.append(_note(
                "quota_exceeds_eligible",
                f"指标（{quota:,}）不少于符合条件的人数（{m:,}）：符合条件者全部落户。",
                f"The quota ({quota:,}) is at least the number of eligible applicants "
                f"({m:,}): everyone eligible is admitted."))
        tied = int(np.count_nonzero(self.codes == TIE_ADMITTED))
        if tied and self.ties == "tie_break":
            self.notes.append(_note(
                "ties_left_after_tie_break",
                f"{tied}人在所有排序规则下仍然同分，按兜底规则全部录取。",
                f"{tied} applicants are still tied at the line after every tie-break key; "
                f"all of them are admitted ({TIE_FALLBACK}, the fallback)."))

    # The answer ------------------------------------------------------------------------

    @property
    def summary(self) -> dict:
        cohort = self.cohort
        gate_counts = np.bincount(self.gates[self.gates >= 0],
                                  minlength=len(cohort.gate_ids))
        return {
            "as_of": cohort.as_of.isoformat(), "policy": cohort.policy.ref,
            "line": "threshold" if self.kind == "fixed" else "quota",
            "ties": self.ties,
            "tie_break": [{"key": k, "order": o} for k, o in cohort.tie_break],
            "quota": self.quota, **self.figures,
            "published_cutoff": self.published, "by_quota": self.by_quota,
            "rows": cohort.rows, "eligible": self.m,
            "ineligible": {"count": int(gate_counts.sum()), "by_gate": {
                g: int(c) for g, c in zip(cohort.gate_ids, gate_counts.tolist()) if c}},
            "invalid": {"count": len(cohort.invalid_rows), "rows": cohort.problems,
                        "rows_truncated": len(cohort.invalid_rows) > len(cohort.problems)},
            "quota_curve": self.curve(),
            "notes": self.notes,
        }

    def curve(self) -> list[dict]:
        out = []
        for percent in CURVE_PERCENTS:
            quota = max(1, (self.quota * percent + 50) // 100)
            figures = self._quota_line(quota)[1]
            out.append({"percent": percent, "quota": quota, "cutoff": figures["cutoff"],
                        "admitted": figures["admitted"]})
        return out

    def _margins(self, units: np.ndarray) -> list:
        line = self.line
        if line is None:
            return [None] * len(units)
        if Fraction(line).denominator == 1:
            return ((units - int(line)) / self.scale).tolist()
        return [float((Fraction(int(x)) - line) / self.scale) for x in units.tolist()]

    def rows(self, size: int = 10_000, flags=(False, True)):
        """The ranking as tuples (PLACE order of fields), `size` at a time: eligible in rank
        order, then ineligible (by total, keys and id), then the rows that could not be
        read (by id, then row). Booleans are written as `flags` (false, true)."""
        cohort, m = self.cohort, self.m
        labels = ["score", "tie_admitted", *(f"tie_break:{k}" for k, _ in cohort.tie_break)]
        gate_labels = [f"ineligible:{g}" for g in cohort.gate_ids]
        no, yes = flags
        for lo in range(0, len(self.order), size):
            rows = self.order[lo:lo + size]
            units = self.units[rows]
            place = np.arange(lo, lo + len(rows))
            ranked = place < m
            ranks = [int(k) for k in self.start[place[ranked]] + 1] + [None] * int(
                len(rows) - ranked.sum())
            admitted = [yes if a else no for a in (place < self.admitted).tolist()]
            eligible = [yes if e else no for e in ranked.tolist()]
            decided = [labels[c] for c in self.codes[place[ranked]].tolist()] + \
                [gate_labels[g] for g in self.gates[rows[~ranked]].tolist()]
            ids = self.ids
            yield list(zip([ids[r] for r in rows.tolist()], ranks,
                           (units / self.scale).tolist(), eligible, admitted, decided,
                           self._margins(units), repeat(None)))
        invalid = sorted(zip(cohort.invalid_ids, cohort.invalid_rows),
                         key=lambda x: (x[0] is None, x[0] or "", x[1]))
        for lo in range(0, len(invalid), size):
            yield [(i, None, None, None, no, "invalid", None, row)
                   for i, row in invalid[lo:lo + size]]

    def entries(self, size: int = 10_000):
        """The ranking as dicts, `size` at a time (`row` only on rows not read)."""
        for chunk in self.rows(size):
            yield [dict(zip(PLACE, r)) if r[7] is not None else dict(zip(PLACE[:7], r))
                   for r in chunk]

    def answer(self) -> dict:
        return {**self.summary, "ranking": [e for chunk in self.entries() for e in chunk]}


def _exact_decimal(value) -> str:
    """An exact decimal's text, without exponent ('97.13', '60', '-0.5')."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return format(Decimal(value), "f")


def rank_round(cohort: Cohort, quota: int) -> Round:
    """Rank a cohort that has been fed; CohortRefused when its ids repeat."""
    if quota < 1:
        raise ValueError("quota must be at least 1")
    return Round(cohort, quota)
