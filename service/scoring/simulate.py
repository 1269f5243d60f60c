"""Population simulation: one population scored under the policy in force and a candidate.

Rows stream through `Simulation.add`; memory stays bounded by the bins, the
per-criterion sums, the first row numbers kept for each list, and (for quota
cities) the quota's best totals.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

from service.policy.applicant import parser_of
from service.policy.errors import ApplicantInvalid
from service.policy.model import Policy

from .engine import compiled_of, tally

SIMULATION_BIN_WIDTH = 5
BIN_LOW, BIN_HIGH = -200, 400
KEEP_ROWS = 1000
SIDE_TALLIES = ("scored", "eligible", "passes", "below", "above", "bins", "sums", "best")


def bin_edges() -> list[int]:
    return list(range(BIN_LOW, BIN_HIGH + SIMULATION_BIN_WIDTH, SIMULATION_BIN_WIDTH))


@dataclass
class Side:
    """The running tally of one policy over the population."""

    policy: Policy
    scored: int = 0
    eligible: int = 0
    passes: int = 0
    below: int = 0
    above: int = 0
    bins: list = field(default_factory=lambda: [0] * ((BIN_HIGH - BIN_LOW) // SIMULATION_BIN_WIDTH))
    sums: list = field(default_factory=list)  # exact ticks per criterion
    best: list = field(default_factory=list)  # a min-heap of the quota's best totals

    def add(self, result) -> None:
        """Count one scored application (a result of `engine.tally`)."""
        eligible, passes, total, ticks = result
        self.scored += 1
        self.eligible += eligible
        self.passes += bool(passes)  # None (no pass mark) counts as not passing
        total = float(total)
        # The bin is found from the shifted total, as add_many finds it: a total a hair
        # below BIN_HIGH may shift to its edge, and is then above.
        index = int((total - BIN_LOW) // SIMULATION_BIN_WIDTH)
        if index < 0:
            self.below += 1
        elif index >= len(self.bins):
            self.above += 1
        else:
            self.bins[index] += 1
        sums = self.sums
        for i, t in enumerate(ticks):
            sums[i] += t
        quota = self.policy.threshold.get("quota")
        if quota and eligible:
            if len(self.best) < quota:
                heapq.heappush(self.best, total)
            elif total > self.best[0]:
                heapq.heapreplace(self.best, total)

    def add_many(self, eligible, passes, totals, ticks) -> None:
        """Count many rows at once (from the vectorised twin); the same tallies as `add`."""
        import numpy as np

        self.scored += len(totals)
        self.eligible += int(eligible.sum())
        self.passes += int(passes.sum())
        bins = len(self.bins)  # one count array: below (0), the bins, above (last)
        # floor((total - BIN_LOW) / width) as `add` takes it, exactly: NumPy's floor
        # division is ten times slower than a division and a floor. The floor is then
        # corrected where the quotient was rounded across a whole number (whole multiples
        # are exact); with a width of 5 that never happens, with another width it might.
        shifted = totals - BIN_LOW
        index = np.floor(shifted / SIMULATION_BIN_WIDTH)
        index -= index * SIMULATION_BIN_WIDTH > shifted
        index += (index + 1) * SIMULATION_BIN_WIDTH <= shifted
        index = np.clip(index, -1, bins).astype(np.int64)
        counts = np.bincount(index + 1, minlength=bins + 2).tolist()
        self.below += counts[0]
        self.above += counts[-1]
        self.bins = [a + b for a, b in zip(self.bins, counts[1:-1])]
        for i, t in enumerate(ticks):
            self.sums[i] += int(t.sum())
        quota = self.policy.threshold.get("quota")
        taken = totals[eligible] if quota else ()
        if len(self.best) == quota and len(taken):  # only a total above the least enters
            taken = taken[taken > self.best[0]]
        if 0 < len(taken) <= 1024:  # a few: into the heap one by one
            for total in taken.tolist():
                if len(self.best) < quota:
                    heapq.heappush(self.best, total)
                elif total > self.best[0]:
                    heapq.heapreplace(self.best, total)
        elif len(taken):  # the best `quota` of the best so far and this chunk's, a heap again
            pool = np.concatenate([np.asarray(self.best, dtype=np.float64), taken])
            if len(pool) > quota:
                pool = np.partition(pool, len(pool) - quota)[len(pool) - quota:]
            self.best = pool.tolist()
            heapq.heapify(self.best)

    def merge(self, other: dict) -> None:
        """Add another part's tallies (`Simulation.state`) to these; exact."""
        for name in ("scored", "eligible", "passes", "below", "above"):
            setattr(self, name, getattr(self, name) + other[name])
        self.bins = [a + b for a, b in zip(self.bins, other["bins"])]
        self.sums = [a + b for a, b in zip(self.sums, other["sums"])]
        quota = self.policy.threshold.get("quota")
        if quota:  # the best `quota` of both, ascending: a min-heap as it stands
            self.best = sorted(self.best + other["best"])[-quota:]

    @property
    def _marked(self) -> bool:
        """Whether the policy has a pass mark (a quota city may rank with none)."""
        return compiled_of(self.policy).marked

    def __post_init__(self):
        self.sums = [0] * len(compiled_of(self.policy).criteria)

    def _means(self) -> dict:
        if not self.scored:
            return {}
        denominator = compiled_of(self.policy).scale.denominator * self.scored
        return {c.id: float(s / denominator) if isinstance(s, int) else float(s) / denominator
                for c, s in zip(compiled_of(self.policy).criteria, self.sums)}

    def report(self) -> dict:
        out = {
            "policy": self.policy.ref, "scored": self.scored, "eligible": self.eligible,
            "passes": self.passes if self._marked else None,
            "pass_rate": self.passes / self.scored if self.scored and self._marked else None,
            "histogram": {"edges": bin_edges(), "counts": self.bins, "below": self.below,
                          "above": self.above},
            "mean_points": self._means(),
        }
        quota = self.policy.threshold.get("quota")
        if quota:
            out["quota"] = quota
            out["implied_cutoff"] = min(self.best) if self.best else None
        return out


class Simulation:
    """Feed rows with `add(row_number, applicant)`; `report()` compares the two policies."""

    def __init__(self, current: Policy, candidate: Policy, as_of: dt.date,
                 vectorise: bool = True):
        self.as_of = as_of
        self.current, self.candidate = Side(current), Side(candidate)
        # Two versions that declare the same fields read an application the same way.
        self.same_fields = current.fields == candidate.fields and current.reads == candidate.reads
        self.fields = {**current.fields, **candidate.fields}
        self.needed = set(current.reads) | set(candidate.reads)
        # A field only one of the two declares: a row that gives it is refused by the other
        # (the scalar path says so); a field both declare differently (required in one,
        # another default or bound) cannot be read as one column for both.
        self.one_sided = set(current.fields) ^ set(candidate.fields)
        same_specs = all(current.fields[p] == candidate.fields[p]
                         for p in set(current.fields) & set(candidate.fields))
        self.vectors = None
        if vectorise and same_specs:
            from .vector import NotVectorisable, VectorPolicy

            try:
                self.vectors = (VectorPolicy(current), VectorPolicy(candidate))
            except NotVectorisable:
                self.vectors = None
        self.rows = 0
        self.errors: list[dict] = []
        self.error_count = 0
        self.flips = {"pass_to_fail": [], "fail_to_pass": []}
        self.flip_counts = {"pass_to_fail": 0, "fail_to_pass": 0}

    def error(self, row: int, reason) -> None:
        self.error_count += 1
        if len(self.errors) < KEEP_ROWS:
            self.errors.append({"row": row, "reason": reason})

    def unreadable(self, row: int, reason: str) -> None:
        """A row that could not be read at all: counted, reported, not scored."""
        self.rows += 1
        self.error(row, reason)

    def _flip(self, row: int, kind: str) -> None:
        self.flip_counts[kind] += 1
        if len(self.flips[kind]) < KEEP_ROWS:
            self.flips[kind].append(row)

    def add(self, row: int, applicant, flips: list | None = None) -> None:
        """Score one row under both policies (flips go to `flips` when given, to be put in
        row order by the caller)."""
        self.rows += 1
        results, values = [], None
        for side in (self.current, self.candidate):
            policy = side.policy
            try:
                if values is None or not self.same_fields:
                    values = parser_of(policy).parse(applicant, self.as_of)
            except ApplicantInvalid as exc:
                self.error(row, {"policy": policy.version, "errors": exc.errors})
                return
            results.append(tally(policy, values, self.as_of))
        for side, result in zip((self.current, self.candidate), results):
            side.add(result)
        before, after = results[0][1], results[1][1]
        if before != after:
            kind = "pass_to_fail" if before else "fail_to_pass"
            if flips is None:
                self._flip(row, kind)
            else:
                flips.append((row, kind))

    def _add_row(self, row: int, cells: list[str], row_of, flips: list) -> None:
        """One row's cells read by `row_of` (the CSV cell reader) and scored, or refused."""
        applicant = row_of(cells)
        if isinstance(applicant, Exception):
            self.unreadable(row, str(applicant))
        else:
            self.add(row, applicant, flips)

    def add_csv_chunk(self, header: list[str], rows: list[list[str]], first: int,
                      row_of) -> None:
        """Rows `first`, `first + 1`, ... of a CSV: the plain ones through the vectorised
        twin, the others (and all of them when the twin cannot take this chunk) one by one;
        `row_of(cells)` turns a row's cells into an applicant or a RowError."""
        from .vector import NotVectorisable, read_columns

        ok = None
        if self.vectors is not None and rows:
            try:
                cols, ok = read_columns(header, rows, self.fields, self.needed, self.as_of,
                                        dt.date.today())
                for path in self.one_sided & set(header):
                    ok &= ~cols[path]["present"]
            except NotVectorisable:
                ok = None
        flips: list = []
        scalar = range(len(rows)) if ok is None else (i for i in range(len(rows)) if not ok[i])
        for i in scalar:
            self._add_row(first + i, rows[i], row_of, flips)
        if ok is not None and ok.any():
            flips += self._add_vectorised(cols, ok, first)
        for row, kind in sorted(flips):
            self._flip(row, kind)

    def add_table(self, header: list[str], table, first: int, blank) -> None:
        """Rows `first`, `first + 1`, ... as pyarrow string columns (service/population_arrow):
        typed and checked by arrow compute, the plain rows through the vectorised twin, the
        others one by one; `blank` marks the lines with no cells at all."""
        from . import arrow_columns as columns_of
        from .vector import NotVectorisable

        if self.vectors is None:
            return self._add_cells(header, table, first, blank, None)
        try:
            cols, ok = columns_of.arrow_columns(header, table, self.fields, self.needed, self.as_of,
                                     dt.date.today())
        except NotVectorisable:
            return self._add_cells(header, table, first, blank, None)
        for path in self.one_sided & set(header):
            ok &= ~cols[path]["present"]
        ok &= ~blank
        flips = self._add_cells(header, table, first, blank, ~ok, collect=True)
        if ok.any():
            flips += self._add_vectorised(cols, ok, first)
        for row, kind in sorted(flips):
            self._flip(row, kind)

    def _add_cells(self, header, table, first: int, blank, which, collect: bool = False):
        """The rows `which` (all when None) of a table one by one, as the csv path reads
        their cells; a blank line has no cells, as the csv module reads it."""
        import numpy as np

        from service.population import csv_row_reader
        from service.population_arrow import table_rows

        rows = np.arange(table.num_rows) if which is None else np.flatnonzero(which)
        flips: list = []
        row_of = csv_row_reader(header, self.fields)
        for i, cells, empty in zip(rows.tolist(), table_rows(table, header, rows),
                                   blank[rows].tolist()):
            self._add_row(first + i, [] if empty else cells, row_of, flips)
        if collect:
            return flips
        for row, kind in sorted(flips):
            self._flip(row, kind)
        return None

    # Partial simulations of parts of one population, merged ------------------------------

    def state(self) -> dict:
        """Everything `report` needs, as plain data (what a worker process sends back)."""
        sides = [{k: getattr(side, k) for k in SIDE_TALLIES}
                 for side in (self.current, self.candidate)]
        return {"rows": self.rows, "errors": self.errors, "error_count": self.error_count,
                "flips": self.flips, "flip_counts": self.flip_counts, "sides": sides}

    def merge(self, state: dict, offset: int) -> None:
        """Add the tallies of a later part of the population whose row 1 is row
        `offset + 1` here. Parts must be merged in row order: the rows kept as examples
        are the first KEEP_ROWS of the whole population."""
        self.rows += state["rows"]
        for entry in state["errors"]:
            if len(self.errors) < KEEP_ROWS:
                self.errors.append({**entry, "row": entry["row"] + offset})
        self.error_count += state["error_count"]
        for kind, rows in state["flips"].items():
            kept = self.flips[kind]
            kept += [row + offset for row in rows[:KEEP_ROWS - len(kept)]]
            self.flip_counts[kind] += state["flip_counts"][kind]
        for side, other in zip((self.current, self.candidate), state["sides"]):
            side.merge(other)

    def _add_vectorised(self, cols: dict, ok, first: int) -> list:
        import numpy as np

        from .vector import rows_of_columns

        taken = np.nonzero(ok)[0]
        subset = rows_of_columns(cols, taken, len(ok))
        self.rows += len(taken)
        outcomes, shared = [], {}
        for side, vector in zip((self.current, self.candidate), self.vectors):
            eligible, passes, totals, ticks = vector.run(subset, self.as_of, shared=shared)
            side.add_many(eligible, passes, totals, ticks)
            outcomes.append(passes)
        flips = []
        changed = outcomes[0] != outcomes[1]
        for kind, mask in (("pass_to_fail", changed & outcomes[0]),
                           ("fail_to_pass", changed & ~outcomes[0])):
            rows = np.flatnonzero(mask)
            # Only the first rows of a kind that fill the kept examples up to KEEP_ROWS
            # can be kept (after this chunk's scalar rows, put in order by the caller);
            # the rest are counted here.
            room = KEEP_ROWS - len(self.flips[kind])
            self.flip_counts[kind] += max(len(rows) - room, 0)
            flips += [(first + row, kind) for row in taken[rows[:room]].tolist()]
        return flips

    def report(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "rows": self.rows,
            "current": self.current.report(),
            "candidate": self.candidate.report(),
            "flips": {kind: {"count": self.flip_counts[kind], "rows": rows,
                             "rows_truncated": self.flip_counts[kind] > len(rows)}
                      for kind, rows in self.flips.items()},
            "errors": {"count": self.error_count, "rows": self.errors,
                       "rows_truncated": self.error_count > len(self.errors)},
        }
