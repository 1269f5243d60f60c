"""API keys: a YAML list of {name, sha256, scopes}; secrets arrive as `Bearer <secret>`.

Only hashes are stored. A presented secret is hashed and compared with every
stored hash in constant time, so timing reveals neither which key matched nor
how much of it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from flask import current_app, g, request

from service.policy.yaml_io import StrictYAMLError, load_yaml

from .errors import ApiError

SCOPES = ("score", "batch", "simulate", "ops", "admin")


@dataclass(frozen=True)
class Principal:
    name: str
    scopes: frozenset

    @property
    def anonymous(self) -> bool:
        return self.name == ""


ANONYMOUS = Principal("", frozenset())


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class KeyRing:
    """The keys a deployment accepts; an empty ring accepts none."""

    def __init__(self, entries: list[dict]):
        self.entries = [(e["sha256"].lower(), Principal(e["name"], frozenset(e.get("scopes", []))))
                        for e in entries]

    @classmethod
    def from_file(cls, path: str | None) -> KeyRing:
        if not path:
            return cls([])
        try:  # the strict reader: no anchors or aliases, no repeated keys
            data = load_yaml(Path(path).read_text(encoding="utf-8")) or []
        except StrictYAMLError as exc:
            raise ValueError(f"{path}: not a valid keys file: {exc}") from None
        if not isinstance(data, list):
            raise ValueError(f"{path}: must be a YAML list of {{name, sha256, scopes}}")
        for i, entry in enumerate(data):
            scopes = entry.get("scopes", []) if isinstance(entry, dict) else None
            if not isinstance(scopes, list) or not isinstance(entry.get("name"), str) \
                    or not isinstance(entry.get("sha256"), str) \
                    or len(entry["sha256"]) != 64 or set(map(str, scopes)) - set(SCOPES):
                raise ValueError(f"{path}: entry {i} needs a name, a 64-hex sha256 and "
                                 f"scopes from {', '.join(SCOPES)}")
        return cls(data)

    def identify(self, secret: str) -> Principal | None:
        digest = hash_secret(secret)
        found = None
        for stored, principal in self.entries:
            if hmac.compare_digest(digest, stored) and found is None:
                found = principal
        return found


def current_principal() -> Principal:
    """Who is calling: a key's principal, or ANONYMOUS; a bad key is a 401 (429 once the
    address has sent too many). Asked several times a request, decided once."""
    state = g._get_current_object()
    cached = state.get("principal")
    if cached is not None:
        return cached
    refused = state.get("auth_refused")
    if refused is not None:
        raise refused
    try:
        principal = _identify(request._get_current_object())
    except ApiError as error:
        state.auth_refused = error
        raise
    state.principal = principal
    return principal


def _identify(req) -> Principal:
    header = req.headers.get("Authorization")
    if not header:
        return ANONYMOUS
    extensions = current_app.extensions
    guard = extensions.get("auth_guard")
    address = req.remote_addr or "-"
    if guard is not None:
        guard.check(address)  # an address that keeps sending wrong keys waits first
    scheme, _, secret = header.partition(" ")
    principal = None
    if scheme.lower() == "bearer" and secret.strip():
        principal = extensions["keys"].identify(secret.strip())
    if principal is None:
        if guard is not None:
            guard.failed(address)
        detail = "The key is not valid." if scheme.lower() == "bearer" and secret.strip() \
            else "Send the key as 'Authorization: Bearer <key>'."
        raise ApiError(401, "bad_credentials", detail, headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(scope: str, *, anonymous: bool = False):
    """Decorator: the caller needs `scope`, unless anonymous calls are allowed here."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            principal = current_principal()
            if principal.anonymous:
                if not anonymous:
                    raise ApiError(401, "key_required", f"This needs a key with the "
                                   f"{scope!r} scope.", headers={"WWW-Authenticate": "Bearer"})
            elif scope not in principal.scopes:
                raise ApiError(403, "missing_scope", f"The key has no {scope!r} scope.")
            return view(*args, **kwargs)

        return guarded

    return decorate
