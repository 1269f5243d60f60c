"""Feeding a CSV file to a consumer block by block: pyarrow's string columns where the
csv module would read the same cells (service/population_arrow.py), the csv module's rows
for a block it would not. Used by simulations (service/simulate_files.py) and quota
rounds (`hukou-points rounds rank`).
"""

from __future__ import annotations

import csv
import io

from service.population import CsvUnreadable, csv_chunks

BOM = b"\xef\xbb\xbf"
HEADER_BYTES = 1 << 20  # a longer first line is left to the csv module (and its cell limit)


def csv_header(handle, where: str) -> tuple[list[str], int, bool]:
    """(header cells, offset of the first data line, whether the header can be read from
    one line); the header is read by the csv module."""
    handle.seek(0)
    line = handle.readline(HEADER_BYTES + 1)
    start = len(BOM) if line.startswith(BOM) else 0
    if line.count(b'"') % 2 or len(line) > HEADER_BYTES:
        return [], 0, False
    try:
        text = line[start:].decode("utf-8")
    except UnicodeDecodeError:
        raise CsvUnreadable(where, 0, None, "The header is not UTF-8 text.") from None
    try:
        cells = next(csv.reader([text.rstrip("\r\n")]), [])
    except csv.Error:  # the csv module's own reading says what is wrong with it
        return [], 0, False
    return cells, handle.tell(), True


def _by_csv_module(header: list[str], block: bytes, first: int, where: str, on_rows) -> int:
    """A block pyarrow does not take, read by the csv module; its number of records."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = first + block.count(b"\n", 0, exc.start)
        raise CsvUnreadable(where, row, None, "The text is not UTF-8.") from None
    header_line = io.StringIO()
    csv.writer(header_line).writerow(header)
    count = 0
    for _, rows, start in csv_chunks(io.StringIO(header_line.getvalue() + text), where=where,
                                     first_row=first):
        count += len(rows)
        on_rows(rows, start)
    return count


def feed_blocks(handle, header: list[str], start: int, end: int, where: str, threads: bool,
                on_table, on_rows) -> int:
    """Bytes `start` to `end` of a binary CSV handle (whole lines, no header), numbered from
    row 1: `on_table(table, first, blank)` for each block pyarrow reads, `on_rows(rows,
    first)` for the csv module's rows of a block it does not. The number of rows read.
    Raises QuotedNewlines (the csv module must read the whole file) and CsvUnreadable."""
    from service import population_arrow as arrow_reader
    from service.population_arrow import NotColumnar, line_blocks

    first = 1
    for _, block in line_blocks(handle, start, end):
        try:
            parsed = arrow_reader.parse_block(block, header, threads)
        except NotColumnar:
            first += _by_csv_module(header, block, first, where, on_rows)
            continue
        on_table(parsed.table, first, parsed.blank)
        first += parsed.table.num_rows
    return first - 1
