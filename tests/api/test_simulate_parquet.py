"""POST /v1/simulate with `population_parquet` (a Parquet file, base64): the same report
as the same people in `population_csv`; a file that is not base64, not Parquet, too big
once decompressed or of unreadable column types is a field-level problem, never a 500."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
from conftest import bearer

PEOPLE = [
    {"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
     "criminal_record": "[]", "local_knowledge_score": "86"},
    {"birth_date": "1985-01-31", "residence_permit_since": "2010-07-01",
     "criminal_record": '[{"date": "2020-01-01", "kind": "criminal"}]',
     "local_knowledge_score": "55.5"},
    {"birth_date": "1999-12-31", "residence_permit_since": "", "criminal_record": "",
     "local_knowledge_score": "maybe"},
]


def as_csv(people) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(people[0]))
    writer.writeheader()
    writer.writerows(people)
    return out.getvalue()


def as_parquet(table: pa.Table) -> str:
    out = io.BytesIO()
    pq.write_table(table, out)
    return base64.b64encode(out.getvalue()).decode()


def strings(people) -> pa.Table:
    return pa.table({name: pa.array([p[name] or None for p in people], pa.string())
                     for name in people[0]})


def simulate(client, **population):
    return client.post("/v1/simulate", headers=bearer("admin"), json={
        "city": "xian", "as_of": "2024-06-30", "candidate": {"version": "2024.1"},
        **population})


def test_parquet_gives_the_report_of_the_same_csv(client):
    by_csv = simulate(client, population_csv=as_csv(PEOPLE))
    by_parquet = simulate(client, population_parquet=as_parquet(strings(PEOPLE)))
    assert by_csv.status_code == by_parquet.status_code == 200
    assert by_parquet.get_json() == by_csv.get_json()
    assert by_csv.get_json()["errors"]["count"] == 1


def test_typed_parquet_columns_read_as_their_text(client):
    plain = PEOPLE[:2]
    table = pa.table({
        "birth_date": pa.array([dt.date.fromisoformat(p["birth_date"]) for p in plain]),
        "residence_permit_since": pa.array(
            [dt.date.fromisoformat(p["residence_permit_since"]) for p in plain]),
        "criminal_record": pa.array([p["criminal_record"] for p in plain]),
        "local_knowledge_score": pa.array([86.0, 55.5])})
    got = simulate(client, population_parquet=as_parquet(table))
    assert got.status_code == 200
    assert got.get_json() == simulate(client, population_csv=as_csv(plain)).get_json()


def test_not_base64_is_a_field_error(client):
    got = simulate(client, population_parquet="not base64 at all!")
    assert got.status_code == 422
    assert got.content_type.startswith("application/problem+json")
    assert list(got.get_json()["errors"]) == ["population_parquet"]


def test_not_parquet_is_a_field_error(client):
    for junk in (b"", b"PAR1", b"PAR1" + bytes(range(256)) + b"PAR1", as_csv(PEOPLE).encode()):
        got = simulate(client, population_parquet=base64.b64encode(junk).decode())
        assert got.status_code == 422, junk[:20]
        assert list(got.get_json()["errors"]) == ["population_parquet"]


def test_a_column_of_another_type_is_named(client):
    table = pa.table({"birth_date": pa.array([dt.datetime(1990, 1, 1)]),
                      "local_knowledge_score": pa.array([[1, 2]])})
    got = simulate(client, population_parquet=as_parquet(table))
    assert got.status_code == 422
    assert list(got.get_json()["errors"]) == ["population_parquet.birth_date"]


def test_more_rows_than_allowed_is_a_413_read_from_the_footer(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_PARQUET_ROWS", 2)
    got = simulate(client, population_parquet=as_parquet(strings(PEOPLE)))
    assert got.status_code == 413
    assert got.get_json()["errors"]["population_parquet"] == [
        "At most 2 rows; this file holds 3."]


def test_a_small_file_that_unpacks_huge_is_refused_before_it_is_read(client):
    """A column of one long repeated text compresses to almost nothing."""
    table = pa.table({"criminal_record": pa.array(["[" + " " * 1_000_000 + "]"] * 600)})
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    assert out.tell() < 2_000_000
    got = simulate(client, population_parquet=base64.b64encode(out.getvalue()).decode())
    assert got.status_code == 413
    assert list(got.get_json()["errors"]) == ["population_parquet"]


def test_two_populations_at_once_are_refused(client):
    got = simulate(client, population_csv=as_csv(PEOPLE),
                   population_parquet=as_parquet(strings(PEOPLE)))
    assert got.status_code == 422
    assert "population_parquet" in got.get_json()["errors"]["population"][0]


def test_one_long_value_repeated_by_its_dictionary_is_refused_before_it_unpacks(client):
    """A dictionary page holds the value once; every row refers to it. The footer's sizes
    are small, so the text is charged as it would unpack, before it does."""
    value = "[" + " " * 1_000_000 + "]"
    table = pa.table({"birth_date": ["1990-05-01"] * 200, "residence_permit_since":
                      ["2016-03-01"] * 200, "criminal_record": [value] * 200,
                      "local_knowledge_score": ["86"] * 200})
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd", dictionary_pagesize_limit=4 << 20)
    metadata = pq.ParquetFile(io.BytesIO(out.getvalue())).metadata
    assert metadata.row_group(0).total_byte_size < 10 << 20  # the footer sees little
    got = simulate(client, population_parquet=base64.b64encode(out.getvalue()).decode())
    assert got.status_code == 413
    assert got.get_json()["errors"]["population_parquet"] == [
        "Refused: its text cells unpack to more than 128 MiB."]
