"""The resolved, validated policy as the engine and the API see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class FieldSpec:
    """One applicant input declared by a policy (a dotted path into `applicant`)."""

    path: str
    type: str
    label: dict
    unit: str | None = None
    required: bool = True
    default: Any = None
    min: Any = None
    max: Any = None                   # the effective maximum of a number: see max_from
    values: dict | None = None
    kinds: dict | None = None
    not_before: str | None = None
    at_most: str | None = None
    working_life_of: str | None = None
    help: dict | None = None
    accrues: str | None = None        # the reference date up to which the count runs
    accrual_group: str | None = None  # of a group, only the current kind accrues
    max_from: str | None = None       # "field": its own `max`; "tier": its tier's input limit


@dataclass(frozen=True, eq=False)
class Policy:
    """A tier file merged with a city file, validated and hashed; never changed once made.

    `document` is the resolved policy as written (what `GET /v1/policies/{city}` shows;
    the hash covers all of it but the provenance of its figures, see loader.rules_of);
    `spec` is the same after validation, with defaults filled in. The engine compiles its
    own evaluator from `spec` (service/scoring/engine.py `compiled_of`); the policy holds
    nothing of the engine's or the API's. Compared and hashed by identity: one object per
    loaded file.
    """

    city: str
    tier: str
    version: str
    effective_from: date
    effective_to: date | None
    sha256: str
    file: str
    document: dict
    fields: dict[str, FieldSpec]
    reads: tuple[str, ...]
    spec: dict = field(default_factory=dict)  # the validated structure, defaults filled in

    @cached_property
    def ref(self) -> dict:
        """The short identity every result carries (shared: do not mutate)."""
        return {
            "city": self.city,
            "tier": self.tier,
            "version": self.version,
            "sha256": self.sha256,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
        }

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    @property
    def threshold(self) -> dict:
        return self.document["threshold"]
