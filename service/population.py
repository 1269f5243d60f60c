"""Populations: reading rows (JSON array, NDJSON, CSV with a column per field path), and
generating synthetic ones for tests, demos and benchmarks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections.abc import Iterable, Iterator

from service.policy.model import FieldSpec
from service.policy.paths import nest

TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


class RowError(ValueError):
    """A row that cannot be read; the simulation reports it and goes on."""


def _cell(spec: FieldSpec | None, text: str):
    if spec is None:
        return text
    kind = spec.type
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() else number
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered in TRUE or lowered in FALSE:
                return lowered in TRUE
            raise ValueError(f"not true or false: {text!r}")
        if kind == "records":
            return json.loads(text)
    except ValueError as exc:
        raise RowError(f"{spec.path}: {exc}") from None
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


def csv_chunks(lines: Iterable[str], size: int = 20_000) -> Iterator:
    """(header, rows, number of the first row) for chunks of a CSV file."""
    reader = csv.reader(lines)
    header = next(reader, [])
    chunk, first = [], 1
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
            yield number, json.loads(line)
        except ValueError:
            yield number, RowError("not JSON")


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
                        as_of: dt.date) -> dict:
    """Values for every field a policy declares, consistent with each other."""
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
            elif "insurance" in name or "insurance" in path or name.endswith("months"):
                value = insured if "insurance" in path else rng.randint(0, insured)
            elif name == "local_knowledge_score":
                value = round(min(max(rng.gauss(72, 12), 0), 100), 1)
            else:
                low = int(spec.min) if spec.min is not None else 0
                high = int(spec.max) if spec.max is not None else low + 3
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
