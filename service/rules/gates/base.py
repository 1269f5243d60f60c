"""The keys every gate has, whatever its kind."""

from __future__ import annotations

from marshmallow import fields, validate

from ..fields import Provenance, bilingual


class GateBase(Provenance):
    id = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]*$", error="Use lower-case words joined by _."))
    kind = fields.String(required=True)
    label = bilingual(required=True)
    reason = bilingual(required=True)
    notes = fields.String(load_default=None)


class InputGate(GateBase):
    """A gate on one field or fact."""

    input = fields.String(required=True)
