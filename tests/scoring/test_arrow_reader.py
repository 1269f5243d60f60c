"""The pyarrow reader (service/population_arrow.py, service/scoring/arrow_columns.py,
service/simulate_files.py) gives exactly the report of the csv module and the scalar
engine: on every shipped version, on the odd shapes a CSV can take (CRLF, blank lines,
quoted commas, a quoted newline, a byte-order mark, rows of another width, text that is
not UTF-8, cells past the csv module's limit), and on Parquet, typed or not."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from support import scalar_simulation
from test_vector_twin import AS_OF, SHIPPED, both_reports, candidate_for, population

from service import population_arrow, simulate_files
from service.population import CsvUnreadable
from service.population_arrow import ParquetColumnUnreadable
from service.scoring.simulate import Simulation
from service.simulate_files import simulate_csv_bytes, simulate_parquet

BEIJING = next(p for p in SHIPPED.cities["beijing"] if p.version == "2020.1")
BEIJING_2018 = next(p for p in SHIPPED.cities["beijing"] if p.version == "2018.1")


def maker(current, candidate):
    return lambda: Simulation(current, candidate, AS_OF)


def scalar(current, candidate, text: str) -> dict:
    """The reference: the csv module, the cell reader and the scalar engine, row by row."""
    return scalar_simulation(current, candidate, AS_OF, text)


def arrow(current, candidate, data: bytes) -> dict:
    return simulate_csv_bytes(maker(current, candidate), data, "population").report()


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of a few kilobytes, so that a test population spans many of them."""
    monkeypatch.setattr(population_arrow, "BLOCK_BYTES", 4096)
    original = population_arrow.line_blocks
    monkeypatch.setattr(population_arrow, "line_blocks",
                        lambda handle, start, end, size=4096: original(handle, start, end, size))


@pytest.mark.parametrize("city,version", sorted((p.city, p.version) for p in SHIPPED.all()))
def test_every_shipped_version_reads_the_same_through_pyarrow(city, version, small_blocks):
    current = next(p for p in SHIPPED.cities[city] if p.version == version)
    candidate = candidate_for(current)
    text = population(current, 1200, seed=len(city) * 7 + len(version))
    expected, _ = both_reports(current, candidate, text)
    assert arrow(current, candidate, text.encode()) == expected
    assert expected["errors"]["count"] > 0


def test_two_versions_of_one_city_read_the_same_through_pyarrow(small_blocks):
    text = population(BEIJING_2018, 800, seed=3)
    expected = scalar(BEIJING_2018, BEIJING, text)
    assert arrow(BEIJING_2018, BEIJING, text.encode()) == expected


# The shapes a CSV can take -----------------------------------------------------------------

def beijing_rows(n: int, seed: int) -> tuple[str, list[str]]:
    """(header line, data lines) of a Beijing population, lines without their ends."""
    text = population(BEIJING, n, seed=seed)
    lines = text.split("\r\n")
    return lines[0], [line for line in lines[1:] if line]


def shapes():
    header, lines = beijing_rows(60, seed=11)
    width = header.count(",") + 1
    crlf = "\r\n".join([header] + lines) + "\r\n"
    lf = "\n".join([header] + lines) + "\n"
    quoted = lines[:]
    quoted[3] = quoted[3].replace(",", ',"', 1).replace(",", '",', 2).replace('",', ",", 1)
    yield "crlf", crlf.encode()
    yield "lf", lf.encode()
    yield "no final newline", lf.rstrip("\n").encode()
    yield "byte-order mark", b"\xef\xbb\xbf" + lf.encode()
    yield "U+FEFF starting the first data line", \
        "\n".join([header, "\ufeff" + lines[0]] + lines[1:]).encode()
    yield "U+FEFF starting every line", \
        "\n".join([header] + ["\ufeff" + line for line in lines]).encode()
    yield "blank lines", "\n".join([header] + lines[:5] + ["", ""] + lines[5:] + [""]).encode()
    yield "a row too wide", "\n".join([header] + lines[:7] + [lines[7] + ",x"] + lines[8:]).encode()
    yield "a row too narrow", "\n".join([header] + lines[:2] + ["1,2"] + lines[2:]).encode()
    yield "every cell quoted", ("\n".join(
        ",".join(f'"{c}"' for c in next(csv.reader([line]))) if '"' not in line else line
        for line in [header] + lines) + "\n").encode()
    yield "a quoted comma", "\n".join(
        [header] + lines[:4] + ['"1,2"' + "," * (width - 1)] + lines[4:]).encode()
    yield "a quote inside a bare cell", "\n".join(
        [header] + lines[:4] + ['a"b' + "," * (width - 1)] + lines[4:]).encode()
    yield "a quoted newline", "\n".join(
        [header] + lines[:30] + ['"line\nbreak"' + "," * (width - 1)] + lines[30:]).encode()
    yield "a quoted newline across blocks", "\n".join(
        [header] + lines[:30] + ['"' + "many\nlines" * 900 + '"' + "," * (width - 1)]
        + lines[30:]).encode()
    yield "a bare carriage return", "\n".join(
        [header] + lines[:9] + ["x\ry" + "," * (width - 1)] + lines[9:]).encode()
    yield "a doubled quote", "\n".join(
        [header] + lines[:4] + ['"a""b"' + "," * (width - 1)] + lines[4:]).encode()
    yield "a repeated column", "\n".join(
        [header + ",gender"] + [line + ",male" for line in lines]).encode()
    yield "an undeclared column", "\n".join(
        [header + ",nickname"] + [line + ",x" for line in lines]).encode()
    yield "header only", (header + "\n").encode()
    yield "empty", b""
    yield "NUL in a cell", "\n".join(
        [header] + lines[:4] + ["\x00" + lines[4]] + lines[5:]).encode()
    hexed = [line.replace(",93,", ",0x5D,") for line in lines]
    assert hexed != lines
    yield "a hex number", "\n".join([header] + hexed).encode()


@pytest.mark.parametrize("name,data", list(shapes()), ids=[n for n, _ in shapes()])
def test_a_csv_of_any_shape_reads_as_the_csv_module_reads_it(name, data, small_blocks):
    """The same report, or the same refusal of the whole file naming the same row."""
    def outcome(read, given):
        try:
            return read(BEIJING, BEIJING_2018, given)
        except CsvUnreadable as exc:
            return exc.row, exc.column, exc.message

    assert outcome(arrow, data) == outcome(scalar, data.decode("utf-8-sig"))


def test_text_that_is_not_utf8_names_its_row(small_blocks):
    header, lines = beijing_rows(40, seed=5)
    data = ("\n".join([header] + lines[:20]) + "\n").encode() + b"\xff\xfe,1\n" + \
        ("\n".join(lines[20:]) + "\n").encode()
    with pytest.raises(CsvUnreadable) as caught:
        arrow(BEIJING, BEIJING_2018, data)
    assert caught.value.row == 21
    assert list(caught.value.errors) == ["population.21"]


def test_a_cell_past_the_csv_limit_is_refused_as_the_csv_module_refuses_it(small_blocks):
    header, lines = beijing_rows(10, seed=5)
    long = "9" * (csv.field_size_limit() + 1)
    data = ("\n".join([header] + lines[:6] + [long + lines[6][lines[6].index(","):]]
                      + lines[7:]) + "\n").encode()
    with pytest.raises(CsvUnreadable) as caught:
        arrow(BEIJING, BEIJING_2018, data)
    assert list(caught.value.errors) == ["population.7.birth_date"]


# Parquet -----------------------------------------------------------------------------------

def parquet_of(text: str, typed: bool, row_group: int = 300) -> io.BytesIO:
    """The CSV as Parquet: string columns, or typed ones (int64, float64, bool, date32, with
    dotted paths as struct columns) where every cell of a column converts."""
    table = pacsv.read_csv(io.BytesIO(text.encode()), convert_options=pacsv.ConvertOptions(
        column_types={name: pa.string() for name in text.split("\r\n", 1)[0].split(",")},
        null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True))
    if typed:
        kinds = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                 "date": pa.date32()}
        columns = {}
        for name, column in zip(table.column_names, table.columns):
            spec = BEIJING.fields.get(name)
            try:
                kind = kinds.get(spec.type) if spec else None
                if kind == pa.bool_():
                    column = pa.compute.equal(column, "true")  # the test data writes true/false
                columns[name] = column.cast(kind) if kind is not None else column
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                columns[name] = column
        table = pa.table(columns)
    out = io.BytesIO()
    pq.write_table(table, out, row_group_size=row_group)
    out.seek(0)
    return out


def clean_population(n: int, seed: int, broken: bool = False) -> str:
    """A population without the rows of another width the CSV tests add (a table has
    one width), and unless `broken` without their broken cells (a typed Parquet column
    cannot hold 'maybe'), with its CRLF line ends."""
    from test_vector_twin import BROKEN

    lines = population(BEIJING, n, seed=seed).split("\r\n")
    width = len(next(csv.reader([lines[0]])))
    rows = [next(csv.reader([line])) for line in lines[1:] if line]
    keep = [row for row in rows if len(row) == width
            and (broken or not any(b in row for b in BROKEN if b))]
    out = io.StringIO()
    csv.writer(out).writerows([next(csv.reader([lines[0]]))] + keep)
    return out.getvalue()


@pytest.mark.parametrize("typed", [False, True], ids=["strings", "typed"])
def test_a_parquet_population_reads_as_the_same_csv(typed):
    text = clean_population(900, seed=21, broken=not typed)
    expected = scalar(BEIJING, BEIJING_2018, text)
    got = simulate_parquet(maker(BEIJING, BEIJING_2018), parquet_of(text, typed), workers=1)
    assert got.report() == expected
    assert expected["current"]["scored"] > 500


def test_parquet_struct_columns_are_read_by_their_dotted_paths():
    text = clean_population(200, seed=4)
    flat = pq.read_table(parquet_of(text, typed=True))
    nested = {}
    for name, column in zip(flat.column_names, flat.columns):
        head, _, rest = name.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = column
        else:
            nested[name] = column
    table = pa.table({name: pa.StructArray.from_arrays(
        [c.combine_chunks() for c in parts.values()], names=list(parts))
        if isinstance(parts, dict) else parts for name, parts in nested.items()})
    out = io.BytesIO()
    pq.write_table(table, out)
    out.seek(0)
    got = simulate_parquet(maker(BEIJING, BEIJING_2018), out, workers=1)
    assert got.report() == scalar(BEIJING, BEIJING_2018, text)


def test_a_parquet_column_of_another_type_is_named():
    table = pa.table({"birth_date": pa.array([dt.datetime(1990, 1, 1)]),
                      "gender": pa.array(["male"])})
    out = io.BytesIO()
    pq.write_table(table, out)
    out.seek(0)
    with pytest.raises(ParquetColumnUnreadable) as caught:
        simulate_parquet(maker(BEIJING, BEIJING_2018), out, workers=1)
    assert caught.value.column == "birth_date"
    assert "timestamp" in str(caught.value)


# Parts merged in row order -----------------------------------------------------------------

def test_parts_merge_to_the_whole(tmp_path, monkeypatch):
    """The file cut into many parts (as the workers get it), each simulated apart and
    merged in row order: the same report as one pass, first KEEP_ROWS rows included."""
    text = population(BEIJING, 3000, seed=8)
    path = tmp_path / "people.csv"
    path.write_bytes(text.encode())
    monkeypatch.setattr(simulate_files, "KEEP_ROWS", 50, raising=False)
    monkeypatch.setattr("service.scoring.simulate.KEEP_ROWS", 50)
    make = maker(BEIJING, BEIJING_2018)
    whole = simulate_files.simulate_csv(make, str(path), workers=1).report()
    with open(path, "rb") as handle:
        header, start, _ = simulate_files.csv_header(handle, "population")
        bounds = simulate_files._cuts(handle, start, path.stat().st_size, 9)
        parts = [simulate_files._csv_part(make(), handle, header, a, b, "population", True)
                 for a, b in bounds]
    assert len(parts) == 9
    merged = make()
    simulate_files._merge(merged, parts)
    assert merged.report() == whole == scalar(BEIJING, BEIJING_2018, text)
    assert whole["errors"]["rows_truncated"] and len(whole["errors"]["rows"]) == 50
    flips = whole["flips"]["fail_to_pass"]
    assert flips["rows_truncated"] and len(flips["rows"]) == 50 and flips["count"] > 200


def test_civil_dates_are_those_of_the_calendar_every_day_from_year_1_to_9999():
    import numpy as np

    from service.scoring.arrow_columns import civil

    days = np.arange((dt.date(1, 1, 1) - dt.date(1970, 1, 1)).days,
                     (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days + 1)
    year, month, day = civil(days)
    stamps = days.astype("datetime64[D]")
    assert (year == stamps.astype("datetime64[Y]").astype(int) + 1970).all()
    assert (month == stamps.astype("datetime64[M]").astype(int) % 12 + 1).all()
    assert (day == (stamps - stamps.astype("datetime64[M]")).astype(int) + 1).all()
    for k in range(0, len(days), 9973):  # and against Python's own calendar
        known = dt.date(1970, 1, 1) + dt.timedelta(days=int(days[k]))
        assert (year[k], month[k], day[k]) == (known.year, known.month, known.day)


@pytest.mark.timeout(20)  # it looped for ever
def test_a_file_cut_short_while_it_is_read_ends_its_blocks(tmp_path):
    """The reader is told where a part ends before it reads it; a file truncated in the
    meantime (or a byte count past its end) ends the blocks at the file's end."""
    path = tmp_path / "cut.csv"
    path.write_bytes(b"a,b\n1,2\n3,4")
    with open(path, "rb") as handle:
        blocks = list(population_arrow.line_blocks(handle, 4, 1 << 30, size=4))
    assert b"".join(block for _, block in blocks) == b"1,2\n3,4"
