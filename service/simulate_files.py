"""A simulation over a population file or body: CSV in blocks of lines, Parquet in record
batches, read by pyarrow (service/population_arrow.py) and scored by the vectorised twin,
optionally spread over worker processes whose exact tallies are merged in row order.

Memory stays flat: a process holds one block (BLOCK_BYTES of CSV, PARQUET_BATCH rows of
Parquet) at a time, and the tallies of its parts. A CSV the blocks cannot take (a quoted
field spanning lines) is read again from its start by the csv module, in one process.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing
import os
from dataclasses import dataclass

import numpy as np

# pyarrow and the columns module are imported here, by the parent: the forked workers
# then start with them (no thread of arrow's pools runs before a worker uses it).
import service.population_arrow  # noqa: F401
import service.scoring.arrow_columns  # noqa: F401
from service.csv_blocks import csv_header, feed_blocks
from service.population import CsvUnreadable, csv_chunks, csv_row_reader
from service.scoring.simulate import Simulation

PARQUET_BATCH = 65_536
PARQUET_BATCH_TEXT = 256 << 20  # text a batch of a Parquet file may unpack to
PART_BYTES = 32 << 20  # a worker's share is cut into parts about this big, or smaller
WARM_BYTES = 256 << 10  # read by the parent before it forks workers


# glibc's malloc hands a NumPy array of a block's column (hundreds of KB) fresh pages from
# the kernel and gives them back when it is freed: at every block, tens of thousands of
# page faults, a sixth of a run's time. A simulation over a file keeps them instead (its
# memory stays that of one block; the settings are inherited by forked workers).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
KEPT_HEAP = 64 << 20


def keep_freed_memory() -> None:
    """Ask glibc to serve allocations below KEPT_HEAP from the heap and to keep up to
    twice that of freed heap; nothing where the C library is not glibc."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, KEPT_HEAP)
    mallopt(_M_TRIM_THRESHOLD, 2 * KEPT_HEAP)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


class PartFailed(RuntimeError):
    """A worker process could not read its part for a reason other than the file's
    (a part's CsvUnreadable and ParquetColumnUnreadable are raised as themselves)."""


@dataclass
class Part:
    """What one part of a population gives back, as plain data (it crosses processes):
    its tallies and its row count, or that the csv module must read the whole file
    (`quoted_newlines`), or what stopped it: ("csv", where, row counted from the part's
    first row, column, message), ("parquet_column", column, type), ("file", message)."""
    state: dict | None = None
    rows: int = 0
    quoted_newlines: bool = False
    failure: tuple | None = None


def _failure(exc: Exception) -> tuple:
    from service.population_arrow import ParquetColumnUnreadable, ParquetTooLarge

    if isinstance(exc, ParquetTooLarge):
        return ("file", str(exc))
    if isinstance(exc, CsvUnreadable):
        return ("csv", exc.where, exc.row, exc.column, exc.message)
    if isinstance(exc, ParquetColumnUnreadable):
        return ("parquet_column", exc.column, exc.kind)
    return ("file", f"{type(exc).__name__}: {exc}")


def _raise(failure: tuple, offset: int):
    kind, *details = failure
    if kind == "csv":
        where, row, column, message = details
        raise CsvUnreadable(where, row + offset if row else row, column, message)
    if kind == "parquet_column":
        from service.population_arrow import ParquetColumnUnreadable

        raise ParquetColumnUnreadable(*details)
    raise PartFailed(details[0])


# CSV ---------------------------------------------------------------------------------------

def _csv_part(simulation: Simulation, handle, header: list[str], start: int, end: int,
              where: str, threads: bool) -> Part:
    from service.population_arrow import QuotedNewlines

    row_of = csv_row_reader(header, simulation.fields)
    try:
        rows = feed_blocks(handle, header, start, end, where, threads,
                           lambda table, first, blank: simulation.add_table(header, table,
                                                                            first, blank),
                           lambda cells, first: simulation.add_csv_chunk(header, cells, first,
                                                                         row_of))
    except QuotedNewlines:
        return Part(quoted_newlines=True)
    except CsvUnreadable as exc:
        return Part(failure=_failure(exc))
    return Part(simulation.state(), rows)


def _whole_by_csv_module(simulation: Simulation, handle, where: str) -> None:
    """The whole CSV through the csv module (a quoted field spans lines)."""
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    try:
        _by_csv_module(simulation, text, where)
    except UnicodeDecodeError:
        raise CsvUnreadable(where, simulation.rows + 1, None, "The text is not UTF-8.") from None
    finally:
        text.detach()


def _by_csv_module(simulation: Simulation, lines, where: str) -> None:
    for header, rows, first in csv_chunks(lines, where=where):
        simulation.add_csv_chunk(header, rows, first, csv_row_reader(header, simulation.fields))


# One part per worker task, forked: the workers inherit the policies instead of unpickling
# them. The parent process reads only the header and the cut points, never with pyarrow,
# before it forks.
_JOB: dict = {}


def _run_csv_part(bounds: tuple[int, int]) -> Part:
    job = _JOB
    try:
        with open(job["path"], "rb") as handle:
            return _csv_part(job["make"](), handle, job["header"], *bounds, job["where"],
                             False)
    except Exception as exc:  # noqa: BLE001 - sent back as data, raised by the parent
        return Part(failure=_failure(exc))


def _pool(workers: int):
    """Worker processes, forked so that they inherit the policies; a worker that dies
    fails the run (BrokenProcessPool) instead of hanging it."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("fork"))


def _cuts(handle, start: int, end: int, parts: int) -> list[tuple[int, int]]:
    from service.population_arrow import next_line_start

    points = [start]
    for k in range(1, parts):
        point = next_line_start(handle, start + (end - start) * k // parts, end)
        if point > points[-1]:
            points.append(point)
    points.append(end)
    return [(a, b) for a, b in zip(points, points[1:]) if b > a]


def simulate_csv(make, path: str, workers: int, where: str = "population",
                 progress=None) -> Simulation:
    """A simulation (from `make()`) over the CSV file at `path`; `progress(rows)` is
    called as parts finish. CsvUnreadable names the row the csv module would stop at."""
    keep_freed_memory()
    simulation = make()
    with open(path, "rb") as handle:
        header, start, one_line = csv_header(handle, where)
        end = os.fstat(handle.fileno()).st_size
        if not one_line:
            _whole_by_csv_module(simulation, handle, where)
            return simulation
        head = []
        if workers > 1:
            # The first lines are read here, before the workers are forked: they then
            # start with what a first block warms (arrow's kernels, the policies' lookup
            # tables, malloc's heap) instead of each paying for it.
            from service.population_arrow import next_line_start

            warm = next_line_start(handle, start + WARM_BYTES, end)
            head = [_csv_part(make(), handle, header, start, warm, where, False)]
            start = warm
        # Four parts a worker, or more for a large file: a part is PART_BYTES at most.
        count = max(workers * 4, (end - start) // PART_BYTES + 1) if workers > 1 else 1
        bounds = _cuts(handle, start, end, count)
    if head and (head[0].failure or head[0].quoted_newlines):
        parts = head
    elif workers > 1 and len(bounds) > 1:
        _JOB.update(make=make, path=path, header=header, where=where)
        with _pool(workers) as pool:
            parts = list(_merged(itertools.chain(head, pool.map(_run_csv_part, bounds)),
                                 progress))
    else:
        with open(path, "rb") as handle:
            parts = head + [_csv_part(make(), handle, header, a, b, where, True)
                            for a, b in bounds]
    if any(part.quoted_newlines for part in parts):
        with open(path, "rb") as handle:
            _whole_by_csv_module(simulation, handle, where)
        return simulation
    _merge(simulation, parts)
    return simulation


def _merged(parts, progress):
    done = 0
    for part in parts:
        done += part.rows
        if progress is not None:
            progress(done)
        yield part


def _merge(simulation: Simulation, parts: list[Part]) -> None:
    offset = 0
    for part in parts:
        if part.failure is not None:
            _raise(part.failure, offset)
        simulation.merge(part.state, offset)
        offset += part.rows


def simulate_csv_text(make, text: str, where: str) -> Simulation:
    """A simulation (from `make()`) over a CSV held in memory (an API body), in one
    process. Text that is not valid Unicode (a lone surrogate) is read by the csv module."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        simulation = make()
        _by_csv_module(simulation, io.StringIO(text), where)
        return simulation
    return simulate_csv_bytes(make, data, where)


def simulate_csv_bytes(make, data: bytes, where: str) -> Simulation:
    """A simulation (from `make()`) over CSV bytes held in memory, in one process."""
    simulation = make()
    handle = io.BytesIO(data)
    header, start, one_line = csv_header(handle, where)
    if one_line:
        part = _csv_part(make(), handle, header, start, len(data), where, True)
        if not part.quoted_newlines:
            _merge(simulation, [part])
            return simulation
    _whole_by_csv_module(simulation, handle, where)
    return simulation


# Parquet -----------------------------------------------------------------------------------

def _parquet_part(simulation: Simulation, source, groups: list[int], first: int,
                  threads: bool, budget: int | None) -> Part:
    from service.population_arrow import TextBudget, open_parquet, parquet_text

    reader = open_parquet(source)
    spent = TextBudget(budget if budget is not None else PARQUET_BATCH_TEXT)
    done = 0
    for batch in reader.iter_batches(batch_size=PARQUET_BATCH, row_groups=groups,
                                     use_threads=threads):
        if budget is None:  # a file: each batch on its own budget
            spent = TextBudget(PARQUET_BATCH_TEXT)
        table = parquet_text(batch, spent)
        simulation.add_table(table.column_names, table, first + done,
                             np.zeros(table.num_rows, bool))
        done += table.num_rows
    return Part(simulation.state(), done)


def _run_parquet_part(groups: list[int]) -> Part:
    """Row groups `groups`, their rows numbered from 1 (merged with their offset)."""
    try:
        return _parquet_part(_JOB["make"](), _JOB["path"], groups, 1, False, None)
    except Exception as exc:  # noqa: BLE001 - sent back as data, raised by the parent
        return Part(failure=_failure(exc))


def parquet_groups(source) -> list[int]:
    """Rows per row group of a Parquet file (path or file object)."""
    import pyarrow.parquet as pq

    metadata = pq.ParquetFile(source).metadata
    return [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]


def simulate_parquet(make, source, workers: int, progress=None,
                     text_budget: int | None = None) -> Simulation:
    """A simulation over a Parquet file (path, or a file object when workers is 1); its
    row groups are shared among the workers. Rows are numbered from 1 in file order.
    Text cells may unpack to PARQUET_BATCH_TEXT bytes a batch, or with `text_budget` (an
    API body) to that many bytes in all (ParquetTooLarge past it)."""
    if isinstance(source, str):
        keep_freed_memory()
    simulation = make()
    sizes = parquet_groups(source)
    if workers > 1 and len(sizes) > 1 and isinstance(source, str):
        tasks, first = [], 1
        for i, size in enumerate(sizes):
            tasks.append(([i], first))
            first += size
        _JOB.update(make=make, path=source)
        with _pool(workers) as pool:
            parts = list(_merged(pool.map(_run_parquet_part, [g for g, _ in tasks]),
                                 progress))
        for part, (_, first) in zip(parts, tasks):
            if part.failure is not None:
                _raise(part.failure, first - 1)
            simulation.merge(part.state, first - 1)
        return simulation
    part = _parquet_part(make(), source, list(range(len(sizes))), 1, True, text_budget)
    simulation.merge(part.state, 0)
    return simulation
