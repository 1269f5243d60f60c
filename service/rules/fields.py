"""Marshmallow building blocks shared by the policy schema and the criterion kinds."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from .dates import OUTSIDE_WINDOW, in_window, iso_date


class StrictSchema(Schema):
    """A schema that refuses unknown keys and says which keys are allowed."""

    class Meta:
        unknown = RAISE
        ordered = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ", ".join(f.data_key or name for name, f in self.load_fields.items())
        self.error_messages["unknown"] = f"Unknown key. Allowed keys: {allowed}."


MAX_FIGURE = Decimal(10) ** 9  # no figure of a points scheme comes near a billion
FIGURE_PLACES = 6  # nor needs more than 6 decimal places (1/12 is written as a fraction)


class Exact(fields.Field):
    """A number read as an exact Decimal (from an int, a float's shortest repr, or a string).

    A policy's figures are bounded: at most MAX_FIGURE in size and FIGURE_PLACES decimal
    places, so that no draft can make the engine's exact arithmetic overflow its precision
    (a `per` of 1e-320, say) or its totals grow past what the store can hold."""

    default_error_messages = {
        "invalid": "Not a number.",
        "too_large": f"Must be between -{MAX_FIGURE} and {MAX_FIGURE}.",
        "too_fine": f"At most {FIGURE_PLACES} decimal places.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value))
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite():
            raise self.make_error("invalid")
        if abs(number) > MAX_FIGURE:
            raise self.make_error("too_large")
        if number != number.quantize(Decimal(1).scaleb(-FIGURE_PLACES)):
            raise self.make_error("too_fine")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value)


class NonNegative(Exact):
    """An exact number that may not be below zero (caps, quotas)."""

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if number < 0:
            raise ValidationError("Must not be below zero.")
        return number


class WindowDate(fields.Date):
    """A date written exactly 'YYYY-MM-DD' in ASCII digits, between 1900-01-01 and
    2200-12-31: the window of every date the service reads, so that date arithmetic never
    leaves Python's years. Loads as a datetime.date (and documents as format: date)."""

    default_error_messages = {"invalid": "Not a date in the form YYYY-MM-DD.",
                              "window": OUTSIDE_WINDOW}

    def _deserialize(self, value, attr, data, **kwargs):
        day = iso_date(value)
        if day is None:
            raise self.make_error("invalid")
        if not in_window(day):
            raise self.make_error("window")
        return day


class IsoDate(WindowDate):
    """A WindowDate kept as the string it was written as (policy files keep their text)."""

    def _deserialize(self, value, attr, data, **kwargs):
        super()._deserialize(value, attr, data, **kwargs)
        return value


class Bilingual(StrictSchema):
    """Text in Chinese and English; both are required and non-empty."""

    zh = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


def bilingual(**kwargs) -> fields.Nested:
    return fields.Nested(Bilingual, **kwargs)


CONFIDENCE = ("high", "medium", "low")


class Provenance(StrictSchema):
    """Where a figure was read and how sure we are of it. A policy's top-level criteria,
    gates and threshold must say both (checked once merged); a criterion nested in another
    (best_of, only_if) inherits its parent's unless it gives its own. `choice: true` marks
    a figure the service chose where the sources are silent or disagree."""

    source = fields.String(load_default=None, validate=validate.Length(min=1, max=500))
    confidence = fields.String(load_default=None, validate=validate.OneOf(CONFIDENCE))
    choice = fields.Boolean(load_default=False)


PROVENANCE_KEYS = ("source", "confidence", "choice")


class CriterionBase(Provenance):
    """The keys every criterion has, whatever its kind."""

    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    label = bilingual(required=True)
    kind = fields.String(required=True)
    cap = NonNegative(load_default=None, allow_none=True)
    group = fields.String(load_default=None, allow_none=True)
    notes = fields.String(load_default=None)


class InputCriterion(CriterionBase):
    """A criterion that reads one field or fact."""

    input = fields.String(required=True)


class ByKind(fields.Field):
    """A mapping whose `kind` key chooses the schema that loads it."""

    def __init__(self, schemas: dict[str, type[Schema]], **kwargs):
        super().__init__(**kwargs)
        self.schemas = schemas

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Must be a mapping.")
        kind = value.get("kind")
        if kind not in self.schemas:
            allowed = ", ".join(sorted(self.schemas))
            raise ValidationError({"kind": [f"Unknown kind {kind!r}. Allowed kinds: {allowed}."]})
        return self.schemas[kind]().load(value)
