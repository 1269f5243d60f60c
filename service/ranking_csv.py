"""A quota round's ranking written as CSV by arrow compute, column by column: the bytes the
csv module writes from `Round.rows` (tests hold the two equal), without a Python object a
cell. Every cell is built as text, each row joined with commas, and the rows written as
one buffer a chunk.
"""

from __future__ import annotations

import csv
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from service.scoring.rounds import PLACE

EOL = "\r\n"  # the csv module's line end
CHUNK = 65_536
# Text given to arrow compute as scalars made once (a Python str is converted at every
# call, and the conversion looks for dateutil on the import path each time).
TRUE, FALSE, COMMA, NOTHING, LINE_END, POINT_ZERO = (
    pa.scalar(t, pa.string()) for t in ("true", "false", ",", "", EOL, ".0"))


def _quoted(text):
    """Cells the csv module would quote (a comma, a quote, a line end), quoted as it does."""
    needs = pc.or_(pc.or_(pc.match_substring(text, ","), pc.match_substring(text, '"')),
                   pc.or_(pc.match_substring(text, "\r"), pc.match_substring(text, "\n")))
    if not pc.any(needs).as_py():  # the common chunk: nothing to quote
        return text
    doubled = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"',
                                          "")
    return pc.if_else(pc.fill_null(needs, False), doubled, text)


def _floats(values: np.ndarray, null: np.ndarray | None = None):
    """Floats as Python writes them (repr): arrow gives the same shortest digits but no
    '.0' on a whole number; a chunk holding an exponent is written by Python itself."""
    array = pa.array(values, mask=null)
    text = pc.cast(array, pa.string())
    if pc.any(pc.match_substring(text, "e")).as_py():
        return pa.array([None if v is None else repr(v) for v in array.to_pylist()],
                        pa.string())
    whole = pc.fill_null(pc.invert(pc.match_substring(text, ".")), False)
    return pc.if_else(whole, pc.binary_join_element_wise(text, POINT_ZERO, NOTHING), text)


def _flags(values: np.ndarray):
    return pc.if_else(pa.array(values), TRUE, FALSE)


def _margins(ranked, units: np.ndarray):
    """Each total's distance to the line, as Round's answer gives it."""
    line = ranked.line
    if line is None:
        return pa.nulls(len(units), pa.string())
    if Fraction(line).denominator == 1:  # the common case, over the whole column
        return _floats((units - int(line)) / ranked.scale)
    margins = ranked._margins(units)
    return _floats(np.array(margins, np.float64))


def _labels(codes: np.ndarray, labels: list[str]):
    """Text cells from codes into a few labels (quoted as the csv module would), taken by
    arrow from a dictionary rather than built as a Python string a row."""
    dictionary = _quoted(pa.array(labels, pa.string()))
    return pc.take(dictionary, pa.array(codes.astype(np.int32, copy=False)))


def _ranked_chunk(ranked, lo: int, size: int, ids) -> list:
    rows = ranked.order[lo:lo + size]
    units = ranked.units[rows]
    place = np.arange(lo, lo + len(rows))
    eligible = place < ranked.m
    cohort = ranked.cohort
    labels = ["score", "tie_admitted", *(f"tie_break:{k}" for k, _ in cohort.tie_break)]
    gate_labels = [f"ineligible:{g}" for g in cohort.gate_ids] or [""]
    ranks = np.zeros(len(rows), np.int64)
    ranks[eligible] = ranked.start[place[eligible]] + 1
    # Eligible places come first in the order: a chunk's decided-by codes are the
    # eligible rows' codes, then the gate each ineligible row failed, after the labels.
    decided = np.concatenate([ranked.codes[place[eligible]].astype(np.int64),
                              len(labels) + ranked.gates[rows[~eligible]].astype(np.int64)])
    return [ids.take(pa.array(rows)),
            pc.cast(pa.array(ranks, mask=~eligible), pa.string()),
            _floats(units / ranked.scale), _flags(eligible), _flags(place < ranked.admitted),
            _labels(decided, labels + gate_labels), _margins(ranked, units),
            pa.nulls(len(rows), pa.string())]


def _invalid_chunk(invalid: list) -> list:
    n = len(invalid)
    nothing = pa.nulls(n, pa.string())
    return [_quoted(pa.array([i for i, _ in invalid], pa.string())), nothing, nothing, nothing,
            pa.array(["false"] * n), pa.array(["invalid"] * n), nothing,
            pa.array([str(row) for _, row in invalid], pa.string())]


def _lines(columns: list) -> bytes:
    """The rows of a chunk's text columns, comma-joined, each ended by EOL, as one buffer."""
    joined = pc.binary_join_element_wise(*columns, COMMA, null_handling="replace",
                                         null_replacement="")
    lines = pc.binary_join_element_wise(joined, NOTHING, LINE_END)
    offsets = np.frombuffer(lines.buffers()[1], np.int32)[
        lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]


def write_ranking_csv(path: str, ranked) -> None:
    """The ranking (a scoring.rounds.Round) as CSV: the header, then `Round.rows` order."""
    with open(path, "wb") as out:
        header = _header_line()
        out.write(header)
        ids = _quoted(pa.array(ranked.ids, pa.string()))  # once, taken chunk by chunk
        for lo in range(0, len(ranked.order), CHUNK):
            out.write(_lines(_ranked_chunk(ranked, lo, CHUNK, ids)))
        invalid = sorted(zip(ranked.cohort.invalid_ids, ranked.cohort.invalid_rows),
                         key=lambda x: (x[0] is None, x[0] or "", x[1]))
        for lo in range(0, len(invalid), CHUNK):
            out.write(_lines(_invalid_chunk(invalid[lo:lo + CHUNK])))


def _header_line() -> bytes:
    import io

    text = io.StringIO()
    csv.writer(text).writerow(PLACE)
    return text.getvalue().encode()
