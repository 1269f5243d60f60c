"""bands: half-open ranges of an input, each worth a number of points."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from marshmallow import ValidationError, fields, validates_schema

from ..fields import Exact, InputCriterion, StrictSchema
from .inputs import as_function, check_numeric_input, shown_input
from .text import num, with_cap

# Whether `amounts` are whole results (so a cap at or above them never binds).
BOUNDED = True
NAME = "bands"


class Band(StrictSchema):
    # `from` is a Python keyword, hence the attribute name.
    lower = Exact(data_key="from", load_default=None, allow_none=True)
    upper = Exact(data_key="to", load_default=None, allow_none=True)
    points = Exact(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        lo, hi = data["lower"], data["upper"]
        if lo is not None and hi is not None and lo >= hi:
            raise ValidationError("`from` must be below `to`.", "to")


class Params(InputCriterion):
    bands = fields.List(fields.Nested(Band), required=True,
                        validate=lambda v: len(v) > 0 or _fail("At least one band."))

    @validates_schema
    def _no_overlap(self, data, **kwargs):
        ordered = sorted(data["bands"], key=_sort_key)
        for a, b in zip(ordered, ordered[1:]):
            if a["upper"] is None or b["lower"] is None or b["lower"] < a["upper"]:
                raise ValidationError(
                    f"Bands overlap: {_span(a)} and {_span(b)}.", "bands")


def _fail(message):
    raise ValidationError(message)


def _sort_key(band):
    return (band["lower"] is not None, band["lower"] or 0)


def _span(band):
    lo = "" if band["lower"] is None else num(band["lower"])
    hi = "" if band["upper"] is None else num(band["upper"])
    return f"[{lo}, {hi})"


def amounts(p):
    return [Fraction(b["points"]) for b in p["bands"]]


def reads(p):
    return [p["input"]]


def _bound(value):
    return None if value is None else (int(value) if value == int(value) else value)


def _table(p, ctx):
    """(lower, upper, ticks) per band, in the order they are tried."""
    return [(_bound(b["lower"]), _bound(b["upper"]), int(Fraction(b["points"]) * ctx.denominator))
            for b in sorted(p["bands"], key=_sort_key)]


def inline(p, ctx):
    """The bands as one conditional expression, tried in order as `compile` tries them
    (inputs.as_function says why); None when a bound is not a whole number."""
    table = _table(p, ctx)
    if any(not isinstance(bound, (int, type(None))) for lower, upper, _ in table
           for bound in (lower, upper)):
        return None
    value = f"values[{p['input']!r}]"
    chain = []
    for lower, upper, ticks in table:
        tests = ([] if lower is None else [f"{value} >= {lower!r}"]) + \
                ([] if upper is None else [f"{value} < {upper!r}"])
        chain.append(f"{ticks!r} if {' and '.join(tests) or 'True'} else ")
    return "".join(chain) + "0"


def compile(p, ctx):
    expression = inline(p, ctx)
    if expression is not None:
        return as_function(expression)
    name, table = p["input"], _table(p, ctx)

    def evaluate(values):
        value = values[name]
        for lower, upper, ticks in table:
            if (lower is None or value >= lower) and (upper is None or value < upper):
                return ticks
        return 0

    return evaluate


shown = shown_input


def _band_text(band) -> tuple[str, str]:
    lo, hi, pts = band["lower"], band["upper"], num(band["points"])
    # 以下 and 以上 include their number (Civil Code art. 1259): an upper bound, which is
    # excluded, is said with 不满 ("not yet reaching").
    if lo is None:
        return f"不满{num(hi)}：{pts}分", f"under {num(hi)}: {pts}"
    if hi is None:
        return f"{num(lo)}及以上：{pts}分", f"{num(lo)} and above: {pts}"
    return f"{num(lo)}及以上、不满{num(hi)}：{pts}分", f"{num(lo)} to under {num(hi)}: {pts}"


def applied(p, ctx):
    """values -> the band this applicant's input fell in, in words."""
    name = p["input"]
    bands = sorted(p["bands"], key=_sort_key)
    texts = [(_bound(b["lower"]), _bound(b["upper"]),
              with_cap(dict(zip(("zh", "en"), _band_text(b))), p["cap"])) for b in bands]
    none = with_cap({"zh": "不在任何分档：0分", "en": "in no band: 0"}, p["cap"])

    def which(values):
        value = values[name]
        for lower, upper, text in texts:
            if (lower is None or value >= lower) and (upper is None or value < upper):
                return text
        return none

    return which


def rule(p, ctx):
    texts = [_band_text(b) for b in sorted(p["bands"], key=_sort_key)]
    return with_cap({"zh": "；".join(t[0] for t in texts), "en": "; ".join(t[1] for t in texts)},
                    p["cap"])


# What-if: the smallest change of the one number this reads (to the next band).
SEARCH = "number"


def edges(p, integer: bool):
    """The input values at which the points change: each band's lower bound, and for an
    integer input the last value below each upper bound."""
    return sorted({b["lower"] for b in p["bands"] if b["lower"] is not None}
                  | {b["upper"] - 1 for b in p["bands"] if b["upper"] is not None and integer})


def upward(p) -> bool:
    return True


check = check_numeric_input


def columnar_blocker(p, ctx):
    return None


def columnar(p, ctx):
    name = p["input"]
    ordered = [(band["lower"], band["upper"], ctx.ticks(band["points"]))
               for band in sorted(p["bands"], key=lambda b: (b["lower"] is not None,
                                                             b["lower"] or 0), reverse=True)]

    def evaluate(cols, facts):
        v = ctx.column(name, cols, facts)
        out = np.zeros(len(v), np.int64)
        for lower, upper, ticks in ordered:
            inside = np.ones(len(v), bool)
            if lower is not None:
                inside &= v >= float(lower)
            if upper is not None:
                inside &= v < float(upper)
            out = np.where(inside, ticks, out)
        return out

    return evaluate
