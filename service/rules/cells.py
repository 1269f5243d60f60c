"""How a cell of a CSV population is read: as strictly as the same value in JSON.

ASCII digits and an optional leading minus, nothing else (no spaces, `+`, `_`,
exponents, hex, NUL, or other scripts' digits, all of which Python's int() and float()
would take). The applicant parser's fast path, the CSV reader (service/population.py)
and the simulation's vectorised columns read cells with these.
"""

from __future__ import annotations

import re

FAIL = object()  # what a reader returns for a value it cannot read

CSV_INTEGER = re.compile(r"-?[0-9]+")
CSV_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
CSV_TRUE, CSV_FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


def csv_boolean(text: str):
    """A boolean cell: true/1/yes or false/0/no, in any letter case; else FAIL."""
    lowered = text.lower() if text.isascii() else ""
    if lowered in CSV_TRUE:
        return True
    return False if lowered in CSV_FALSE else FAIL
