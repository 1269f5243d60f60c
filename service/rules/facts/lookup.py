"""lookup fact: the value of the first row whose `when` matches the application's
categories (a district's weight, an occupation's class), else `default`."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from marshmallow import fields, validate

from ..criteria.lookup import first_match, key_of
from ..fields import Exact, StrictSchema, bilingual

NAME = "lookup"
TYPE = "number"
UNIT = None
SEARCH = None  # what-if: its categories are searched as the criterion's own inputs


class LookupRow(StrictSchema):
    when = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    value = Exact(required=True)


class Params(StrictSchema):
    kind = fields.String(required=True)
    label = bilingual(load_default=None)
    rows = fields.List(fields.Nested(LookupRow), required=True, validate=validate.Length(min=1))
    default = Exact(load_default=0)


def _number(value: Decimal):
    return int(value) if value == int(value) else value


def check(name, f, where, ctx):
    out = []
    for i, row in enumerate(f["rows"]):
        out += ctx.check_when(f"{where}.rows.{i}", row["when"])
    return out


def reads(f):
    return list(dict.fromkeys(n for row in f["rows"] for n in row["when"]))


def _rows(f):
    return [(tuple((n, key_of(v)) for n, v in row["when"].items()), _number(row["value"]))
            for row in f["rows"]]


def compile(f):
    return first_match(reads(f), _rows(f), _number(f["default"]))


def columnar(f, ctx):
    rows, names, default = _rows(f), reads(f), _number(f["default"])
    plain = [(when, float(v) if isinstance(v, Decimal) else v) for when, v in rows]
    default = float(default) if isinstance(default, Decimal) else default
    return lambda cols, dates: np.asarray(ctx.lookup_rows(plain, default, names, cols))


def events(f, source, as_of, years: int) -> set:
    return set()
