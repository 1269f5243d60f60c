"""first_given fact: the first of several numeric fields that the application gives (a
count that defaults to another: Tianjin's months insured since 2014 are, unless stated,
all the months insured). Every field but the last may be left out; the last always has a
value (required, or with a default). All are fields, not facts."""

from __future__ import annotations

import numpy as np
from marshmallow import fields, validate

from ..fields import StrictSchema, bilingual

NAME = "first_given"
TYPE = "number"
UNIT = None
SEARCH = None  # what-if: each field it reads is searched as itself


class Params(StrictSchema):
    kind = fields.String(required=True)
    label = bilingual(load_default=None)
    of = fields.List(fields.String(), required=True, validate=validate.Length(min=2, max=4))


def check(name, f, where, ctx):
    out = []
    for field in f["of"]:
        spec = ctx.specs.get(field)
        if spec is None or spec["type"] not in ctx.NUMERIC:
            out.append((f"{where}.of", f"{field!r} is not a declared number field."))
    if out:
        return out
    out = ctx.reads_ok(f"{where}.of", f["of"][-1:], ctx.NUMERIC)
    for field in f["of"][:-1]:
        spec = ctx.specs[field]
        if spec["required"] or spec["default"] is not None:
            out.append((f"{where}.of", f"{field!r} always has a value, so nothing after it "
                        "is ever used: make it optional with no default."))
    return out


def reads(f):
    return list(f["of"])


def compile(f):
    names = tuple(f["of"])

    def first(values, dates):
        for name in names:
            value = values.get(name)
            if value is not None:
                return value
        return None

    return first


def columnar(f, ctx):
    *optional, last = f["of"]

    def evaluate(cols, dates):
        out = cols[last]["values"]
        for name in reversed(optional):
            col = cols[name]
            out = np.where(col["null"], out, col["values"])
        return out

    return evaluate


def events(f, source, as_of, years: int) -> set:
    return set()
