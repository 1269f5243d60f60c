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


@dataclass
class Policy:
    """A tier file merged with a city file, validated, hashed and compiled.

    `document` is the resolved policy as written (what the hash covers and what
    `GET /v1/policies/{city}` shows); `spec` is the same after validation, with
    defaults filled in; `compiled` is the engine's evaluator.
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
    compiled: Any = None
    applicant_schema: Any = None
    spec: dict = field(default_factory=dict)  # the validated structure, defaults filled in
    extras: dict = field(default_factory=dict)

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
