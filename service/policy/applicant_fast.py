"""The applicant parser's fast path: a plain-Python reader compiled from the same fields.

It accepts only what the marshmallow schema accepts and returns the same
values; anything it is unsure of (every error included) is handed to the
marshmallow schema, which stays the reference and words the errors. A
property test holds the two equal.
"""

from __future__ import annotations

import math
from decimal import Decimal

from service.rules.cells import FAIL
from service.rules.dates import in_window, iso_date

from .model import FieldSpec


def _in_range(spec: FieldSpec):
    low, high = spec.min, spec.max
    if low is None and high is None:
        return lambda v: v
    return lambda v: v if (low is None or v >= low) and (high is None or v <= high) else FAIL


def _date(value):
    day = iso_date(value)
    return day if day is not None and in_window(day) else FAIL


def _integer(value):
    kind = type(value)
    if kind is int:
        return value
    if kind is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return FAIL


def _number(value):
    kind = type(value)
    if kind is int:
        return value
    if kind is float and math.isfinite(value):
        return int(value) if value.is_integer() else Decimal(repr(value))
    return FAIL


def _converter(spec: FieldSpec):
    kind = spec.type
    if kind == "date":
        return _date
    if kind in ("integer", "number"):
        base, bound = (_integer if kind == "integer" else _number), _in_range(spec)
        return lambda v: FAIL if (c := base(v)) is FAIL else bound(c)
    if kind == "boolean":
        return lambda v: v if type(v) is bool else FAIL
    if kind == "enum":
        allowed = frozenset(spec.values)
        return lambda v: v if type(v) is str and v in allowed else FAIL
    kinds = frozenset(spec.kinds)

    def records(value):
        if type(value) is not list:
            return FAIL
        out = []
        for item in value:
            if type(item) is not dict or len(item) != 2 or "date" not in item:
                return FAIL
            day, kind = _date(item["date"]), item.get("kind")
            if day is FAIL or type(kind) is not str or kind not in kinds:
                return FAIL
            out.append({"date": day, "kind": kind})
        return out

    return records


def default_of(spec: FieldSpec):
    if spec.type == "records":
        return list(spec.default or [])
    return spec.default


def _leaf(spec: FieldSpec, key: str, path: str, required: bool):
    convert = _converter(spec)

    def read(data, out):
        value = data.get(key)
        if value is None:
            if required:
                return False
            out[path] = default_of(spec)
            return True
        value = convert(value)
        if value is FAIL:
            return False
        out[path] = value
        return True

    return read


def _node(tree: dict, needed: set, prefix: str = ""):
    known = frozenset(tree)
    readers = []
    for key, node in tree.items():
        path = f"{prefix}{key}"
        if isinstance(node, dict):
            readers.append(_child(key, _node(node, needed, path + ".")))
        else:
            readers.append(_leaf(node, key, path, node.required and path in needed))

    def read(data, out):
        if type(data) is not dict or not known.issuperset(data):
            return False
        for reader in readers:
            if not reader(data, out):
                return False
        return True

    return read


def _child(key: str, read_node):
    def read(data, out):
        value = data.get(key)
        return read_node({} if value is None else value, out)

    return read


def compile_reader(tree: dict, needed: set):
    """applicant -> flat {path: value}, or None when the marshmallow schema must decide."""
    read = _node(tree, needed)

    def parse(applicant):
        out: dict = {}
        return out if read(applicant, out) else None

    return parse
