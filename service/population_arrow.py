"""Reading populations with pyarrow: CSV in blocks of whole lines, Parquet in batches.

A CSV block is parsed by pyarrow into string columns, one row per line, and is taken
only where that is exactly what the csv module (service/population.py) would read:

- every line holds an even number of double quotes, so no quoted field spans lines
  (else `QuotedNewlines`: the csv module reads the file from there on);
- carriage returns only end lines (CRLF), never stand alone (the csv module ends a
  record at a bare one);
- every line has the header's width, or is blank (the csv module reads a blank line as
  a record with no cells, which the simulation refuses; pyarrow gives a row of empty
  cells, marked in `blank`);
- the text is UTF-8, and each line holding a quote is read the same by the csv module;
- the block does not start with U+FEFF (pyarrow drops it as a byte-order mark; in a
  data line it is a cell's text).

A block that fails any of the last two is `NotColumnar`: its caller hands it to the csv
module, which says what is wrong with which row.

A Parquet batch is turned into the same string columns (see `parquet_text`), so that a
population reads the same whichever file it comes in.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

BLOCK_BYTES = 4 << 20  # about 40,000 rows of a Beijing population


class QuotedNewlines(Exception):
    """A line with an odd number of quotes: the rest of the file needs the csv module."""


class NotColumnar(Exception):
    """This block needs the csv module (a row of another width, text that is not UTF-8)."""


@dataclass
class Block:
    table: pa.Table    # string columns named by the header, one row per line, null if empty
    blank: np.ndarray  # the lines with no cells at all


def _lines(block: bytes):
    """(end of each line, start of each line) as byte offsets; a last line without a
    newline ends at the end of the block."""
    data = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(data == 10)
    if not block.endswith(b"\n"):
        ends = np.append(ends, len(block))
    starts = np.empty_like(ends)
    if len(ends):
        starts[0] = 0
        starts[1:] = ends[:-1] + 1
    return data, ends, starts


def _quoted_lines(data: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The lines holding a double quote; QuotedNewlines if one holds an odd number."""
    quotes = np.flatnonzero(data == 34)
    if not len(quotes):
        return quotes
    counts = np.bincount(np.searchsorted(ends, quotes), minlength=len(ends))
    if (counts & 1).any():
        raise QuotedNewlines
    return np.flatnonzero(counts)


def parse_block(block: bytes, header: list[str], threads: bool = True) -> Block:
    """A block of whole CSV lines (no header) as string columns; see the module's note."""
    if not header or len(set(header)) != len(header):
        raise NotColumnar("no columns, or a repeated column")
    if block.startswith(b"\xef\xbb\xbf"):  # pyarrow would drop it as a byte-order mark
        raise NotColumnar("a line that starts with U+FEFF")
    if not block.isascii():
        try:
            block.decode("utf-8")
        except UnicodeDecodeError:
            raise NotColumnar("not UTF-8") from None
    data, ends, starts = _lines(block)
    widths = ends - starts
    crlf = widths > 0
    crlf[crlf] = data[ends[crlf] - 1] == 13
    if b"\r" in block and int(np.count_nonzero(data == 13)) != int(crlf.sum()):
        raise NotColumnar("a carriage return that does not end a line")
    if len(widths) and int(widths.max()) > csv.field_size_limit():
        raise NotColumnar("a line longer than the csv module's cell limit")
    quoted = _quoted_lines(data, ends)
    blank = (widths - crlf) == 0
    refused: list = []

    def refuse(row) -> str:
        refused.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(block),
            # One chunk a column when one thread parses (the columns are not copied into
            # one later); the text was checked as UTF-8 above, so arrow does not again.
            read_options=pacsv.ReadOptions(column_names=header, use_threads=threads,
                                           **({} if threads else
                                              {"block_size": max(len(block) + 1, 1 << 20)})),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False,
                                              invalid_row_handler=refuse),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True,
                check_utf8=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise NotColumnar(str(exc)) from None
    if refused or table.num_rows != len(ends):
        raise NotColumnar("a row of another width")
    if len(quoted):
        _same_as_csv_module(block, table, header, quoted, starts, ends - crlf)
    return Block(table, blank)


def _same_as_csv_module(block: bytes, table: pa.Table, header: list[str],
                        quoted: np.ndarray, starts, ends) -> None:
    """The lines holding quotes, read again by the csv module: NotColumnar if any differs.
    Each side's cells are joined by a separator the block does not hold, so one string a
    line is compared (a cell list would be a Python object a cell)."""
    separator = next((c for c in ("\x1f", "\x1e", "\x1d") if c.encode() not in block), None)
    if separator is None:
        raise NotColumnar("no separator to compare quoted lines with")
    try:
        texts = [block[starts[i]:ends[i]].decode("utf-8") for i in quoted.tolist()]
    except UnicodeDecodeError:
        raise NotColumnar("not UTF-8") from None
    rows = table.take(pa.array(quoted))
    theirs = pc.binary_join_element_wise(*rows.columns, pa.scalar(separator, pa.string()),
                                         null_handling="replace",
                                         null_replacement="").to_pylist()
    if [separator.join(cells) for cells in csv.reader(texts)] != theirs:
        raise NotColumnar("a quoted line the csv module reads otherwise")


def table_rows(table: pa.Table, header: list[str], rows: np.ndarray) -> list[list[str]]:
    """The cells of rows `rows` of a table of string columns, as the csv module gives a
    row's cells (null is an empty cell): for the rows read one by one."""
    if not len(rows):
        return []
    picked = table.take(pa.array(rows)).to_pydict()
    columns = [picked[name] for name in header]
    return [[column[k] or "" for column in columns] for k in range(len(rows))]


def line_blocks(handle, start: int, end: int, size: int = BLOCK_BYTES):
    """(offset, bytes) of blocks of whole lines of a binary file, from `start` (the start
    of a line) up to `end` (the end of a line, or of the file)."""
    handle.seek(start)
    left, carry, offset = end - start, b"", start
    while left > 0 or carry:
        chunk = handle.read(min(size, left)) if left > 0 else b""
        left = left - len(chunk) if chunk else 0  # a file cut short while read: it ends
        data = carry + chunk
        cut = data.rfind(b"\n") + 1 if left > 0 else len(data)
        if cut == 0:  # one line longer than a block: read on
            carry = data
            continue
        yield offset, data[:cut]
        offset += cut
        carry = data[cut:]


def next_line_start(handle, position: int, end: int) -> int:
    """The offset of the first line that starts at or after `position` (or `end`)."""
    handle.seek(max(position - 1, 0))
    while True:
        chunk = handle.read(1 << 16)
        if not chunk:
            return end
        found = chunk.find(b"\n")
        if found >= 0:
            return min(handle.tell() - len(chunk) + found + 1, end)


# Parquet -----------------------------------------------------------------------------------

PARQUET_TYPES = ("string, integer, floating point, boolean or date32 (nested columns "
                 "are read by their dotted paths)")


class ParquetColumnUnreadable(ValueError):
    """A Parquet column of a type a population cell cannot come from."""

    def __init__(self, column: str, kind):
        self.column, self.kind = column, str(kind)
        super().__init__(f"column {column!r} is of Parquet type {kind}; a population "
                         f"column is {PARQUET_TYPES}")


class ParquetTooLarge(ValueError):
    """Text cells that would unpack past the budget: a few bytes of a Parquet file may
    repeat one long dictionary value over every row."""


class TextBudget:
    """Bytes of text a Parquet population may unpack to, spent batch by batch."""

    def __init__(self, limit: int):
        self.limit, self.left = limit, limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise ParquetTooLarge(f"its text cells unpack to more than {self.limit >> 20} MiB")


def open_parquet(source):
    """A ParquetFile whose text columns are read as dictionaries, so that their unpacked
    size is known (and refused past a budget) before any of it is unpacked."""
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(source).schema
    texts = [schema.column(i).path for i in range(len(schema))
             if schema.column(i).physical_type in ("BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY")]
    if hasattr(source, "seek"):
        source.seek(0)
    return pq.ParquetFile(source, read_dictionary=texts)


def _unpacked_size(column) -> int:
    """Bytes of a dictionary column's text once every row holds its value."""
    if isinstance(column, pa.ChunkedArray):
        return sum(_unpacked_size(chunk) for chunk in column.chunks)
    lengths = pc.binary_length(column.dictionary)
    return int(pc.sum(pc.take(lengths, column.indices)).as_py() or 0)


def parquet_text(batch: pa.RecordBatch | pa.Table, budget: TextBudget | None = None) -> pa.Table:
    """A Parquet batch as the CSV with the same cells would read: null is an empty cell
    (as in a parsed CSV block, null), integers and dates are written as a CSV holds them,
    booleans as true/false, and floating-point numbers as their shortest decimal (one
    with an exponent is refused at its row, as in a CSV). Struct columns are read by
    their dotted paths. Text read as dictionaries (`open_parquet`) is charged to
    `budget` before it is unpacked."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    columns = {}
    for field, column in zip(table.schema, table.columns):
        kind = field.type
        if pa.types.is_boolean(kind):
            text = pc.if_else(column, "true", "false")
        elif pa.types.is_dictionary(kind):
            text = None
            if pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type):
                if budget is not None:
                    budget.spend(_unpacked_size(column))
                text = pc.cast(column, pa.string())
        elif (pa.types.is_string(kind) or pa.types.is_large_string(kind)
              or pa.types.is_integer(kind) or pa.types.is_floating(kind)
              or pa.types.is_date32(kind)):
            text = pc.cast(column, pa.string())
        else:
            text = None
        if text is None:
            raise ParquetColumnUnreadable(field.name, kind)
        columns[field.name] = text
    return pa.table(columns)


# Writing a synthetic population as Parquet (for `population generate --format parquet`) ---

PARQUET_COLUMN_TYPES = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                        "date": pa.date32()}  # enums and records lists stay text


def write_parquet(path: str, fields: dict, rows, chunk: int = 131_072) -> None:
    """Rows of CSV cells (one per field of `fields`, in order; '' for absent) into a
    Parquet file with a typed column per field path, one row group per `chunk` rows."""
    import pyarrow.parquet as pq

    names = list(fields)
    schema = pa.schema([(n, PARQUET_COLUMN_TYPES.get(fields[n].type, pa.string()))
                        for n in names])
    with pq.ParquetWriter(path, schema) as writer:
        batch: list = []
        for row in rows:
            batch.append(row)
            if len(batch) == chunk:
                writer.write_table(_typed(batch, names, schema))
                batch = []
        if batch:
            writer.write_table(_typed(batch, names, schema))


def _typed(rows: list, names: list[str], schema: pa.Schema) -> pa.Table:
    columns = []
    for i, field in enumerate(schema):
        text = pa.array([row[i] or None for row in rows], pa.string())
        if field.type == pa.bool_():
            columns.append(pc.equal(pc.ascii_lower(text), "true"))
        else:
            columns.append(text.cast(field.type))
    return pa.table(columns, schema=schema)
