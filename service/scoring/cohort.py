"""A quota round's cohort: every row of a population read once and kept compactly.

Per scored row the cohort keeps the id, the exact total (an integer count of 10**-places
points: the total as the policy rounds it, so equal totals are equal integers), the first
gate the row fails (-1: eligible) and each tie-break key as a float ordered so that the
smaller value ranks first (a `desc` key negated, a missing value +inf: last). Rows that
cannot be scored are kept as invalid: their id (when they have a usable one), row number
and, for the first KEEP_PROBLEMS of them, the problem. Nothing is dropped.

The plain rows of a CSV go through the engine's vectorised twin (vector.py), the others
through the applicant parser and the engine (engine.py `score`), as in simulations.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import repeat

import numpy as np

from service.policy.applicant import parser_of
from service.policy.errors import ApplicantInvalid
from service.policy.model import Policy
from service.population import RowError, csv_records, csv_row_reader

from .engine import compiled_of, score

MAX_ROWS = 1_000_000
KEEP_PROBLEMS = 1000
CHUNK = 20_000
ID_COLUMN = "id"
MAX_ID = 128
ID_TEXT = re.compile(f"[^\\x00-\\x1f\\x7f]{{1,{MAX_ID}}}")
# Many ids at once, joined by a newline (which no id may hold).
ID_COLUMN_TEXT = re.compile(f"{ID_TEXT.pattern}(?:\\n{ID_TEXT.pattern})*")
EPOCH = dt.date(1970, 1, 1)
MISSING = float("inf")  # a tie-break value not given ranks last, whatever the order
UNFIT = "The applicant does not fit the policy."


class CohortRefused(Exception):
    """The population as a whole cannot be ranked: `reason` is duplicate_ids,
    missing_id_column or too_many_rows; `field` the path the message is about."""

    def __init__(self, reason: str, field: str, message: str, names: tuple = ()):
        super().__init__(message)
        self.reason, self.field, self.message, self.names = reason, field, message, names


def id_problems(ids: list) -> list | None:
    """None when every id of a chunk is well formed (the common chunk: one match of the
    joined ids), else each id's problem (None where it has none)."""
    if None not in ids and ID_COLUMN_TEXT.fullmatch("\n".join(ids)) is not None:
        return None
    return [id_problem(i) for i in ids]


def id_problem(value) -> str | None:
    """Why `value` cannot be an applicant's id (None: it can)."""
    if value is None:
        return "No id."
    if type(value) is not str:
        return "The id must be a string (or a whole number)."
    if ID_TEXT.fullmatch(value) is None:
        return "The id is empty." if value == "" else \
            f"The id must be 1 to {MAX_ID} characters without control characters."
    return None


def _json_id(value):
    """A JSON id: a string as it is, a whole number as its decimal text."""
    if type(value) is int and abs(value) < 10**18:
        return str(value)
    return value


def key_value(value) -> float:
    """One tie-break value as a float (a date as days since 1970, a flag as 0 or 1; NaN
    when there is none)."""
    if value is None:
        return float("nan")
    if isinstance(value, dt.date):
        return float((value - EPOCH).days)
    return float(value)


def oriented(values: np.ndarray, sign: float) -> np.ndarray:
    """Key values ordered for an ascending sort: negated for `desc`, missing last."""
    out = sign * np.asarray(values, np.float64)
    out[np.isnan(out)] = MISSING
    return out


def _as_floats(values) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype == object:
        return np.fromiter((key_value(v) for v in array.tolist()), np.float64, len(array))
    return array.astype(np.float64)


class Cohort:
    """Feed rows with `add_item` (a JSON object {id, applicant}) or `add_csv_chunk`, or a
    whole CSV with `feed_csv`; then `columns()` gives what ranking needs."""

    def __init__(self, policy: Policy, as_of: dt.date, max_rows: int = MAX_ROWS,
                 vectorise: bool = True):
        self.policy, self.as_of, self.max_rows = policy, as_of, max_rows
        compiled = compiled_of(policy)
        self.places = compiled.scale.places
        self.gate_ids = tuple(g[0] for g in compiled.gates)
        self.tie_break = tuple((t["key"], t["order"]) for t in policy.spec["threshold"]
                               ["tie_break"])
        self.signs = tuple(-1.0 if order == "desc" else 1.0 for _, order in self.tie_break)
        self.parser = parser_of(policy)
        self.vector = None
        if vectorise:
            from .vector import NotVectorisable, VectorPolicy

            try:
                self.vector = VectorPolicy(policy)
            except NotVectorisable:
                self.vector = None
        self.rows = 0
        self.ids: list[str] = []
        self._parts: list[tuple] = []  # (units, gates, keys) arrays, in the order of ids
        self._pending: list[tuple] = []  # scalar rows not yet in an array
        self.invalid_ids: list[str | None] = []
        self.invalid_rows: list[int] = []
        self.problems: list[dict] = []

    # Rows ------------------------------------------------------------------------------

    def _count(self, n: int) -> None:
        if self.rows + n > self.max_rows:
            raise CohortRefused("too_many_rows", "population",
                                f"A round ranks at most {self.max_rows:,} rows.")
        self.rows += n

    def invalid(self, row: int, id_, problem: str, errors: dict | None = None) -> None:
        """A row that is not ranked: listed with its row number and problem."""
        self.invalid_ids.append(id_ if id_problem(id_) is None else None)
        self.invalid_rows.append(row)
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append({"row": row, "id": self.invalid_ids[-1], "problem": problem,
                                  "errors": errors or {}})

    def add_item(self, row: int, item) -> None:
        """One row of a JSON or NDJSON population: {id, applicant}, or a RowError."""
        self._count(1)
        if isinstance(item, RowError):
            self.invalid(row, None, str(item))
            return
        if type(item) is not dict:
            self.invalid(row, None, "Each row is an object {id, applicant}.")
            return
        id_ = _json_id(item.get("id"))
        unknown = sorted(set(item) - {"id", "applicant"})
        shown = ", ".join(k if len(k) <= 40 else k[:40] + "..." for k in unknown[:5])
        problem = id_problem(id_) or (f"Unknown keys: {shown}." if unknown
                                      else None if "applicant" in item else "No applicant.")
        if problem is not None:
            self.invalid(row, id_, problem)
            return
        self._score(row, id_, item["applicant"])

    def _score(self, row: int, id_: str, applicant) -> None:
        try:
            values = self.parser.parse(applicant, self.as_of)
        except ApplicantInvalid as exc:
            self.invalid(row, id_, UNFIT, exc.errors)
            return
        result = score(self.policy, values, self.as_of)
        gate = -1 if result.eligible else result.passed.index(False)
        keys = tuple(key_value(result.values.get(key)) for key, _ in self.tie_break)
        self.ids.append(id_)
        self._pending.append((int(result.total.scaleb(self.places)), gate, keys))
        if len(self._pending) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        units = np.fromiter((p[0] for p in self._pending), np.int64, len(self._pending))
        gates = np.fromiter((p[1] for p in self._pending), np.int32, len(self._pending))
        keys = [oriented(np.fromiter((p[2][k] for p in self._pending), np.float64,
                                     len(self._pending)), sign)
                for k, sign in enumerate(self.signs)]
        self._parts.append((units, gates, keys))
        self._pending = []

    def feed_csv(self, lines, where: str = "population", progress=None) -> None:
        """A whole CSV (an iterable of lines): a header with an `id` column, then rows;
        `progress(rows read)` is called after each chunk."""
        records = csv_records(lines, where)
        header = next(records, None)
        if header is None or header.count(ID_COLUMN) != 1:
            raise CohortRefused("missing_id_column", f"{where}.header",
                                f"The CSV needs one column named {ID_COLUMN!r}: the "
                                "applicant's id.")
        chunk, first = [], 1
        for cells in records:
            chunk.append(cells)
            if len(chunk) == CHUNK:
                self.add_csv_chunk(header, chunk, first)
                first += len(chunk)
                chunk = []
                if progress is not None:
                    progress(first - 1)
        if chunk:
            self.add_csv_chunk(header, chunk, first)

    def add_csv_chunk(self, header: list[str], rows: list[list[str]], first: int) -> None:
        """Rows `first`, `first + 1`, ... of a CSV whose header holds the `id` column
        (the rows' lists are consumed)."""
        self._count(len(rows))
        at = header.index(ID_COLUMN)
        fields_header = header[:at] + header[at + 1:]
        if set(map(len, rows)) == {len(header)}:
            ids = list(map(list.pop, rows, repeat(at, len(rows))))
        else:
            ids = [cells.pop(at) if len(cells) > at else None for cells in rows]
        bad = id_problems(ids) or [None] * len(ids)
        ok = None
        if self.vector is not None and rows:
            from .vector import NotVectorisable, read_columns

            try:
                cols, ok = read_columns(fields_header, rows, self.policy.fields,
                                        set(self.policy.reads), self.as_of, dt.date.today())
            except NotVectorisable:
                ok = None
        reader = csv_row_reader(fields_header, self.policy.fields)
        for i, cells in enumerate(rows):
            if bad[i] is not None or ok is None or not ok[i]:
                self._add_row(first + i, ids[i], bad[i], cells, reader)
        if ok is not None:
            ok &= np.fromiter((b is None for b in bad), bool, len(bad))
            if ok.any():
                self._add_columns(cols, ok, ids)

    def add_table(self, header: list[str], table, first: int, blank) -> None:
        """Rows `first`, `first + 1`, ... as pyarrow string columns (null: an empty cell;
        service/population_arrow), the header holding the `id` column; `blank` marks the
        lines with no cells, which the csv path reads as a row without an id."""
        from .arrow_columns import arrow_columns
        from .vector import NotVectorisable

        n = table.num_rows
        self._count(n)
        ids = [cell or "" for cell in table.column(ID_COLUMN).to_pylist()]
        for i in np.flatnonzero(blank).tolist():
            ids[i] = None
        problems = id_problems(ids)
        bad = problems or [None] * n
        at = header.index(ID_COLUMN)
        fields_header = header[:at] + header[at + 1:]
        fields = table.remove_column(at)
        ok = None
        if self.vector is not None and n:
            try:
                cols, ok = arrow_columns(fields_header, fields, self.policy.fields,
                                         set(self.policy.reads), self.as_of, dt.date.today())
            except NotVectorisable:
                ok = None
        one_by_one = np.ones(n, bool) if ok is None else ~ok
        if problems is not None:
            one_by_one |= np.fromiter((b is not None for b in bad), bool, n)
        self._add_cells(fields_header, fields, first, np.flatnonzero(one_by_one), ids, bad)
        if ok is not None:
            ok &= ~one_by_one
            if ok.any():
                self._add_columns(cols, ok, ids)

    def _add_cells(self, header: list[str], table, first: int, rows: np.ndarray, ids: list,
                   bad: list) -> None:
        """The rows `rows` of a table one by one, as `add_csv_chunk` reads a row's cells."""
        from service.population_arrow import table_rows

        reader = csv_row_reader(header, self.policy.fields)
        for i, cells in zip(rows.tolist(), table_rows(table, header, rows)):
            self._add_row(first + i, ids[i], bad[i], cells, reader)

    def _add_row(self, row: int, id_, problem: str | None, cells: list[str], reader) -> None:
        """One row: invalid for its id's `problem`, else its cells read by `reader` (the
        CSV cell reader) and scored, or invalid for what the reader says."""
        if problem is not None:
            self.invalid(row, id_, problem)
            return
        applicant = reader(cells)
        if isinstance(applicant, RowError):
            self.invalid(row, id_, str(applicant))
        else:
            self._score(row, id_, applicant)

    def _add_columns(self, cols: dict, ok: np.ndarray, ids: list) -> None:
        from .vector import rows_of_columns

        taken = np.nonzero(ok)[0]
        subset = rows_of_columns(cols, taken, len(ok))
        exact: dict = {}
        eligible = self.vector.run(subset, self.as_of, exact)[0]
        n = len(taken)
        gates = np.full(n, -1, np.int32)
        if exact["gates"]:
            failed = ~np.stack([np.broadcast_to(g, n) for g in exact["gates"]])
            gates = np.where(eligible, -1, np.argmax(failed, axis=0)).astype(np.int32)
        keys = []
        for (key, _), sign in zip(self.tie_break, self.signs):
            keys.append(oriented(self._key_column(key, subset, exact["facts"], n), sign))
        self._flush()
        self.ids.extend(ids if len(taken) == len(ids) else [ids[i] for i in taken.tolist()])
        self._parts.append((np.asarray(exact["units"], np.int64), gates, keys))

    def _key_column(self, key: str, cols: dict, facts: dict, n: int) -> np.ndarray:
        """A tie-break key's raw values over the rows the twin scored (NaN: none)."""
        if key in facts:
            return np.broadcast_to(_as_floats(facts[key]), n)
        col, spec = cols[key], self.policy.fields[key]
        if spec.type == "date":
            values = col["ordinal"].astype(np.float64)
        else:
            values = np.asarray(col["values"]).astype(np.float64)
        return np.where(col["null"], np.nan, values)

    # What ranking reads ----------------------------------------------------------------

    def columns(self) -> tuple[list, np.ndarray, np.ndarray, list]:
        """(ids, units, first failed gate or -1, tie-break key columns), row-aligned."""
        self._flush()
        if not self._parts:
            return self.ids, np.zeros(0, np.int64), np.zeros(0, np.int32), \
                [np.zeros(0) for _ in self.tie_break]
        units = np.concatenate([p[0] for p in self._parts])
        gates = np.concatenate([p[1] for p in self._parts])
        keys = [np.concatenate([p[2][k] for p in self._parts])
                for k in range(len(self.tie_break))]
        self._parts = [(units, gates, keys)]
        return self.ids, units, gates, keys
