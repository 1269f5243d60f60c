"""Populations: reading rows (JSON array, NDJSON, CSV with a column per field path), and
generating synthetic ones for tests, demos and benchmarks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections.abc import Iterable, Iterator

from service.policy.errors import ApplicantInvalid
from service.policy.model import FieldSpec
from service.policy.paths import nest
from service.rules.cells import CSV_INTEGER, CSV_NUMBER, FAIL, csv_boolean

# A cell is read as strictly as the same value in JSON (see CSV_INTEGER in
# applicant_fast); dates are checked by the applicant parser ('YYYY-MM-DD' within the
# date window), enum values must match exactly.


class RowError(ValueError):
    """A row that cannot be read; the simulation reports it and goes on."""


class CsvUnreadable(ApplicantInvalid):
    """A CSV the csv module cannot read on (a cell longer than its field limit, a bare
    carriage return): the whole population is refused, naming the row (0: the header;
    data rows count from 1) and, when known, the column. An ApplicantInvalid, so the API
    answers 422 with the error under `<where>.<row>.<column>` (`<where>.header`)."""

    def __init__(self, where: str, row: int, column: str | None, message: str):
        self.where, self.row, self.column, self.message = where, row, column, message
        key = f"{where}.{'header' if row == 0 else row}"
        super().__init__({key if column is None else f"{key}.{column}": [message]})

    def __str__(self) -> str:
        place = "the header" if self.row == 0 else f"row {self.row}"
        column = f", column {self.column}" if self.column is not None else ""
        return f"{place}{column}: {self.message}"


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _cell(spec: FieldSpec | None, text: str):
    if spec is None:
        return text
    kind = spec.type
    if kind == "integer":
        if CSV_INTEGER.fullmatch(text) is None:
            raise RowError(f"{spec.path}: not a whole number: {_shown(text)}")
        try:
            return int(text)
        except ValueError:  # past Python's 4300-digit limit for int()
            raise RowError(f"{spec.path}: too many digits") from None
    if kind == "number":
        if CSV_NUMBER.fullmatch(text) is None:
            raise RowError(f"{spec.path}: not a number: {_shown(text)}")
        number = float(text)
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        value = csv_boolean(text)
        if value is FAIL:
            raise RowError(f"{spec.path}: not true or false: {_shown(text)}")
        return value
    if kind == "records":
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            raise RowError(f"{spec.path}: not a JSON list of records") from None
    return text


def csv_row_reader(header: list[str], fields: dict[str, FieldSpec]):
    """cells -> the applicant of one CSV row, or a RowError; empty cells are absent fields."""
    specs = [fields.get(name) for name in header]
    width = len(header)

    def read(cells: list[str]):
        if len(cells) != width:
            return RowError(f"{len(cells)} cells for {width} columns")
        try:
            return nest({name: _cell(spec, value) for name, spec, value
                         in zip(header, specs, cells) if value != ""})
        except RowError as exc:
            return exc

    return read


def _unquoted_fields(text: str) -> list[str]:
    """The fields of one CSV record in the default dialect (for naming a column only)."""
    out, field, quoted, i = [], [], False, 0
    text = text.rstrip("\r\n")
    while i < len(text):
        char = text[i]
        if quoted and char == '"' and text[i + 1:i + 2] == '"':
            field.append('"')
            i += 1
        elif char == '"' and (quoted or not field):
            quoted = not quoted
        elif char == "," and not quoted:
            out.append("".join(field))
            field = []
        else:
            field.append(char)
        i += 1
    out.append("".join(field))
    return out


def _unreadable(error: csv.Error, text: str, header: list[str] | None, row: int,
                where: str) -> CsvUnreadable:
    """The csv module's refusal of one record (row 0: the header) as a CsvUnreadable."""
    limit = csv.field_size_limit()
    if "field larger than field limit" not in str(error):
        return CsvUnreadable(where, row, None, f"The CSV cannot be read here: {error}.")
    column = None
    long = [i for i, f in enumerate(_unquoted_fields(text)) if len(f) > limit]
    if long and header is not None:
        column = header[long[0]] if long[0] < len(header) else f"column {long[0] + 1}"
    return CsvUnreadable(where, row, column, f"A cell holds more than {limit} characters.")


def csv_records(lines: Iterable[str], where: str = "population_csv",
                first_row: int = 1) -> Iterator[list[str]]:
    """The cells of each CSV record, the header first; a record the csv module refuses
    raises CsvUnreadable, never the csv module's own error (naming its row: the first
    data row is `first_row`)."""
    current: list[str] = []

    def feed():
        for line in lines:
            current.append(line)
            yield line

    reader = csv.reader(feed())
    header, row = None, 0
    while True:
        current.clear()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number = row + first_row - 1 if row else 0
            raise _unreadable(exc, "".join(current), header, number, where) from None
        if header is None:
            header = cells
        yield cells
        row += 1


def csv_chunks(lines: Iterable[str], size: int = 20_000,
               where: str = "population_csv", first_row: int = 1) -> Iterator:
    """(header, rows, number of the first row) for chunks of a CSV file whose first data
    row is numbered `first_row`."""
    reader = csv_records(lines, where, first_row)
    header = next(reader, [])
    chunk, first = [], first_row
    for cells in reader:
        chunk.append(cells)
        if len(chunk) == size:
            yield header, chunk, first
            first += len(chunk)
            chunk = []
    if chunk:
        yield header, chunk, first


def csv_rows(lines: Iterable[str], fields: dict[str, FieldSpec]) -> Iterator:
    """(row number, applicant or RowError) for each CSV line after the header; row numbers
    count data rows from 1."""
    for header, rows, first in csv_chunks(lines):
        read = csv_row_reader(header, fields)
        for offset, cells in enumerate(rows):
            yield first + offset, read(cells)


def ndjson_rows(lines: Iterable[str]) -> Iterator:
    number = 0
    for line in lines:
        if not line.strip():
            continue
        number += 1
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):  # nesting deeper than Python's recursion limit
            row = RowError("not JSON")
        yield number, row


def rows_of(text_or_lines, kind: str, fields: dict[str, FieldSpec]) -> Iterator:
    """Rows of a population given as 'json' (an array), 'ndjson' or 'csv'."""
    if kind == "json":
        items = json.loads(text_or_lines) if isinstance(text_or_lines, str) else text_or_lines
        return iter(list(enumerate(items, 1)))
    lines = io.StringIO(text_or_lines) if isinstance(text_or_lines, str) else text_or_lines
    return csv_rows(lines, fields) if kind == "csv" else ndjson_rows(lines)


# Synthetic applicants. The shapes are assumptions for tests and benchmarks, not
# statistics of any city: ages of working migrants cluster in the thirties (the
# 2020 census puts most of the migrant population between 20 and 50); education
# weights lean to bachelor degrees as Beijing's published settlement lists do;
# knowledge-test scores are roughly normal around a pass; records are rare.
EDUCATION = [("none", 0.08), ("associate", 0.22), ("bachelor", 0.45), ("master", 0.2),
             ("doctorate", 0.05)]


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def synthetic_applicant(rng: random.Random, fields: dict[str, FieldSpec],
                        as_of: dt.date, *, city: str | None = None) -> dict:
    """Values for every field a policy declares, consistent with each other. With the
    city, drawn from its distributions declared in data (service/synthetic.py; a field
    it does not declare falls back to the guess below); without it, or for a city that
    declares none, each field's meaning is guessed from its name."""
    if city is not None:
        from service.synthetic import synthetic

        drawn = synthetic(rng, fields, as_of, city)
        if drawn is not None:
            return drawn
    age = min(max(int(rng.gauss(36, 7)), 19), 58)
    born = as_of - dt.timedelta(days=age * 365 + rng.randint(0, 364))
    working = max((age - 18) * 12, 0)
    insured = rng.randint(min(60, working), working) if working else 0
    flat: dict = {}
    for path, spec in fields.items():
        name = path.rsplit(".", 1)[-1]
        if path == "birth_date":
            value = born.isoformat()
        elif spec.type == "date":
            held = min(int(rng.expovariate(1 / 5) * 365), (age - 16) * 365)
            value = (as_of - dt.timedelta(days=held)).isoformat()
        elif spec.type == "records":
            value = []
            if rng.random() < 0.03:
                kind = "criminal" if rng.random() < 0.2 else "administrative_detention"
                value = [{"date": (as_of - dt.timedelta(days=rng.randint(30, 4000))).isoformat(),
                          "kind": kind}] if kind in (spec.kinds or {}) else []
        elif spec.type == "boolean":
            value = rng.random() < (0.95 if "permit" in name or name in ("employed",
                                                                         "stable_residence",
                                                                         "diploma")
                                    else 0.05 if name in ("honour", "serious_crime") else 0.5)
        elif spec.type == "enum":
            options = list(spec.values)
            if name == "level" and all(v in options for v, _ in EDUCATION):
                value = _pick(rng, EDUCATION)
            elif not spec.required and rng.random() < 0.8:
                value = spec.default
            else:
                value = rng.choice(options)
        elif spec.type in ("integer", "number"):
            if path.startswith("study_overlap."):
                value = rng.choice([0, 0, 0, 12, 36])
            elif spec.unit in (None, "month") and (
                    "insurance" in name or "insurance" in path or name.endswith("months")):
                value = insured if "insurance" in path else rng.randint(0, insured)
            elif name == "local_knowledge_score":
                value = round(min(max(rng.gauss(72, 12), 0), 100), 1)
            else:  # a few; a tier's input limit is a sanity bound, not a likely value
                low = int(spec.min) if spec.min is not None else 0
                high = int(spec.max) if spec.max is not None and spec.max_from != "tier" \
                    else low + 3
                value = low if (not spec.required and rng.random() < 0.8) else rng.randint(
                    low, high)
        else:
            continue
        if value is not None:
            flat[path] = value
    for path, spec in fields.items():  # keep counts within the counts they may not exceed
        if spec.at_most and path in flat and spec.at_most in flat:
            flat[path] = min(flat[path], flat[spec.at_most])
    return nest(flat)
