"""A CSV population is read as strictly as JSON, the same way by both simulation paths.

The scalar path (service/population.py's cell reader, then the applicant parser) takes
a cell only when it is the plain text of a valid value: ASCII digits and an optional
leading minus for numbers, exactly YYYY-MM-DD inside the date window for dates, an
enum value exactly, true/false/1/0/yes/no for booleans; a refused row names its field.
The vectorised twin (service/scoring/vector.py) must take no row the scalar path
refuses: both give identical reports over hostile cells (year 0000, negative years, a
trailing NUL, full-width or Arabic-Indic digits, `1_000`, `0x10`, `1e3`, spaces...).
A cell longer than the csv module's field limit is a 4xx naming row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from conftest import bearer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import TIER, city_doc, cli, label, scalar_simulation, write_dir

from service.policy.loader import load_policy_dir
from service.population import CsvUnreadable, csv_chunks, csv_row_reader, csv_rows
from service.scoring.simulate import Simulation

AS_OF = dt.date(2024, 6, 30)
LIMIT = csv.field_size_limit()
TIER_WITH_LIMITS = {**TIER, "input_limits": {"max": {"item": 1000}, "source": "test",
                                             "confidence": "high"}}
FIELDS = {
    "i": {"type": "integer", "label": label("i"), "min": 0, "unit": "item"},  # max 1000
    "x": {"type": "number", "label": label("x"), "min": 0, "max": 100},
    "d": {"type": "date", "label": label("d")},
    "e": {"type": "enum", "label": label("e"), "values": {"a": label("a"), "b": label("b")}},
    "b": {"type": "boolean", "label": label("b")},
    "r": {"type": "records", "label": label("r"), "required": False, "default": [],
          "kinds": {"criminal": label("criminal")}},
}
FACTS = {"years": {"kind": "years_since", "from": "d", "on": "as_of"},
         "crimes": {"kind": "count", "from": "r", "kinds": ["criminal"]}}
CRITERIA = [
    {"id": "items", "label": label("items"), "kind": "per_item", "input": "i", "points": 1},
    {"id": "score", "label": label("score"), "kind": "bands", "input": "x",
     "bands": [{"to": 50, "points": 0}, {"from": 50, "points": 5}]},
    {"id": "flag", "label": label("flag"), "kind": "flag", "input": "b", "points": 3},
    {"id": "kind", "label": label("kind"), "kind": "lookup", "input": "e",
     "table": {"a": 1, "b": 2}},
    {"id": "years", "label": label("years"), "kind": "per_unit", "input": "years",
     "points": 1},
    {"id": "crimes", "label": label("crimes"), "kind": "per_item", "input": "crimes",
     "points": -5},
]
VALID = {"i": "3", "x": "55.5", "d": "1990-05-01", "e": "a", "b": "true", "r": "[]"}
COLUMNS = list(VALID)
KINDS = {"i": "integer", "x": "number", "d": "date", "e": "enum", "b": "boolean",
         "r": "records"}


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    doc = city_doc(fields=FIELDS, facts=FACTS, criteria=CRITERIA,
                   threshold={"kind": "fixed", "points": 40})
    root = write_dir(tmp_path_factory.mktemp("csv") / "p", [doc], TIER_WITH_LIMITS)
    return load_policy_dir(root).cities["testcity"][0]


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue()


def scalar_report(policy, text: str) -> dict:
    return scalar_simulation(policy, policy, AS_OF, text)


def twin_report(policy, text: str) -> dict:
    simulation = Simulation(policy, policy, AS_OF)
    assert simulation.vectors is not None, "the test policy must be vectorised"
    for header, rows, first in csv_chunks(io.StringIO(text)):
        simulation.add_csv_chunk(header, rows, first, csv_row_reader(header, policy.fields))
    return simulation.report()


def arrow_report(policy, text: str) -> dict:
    """The pyarrow reader's report (service/simulate_files.py): blocks of lines typed and
    checked by arrow compute."""
    from service.simulate_files import simulate_csv_text

    return simulate_csv_text(lambda: Simulation(policy, policy, AS_OF), text,
                             "population_csv").report()


def fields_named(reason) -> set[str]:
    """The fields a row error names: `path: ...` from the CSV reader, or the parser's keys."""
    if isinstance(reason, str):
        return {reason.split(":", 1)[0]}
    return {key.removeprefix("applicant.").split(".")[0] for key in reason["errors"]}


# What the scalar reader should take: the oracle, written independently of the code.

def accepted(kind: str, text: str) -> bool:
    if kind == "integer":
        return re.fullmatch(r"-?[0-9]+", text) is not None and 0 <= int(text) <= 1000
    if kind == "number":
        return (re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text) is not None
                and 0 <= float(text) <= 100)
    if kind == "date":
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is None:
            return False
        try:
            day = dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            return False
        return dt.date(1900, 1, 1) <= day <= AS_OF
    if kind == "enum":
        return text in ("a", "b")
    if kind == "boolean":
        return text.isascii() and text.lower() in ("true", "false", "1", "0", "yes", "no")
    raise AssertionError(kind)


HOSTILE = [
    "", " ", "\x00", "\t", "0000-01-01", "-001-01-01", "2020-1-1", "+2020-01-01",
    "２０２０-01-01", "٢٠٢٠-01-01", "2020-W01-1", "20200101", "2020-02-30", "1899-12-31",
    "1900-01-01", "2200-12-31", "2201-01-01", "9999-12-31", "2024-06-30", "2024-07-01",
    "1990-05-01\x00", " 1990-05-01", "1990-05-01 ", " 12", "12 ", "1e3", "1E3", "0x10",
    "1_000", "١٢", "１２", "12\x00", "\x0012", "+12", "-1", "-0", "007", "1000", "1001",
    "9223372036854775807", "9223372036854775808", "9" * 30, "1.", ".5", "1.50", "100",
    "100.0", "100.01", "1,5", "nan", "NaN", "inf", "-inf", "Infinity", "true", "TRUE",
    "True", "tRuE", " true", "true ", "yes\x00", "YES", "on", "y", "a", "b", "A", "a ",
    "b\x00", "ａ", "[]", "[{}]", "null", '[{"date": "2020-01-01", "kind": "criminal"}]',
    '[{"date": "0000-01-01", "kind": "criminal"}]', '[{"date": "1800-01-01", "kind": "criminal"}]',
    '[{"date": "2020-W01-1", "kind": "criminal"}]', '[{"date": "2020-01-01", "kind": "c"}]',
    "[" * 5000, "\u3000", "\ufeff1", "1\u200b",
]
STRANGE = st.sampled_from([" ", "\x00", "\t", "+", "-", "_", ".", "e", "٠", "０", "\u3000",
                           "\ufeff", "\r", '"', ","])
VALID_TEXT = {
    "integer": st.integers(-5, 1200).map(str),
    "number": st.one_of(st.integers(-5, 120).map(str),
                        st.decimals(-5, 120, places=2).map(str)),
    "date": st.dates(dt.date(1800, 1, 1), dt.date(2300, 1, 1)).map(dt.date.isoformat),
    "enum": st.sampled_from(["a", "b", "c"]),
    "boolean": st.sampled_from(["true", "false", "1", "0", "yes", "no", "TRUE", "No"]),
    "records": st.sampled_from(['[{"date": "2020-01-01", "kind": "criminal"}]', "[]"]),
}


def hostile(kind: str):
    near = st.tuples(VALID_TEXT[kind], STRANGE, st.booleans()).map(
        lambda t: t[1] + t[0] if t[2] else t[0] + t[1])
    return st.one_of(st.sampled_from(HOSTILE), VALID_TEXT[kind], near,
                     st.text(max_size=12), st.from_regex(r"-?[0-9]{1,22}(\.[0-9]{0,3})?",
                                                         fullmatch=True))


@st.composite
def rows(draw):
    """Rows of valid cells, each with one hostile cell in any column."""
    out = []
    for _ in range(draw(st.integers(1, 12))):
        column = draw(st.sampled_from(COLUMNS))
        out.append({**VALID, column: draw(hostile(KINDS[column]))})
    return out


def test_the_valid_row_is_scored_by_both_paths(policy):
    text = csv_text([VALID] * 3)
    assert scalar_report(policy, text)["current"]["scored"] == 3
    assert twin_report(policy, text) == scalar_report(policy, text)


@pytest.mark.parametrize("column", [c for c in COLUMNS if c != "r"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@example(data=None)  # every listed hostile string, in this column
def test_the_csv_reader_takes_a_cell_only_as_json_would(policy, column, data):
    kind = KINDS[column]
    texts = HOSTILE if data is None else [data.draw(hostile(kind))]
    report = scalar_report(policy, csv_text([{**VALID, column: t} for t in texts]))
    refused = {e["row"]: e["reason"] for e in report["errors"]["rows"]}
    for number, text in enumerate(texts, 1):
        assert (number not in refused) == accepted(kind, text), (column, text)
        if number in refused:
            assert fields_named(refused[number]) == {column}, (text, refused[number])


def test_the_twin_takes_no_row_the_scalar_path_refuses_listed(policy):
    listed = [{**VALID, column: text} for column in COLUMNS for text in HOSTILE]
    text = csv_text(listed)
    expected = scalar_report(policy, text)
    assert twin_report(policy, text) == expected
    assert arrow_report(policy, text) == expected


@pytest.mark.parametrize("column", [c for c in COLUMNS if c != "r"])
def test_each_hostile_cell_alone_in_its_column_is_read_as_the_scalar_path_reads_it(policy,
                                                                                   column):
    """One hostile cell among valid ones: the arrow reader decides on a whole column at
    once (a column of plain numbers skips the regular expression), so each cell is
    tried alone, not only among the others."""
    for text in HOSTILE:
        population = csv_text([VALID, {**VALID, column: text}, VALID])
        assert arrow_report(policy, population) == scalar_report(policy, population), text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(population=rows())
def test_the_twin_takes_no_row_the_scalar_path_refuses(policy, population):
    text = csv_text(population)
    expected = scalar_report(policy, text)
    assert twin_report(policy, text) == expected
    assert arrow_report(policy, text) == expected


# Cells the csv module itself refuses ------------------------------------------------------

def long_csv(row: int = 1, column: str = "x") -> str:
    cells = [dict(VALID) for _ in range(3)]
    cells[row - 1][column] = "9" * (LIMIT + 1)
    return csv_text(cells)


def test_a_cell_over_the_field_limit_names_row_and_column():
    with pytest.raises(CsvUnreadable) as caught:
        list(csv_chunks(io.StringIO(long_csv(row=2, column="e"))))
    assert caught.value.errors == {
        "population_csv.2.e": [f"A cell holds more than {LIMIT} characters."]}
    quoted = csv_text([VALID]) + 'a,b,"' + "x" * LIMIT + ',y"\n'
    with pytest.raises(CsvUnreadable) as caught:
        list(csv_chunks(io.StringIO(quoted)))
    assert list(caught.value.errors) == ["population_csv.2.d"]  # the third column
    header = ",".join(COLUMNS[:-1]) + ",r" + "r" * LIMIT + "\n"
    with pytest.raises(CsvUnreadable) as caught:
        list(csv_chunks(io.StringIO(header)))
    assert list(caught.value.errors) == ["population_csv.header"]


def test_a_bare_carriage_return_names_the_row():
    text = csv_text([VALID]) + "1,2\r3\n"
    with pytest.raises(CsvUnreadable) as caught:
        list(csv_rows(io.StringIO(text), {}))
    assert list(caught.value.errors) == ["population_csv.2"]


def test_the_api_answers_a_long_cell_with_a_422(client):
    people = [{"birth_date": "1990-05-01", "residence_permit_since": "2016-03-01",
               "criminal_record": "[]", "local_knowledge_score": "86"}] * 2
    people[1] = {**people[1], "local_knowledge_score": "8" * (LIMIT + 1)}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(people[0]))
    writer.writeheader()
    writer.writerows(people)
    resp = client.post("/v1/simulate", headers=bearer("admin"), json={
        "city": "xian", "as_of": "2024-06-30", "candidate": {"version": "2024.1"},
        "population_csv": out.getvalue()})
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["errors"] == {"population_csv.2.local_knowledge_score": [
        f"A cell holds more than {LIMIT} characters."]}


def test_the_cli_answers_a_long_cell_with_a_message(tmp_path):
    population = tmp_path / "people.csv"
    population.write_text("birth_date,local_knowledge_score\n1990-05-01," +
                          "8" * (LIMIT + 1) + "\n")
    out = cli("simulate", "--city", "xian", "--population", str(population),
              "--candidate-version", "2024.1", "--as-of", "2024-06-30")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "row 1, column local_knowledge_score" in out.stderr


def test_hostile_records_cells_are_row_errors(policy):
    texts = ["[" * 100_000, "[" * 5000 + "]" * 5000, '{"date": 1}', "nope"]
    report = scalar_report(policy, csv_text([{**VALID, "r": t} for t in texts]))
    assert report["errors"]["count"] == len(texts)
    assert json.dumps(report)  # reportable


def test_a_deeply_nested_ndjson_line_is_a_row_error():
    from service.population import RowError, ndjson_rows

    rows = list(ndjson_rows(io.StringIO('{"a": 1}\n' + "[" * 100_000 + "\n{}\n")))
    assert [n for n, _ in rows] == [1, 2, 3] and isinstance(rows[1][1], RowError)
