"""What the facts counted from a date share: their schema and their checks."""

from __future__ import annotations

from marshmallow import fields, validate

from ..fields import StrictSchema, bilingual


class DateFact(StrictSchema):
    kind = fields.String(required=True)
    label = bilingual(load_default=None)
    source = fields.String(data_key="from", required=True)
    on = fields.String(load_default="as_of")


class Window(StrictSchema):
    years = fields.Integer(required=True, validate=validate.Range(1, 100))
    natural = fields.Boolean(load_default=False)


def check_source(f, where, ctx, wanted: str) -> list:
    """`on` names a reference date and `from` a field of the type `wanted`."""
    out = []
    if f["on"] not in ctx.dates:
        out.append((f"{where}.on", f"Unknown reference date {f['on']!r}; "
                    f"known: {', '.join(sorted(ctx.dates))}."))
    source = ctx.specs.get(f["source"])
    if source is None:
        out.append((f"{where}.from", f"Reads undeclared field {f['source']!r}."))
    elif source["type"] != wanted:
        out.append((f"{where}.from", f"{f['source']!r} is not a {wanted} field."))
    return out


def source_reads(f):
    """A fact counted from one field reads that field."""
    return [f["source"]]


def check_date_source(name, f, where, ctx):
    """The checks of a fact counted from a date field."""
    return check_source(f, where, ctx, "date")
