"""Decision ids: a keyed digest of what was decided, so that an id in a log reveals nothing.

An id is HMAC-SHA256, under the deployment's secret key, of the policy hash, the date
and the canonical values the policy reads. The same key and the same input give the
same id (a bureau can find a decision again); without the key, an id cannot be
matched against guessed inputs (a birth date and a test score have few values, so an
unkeyed hash of them is recovered by trying them all).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

MIN_KEY_BYTES = 16


class DecisionKey:
    """The deployment's secret for decision ids; `generated` says it was made at start."""

    __slots__ = ("_mac", "generated")

    def __init__(self, secret: bytes, *, generated: bool = False):
        if len(secret) < MIN_KEY_BYTES:
            raise ValueError(f"HUKOU_DECISION_KEY must be at least {MIN_KEY_BYTES} bytes")
        self._mac = hmac.new(secret, digestmod=hashlib.sha256)
        self.generated = generated

    @classmethod
    def from_setting(cls, value: str | bytes | None) -> DecisionKey:
        """The configured key, or a random one for this process when none is set."""
        if not value:
            return cls(secrets.token_bytes(32), generated=True)
        return cls(value.encode("utf-8") if isinstance(value, str) else value)

    def digest(self, material: str) -> str:
        mac = self._mac.copy()  # the key's inner and outer pads are computed once
        mac.update(material.encode("utf-8"))
        return mac.hexdigest()[:32]

    def __repr__(self) -> str:  # never the secret
        return f"DecisionKey(generated={self.generated})"
