"""What the OpenAPI document says of each operation besides its bodies: a stable
operationId (what a generated client names its method) and who may call it (the bearer
scheme, and the key scope it needs, as the `x-scope` extension; OpenAPI 3.0 gives scopes
only to OAuth)."""

from __future__ import annotations


def operation(op_id: str, scope: str | None = None, *, anonymous: bool = False) -> dict:
    """The `@blp.doc` keys of one operation. `scope`: the key scope it needs (None: no
    key at all); `anonymous`: callers without a key are served too (the calculator)."""
    out: dict = {"operationId": op_id}
    if scope is None:
        out["security"] = []
    else:
        out["security"] = [{}, {"bearer": []}] if anonymous else [{"bearer": []}]
        out["x-scope"] = scope
    return out
