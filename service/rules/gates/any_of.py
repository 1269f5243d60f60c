"""any_of gate: passes when at least one of its alternatives passes (Shenzhen: an owned
home or a registered rental of 60 months; Tianjin: 12 consecutive months of insurance or
36 in all). Each alternative is a gate of another kind, with its own label."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from ..criteria.inputs import as_function
from ..fields import ByKind
from .base import GateBase

NAME = "any_of"


def _alternatives():
    from . import GATES  # the registry lists this module too

    return {name: kind.Params for name, kind in GATES.items() if name != NAME}


class Alternatives(ByKind):
    """The alternatives, loaded when first used (the registry is complete by then)."""

    def __init__(self, **kwargs):
        super().__init__({}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not self.schemas:
            self.schemas = _alternatives()
        return super()._deserialize(value, attr, data, **kwargs)


class Params(GateBase):
    of = fields.List(Alternatives(), required=True, validate=validate.Length(min=2, max=8))

    def load(self, data, *args, **kwargs):
        out = super().load(data, *args, **kwargs)
        ids = [g["id"] for g in out["of"]]
        if len(set(ids)) != len(ids):
            raise ValidationError({"of": ["Alternatives need distinct ids."]})
        return out


def _kind(g):
    from . import GATES

    return GATES[g["kind"]]


def check(g, where, ctx):
    out = []
    for i, alternative in enumerate(g["of"]):
        out += _kind(alternative).check(alternative, f"{where}.of.{i}({alternative['id']})", ctx)
    return out


def reads(g):
    return [name for alternative in g["of"] for name in _kind(alternative).reads(alternative)]


def inline(g):
    """Whether any alternative passes, every one tried as `compile` tries them, as one
    expression (criteria/inputs.py as_function says why); None unless each alternative
    is one."""
    sources = [_kind(alternative).inline(alternative) for alternative in g["of"]]
    if None in sources:
        return None
    return "any([" + ", ".join(f"({source})" for source in sources) + "])"


def compile(g):
    expression = inline(g)
    if expression is not None:
        return as_function(expression)
    tests = tuple(_kind(alternative).compile(alternative) for alternative in g["of"])
    return lambda values: any([test(values) for test in tests])


def columnar(g, ctx):
    tests = [_kind(alternative).columnar(alternative, ctx) for alternative in g["of"]]

    def evaluate(cols, facts):
        passed = tests[0](cols, facts)
        for test in tests[1:]:
            passed = passed | test(cols, facts)
        return passed

    return evaluate
