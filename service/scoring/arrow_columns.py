"""Typed columns for the vectorised twin from pyarrow string columns (a CSV block or a
Parquet batch), read exactly as `vector.read_columns` reads Python cells.

Each cell is checked by arrow compute over the whole column, never one by one in Python:
a cell the twin may not take (not plain, out of range, a day that does not exist, an odd
records list) only clears its row in `ok`, and that row goes the scalar way, where the
applicant parser says what is wrong with it. The checks are the grammar of
service/rules/cells.py: ASCII digits and one leading minus for integers (at most
MAX_DIGITS of them), digits with an optional decimal part for numbers, 'YYYY-MM-DD'
within the date window, true/1/yes and false/0/no in any letter case.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .vector import FIRST_DAY, LAST_DAY, MAX_DIGITS, NotVectorisable, _records, declared_columns

NUMBER_CELL = r"^-?[0-9]+(\.[0-9]+)?$"
DATE_CELL = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NO_DATE = pa.scalar(10957, pa.date32())  # 2000-01-01, in the rows without a date
# Text given to arrow compute as scalars made once: a Python str in a call is converted
# on every call, and the conversion tries to import dateutil each time (a search of the
# import path, when it is not installed).
EMPTY, ZERO, NO_RECORDS = (pa.scalar(t, pa.string()) for t in ("", "0", "[]"))
NO_DATE_TEXT = pa.scalar("2000-01-01", pa.string())
NO_TIME = pa.scalar(0, pa.timestamp("s"))


def _case_forms(word: str) -> set[str]:
    return {"".join(c.upper() if bit >> i & 1 else c for i, c in enumerate(word))
            for bit in range(1 << len(word))}


# csv_boolean's words in every letter case, the true ones first: one hash lookup a cell
TRUE_FORMS = sorted(set().union(*(_case_forms(w) for w in ("true", "yes", "1"))))
FALSE_FORMS = sorted(set().union(*(_case_forms(w) for w in ("false", "no", "0"))))
BOOLEAN_FORMS = pa.array(TRUE_FORMS + FALSE_FORMS, pa.string())


def _np(array) -> np.ndarray:
    """A boolean or numeric arrow column without nulls as a NumPy array."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.to_numpy(zero_copy_only=False)


def _matches(text, pattern: str):
    return pc.fill_null(pc.match_substring_regex(text, pattern), False)


def _holds_x(text) -> bool:
    """Whether any cell may hold an 'x' or 'X' (a scan of the column's character bytes)."""
    chars = _cells(text)[0]
    return bool(((chars | 0x20) == ord("x")).any())


def _integers(text, present):
    """(values, well formed) of an integer column: every present cell ASCII digits after
    at most one minus, fewer than 10**MAX_DIGITS. Arrow's cast reads exactly those cells,
    and also '0x1F', so a column holding an 'x' is checked cell by cell."""
    try:
        if not _holds_x(text):
            values = _np(pc.fill_null(pc.cast(text, pa.int64()), 0))
            return values, np.abs(values) < 10**MAX_DIGITS
    except pa.ArrowInvalid:
        pass
    text = pc.fill_null(text, EMPTY)
    body = pc.if_else(pc.starts_with(text, "-"), pc.utf8_slice_codeunits(text, 1), text)
    well = pc.and_(pc.ascii_is_decimal(body), pc.less_equal(pc.utf8_length(body), MAX_DIGITS))
    well = pc.or_(pc.invert(present), well)
    values = pc.cast(pc.if_else(pc.and_(present, well), text, ZERO), pa.int64())
    return _np(values), _np(well)


def _cells(text):
    """(character bytes, start and end offset of each cell) of a string column."""
    buffers = text.buffers()
    offsets = np.frombuffer(buffers[1], np.int32)[text.offset:text.offset + len(text) + 1]
    data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return data, offsets[:-1], offsets[1:]


def _plain_decimals(text) -> bool:
    """Whether every non-empty cell is known to match NUMBER_CELL from its bytes alone,
    given that arrow's cast to float takes it: only digits, '.' and '-'; no empty present
    cell; a minus only first and followed by a digit; no point first; a digit last (the
    cast refuses a second point). False sends the column to the regular expression."""
    data, starts, ends = _cells(text)
    used = data[starts[0]:ends[-1]] if len(starts) else data[:0]
    shifted = used - np.uint8(ord("-"))  # '-' 0, '.' 1, '/' 2, digits 3 to 12
    if ((shifted > 12) | (shifted == 2)).any():
        return False
    filled = ends > starts
    if int(np.count_nonzero(filled)) != len(text) - text.null_count:
        return False  # an empty string that is not null (a Parquet cell)
    first, last = data[starts[filled]], data[ends[filled] - 1]
    if (first == ord(".")).any() or ((last - np.uint8(ord("0"))) > 9).any():
        return False
    minus = first == ord("-")
    if int(np.count_nonzero(used == ord("-"))) != int(np.count_nonzero(minus)):
        return False
    return not ((data[starts[filled][minus] + 1] - np.uint8(ord("0"))) > 9).any()


def _numbers(text, present):
    if _plain_decimals(text):
        try:
            values = _np(pc.fill_null(pc.cast(text, pa.float64()), 0))
            return values, np.isfinite(values)
        except pa.ArrowInvalid:  # two points in a cell, say
            pass
    well = pc.or_(pc.invert(present), _matches(text, NUMBER_CELL))
    values = _np(pc.cast(pc.if_else(pc.and_(present, well), text, ZERO), pa.float64()))
    return values, _np(well) & np.isfinite(values)


def _dates(text, present):
    """(year, month, day, ordinal day, valid) as the scalar path reads 'YYYY-MM-DD';
    arrow's cast takes exactly those cells, and refuses a day that does not exist."""
    try:
        days, real = pc.cast(text, pa.date32()), present
    except pa.ArrowInvalid:  # some cell of another shape, or 2023-02-30: cell by cell
        shaped = pc.and_(present, _matches(text, DATE_CELL))
        parsed = pc.strptime(pc.if_else(shaped, text, NO_DATE_TEXT), format="%Y-%m-%d",
                             unit="s", error_is_null=True)
        # strptime rolls 2020-02-30 over to March: a day is real only if it reads back
        # as written (one that does not, a year before 1000 say, goes the scalar way).
        again = pc.strftime(pc.fill_null(parsed, NO_TIME),
                            format="%Y-%m-%d")
        real = pc.and_(pc.and_(shaped, pc.is_valid(parsed)),
                       pc.fill_null(pc.equal(again, text), False))
        days = pc.cast(parsed, pa.date32())
    days = pc.fill_null(days, NO_DATE)
    ordinal = _np(pc.cast(days, pa.int32())).astype(np.int64)
    valid = _np(real) & (ordinal >= FIRST_DAY) & (ordinal <= LAST_DAY)
    return (*civil(ordinal), ordinal, valid)


def civil(days: np.ndarray):
    """(year, month, day) of days counted from 1970-01-01, in the proleptic Gregorian
    calendar, by integer arithmetic over the whole column (the 400-year cycle of 146,097
    days; years counted from March, so that a leap day ends the year)."""
    z = days + 719_468  # days from 0000-03-01
    era = z // 146_097
    day_of_era = z - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524
                   - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153  # 0 is March
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = np.where(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    return year_of_era + era * 400 + (month <= 2), month, day


def _bound(limit):
    """A field's bound to compare a column with: a whole number stays an integer (an int64
    column is then compared exactly, without a float copy)."""
    number = float(limit)
    return int(limit) if number.is_integer() else number


def _column(spec, text, n: int, col: dict, ok: np.ndarray, latest: int) -> None:
    """One declared field's typed column into `col`; rows the twin may not take cleared
    in `ok`. `text` holds null for an empty cell (None: the column is not given)."""
    kind, default = spec.type, spec.default
    if text is None:
        text = pa.nulls(n, pa.string())
    present_arrow = pc.is_valid(text)
    present = _np(present_arrow) if text.null_count else np.ones(n, bool)
    if kind in ("integer", "number"):
        values, well = (_integers if kind == "integer" else _numbers)(text, present_arrow)
        ok &= well
        if spec.min is not None:
            ok &= ~present | (values >= _bound(spec.min))
        if spec.max is not None:
            ok &= ~present | (values <= _bound(spec.max))
        if default not in (None, 0):  # an absent cell is 0 already
            values = np.where(present, values, default)
        col.update(values=values, present=present, null=~present & (default is None))
    elif kind == "boolean":
        form = _np(pc.fill_null(pc.index_in(text, value_set=BOOLEAN_FORMS), -1))
        ok &= ~present | (form >= 0)
        values = ((form >= 0) & (form < len(TRUE_FORMS))) | (~present & bool(default))
        col.update(values=values, present=present, null=~present & (default is None))
    elif kind == "enum":
        choices = [v for v in spec.values if isinstance(v, str)]
        codes = pc.index_in(text, value_set=pa.array(choices, pa.string()))
        ok &= ~present | _np(pc.is_valid(codes))
        codes = _np(pc.fill_null(codes, len(choices))).astype(np.int64)
        table = np.array(choices + [default if default is not None else ""], dtype=object)
        col.update(values=table[codes], present=present, null=~present & (default is None),
                   codes=codes, choices=choices + [default])
    elif kind == "date":
        y, m, d, ordinal, valid = _dates(text, present_arrow)
        ok &= ~present | (valid & (ordinal <= latest))
        col.update(year=y, month=m, day=d, ordinal=ordinal, null=~present, present=present)
    else:  # records: the few non-empty lists are read in Python, as the twin always did
        records = np.full(n, None, dtype=object)
        listed = np.flatnonzero(_np(pc.fill_null(pc.not_equal(text, NO_RECORDS), False)))
        cells = text.take(pa.array(listed)).to_pylist() if len(listed) else []
        for i, cell in zip(listed.tolist(), cells):
            parsed = _records(cell, spec, latest)
            if parsed is None:
                ok[i] = False
            else:
                records[i] = parsed
        holds = np.zeros(n, bool)
        holds[listed] = True
        col.update(present=present, records=records, listed=holds)


def arrow_columns(header: list[str], table: pa.Table, fields: dict, needed: set,
                  as_of: dt.date, today: dt.date):
    """Typed columns for the declared fields of `table` (string columns named by the
    header, null for an empty cell), and `ok`: the rows the twin may take. Raises
    NotVectorisable for a column the policies do not declare (every row then goes the
    scalar way, which refuses it)."""
    if set(header) - set(fields) or len(set(header)) != len(header):
        raise NotVectorisable("columns the policies do not declare, or a repeated column")
    n = table.num_rows
    ok = np.ones(n, bool)
    latest = np.datetime64(min(as_of, today), "D").astype(int)

    def fill(path: str, spec, col: dict) -> None:
        text = table.column(path) if path in header else None
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        _column(spec, text, n, col, ok, latest)

    return declared_columns(fields, needed, ok, as_of, fill)
