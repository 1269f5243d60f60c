"""lookup: a category (or a combination of categories) mapped to points."""

from __future__ import annotations

from fractions import Fraction
from operator import itemgetter

import numpy as np
from marshmallow import ValidationError, fields, validates_schema

from ..fields import CriterionBase, Exact, StrictSchema
from .text import num, with_cap

# Whether `amounts` are whole results (so a cap at or above them never binds).
BOUNDED = True
NAME = "lookup"


def key_of(value) -> str:
    """The text a table key and an input value are matched on (True -> 'true', 3 -> '3')."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if "." in text and text.replace(".", "", 1).lstrip("-").isdigit():
        text = text.rstrip("0").rstrip(".")
    return text


class Row(StrictSchema):
    when = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    points = Exact(required=True)


class Params(CriterionBase):
    input = fields.String(load_default=None)
    table = fields.Dict(keys=fields.Raw(), values=Exact(), load_default=None)
    rows = fields.List(fields.Nested(Row), load_default=None)
    default = Exact(load_default=0)

    @validates_schema
    def _table_or_rows(self, data, **kwargs):
        if (data["table"] is None) == (data["rows"] is None):
            raise ValidationError("Give either `input` with `table`, or `rows`.", "table")
        if data["table"] is not None and not data["input"]:
            raise ValidationError("A `table` needs an `input`.", "input")


def amounts(p):
    found = [Fraction(p["default"])]
    if p["table"] is not None:
        found += [Fraction(v) for v in p["table"].values()]
    else:
        found += [Fraction(r["points"]) for r in p["rows"]]
    return found


def reads(p):
    if p["table"] is not None:
        return [p["input"]]
    names = []
    for row in p["rows"]:
        names += [n for n in row["when"] if n not in names]
    return names


def compile_rows(rows, ctx, value_of):
    """Rows as (conditions, result) pairs for the first-match rule, keys made comparable."""
    return [(tuple((name, key_of(v)) for name, v in row["when"].items()), value_of(row))
            for row in rows]


MEMO_LIMIT = 4096


def first_match(names: list[str], rows: list, default):
    """values -> the result of the first row whose conditions all hold, else default.

    Inputs of rows are categories (enums, booleans, small integers), so the
    answer for each combination seen is remembered (up to MEMO_LIMIT of them).
    """
    memo: dict = {}
    getter = itemgetter(*names) if len(names) > 1 else (lambda values: (values[names[0]],))

    def match(values, dates=None):  # a lookup fact is called with dates, and ignores them
        key = getter(values)
        try:
            return memo[key]
        except KeyError:  # a combination not seen yet (or not remembered)
            pass
        keys = dict(zip(names, map(key_of, key)))
        found = default
        for conditions, result in rows:
            if all(keys[n] == k for n, k in conditions):
                found = result
                break
        if len(memo) < MEMO_LIMIT:
            memo[key] = found
        return found

    return match


def compile(p, ctx):
    default = int(Fraction(p["default"]) * ctx.denominator)
    if p["table"] is not None:
        name = p["input"]
        table = {key_of(k): int(Fraction(v) * ctx.denominator) for k, v in p["table"].items()}

        return lambda values: table.get(key_of(values[name]), default)

    names = reads(p)
    rows = compile_rows(p["rows"], ctx, lambda r: int(Fraction(r["points"]) * ctx.denominator))
    return first_match(names, rows, default)


def shown(p):
    if p["table"] is not None:
        name = p["input"]
        return lambda values: values[name]
    names = reads(p)
    return lambda values: {n: values[n] for n in names}


def _row_text(parts: list[dict], points) -> dict:
    return {"zh": f"{'、'.join(x['zh'] for x in parts)}：{num(points)}分",
            "en": f"{', '.join(x['en'] for x in parts)}: {num(points)}"}


def applied(p, ctx):
    """values -> the one entry of the table that gave this applicant's points, in words."""
    otherwise = {"zh": f"其他情形：{num(p['default'])}分", "en": f"otherwise: {num(p['default'])}"}
    if p["table"] is not None:
        name = p["input"]
        texts = {key_of(k): with_cap(_row_text([ctx.value_label(name, k)], v), p["cap"])
                 for k, v in p["table"].items()}
        fallback = with_cap(otherwise, p["cap"])
        return lambda values: texts.get(key_of(values[name]), fallback)
    names = reads(p)
    rows = compile_rows(p["rows"], ctx, lambda r: with_cap(_row_text(
        [ctx.value_label(n, v) for n, v in r["when"].items()], r["points"]), p["cap"]))
    return first_match(names, rows, with_cap(otherwise, p["cap"]))


def rule(p, ctx):
    zh, en = [], []
    if p["table"] is not None:
        for key, points in p["table"].items():
            label = ctx.value_label(p["input"], key)
            zh.append(f"{label['zh']}：{num(points)}分")
            en.append(f"{label['en']}: {num(points)}")
    else:
        for row in p["rows"]:
            parts = [ctx.value_label(n, v) for n, v in row["when"].items()]
            zh.append(f"{'、'.join(x['zh'] for x in parts)}：{num(row['points'])}分")
            en.append(f"{', '.join(x['en'] for x in parts)}: {num(row['points'])}")
    if p["default"]:
        zh.append(f"其他：{num(p['default'])}分")
        en.append(f"otherwise: {num(p['default'])}")
    return with_cap({"zh": "；".join(zh), "en": "; ".join(en)}, p["cap"])


# What-if: the categories of the inputs, tried one by one.
SEARCH = "category"


def check(p, where, ctx):
    out = []
    if p["table"] is not None:
        out += ctx.reads_ok(f"{where}.input", [p["input"]])
        values = ctx.enum_values(p["input"])
        for key in p["table"]:
            if values is not None and key_of(key) not in values:
                out.append((f"{where}.table.{key}", f"{key!r} is not a value of "
                                                     f"{p['input']!r}."))
    else:
        for j, row in enumerate(p["rows"]):
            out += ctx.check_when(f"{where}.rows.{j}", row["when"])
    return out


def columnar_blocker(p, ctx):
    return None


def columnar(p, ctx):
    """Each distinct value (or combination of values) is matched once, by the scalar
    matcher, and the answer spread over the rows that hold it."""
    default = ctx.ticks(p["default"])
    if p["table"] is not None:
        name = p["input"]
        table = {key_of(k): ctx.ticks(points) for k, points in p["table"].items()}

        def by_table(cols, facts):
            found, codes = ctx.distinct(name, cols, facts)
            points = np.array([table.get(key_of(v), default) for v in found], np.int64)
            return points[codes]

        return by_table
    names = reads(p)
    rows = [(tuple((n, key_of(v)) for n, v in r["when"].items()), ctx.ticks(r["points"]))
            for r in p["rows"]]
    return lambda cols, facts: ctx.lookup_rows(rows, default, names, cols).astype(np.int64)
