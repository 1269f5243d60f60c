"""A vectorised twin of the engine for whole populations (NumPy), used by simulations.

The scalar engine stays the reference. This twin handles the plain rows of a CSV chunk
(every cell well formed, every value in range, no records); any other row goes through
the scalar parser and engine. Tests run every test population through both and require
identical reports. A policy using something this twin does not cover (a number input to
per-unit points, fractional ticks) is simply not vectorised.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from fractions import Fraction

import numpy as np

from service.policy.model import Policy
from service.rules.cells import CSV_INTEGER, CSV_NUMBER, FAIL, csv_boolean
from service.rules.criteria import KINDS
from service.rules.criteria.lookup import first_match
from service.rules.dates import EARLIEST, LATEST, in_window, iso_date
from service.rules.facts import FACTS
from service.rules.gates import GATES

from .engine import compiled_of

FIRST_DAY = int(np.datetime64(EARLIEST, "D").astype(int))  # the date window, as days
LAST_DAY = int(np.datetime64(LATEST, "D").astype(int))
MAX_DIGITS = 18  # an integer cell with more digits (past int64) is left to the scalar path


class NotVectorisable(Exception):
    """This policy, or this chunk, goes the scalar way."""


# Reading a chunk of CSV cells into typed columns -----------------------------------------
#
# A cell is read exactly as the CSV reader (service/population.py) reads it: CSV_INTEGER,
# CSV_NUMBER, csv_boolean, and 'YYYY-MM-DD' within the date window. The check runs on the
# Python strings (a NumPy str array drops a trailing NUL): one regular expression over the
# whole column when every cell is plain, cell by cell otherwise.

def _column_pattern(cell: str) -> re.Pattern:
    return re.compile(f"(?:{cell})?(?:\n(?:{cell})?)*")


PLAIN_CELLS = {"integer": _column_pattern(f"-?[0-9]{{1,{MAX_DIGITS}}}"),
         "number": _column_pattern(r"-?[0-9]+(?:\.[0-9]+)?"),
         "date": _column_pattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")}
BOOLS = {"": None, "true": True, "false": False, "1": True, "0": False, "yes": True,
         "no": False, "True": True, "False": False, "TRUE": True, "FALSE": False}


def _all_plain(kind: str, cells: tuple) -> bool:
    """Whether every cell of the column is empty or one plain value of the kind."""
    joined = "\n".join(cells)
    return joined.count("\n") == len(cells) - 1 and PLAIN_CELLS[kind].fullmatch(joined) is not None


def _present(cells: tuple) -> np.ndarray:
    return np.fromiter(map(bool, cells), bool, len(cells))


def _dates(cells: tuple, present: np.ndarray):
    """(year, month, day, ordinal day) arrays, and the rows whose cell is a valid date."""
    days = None
    if _all_plain("date", cells):
        try:
            days = np.array(np.where(present, np.array(cells, dtype=str), "2000-01-01"),
                            dtype="datetime64[D]")
        except ValueError:  # a day that does not exist: cell by cell
            days = None
    if days is None:
        read = [iso_date(c) if c else None for c in cells]
        days = np.array([d or dt.date(2000, 1, 1) for d in read], dtype="datetime64[D]")
        shaped = np.fromiter((d is not None for d in read), bool, len(read))
    else:
        shaped = np.ones(len(cells), bool)
    ordinal = days.astype(int)
    valid = shaped & (ordinal >= FIRST_DAY) & (ordinal <= LAST_DAY)
    years = days.astype("datetime64[Y]").astype(int) + 1970
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    mdays = (days - days.astype("datetime64[M]")).astype(int) + 1
    return years, months, mdays, ordinal, valid | ~present


def _records(text: str, spec, latest: int) -> list | None:
    """A records cell as the applicant parser reads it, or None if it would refuse it."""

    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if type(items) is not list:
        return None
    out = []
    for item in items:
        if type(item) is not dict or set(item) != {"date", "kind"}:
            return None
        day, kind = iso_date(item["date"]), item["kind"]
        if day is None or type(kind) is not str or kind not in spec.kinds:
            return None
        if not in_window(day) or np.datetime64(day, "D").astype(int) > latest:
            return None
        out.append({"date": day, "kind": kind})
    return out


def _numeric(kind: str, cells: tuple, n: int):
    """(values, present, well formed) of a column of integers or numbers."""
    present = _present(cells)
    if _all_plain(kind, cells):
        if kind == "integer" and present.all():
            return np.fromiter(map(int, cells), np.int64, n), present, present
        text = np.where(present, np.array(cells, dtype=str), "0")
        return text.astype(np.int64 if kind == "integer" else np.float64), present, \
            np.ones(n, bool)
    if kind == "integer":
        well = [c == "" or (CSV_INTEGER.fullmatch(c) is not None
                            and len(c) - c.startswith("-") <= MAX_DIGITS) for c in cells]
        values = np.fromiter((int(c) if ok and c else 0 for c, ok in zip(cells, well)),
                             np.int64, n)
    else:
        well = [c == "" or CSV_NUMBER.fullmatch(c) is not None for c in cells]
        values = np.fromiter((float(c) if ok and c else 0.0 for c, ok in zip(cells, well)),
                             np.float64, n)
    return values, present, np.array(well, bool) & np.isfinite(values)


def _column(spec, cells: tuple, n: int, col: dict, ok: np.ndarray, latest: int) -> None:
    kind = spec.type
    default = spec.default
    if kind in ("integer", "number"):
        values, present, well = _numeric(kind, cells, n)
        ok &= well
    elif kind == "boolean":
        read = [BOOLS[c] if c in BOOLS else csv_boolean(c) for c in cells]
        present = _present(cells)
        ok &= np.fromiter((v is not FAIL for v in read), bool, n)
        values = np.fromiter((v is True or (v is None and bool(default)) for v in read), bool, n)
    elif kind == "enum":
        text = np.array(cells, dtype=object)
        present = text != ""
        ok &= ~present | np.isin(text, list(spec.values))
        values = np.where(present, text, "" if default is None else default)
    elif kind == "date":
        present = _present(cells)
        y, m, d, ordinal, valid = _dates(cells, present)
        ok &= valid & (~present | (ordinal <= latest))
        col.update(year=y, month=m, day=d, ordinal=ordinal, null=~present, present=present)
        return
    else:  # records: read here (they are few); any odd one sends its row the scalar way
        text = np.array(cells, dtype=object)
        present = text != ""
        records = np.full(n, None, dtype=object)
        listed = present & (text != "[]")
        for i in np.nonzero(listed)[0].tolist():
            parsed = _records(cells[i], spec, latest)
            if parsed is None:
                ok[i] = False
            else:
                records[i] = parsed
        col.update(present=present, records=records, listed=listed)
        return
    if kind in ("integer", "number"):
        if spec.min is not None:
            ok &= ~present | (values >= float(spec.min))
        if spec.max is not None:
            ok &= ~present | (values <= float(spec.max))
        values = np.where(present, values, 0 if default is None else default)
    col.update(values=values, present=present, null=~present & (default is None))


def read_columns(header: list[str], rows: list[list[str]], fields: dict, needed: set,
                 as_of: dt.date, today: dt.date):
    """Typed columns for the declared fields, and `ok`: the rows the twin may take."""
    n = len(rows)
    if set(header) - set(fields):
        raise NotVectorisable("columns the policies do not declare")
    width = len(header)
    ok = np.fromiter((len(r) == width for r in rows), bool, n)
    if not ok.all():
        rows = [r if len(r) == width else [""] * width for r in rows]
    columns = dict(zip(header, zip(*rows))) if rows else {}
    latest = np.datetime64(min(as_of, today), "D").astype(int)
    return declared_columns(fields, needed, ok, as_of, lambda path, spec, col: _column(
        spec, columns.get(path) or ("",) * n, n, col, ok, latest))


def declared_columns(fields: dict, needed: set, ok: np.ndarray, as_of: dt.date, fill):
    """(typed columns, ok) for every declared field, `fill(path, spec, col)` typing one
    (and clearing in `ok` the rows the twin may not take): a required field the policies
    read must be present, and the fields' cross-checks hold. Shared by the readers of
    Python cells (read_columns) and of arrow columns (arrow_columns.py)."""
    cols: dict[str, dict] = {}
    for path, spec in fields.items():
        col = {"spec": spec}
        fill(path, spec, col)
        if spec.required and path in needed:
            ok &= col["present"]
        cols[path] = col
    _cross_checks(cols, fields, ok, as_of)
    return cols, ok


def rows_of_columns(cols: dict, taken: np.ndarray, n: int) -> dict:
    """Typed columns at rows `taken` of their n (the columns themselves when that is all
    of them). A column's distinct values are of all its rows, so a subset leaves them."""
    if len(taken) == n:
        return cols
    return {path: {k: (v[taken] if isinstance(v, np.ndarray) else v) for k, v in col.items()
                   if k != "distinct"} for path, col in cols.items()}


def _completed_months(y1, m1, d1, y2, m2, d2):
    return np.maximum((y2 - y1) * 12 + m2 - m1 - (d2 < d1), 0)


def _cross_checks(cols: dict, fields: dict, ok: np.ndarray, as_of: dt.date) -> None:
    for path, spec in fields.items():
        col = cols[path]
        if spec.not_before:
            other = cols[spec.not_before]
            ok &= col["null"] | other["null"] | (col["ordinal"] >= other["ordinal"])
        if spec.at_most:
            other = cols[spec.at_most]
            ok &= ~col["present"] | ~other["present"] | (col["values"] <= other["values"])
        if spec.working_life_of:
            born = cols[spec.working_life_of]
            y, m, d = born["year"] + 16, born["month"], born["day"].copy()
            leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
            moved = (m == 2) & (d == 29) & ~leap
            m, d = np.where(moved, 3, m), np.where(moved, 1, d)
            limit = _completed_months(y, m, d, as_of.year, as_of.month, as_of.day)
            ok &= born["null"] | ~col["present"] | (col["values"] <= limit)


# The engine's steps over columns -----------------------------------------------------------

def _plain(value):
    return int(value) if value == int(value) else float(value)


def _objects(col: dict) -> np.ndarray:
    """A column as Python values, None where null: what lookups match on."""
    values = col["values"].astype(object)
    values[col["null"]] = None
    return values


DENSE_SPAN = 1 << 20  # integer values spread over fewer are indexed by counting, not sorting


def _dense(values: np.ndarray):
    """(the distinct values as a sorted Python list, the index of each row's value among
    them), as np.unique(return_inverse=True) gives, by counting when the values are
    integers within DENSE_SPAN of each other."""
    kind = values.dtype.kind
    if kind not in "biu" or not len(values):
        unique, inverse = np.unique(values, return_inverse=True)
        return unique.tolist(), inverse.astype(np.int64).reshape(-1)
    values = values.astype(np.int64)
    low, high = int(values.min()), int(values.max())
    if high - low >= DENSE_SPAN:
        unique, inverse = np.unique(values, return_inverse=True)
        return unique.tolist(), inverse.astype(np.int64).reshape(-1)
    shifted = values - low
    held = np.flatnonzero(np.bincount(shifted, minlength=high - low + 1))
    rank = np.zeros(high - low + 1, np.int64)
    rank[held] = np.arange(len(held))
    found = (held + low).tolist()
    return ([bool(v) for v in found] if kind == "b" else found), rank[shifted]


class VectorPolicy:
    """One policy's facts, gates and criteria over columns, in integer ticks. Each criterion
    is evaluated by its kind's own `columnar` (service/rules/criteria/); a kind says with
    `columnar_blocker` when it cannot be, and the policy then goes the scalar way."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.compiled = compiled_of(policy)
        self.denominator = self.compiled.scale.denominator
        if self.compiled.scale.mode != "half_up":
            raise NotVectorisable("rounding other than half up")
        self.criteria = []
        for c in policy.spec["criteria"]:
            kind = KINDS[c["kind"]]
            blocker = kind.columnar_blocker(c, self)
            if blocker is not None:
                raise NotVectorisable(blocker)
            cap = None if c["cap"] is None else self.ticks(c["cap"])
            self.criteria.append((kind.columnar(c, self), cap))
        self.gates = [GATES[g["kind"]].columnar(g, self) for g in policy.spec["gates"]]
        self.facts_columnar = [(name, FACTS[f["kind"]].columnar(f, self))
                               for name, f in policy.spec["facts"].items()]
        # How each fact is derived, as text: two policies' equal facts are derived once.
        self.fact_keys = [json.dumps(f, sort_keys=True, default=str)
                          for f in policy.spec["facts"].values()]
        # Each lookup's matcher, kept from chunk to chunk: it remembers the combinations
        # it has matched (a population's chunks hold the same few).
        self._matchers: dict = {}

    # What a kind's columnar evaluator may ask of its context ------------------------------

    def field_type(self, name: str) -> str | None:
        """The type of the applicant field `name`; None when it is a fact."""
        spec = self.policy.fields.get(name)
        return None if spec is None else spec.type

    def ticks(self, amount) -> int:
        return int(Fraction(amount) * self.denominator)

    def column(self, name: str, cols: dict, facts: dict) -> np.ndarray:
        return facts[name] if name in facts else cols[name]["values"]

    def facts(self, cols: dict, as_of: dt.date, shared: dict | None = None) -> dict:
        """The fact columns; with `shared` (one dict for the policies scoring the same
        columns), a fact another policy derives the same way on the same dates is taken
        from it instead of derived again."""
        dates = self.compiled.dates_on(as_of)
        if shared is None:
            return {name: derive(cols, dates) for name, derive in self.facts_columnar}
        on = tuple(sorted(dates.items()))
        out = {}
        for (name, derive), key in zip(self.facts_columnar, self.fact_keys):
            found = shared.get((key, on))
            if found is None:
                found = shared[(key, on)] = derive(cols, dates)
            out[name] = found
        return out

    def distinct(self, name: str, cols: dict, facts: dict | None = None):
        """(the distinct values of a column or fact as Python values, None for null; the
        index of each row's value among them): what lookups match once per value."""
        col = cols.get(name)
        if col is not None and "codes" in col:  # an enum read by arrow: coded already
            return col["choices"], col["codes"]
        if col is not None and "distinct" in col:  # asked already (another policy or rule)
            return col["distinct"]
        if col is not None:
            col["distinct"] = found = self._distinct(col["values"], col["null"], col)
            return found
        return self._distinct(facts[name], None, None)

    @staticmethod
    def _distinct(values: np.ndarray, null, col):
        """`distinct` of one column's values (null: where it is None), kept in the
        column for the other rules and the other policy of the same chunk."""
        if values.dtype == object:  # text, or a looked-up fact: matched by a dict
            index: dict = {}
            objects = (_objects(col) if col is not None else values).tolist()
            codes = np.fromiter(map(lambda v: index.setdefault(v, len(index)), objects),
                                np.int64, len(objects))
            return list(index), codes
        found, codes = _dense(values)
        if null is not None and null.any():
            codes = np.where(null, len(found), codes)
            found.append(None)
        return found, codes

    def lookup_rows(self, rows, default, names, cols) -> np.ndarray:
        """First-match rows over several categorical columns: each distinct combination of
        values is matched once, by the scalar engine's own matcher."""
        codes, seen = None, []
        for name in names:
            found, column = self.distinct(name, cols)
            seen.append(found)
            codes = column if codes is None else codes * len(found) + column
        unique, inverse = _dense(codes)
        held = self._matchers.get((id(rows), tuple(names)))
        if held is None or held[0] is not rows:  # (an id is reused only once rows is gone)
            held = self._matchers[(id(rows), tuple(names))] = (
                rows, first_match(names, rows, default))
        match = held[1]
        results = []
        for code in unique:
            key = []
            for choices in reversed(seen):
                code, at = divmod(code, len(choices))
                key.append(choices[at])
            results.append(match(dict(zip(names, reversed(key)))))
        table = np.array(results)  # numbers stay numbers: a take, not a Python object a row
        if table.dtype.kind not in "biuf":
            table = np.array(results, dtype=object)
        return table[inverse]

    def run(self, cols: dict, as_of: dt.date, exact: dict | None = None,
            shared: dict | None = None):
        """(eligible, passes, rounded total as float, ticks per criterion) for every row.
        With `exact` (a dict; quota rounds use it) it also gets `facts` (the fact columns),
        `gates` (each gate's pass column, in declared order) and `units` (the rounded
        total as an exact integer count of 10**-places points)."""
        facts = self.facts(cols, as_of, shared)
        n = len(next(iter(cols.values()))["present"])
        eligible = np.ones(n, bool)
        gates = []
        for passes_gate in self.gates:
            passed = passes_gate(cols, facts)
            eligible &= passed
            gates.append(passed)
        ticks = []
        for evaluate, cap in self.criteria:
            t = evaluate(cols, facts).astype(np.int64, copy=False)
            if cap is not None:
                t = np.clip(t, -cap, cap)
            ticks.append(t)
        for cap, members in self.compiled.groups:
            total = sum(ticks[i] for i in members)
            if not (np.abs(total) > cap).any():  # no row past the cap: nothing changes
                continue
            sign = np.where(total > 0, 1, -1)
            excess = np.maximum(np.abs(total) - cap, 0)
            for i in reversed(members):
                take = np.minimum(excess, np.maximum(sign * ticks[i], 0))
                ticks[i] = ticks[i] - sign * take
                excess = excess - take
        total_ticks = np.zeros(n, np.int64)
        for t in ticks:
            total_ticks += t
        places = self.compiled.scale.places
        scaled = np.abs(total_ticks) * 10**places
        quotient, remainder = np.divmod(scaled, self.denominator)
        quotient += (remainder > 0) & (2 * remainder >= self.denominator)
        signed = np.where(total_ticks < 0, -quotient, quotient)
        threshold = self.compiled.threshold_for(as_of)[0]
        if threshold is None or not self.compiled.marked:
            passes = np.zeros(len(signed), bool)  # no pass mark: nobody "passes"
        else:
            passes = eligible & (signed >= math.ceil(Fraction(threshold) * 10**places))
        if exact is not None:
            exact.update(facts=facts, gates=gates, units=signed)
        return eligible, passes, signed / 10**places, ticks
