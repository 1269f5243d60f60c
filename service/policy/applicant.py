"""The applicant's input, validated against the fields a policy declares.

A marshmallow schema is built once per policy from its `fields`: types,
ranges (every number has a maximum: its own or its tier's input limit), dates
within 1900-01-01..2200-12-31, enum values, which fields are required (those
the policy reads), and unknown keys refused. Cross-field rules (dates not after
`as_of`, a permit not before birth, month counts within working life) follow the
load.
"""

from __future__ import annotations

import datetime as dt
import weakref
from decimal import Decimal

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from service.rules.dates import completed_months, shift_years
from service.rules.fields import WindowDate

from .applicant_fast import compile_reader, default_of
from .errors import ApplicantInvalid
from .model import FieldSpec, Policy
from .paths import flatten, messages_by_path, nest

WORKING_AGE = 16


class StrictInteger(fields.Field):
    default_error_messages = {"invalid": "Not a whole number."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                return int(value)
            raise self.make_error("invalid")
        return value


class StrictNumber(fields.Field):
    default_error_messages = {"invalid": "Not a number."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            raise self.make_error("invalid")
        if isinstance(value, int) or value.is_integer():
            return int(value)
        return Decimal(repr(value))


class StrictBoolean(fields.Field):
    default_error_messages = {"invalid": "Not true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Node(Schema):
    """One object level of the applicant: unknown keys refused, absent sub-objects empty."""

    children: tuple[str, ...] = ()

    class Meta:
        unknown = RAISE

    @pre_load
    def _fill_children(self, data, **kwargs):
        if isinstance(data, dict) and self.children:
            missing = [c for c in self.children if data.get(c) is None]
            if missing:
                data = {**data, **{c: {} for c in missing}}
        return data


def _range(spec: FieldSpec):
    if spec.min is None and spec.max is None:
        return None
    return validate.Range(min=spec.min, max=spec.max)


def _leaf(spec: FieldSpec, required: bool) -> fields.Field:
    options = {"required": True} if required else {"load_default": spec.default,
                                                     "allow_none": True}
    kind = spec.type
    if kind == "date":
        return WindowDate(**options)
    if kind == "integer":
        return StrictInteger(validate=_range(spec), **options)
    if kind == "number":
        return StrictNumber(validate=_range(spec), **options)
    if kind == "boolean":
        return StrictBoolean(**options)
    if kind == "enum":
        return fields.String(validate=validate.OneOf(list(spec.values)), **options)
    record = Node.from_dict({"date": WindowDate(required=True),
                             "kind": fields.String(required=True,
                                                   validate=validate.OneOf(list(spec.kinds)))})
    if not required:
        options["load_default"] = list(spec.default or [])
    return fields.List(fields.Nested(record), **options)


def _schema_class(tree: dict, needed: set[str], prefix: str = "") -> type[Schema]:
    declared, children = {}, []
    for name, node in tree.items():
        path = f"{prefix}{name}"
        if isinstance(node, dict):
            declared[name] = fields.Nested(_schema_class(node, needed, path + "."))
            children.append(name)
        else:
            declared[name] = _leaf(node, node.required and path in needed)
    cls = Node.from_dict(declared, name=f"Applicant_{prefix.replace('.', '_') or 'root'}")
    cls.children = tuple(children)
    return cls


class ApplicantParser:
    """Validates `applicant` objects for one policy; `parse` returns flat values by path."""

    def __init__(self, policy: Policy):
        self.specs = policy.fields
        self.needed = set(policy.reads)
        tree = nest(self.specs)
        self.schema = _schema_class(tree, self.needed)()
        self.fast = compile_reader(tree, self.needed)
        self.optional = [(p, s) for p, s in self.specs.items()
                         if not (s.required and p in self.needed) and s.default is not None]
        specs = self.specs.values()
        self.date_paths = [s.path for s in specs if s.type == "date"]
        self.record_paths = [s.path for s in specs if s.type == "records"]
        self.not_before = [(s.path, s.not_before) for s in specs if s.not_before]
        self.at_most = [(s.path, s.at_most) for s in specs if s.at_most]
        self.working_life = [(s.path, s.working_life_of) for s in specs if s.working_life_of]

    @property
    def required(self) -> list[str]:
        return [p for p, s in self.specs.items() if s.required and p in self.needed]

    def parse(self, applicant, as_of: dt.date, today: dt.date | None = None,
              prefix: str = "applicant") -> dict:
        """Flat {path: value} for a valid applicant; raises ApplicantInvalid listing every error."""
        if not isinstance(applicant, dict):
            raise ApplicantInvalid({prefix: ["Must be an object."]})
        values, errors = self.fast(applicant), {}
        if values is None:
            values, errors = self.load(applicant, prefix)
        # Cross-field rules run on whatever loaded, so one answer lists every problem.
        for path, messages in self._cross_checks(values, as_of, today or dt.date.today()).items():
            errors.setdefault(f"{prefix}.{path}", []).extend(messages)
        if errors:
            raise ApplicantInvalid(errors)
        return values

    def load(self, applicant: dict, prefix: str = "applicant") -> tuple[dict, dict]:
        """The marshmallow reference: (flat values that loaded, errors by path)."""
        try:
            loaded, errors = self.schema.load(applicant), {}
        except ValidationError as exc:
            loaded = exc.valid_data if isinstance(exc.valid_data, dict) else {}
            errors = messages_by_path(exc.messages, prefix)
        values = flatten(loaded)
        for path, spec in self.optional:  # an explicit null means "not given"
            if path in values and values[path] is None:
                values[path] = default_of(spec)
        return values, errors

    def _cross_checks(self, values: dict, as_of: dt.date, today: dt.date) -> dict:
        errors: dict[str, list[str]] = {}
        latest = min(as_of, today)
        after = f"Is after {'as_of' if latest == as_of else 'today'} ({latest.isoformat()})."
        for path in self.date_paths:
            value = values.get(path)
            if value is not None and value > latest:
                errors.setdefault(path, []).append(after)
        for path in self.record_paths:
            for i, record in enumerate(values.get(path) or ()):
                day = record.get("date") if isinstance(record, dict) else None
                if day is not None and day > latest:
                    errors.setdefault(f"{path}.{i}.date", []).append(after)
        for path, other in self.not_before:
            value, bound = values.get(path), values.get(other)
            if value is not None and bound is not None and value < bound:
                errors.setdefault(path, []).append(f"Is before {other} ({bound.isoformat()}).")
        for path, other in self.at_most:
            value, bound = values.get(path), values.get(other)
            if value is not None and bound is not None and value > bound:
                errors.setdefault(path, []).append(f"Is more than {other} ({bound}).")
        for path, other in self.working_life:
            value, born = values.get(path), values.get(other)
            if value is not None and born is not None:
                limit = completed_months(shift_years(born, WORKING_AGE), as_of)
                if value > limit:
                    errors.setdefault(path, []).append(
                        f"Is more than the {limit} months since the applicant turned "
                        f"{WORKING_AGE}.")
        return errors


_PARSERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def parser_of(policy: Policy) -> ApplicantParser:
    """The parser of `policy`'s applications, made once per loaded policy (and forgotten
    with it, when a reload drops the old set)."""
    found = _PARSERS.get(policy)
    if found is None:
        found = _PARSERS[policy] = ApplicantParser(policy)
    return found
